"""Spike alerts on constructed streams in a real PostgreSQL, and the detect_alerts DAG with a real SMTP.

A stream is a subject's classified comments spread over the seven weeks before ``AGORA``: a real
spike fires once and is e-mailed once, noise and a low-volume artist never fire, a continuing
spike updates the same alert, recovery closes it, and SMTP down keeps the alert for a retry.
"""

from __future__ import annotations

import email
import random
import re
from datetime import datetime, timedelta
from email import policy

import pytest
import sqlalchemy as sa

from alumusic.airflow_env import smtp_connection_json
from alumusic.alerts import service
from alumusic.repositories import alerts, status
from tests.support.airflow import load_dag
from tests.support.alerts import AGORA, TAG, stream, week_items
from tests.support.factories import add_classified_comments


def _alerts(db) -> list[dict]:
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT id, tipo, assunto_tipo, artista, album, tag, fechado_em, atualizacoes, evidencia, explicacao, "
            "notificado_em FROM alertas ORDER BY id")).mappings()]


def test_a_real_spike_fires_once_and_a_continuing_one_updates_it(db):
    calm = [(60, 6)] * 6
    stream(db, "Banda Pico", [(60, 33), *calm])
    first = service.detect(db, AGORA)
    assert _alerts(db)[0]["explicacao"].startswith(
        "Banda Pico: 55% de críticas em 60 comentários dos últimos 7 dias, contra 10% em 360 comentários")
    again = service.detect(db, AGORA + timedelta(hours=1))  # the windows moved on an hour
    rows = _alerts(db)
    assert [(r["tipo"], r["assunto_tipo"], r["artista"]) for r in rows] == [("critica", "artista", "Banda Pico")]
    assert len(first.abertos) == 1 and again.abertos == [] and again.atualizados == [rows[0]["id"]]
    assert rows[0]["atualizacoes"] == 1 and rows[0]["fechado_em"] is None

    # More criticism the same week: the same alert, with the new numbers.
    add_classified_comments(db, week_items("Banda Pico", 0, 20, 20))
    service.detect(db, AGORA)
    [row] = _alerts(db)
    assert row["id"] == rows[0]["id"] and row["evidencia"]["n"] == 80 and row["atualizacoes"] == 2


def test_noise_and_low_volume_artists_do_not_fire(db):
    rng = random.Random(3)
    for n in range(8):
        weeks = []
        for _ in range(7):
            total = rng.randint(40, 80)
            weeks.append((total, sum(rng.random() < 0.2 for _ in range(total))))
        stream(db, f"Banda Estável {n}", weeks)
    stream(db, "Banda Pequena", [(5, 4), (4, 0), (5, 1), (3, 0), (4, 0), (5, 0), (4, 1)])
    result = service.detect(db, AGORA)
    assert result.abertos == [] and _alerts(db) == []


def test_recovery_closes_the_alert_and_the_next_spike_opens_a_new_one(db):
    stream(db, "Banda Volta", [(60, 33)] + [(60, 6)] * 6)
    service.detect(db, AGORA)
    # A week later the share is back to normal: the last 7 days are calm again.
    later = AGORA + timedelta(days=7)
    add_classified_comments(db, week_items("Banda Volta", 0, 60, 6, agora=later))
    result = service.detect(db, later)
    [row] = _alerts(db)
    assert result.fechados == [row["id"]] and row["fechado_em"] is not None
    assert service.detect(db, later + timedelta(hours=1)).fechados == []  # closed once


def test_album_tag_volume_and_spam_subjects(db):
    # Four times the comments, the criticism share up only 10 points (not a criticism spike): criticism
    # carries the tag, so the tag's mentions rise too.
    stream(db, "Banda Álbum", [(240, 48)] + [(60, 6)] * 6, album="Disco Novo", tag=TAG)
    add_classified_comments(db, week_items("Banda Spam", 0, 100, 5, spam=40)
                            + [i for w in range(1, 7) for i in week_items("Banda Spam", w, 100, 5, spam=1)])
    service.detect(db, AGORA)
    found = {(r["tipo"], r["assunto_tipo"], r["artista"], r["album"], r["tag"]) for r in _alerts(db)}
    assert ("volume", "artista", "Banda Álbum", None, None) in found
    assert ("volume", "album", "Banda Álbum", "Disco Novo", None) in found
    assert ("volume", "tag", None, None, TAG) in found  # its mentions went from 6 to 48 a week
    assert ("spam", "artista", "Banda Spam", None, None) in found
    assert not any(t == "critica" and a == "Banda Álbum" for t, _, a, _, _ in found)  # the share did not move


def test_comments_behind_an_alert_are_the_ones_that_make_its_signal(db):
    stream(db, "Banda Pico", [(60, 33)] + [(60, 6)] * 6)
    stream(db, "Outra Banda", [(60, 33)] * 1)
    service.detect(db, AGORA)
    with db.connect() as conn:
        alert = alerts.get(conn, _alerts(db)[0]["id"])
        behind = alerts.comments_behind(conn, alert, limit=100)
    assert len(behind) == 33
    assert {r["artista"] for r in behind} == {"Banda Pico"} and {r["categoria"] for r in behind} == {"CRÍTICA"}


def test_two_concurrent_passes_open_one_alert(db):
    from concurrent.futures import ThreadPoolExecutor

    stream(db, "Banda Pico", [(60, 33)] + [(60, 6)] * 6)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: service.detect(db, AGORA), range(2)))
    assert sum(len(r.abertos) for r in results) == 1 and len(_alerts(db)) == 1


# --- the DAG, with the e-mail ---------------------------------------------------------------------------

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
    return load_dag("detect_alerts", retries=1)


def run(dag, em: datetime) -> dict:
    dr = dag.test(run_conf={"em": em.isoformat()})
    return {ti.task_id: str(ti.state) for ti in dr.get_task_instances()}


@pytest.mark.airflow
def test_the_dag_emails_a_new_alert_once_and_retries_when_smtp_is_down(env, smtp, alerts_dag):
    # The DAG only takes an `em` of the last 24 h (it rewrites the live alerts): a stream two hours old.
    agora = datetime.now(AGORA.tzinfo) - timedelta(hours=2)
    stream(env, "Banda Pico", [(60, 33)] + [(60, 6)] * 6, agora=agora)
    smtp.refuse_next = 5  # every try of this run fails
    states = run(alerts_dag, agora)
    assert states == {"detectar": "success", "notificar": "failed"}
    [row] = _alerts(env)
    assert row["notificado_em"] is None and smtp.envelopes == []
    with env.connect() as conn:
        erro, tentativas = conn.execute(sa.text("SELECT ultimo_erro_envio, tentativas_envio FROM alertas")).one()
    assert "451" in erro and tentativas == 2

    smtp.refuse_next = 0
    assert run(alerts_dag, agora + timedelta(hours=1)) == {"detectar": "success", "notificar": "success"}
    assert run(alerts_dag, agora + timedelta(hours=2)) == {"detectar": "success", "notificar": "success"}
    assert len(smtp.envelopes) == 1  # once, although the alert was updated twice since
    envelope = smtp.envelopes[0]
    assert envelope.rcpt_tos == ["curadoria@alumusic.local"]
    msg = email.message_from_bytes(envelope.content, policy=policy.default)
    text, page = msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()
    assert "alta de críticas em Banda Pico" in msg["Subject"]
    said = re.compile(r"Banda Pico: \d+% de críticas em \d+ comentários dos últimos 7 dias, contra 10% em \d+ comentários")
    assert said.search(text) and said.search(page)
    assert "comentário 0-" not in text + page  # the comments stay behind the login
    assert _alerts(env)[0]["notificado_em"] is not None
    with env.connect() as conn:  # the status page's "last alert sent"
        last = status.last_alert_sent(conn)
    assert (last["origem"], last["tipo"], last["destinatarios"]) == ("picos", "critica", ["curadoria@alumusic.local"])
