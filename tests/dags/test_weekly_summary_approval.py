"""weekly_summary with SUMMARY_APPROVAL=true, end to end: dag.test(), real PostgreSQL, real SMTP.

The approval task parks in AWAITING_INPUT; ``dag.test()`` waits for a response recorded from outside,
and the test gives it the way a data engineer's click in Required Actions does: a PATCH of the HITL
detail through the api-server's Core API app (tests/support/hitl.py). The deadline goes through the
scheduler's own timeout sweep. Without SUMMARY_APPROVAL the DAG is tests/dags/test_weekly_summary.py's.
"""

from __future__ import annotations

import html
import os
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from markdown_it import MarkdownIt

from alumusic.airflow_env import smtp_connection_json
from alumusic.summary.weeks import IsoWeek, last_complete_week
from tests.support.airflow import load_dag
from tests.support.factories import add_comments
from tests.support.hitl import CoreApi, answer_in_background, expire_deadlines, wait_pending
from tests.support.weeks import known_week_items

pytestmark = pytest.mark.airflow

DAG_ID, TASK = "weekly_summary", "approve_summary"
TZ = "America/Sao_Paulo"
RECIPIENTS = ["curadoria@alumusic.local", "diretoria@alumusic.local"]


def _smtp_conn(port: int) -> str:
    return smtp_connection_json("127.0.0.1", port, from_email="AluMusic Insights <insights@alumusic.local>", timeout=5)


def run(dag, when: datetime, **conf) -> dict:
    """One dag.test() run whose logical date is ``when``; returns {task_id: (state, try_number)}."""
    dr = dag.test(logical_date=when, run_conf={"reenviar": False, "semana": None, **conf})
    return {ti.task_id: (str(ti.state), ti.try_number) for ti in dr.get_task_instances()}


def after(week: IsoWeek) -> datetime:
    """A logical date whose data interval is ``week`` (Wednesday after it, like a late manual run)."""
    return datetime.combine(week.inicio + timedelta(days=9), time(10), ZoneInfo(TZ))


def _approval_dag(**env: str):
    """The DAG as parsed with SUMMARY_APPROVAL=true (and ``env``): settings are read at parse time."""
    from alumusic.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"SUMMARY_APPROVAL": "true", **env}.items():
            mp.setenv(name, value)
        get_settings.cache_clear()
        dag = load_dag(DAG_ID, retries=2)
    get_settings.cache_clear()
    assert "SUMMARY_APPROVAL" not in os.environ
    return dag


@pytest.fixture(scope="module")
def approval_dag(airflow_db):
    return _approval_dag()


@pytest.fixture(scope="module")
def api(airflow_db):
    return CoreApi("curadora")


@pytest.fixture
def env(smtp, monkeypatch, airflow_db, db):
    from alumusic.settings import get_settings

    smtp.envelopes.clear()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", _smtp_conn(smtp.port))
    monkeypatch.setenv("SUMMARY_RECIPIENTS", ",".join(RECIPIENTS))
    get_settings.cache_clear()
    yield db
    monkeypatch.undo()
    get_settings.cache_clear()


def _row(db, week) -> dict:
    with db.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT texto, enviado_em, aprovacao, aprovacao_por, aprovacao_em, aprovacao_prazo_esgotado "
            "FROM resumos_semanais WHERE semana = :s"), {"s": week.label}).mappings().one())


def _status(db, week) -> str:
    from alumusic.repositories.summaries import deliveries

    with db.connect() as conn:
        return {d.semana: d.status for d in deliveries(conn, limit=10)}[week.label]


def _answer(api, db, week, smtp, option: str | None):
    """In the background: wait for the request, note what is stored and sent meanwhile, then answer
    ``option`` (None: let the deadline pass and run the scheduler's sweep)."""
    def action():
        detail = wait_pending(api, DAG_ID, TASK)
        seen = {"detail": detail, "aprovacao": _row(db, week)["aprovacao"], "status": _status(db, week),
                "enviados": len(smtp.envelopes)}
        if option is None:
            expire_deadlines(detail)
        else:
            seen["resposta"] = api.respond(detail, option)
        return seen
    return answer_in_background(action, dag_id=DAG_ID)


def test_dag_shape_with_approval(approval_dag):
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    assert list(approval_dag.task_dict) == ["build_summary", "approve_summary", "email_summary"]
    gate = approval_dag.task_dict[TASK]
    assert isinstance(gate, ApprovalOperator)
    assert gate.defaults == ["Reject"] and gate.response_timeout == timedelta(hours=24)
    assert gate.upstream_task_ids == {"build_summary"} and gate.downstream_task_ids == {"email_summary"}


def test_approved_summary_is_emailed_after_the_click(env, approval_dag, api, smtp):
    db = env
    week = last_complete_week(TZ)
    add_comments(db, known_week_items(week))
    answered = _answer(api, db, week, smtp, "Approve")
    states = run(approval_dag, after(week))
    seen = answered.result(timeout=10)

    assert states == {"build_summary": ("success", 1), "approve_summary": ("success", 1),
                      "email_summary": ("success", 1)}
    # While waiting: stored, marked, listed as waiting, nothing sent; Required Actions shows the text.
    assert seen["aprovacao"] == "aguardando" and seen["status"] == "aguardando aprovação" and seen["enviados"] == 0
    detail, row = seen["detail"], _row(db, week)
    assert week.label in detail["subject"] and detail["options"] == ["Approve", "Reject"]
    # The text as the approver sees it: Markdown rendered, every line shown as written.
    shown = html.unescape(re.sub(r"<[^>]+>", "", MarkdownIt("commonmark").enable("table").render(detail["body"])))
    assert all(line in shown for line in row["texto"].strip().splitlines()), shown
    assert "| Comentários recebidos | 13 |" in detail["body"]
    assert "Sem resposta em 24 h, o resumo é rejeitado" in detail["body"]
    assert seen["resposta"][0] == 200

    assert row["aprovacao"] == "aprovado" and row["aprovacao_por"] == "curadora"
    assert not row["aprovacao_prazo_esgotado"] and row["enviado_em"] is not None
    [envelope] = smtp.envelopes
    assert sorted(envelope.rcpt_tos) == sorted(RECIPIENTS)
    assert _status(db, week) == "enviado"


def test_rejected_summary_is_stored_and_not_emailed(env, approval_dag, api, smtp):
    from alumusic.summary.pipeline import deliver

    db = env
    week = last_complete_week(TZ)
    add_comments(db, known_week_items(week))
    answered = _answer(api, db, week, smtp, "Reject")
    states = run(approval_dag, after(week))
    assert answered.result(timeout=10)["resposta"][0] == 200

    assert states == {"build_summary": ("success", 1), "approve_summary": ("success", 1),
                      "email_summary": ("skipped", 0)}
    row = _row(db, week)
    assert row["aprovacao"] == "rejeitado" and row["aprovacao_por"] == "curadora" and row["aprovacao_em"] is not None
    assert row["enviado_em"] is None and "Destaques" in row["texto"] and smtp.envelopes == []
    assert _status(db, week) == "rejeitado"
    # The e-mail step run by itself (e.g. cleared by hand) still refuses a rejected summary.
    result = deliver(db, IsoWeek.parse(week.label), recipients=RECIPIENTS, reenviar=False, automatic=True,
                     send=lambda *_: pytest.fail("a rejected summary was sent"), approval_required=True)
    assert result["enviado"] is False and "rejeitado" in result["motivo"]


@pytest.mark.parametrize(("default", "decisao", "emails"), [("rejeitar", "rejeitado", 0), ("aprovar", "aprovado", 1)])
def test_deadline_applies_the_configured_default(env, api, smtp, default, decisao, emails):
    # 0.001 h = 3.6 s: the real default is 24 h.
    dag = _approval_dag(SUMMARY_APPROVAL_DEFAULT=default, SUMMARY_APPROVAL_TIMEOUT_HOURS="0.001")
    db = env
    week = last_complete_week(TZ)
    add_comments(db, known_week_items(week))
    answered = _answer(api, db, week, smtp, None)
    states = run(dag, after(week))
    seen = answered.result(timeout=10)

    assert "Sem resposta em 0.06 min" in seen["detail"]["body"] and seen["aprovacao"] == "aguardando"
    assert states["approve_summary"] == ("success", 1)
    assert states["email_summary"][0] == ("success" if emails else "skipped")
    row = _row(db, week)
    assert row["aprovacao"] == decisao and row["aprovacao_por"] is None and row["aprovacao_prazo_esgotado"]
    assert len(smtp.envelopes) == emails and (row["enviado_em"] is not None) == bool(emails)


def test_backfill_week_asks_no_approval(env, approval_dag, smtp):
    """A past week is stored without e-mail, as without approval: nobody is asked to approve it."""
    db = env
    week = last_complete_week(TZ).shift(-3)
    add_comments(db, known_week_items(week)[:3])
    states = run(approval_dag, after(week))  # would wait forever if it asked
    assert states == {"build_summary": ("success", 1), "approve_summary": ("success", 1),
                      "email_summary": ("success", 1)}
    row = _row(db, week)
    assert row["aprovacao"] is None and row["enviado_em"] is None and smtp.envelopes == []
