"""detect_alerts' `em` and conf with dag.test(): real metadata DB, real PostgreSQL, real SMTP.

The detector's state is the live alerts, so an `em` the DAG cannot read, or one that is not a recent
moment (the future, more than 24 h ago, a date alone), fails the run at once -- no retry -- and leaves
the open alerts exactly as they were, e-mail included. An offset-less `em` is a time in TIMEZONE.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from alumusic.airflow_env import smtp_connection_json
from alumusic.alerts import service
from tests.support.airflow import load_dag
from tests.support.alerts import stream

pytestmark = pytest.mark.airflow

TZ = ZoneInfo("America/Sao_Paulo")
SPIKE = [(60, 33)] + [(60, 6)] * 6  # a criticism spike in the last 7 days


@pytest.fixture
def env(smtp, monkeypatch, airflow_db, db):
    from alumusic.settings import get_settings

    smtp.envelopes.clear()
    smtp.refuse_next = 0
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp_connection_json(
        "127.0.0.1", smtp.port, from_email="AluMusic Insights <insights@alumusic.local>", timeout=5))
    monkeypatch.setenv("ALERT_RECIPIENTS", "curadoria@alumusic.local")
    get_settings.cache_clear()
    yield db
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def alerts_dag(airflow_db):
    return load_dag("detect_alerts", retries=1)  # a retried failure shows as try 2


def _alerts(db) -> list[dict]:
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT id, tipo, artista, aberto_em, fechado_em, atualizacoes, janela_inicio, janela_fim, evidencia, "
            "notificado_em FROM alertas ORDER BY id")).mappings()]


def _tries(dr) -> dict:
    return {ti.task_id: (str(ti.state), ti.try_number) for ti in dr.get_task_instances()}


def _bad_ems() -> dict[str, str]:
    now = datetime.now(TZ)
    return {
        "garbage": "garbage",
        "impossible-day": "2024-02-30T10:00:00",
        "duration": "P1D",
        "long-past-utc": "2000-01-01T00:00:00Z",  # closed the live alerts
        "two-days-ago": (now - timedelta(days=2)).isoformat(),
        "date-only": now.date().isoformat(),
        "one-hour-ahead": (now + timedelta(hours=1)).isoformat(),
        "year-9999": "9999-12-31T23:59:59+00:00",
    }


@pytest.mark.parametrize("case", list(_bad_ems()))
def test_a_bad_em_fails_at_once_and_leaves_the_live_alerts_alone(env, smtp, alerts_dag, case):
    db = env
    stream(db, "Banda Pico", SPIKE, agora=datetime.now(TZ))
    service.detect(db, datetime.now(TZ))  # the live alert, open and not yet e-mailed
    before = _alerts(db)
    assert len(before) == 1 and before[0]["fechado_em"] is None

    dr = alerts_dag.test(run_conf={"em": _bad_ems()[case]})
    tries = _tries(dr)
    assert tries["detectar"] == ("failed", 1)
    assert tries["notificar"][0] == "upstream_failed"
    assert _alerts(db) == before and smtp.envelopes == []


def test_an_offset_less_em_is_a_time_in_the_product_time_zone(env, smtp, alerts_dag):
    db = env
    moment = (datetime.now(TZ) - timedelta(hours=2)).replace(microsecond=0)  # 2 h ago in São Paulo
    stream(db, "Banda Pico", SPIKE, agora=moment)
    dr = alerts_dag.test(run_conf={"em": moment.replace(tzinfo=None).isoformat()})  # "…T10:00:00", no offset
    assert _tries(dr) == {"detectar": ("success", 1), "notificar": ("success", 1)}
    [alert] = _alerts(db)
    assert alert["janela_fim"] == moment  # read as UTC it would end 3 h later (and be in the future)
    assert alert["janela_inicio"] == moment - timedelta(days=7)
    assert len(smtp.envelopes) == 1


def test_a_recent_em_with_an_offset_and_an_empty_em_are_accepted(env, alerts_dag):
    db = env
    moment = (datetime.now(TZ) - timedelta(hours=20)).replace(microsecond=0)
    stream(db, "Banda Pico", SPIKE, agora=moment)
    em = moment.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")
    assert _tries(alerts_dag.test(run_conf={"em": em}))["detectar"] == ("success", 1)
    assert _alerts(db)[0]["janela_fim"] == moment
    assert _tries(alerts_dag.test(run_conf={"em": None}))["detectar"] == ("success", 1)
    assert _alerts(db)[0]["janela_fim"] > moment  # now: the open alert was updated


def test_an_unknown_conf_key_fails_at_once(env, smtp, alerts_dag):
    db = env
    stream(db, "Banda Pico", SPIKE, agora=datetime.now(TZ))
    tries = _tries(alerts_dag.test(run_conf={"em": None, "agora": "2026-11-20T12:00:00"}))
    assert tries["detectar"] == ("failed", 1) and _alerts(db) == [] and smtp.envelopes == []
