"""monitor_pipeline with dag.test(): a stalled queue opens one incident and e-mails the operators
once (real SMTP, aiosmtpd) through smtp_default, later runs do not e-mail again, recovery closes it,
a new stall is a new incident; the failure-rate alarm; SMTP refusing is retried, not lost; probes."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
import sqlalchemy as sa

from alumusic.airflow_env import smtp_connection_json
from alumusic.repositories import status
from tests.support.airflow import load_dag
from tests.support.factories import add_comments

OPERATORS = ["plantao@alumusic.local", "dados@alumusic.local"]


@pytest.fixture
def env(smtp, monkeypatch, airflow_db, db):
    from alumusic.settings import get_settings

    smtp.envelopes.clear()
    smtp.refuse_next = 0
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp_connection_json(
        "127.0.0.1", smtp.port, from_email="AluMusic Insights <insights@alumusic.local>", timeout=5))
    monkeypatch.setenv("OPERATOR_EMAILS", ",".join(OPERATORS))
    monkeypatch.setenv("ALARM_PENDING_MAX_AGE_MINUTES", "30")
    get_settings.cache_clear()
    yield db
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def monitor(airflow_db):
    return load_dag("monitor_pipeline", retries=2)


_when = [datetime(2026, 3, 2, 12, 0, tzinfo=UTC)]


def run(dag) -> dict:
    _when[0] += timedelta(minutes=5)  # each dag.test() its own logical date
    dr = dag.test(logical_date=_when[0])
    return {ti.task_id: (str(ti.state), ti.try_number) for ti in dr.get_task_instances()}


def _alerts(db) -> list[dict]:
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text("SELECT * FROM incidentes ORDER BY id")).mappings()]


def _stall(db, minutes: int = 90) -> str:
    (item,) = add_comments(db, [{"texto": "quando sai o clipe novo?"}])
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE comentarios SET recebido_em = now() - make_interval(mins => :m) WHERE id = :id"),
                     {"m": minutes, "id": item["id"]})
    return str(item["id"])


def _message(envelope):
    return email.message_from_bytes(envelope.content, policy=policy.default)


def test_a_stalled_queue_alarms_once_and_closes_on_recovery(env, smtp, monitor):
    db = env
    cid = _stall(db)
    states = run(monitor)
    assert {t: s for t, (s, _) in states.items()} == {"sondar_ollama": "success", "verificar_alarmes": "success",
                                                     "notificar_operadores": "success"}
    (alert,) = _alerts(db)
    assert alert["tipo"] == "fila_parada" and alert["fechado_em"] is None and alert["notificado_em"] is not None
    assert alert["destinatarios"] == OPERATORS and alert["valor"] >= 90 * 60
    (envelope,) = smtp.envelopes
    assert sorted(envelope.rcpt_tos) == sorted(OPERATORS)
    msg = _message(envelope)
    assert msg["Subject"] == "[AluMusic Insights] Alarme: Fila de classificação parada"
    body = msg.get_body(("plain",)).get_content()
    assert "espera há 90 min" in body and "limite: 30 min" in body
    assert "quando sai o clipe" not in msg.as_string()  # no comment text in an alert
    assert msg.get_body(("html",)) is not None

    run(monitor)  # still stalled: same incident, no second e-mail
    assert len(_alerts(db)) == 1 and len(smtp.envelopes) == 1

    with db.begin() as conn:  # the queue moves again
        conn.execute(sa.text("UPDATE comentarios SET status = 'classificado' WHERE id = :id"), {"id": cid})
    run(monitor)
    (closed,) = _alerts(db)
    assert closed["fechado_em"] is not None and len(smtp.envelopes) == 1

    _stall(db, 45)  # a new stall is a new incident, e-mailed once
    run(monitor)
    alerts = _alerts(db)
    assert [a["fechado_em"] is None for a in alerts] == [False, True]
    assert len(smtp.envelopes) == 2 and "45 min" in _message(smtp.envelopes[1]).get_body(("plain",)).get_content()


def test_smtp_refusing_is_recorded_and_retried_without_a_duplicate(env, smtp, monitor):
    db = env
    _stall(db)
    smtp.refuse_next = 1  # the first try of notificar_operadores gets a 451
    states = run(monitor)
    assert states["notificar_operadores"] == ("success", 2)
    (alert,) = _alerts(db)
    assert alert["notificado_em"] is not None and alert["tentativas_envio"] == 2 and alert["ultimo_erro_envio"] is None
    assert len(smtp.envelopes) == 1


def test_a_high_failure_rate_alarms(env, smtp, monitor):
    db = env
    with db.begin() as conn:
        status.add_activity(conn, classificados=10, erros=15, falharam=5)
    run(monitor)
    (alert,) = _alerts(db)
    assert alert["tipo"] == "falhas_excessivas" and alert["valor"] == pytest.approx(0.6)
    assert "15 de 25 tentativas" in alert["detalhe"]
    assert _message(smtp.envelopes[0])["Subject"].endswith("Taxa de falhas de classificação alta")


def test_few_attempts_do_not_alarm(env, smtp, monitor):
    with env.begin() as conn:
        status.add_activity(conn, classificados=0, erros=3, falharam=3)  # 100% but only 3 attempts
    run(monitor)
    assert _alerts(env) == [] and smtp.envelopes == []


def test_probe_records_each_host(db, emu):
    from alumusic.llm.ollama import OllamaClient
    from alumusic.monitoring.probe import probe_hosts
    from alumusic.settings import Settings

    dead = "http://usuario:senha@127.0.0.1:9"
    client = OllamaClient([emu.url, dead], emu.models[0], connect_timeout=1, read_timeout=2)
    results = probe_hosts(db, Settings(_env_file=None), client)
    assert [(r["ok"], r["modelo"]) for r in results] == [(True, True), (False, False)]
    with db.connect() as conn:
        hosts = {h.host: h for h in status.hosts(conn)}
    assert set(hosts) == {emu.url, "http://127.0.0.1:9"}  # credentials never stored
    assert hosts[emu.url].sonda_ok and hosts[emu.url].sonda_latencia_ms >= 0
    assert not hosts["http://127.0.0.1:9"].sonda_ok and "senha" not in (hosts["http://127.0.0.1:9"].sonda_erro or "")
