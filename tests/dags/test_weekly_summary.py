"""The weekly_summary DAG end to end with dag.test(): real PostgreSQL, real SMTP (aiosmtpd).

One e-mail per week unless asked again, backfills stored without e-mail, SMTP outages retried
without touching the stored summary, and the LLM's outage falling back only on the last try.
"""

from __future__ import annotations

import email
from datetime import datetime, time, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from alumusic.airflow_env import smtp_connection_json
from alumusic.summary.weeks import IsoWeek, last_complete_week
from tests.support.airflow import load_dag
from tests.support.factories import add_comments
from tests.support.smtp import free_port
from tests.support.weeks import known_week_items, week_item

pytestmark = pytest.mark.airflow

TZ = ZoneInfo("America/Sao_Paulo")
RECIPIENTS = ["curadoria@alumusic.local", "diretoria@alumusic.local"]


def _smtp_conn(port: int) -> str:
    return smtp_connection_json("127.0.0.1", port, from_email="AluMusic Insights <insights@alumusic.local>", timeout=5)


@pytest.fixture
def env(smtp, monkeypatch, airflow_db, db):
    from alumusic.settings import get_settings

    smtp.envelopes.clear()
    smtp.refuse_next = 0
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", _smtp_conn(smtp.port))
    monkeypatch.setenv("SUMMARY_RECIPIENTS", ",".join(RECIPIENTS))
    get_settings.cache_clear()
    yield db
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def weekly_dag(airflow_db):
    return load_dag("weekly_summary", retries=2)


def run(dag, when: datetime, **conf):
    """One dag.test() run whose logical date is ``when``; returns {task_id: (state, try_number)}."""
    # Full conf every time: in-process dag.test() runs share the DAG object's params.
    dr = dag.test(logical_date=when, run_conf={"reenviar": False, "semana": None, **conf})
    return {ti.task_id: (str(ti.state), ti.try_number) for ti in dr.get_task_instances()}


def after(week: IsoWeek) -> datetime:
    """A logical date whose data interval is ``week`` (Wednesday after it, like a late manual run)."""
    return datetime.combine(week.inicio + timedelta(days=9), time(10), TZ)


def _rows(db):
    with db.connect() as conn:
        return {r["semana"]: r for r in conn.execute(sa.text(
            "SELECT semana, texto, estatisticas, classificador, gerado_em, enviado_em, destinatarios "
            "FROM resumos_semanais")).mappings()}


def _parts(envelope):
    msg = email.message_from_bytes(envelope.content, policy=policy.default)
    return msg, msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_dag_shape(weekly_dag):
    from airflow.sdk import CronDataIntervalTimetable

    tt = weekly_dag.timetable
    assert isinstance(tt, CronDataIntervalTimetable)
    assert (tt.expression, str(tt.timezone)) == ("0 8 * * 1", "America/Sao_Paulo")
    assert set(weekly_dag.params) == {"reenviar", "semana"}
    assert list(weekly_dag.task_dict) == ["build_summary", "email_summary"]
    assert not weekly_dag.catchup and weekly_dag.max_active_runs == 1


def test_scheduled_interval_is_the_previous_iso_week():
    """The Monday 08:00 run's data interval starts on the previous Monday: that ISO week."""
    import pendulum
    from airflow.timetables.interval import CronDataIntervalTimetable

    tt = CronDataIntervalTimetable("0 8 * * 1", pendulum.timezone("America/Sao_Paulo"))
    interval = tt.infer_manual_data_interval(run_after=pendulum.datetime(2026, 11, 23, 9, tz="America/Sao_Paulo"))
    assert interval.start == pendulum.datetime(2026, 11, 16, 8, tz="America/Sao_Paulo")
    assert interval.end == pendulum.datetime(2026, 11, 23, 8, tz="America/Sao_Paulo")
    from alumusic.summary.weeks import week_for_run

    assert week_for_run(None, interval.start, None, "America/Sao_Paulo").label == "2026-W47"


def test_week_is_summarised_stored_and_emailed_once(env, weekly_dag, smtp):
    db = env
    week = last_complete_week("America/Sao_Paulo")
    add_comments(db, known_week_items(week))

    states = run(weekly_dag, after(week))
    assert states == {"build_summary": ("success", 1), "email_summary": ("success", 1)}
    rows = _rows(db)
    assert list(rows) == [week.label]
    row = rows[week.label]
    assert row["estatisticas"]["volume"]["total"] == 13 and row["classificador"] == "offline"
    assert row["enviado_em"] is not None and list(row["destinatarios"]) == RECIPIENTS

    [envelope] = smtp.envelopes
    assert sorted(envelope.rcpt_tos) == sorted(RECIPIENTS)
    msg, plain, html = _parts(envelope)
    assert week.label in msg["Subject"] and msg["From"] == "AluMusic Insights <insights@alumusic.local>"
    assert "13" in plain and "Destaques" in plain and "<table" in html and "Luna Ribeiro" in html

    # Rerun of the same week, with one more comment: the summary is replaced, no second e-mail.
    add_comments(db, [week_item("mais um elogio", "Luna Ribeiro", None, "ELOGIO", [],
                                datetime.combine(week.inicio, time(15), TZ))])
    assert run(weekly_dag, after(week))["email_summary"] == ("success", 1)
    again = _rows(db)[week.label]
    assert again["estatisticas"]["volume"]["total"] == 14 and again["gerado_em"] > row["gerado_em"]
    assert again["enviado_em"] == row["enviado_em"] and len(smtp.envelopes) == 1

    # reenviar=true: a second e-mail, same week, to every recipient.
    run(weekly_dag, after(week), reenviar=True)
    assert len(smtp.envelopes) == 2 and sorted(smtp.envelopes[1].rcpt_tos) == sorted(RECIPIENTS)
    assert _rows(db)[week.label]["enviado_em"] > row["enviado_em"]


def test_backfill_of_three_past_weeks_stores_three_rows_without_email(env, weekly_dag, smtp):
    db = env
    newest = last_complete_week("America/Sao_Paulo")
    past = [newest.shift(-n) for n in (4, 3, 2)]
    for week in past:
        add_comments(db, known_week_items(week)[:3])
    for week in past:
        assert run(weekly_dag, after(week)) == {"build_summary": ("success", 1), "email_summary": ("success", 1)}
    rows = _rows(db)
    assert sorted(rows) == [w.label for w in past]
    assert all(r["enviado_em"] is None for r in rows.values()) and smtp.envelopes == []
    # The week override param and reenviar: one old week e-mailed on request.
    run(weekly_dag, after(newest), semana=past[0].label, reenviar=True)
    assert len(smtp.envelopes) == 1 and _rows(db)[past[0].label]["enviado_em"] is not None


def test_impossible_week_param_fails_at_once_without_retries(env, weekly_dag, smtp):
    states = run(weekly_dag, after(last_complete_week("America/Sao_Paulo")), semana="2025-W53")
    assert states["build_summary"] == ("failed", 1) and _rows(env) == {} and smtp.envelopes == []


def test_smtp_refusal_is_retried_and_the_summary_kept(env, weekly_dag, smtp):
    db = env
    week = last_complete_week("America/Sao_Paulo")
    add_comments(db, known_week_items(week))
    smtp.refuse_next = 1  # the first try gets a 451
    states = run(weekly_dag, after(week))
    assert states == {"build_summary": ("success", 1), "email_summary": ("success", 2)}
    assert len(smtp.envelopes) == 1 and _rows(db)[week.label]["enviado_em"] is not None


def test_smtp_down_fails_the_email_task_only(env, weekly_dag, smtp, monkeypatch):
    db = env
    week = last_complete_week("America/Sao_Paulo")
    add_comments(db, known_week_items(week))
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", _smtp_conn(free_port()))  # nothing listens there
    states = run(weekly_dag, after(week))
    assert states == {"build_summary": ("success", 1), "email_summary": ("failed", 3)}
    row = _rows(db)[week.label]
    assert row["estatisticas"]["volume"]["total"] == 13 and row["enviado_em"] is None

    # SMTP back: the next run e-mails the (never sent) week.
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", _smtp_conn(smtp.port))
    assert run(weekly_dag, after(week))["email_summary"] == ("success", 1)
    assert len(smtp.envelopes) == 1


def test_llm_outage_is_retried_then_falls_back_to_offline_on_the_last_try(env, weekly_dag, ollama):
    db = env
    week = last_complete_week("America/Sao_Paulo")
    add_comments(db, known_week_items(week))
    ollama.set_failure("http_500")
    states = run(weekly_dag, after(week))
    assert states["build_summary"] == ("success", 3)
    row = _rows(db)[week.label]
    assert row["classificador"] == "offline" and "o LLM falhou" in row["texto"].splitlines()[0]

    ollama.set_failure(None)
    run(weekly_dag, after(week))
    row = _rows(db)[week.label]
    assert row["classificador"] == "ollama" and "Destaques" in row["texto"]


# --- params that must fail the run at once, storing nothing ----------------------------------------------

def _today_sp():
    return datetime.now(TZ).date()


@pytest.mark.parametrize("ahead", [0, 1, 5], ids=["current-week", "next-week", "five-weeks-ahead"])
def test_unfinished_or_future_week_param_fails_at_once_and_stores_nothing(env, weekly_dag, smtp, ahead):
    """The current week is not over and a future one has no data: either would be stored as an empty or
    partial summary that the insights Q&A then reads as the newest week."""
    db = env
    current = IsoWeek.of(_today_sp())
    add_comments(db, known_week_items(current.shift(-1)))  # data exists; the week asked for is the problem
    states = run(weekly_dag, after(last_complete_week("America/Sao_Paulo")), semana=current.shift(ahead).label,
                 reenviar=True)
    assert states["build_summary"] == ("failed", 1)
    assert states["email_summary"][0] == "upstream_failed"
    assert _rows(db) == {} and smtp.envelopes == []


def test_the_last_complete_week_param_is_still_accepted(env, weekly_dag):
    week = last_complete_week("America/Sao_Paulo")
    assert run(weekly_dag, after(week.shift(-3)), semana=week.label)["build_summary"] == ("success", 1)
    assert list(_rows(env)) == [week.label]


@pytest.mark.parametrize("semana", ["0001-W01", "1999-W52", "2101-W01"])
def test_week_param_outside_the_supported_years_fails_at_once(env, weekly_dag, smtp, semana):
    """0001-W01 overflowed in week.shift(-1) (OverflowError, retried); no year outside 2000..2100 is summarised."""
    states = run(weekly_dag, after(last_complete_week("America/Sao_Paulo")), semana=semana)
    assert states["build_summary"] == ("failed", 1) and _rows(env) == {} and smtp.envelopes == []


def test_unknown_conf_key_fails_at_once_naming_it(env, weekly_dag, smtp):
    """{"semanas": ...} (for "semana") used to be ignored: the interval's week was built and e-mailed."""
    from airflow.sdk.exceptions import AirflowFailException

    from alumusic.airflow_params import refuse_unknown_conf

    db = env
    week = last_complete_week("America/Sao_Paulo")
    add_comments(db, known_week_items(week))
    states = run(weekly_dag, after(week), semanas=week.shift(-2).label)
    assert states["build_summary"] == ("failed", 1) and states["email_summary"][0] == "upstream_failed"
    assert _rows(db) == {} and smtp.envelopes == []
    assert set(weekly_dag.params) == {"reenviar", "semana"}  # the run's conf did not become a param

    # The message the task fails with: the unknown key and the accepted ones.
    class DagRun:
        conf = {"reenviar": False, "semanas": "2026-W40"}

    with pytest.raises(AirflowFailException) as raised:
        refuse_unknown_conf({"dag_run": DagRun(), "dag": weekly_dag})
    assert "'semanas'" in str(raised.value) and "reenviar, semana" in str(raised.value)


def test_insights_never_read_a_current_or_future_week_stored_directly(db):
    """Rows for the current and a future week (as the DAG stored them before it refused such weeks) are
    never chosen: neither by summaries_since nor by the insights Q&A, which read the newest week first."""
    from alumusic.insights import answer_question
    from alumusic.repositories.summaries import summaries_since

    current = IsoWeek.of(_today_sp())
    done = last_complete_week("America/Sao_Paulo")
    weeks = {done: "Destaques\n- Elogios ao show de Banda Passada.",
             current: "Destaques\n- Elogios ao show de Banda Corrente.",
             current.shift(5): "Destaques\n- Elogios ao show de Banda Futura."}
    with db.begin() as conn:
        for week, texto in weeks.items():
            conn.execute(sa.text("INSERT INTO resumos_semanais (semana, inicio, fim, texto, estatisticas, classificador) "
                                 "VALUES (:s, :i, :f, :t, '{}'::jsonb, 'offline')"),
                         {"s": week.label, "i": week.inicio, "f": week.fim, "t": texto})
    with db.connect() as conn:
        chosen = summaries_since(conn, done.shift(-8).inicio, limit=3)
    assert [s.semana for s in chosen] == [done.label]
    out = answer_question(db, "Quem recebeu elogios ao show?", origem="api", client=None)
    assert out["semanas"] == [done.label]
    assert "Banda Passada" in out["resposta"] and "Futura" not in out["resposta"] and "Corrente" not in out["resposta"]
