"""The private status page (``/dashboard/status``) against a seeded state, server-rendered through a
logged-in client: open alarm, queue and its age, each DAG's last run (Airflow's metadata database,
after a real dag.test() run), failures by reason, Ollama hosts, last e-mails; and it is private."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alumusic.metrics import HostCalls
from alumusic.repositories import alarms, alerts, status, summaries
from alumusic.summary.pipeline import build_and_store
from alumusic.summary.weeks import last_complete_week
from dashboard.context import EXTENSION
from tests.support.airflow import load_dag
from tests.support.dashboard import callback_body, components_by_id, dash_csrf, find_callback, login
from tests.support.factories import add_comments

PATH = "/dashboard/status"


def _page(client, private) -> dict:
    body = callback_body(private, find_callback(private, "_pages_content.children"),
                         {"_pages_location.pathname": PATH, "_pages_location.search": ""})
    response = client.post("/dashboard/_dash-update-component", json=body, headers={"X-CSRFToken": dash_csrf(client)})
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def seeded(db, airflow_db, monkeypatch):
    monkeypatch.setenv("LLM_BACKEND", "offline")
    items = add_comments(db, [{"texto": "pendente antigo"}, {"texto": "pendente novo"}, {"texto": "falhou 1"},
                              {"texto": "falhou 2"}, {"texto": "falhou 3"}])
    ids = [str(i["id"]) for i in items]
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE comentarios SET recebido_em = now() - interval '2 hours' WHERE id = :id"),
                     {"id": ids[0]})
        conn.execute(sa.text("UPDATE comentarios SET status = 'falhou', tentativas = 3, ultimo_erro = :e "
                             "WHERE id = ANY(CAST(:ids AS uuid[]))"),
                     {"e": "InvalidAnswerError: resposta cita 'falhou 1' do ouvinte", "ids": ids[2:4]})
        conn.execute(sa.text("UPDATE comentarios SET status = 'falhou', ultimo_erro = 'BackendUnavailableError: x' "
                             "WHERE id = :id"), {"id": ids[4]})
        status.add_host_calls(conn, [HostCalls("http://ollama-a:11434", chamadas=10, erros=2, segundos=5.0,
                                               ultimo_erro="ReadTimeout")])
        status.record_probe(conn, "http://ollama-a:11434", ok=True, modelo=True, latencia_ms=12.0, erro=None)
        status.record_probe(conn, "http://ollama-b:11434", ok=False, modelo=False, latencia_ms=3.0,
                            erro="BackendUnavailableError: Ollama em http://ollama-b:11434 inacessível")
        old, _ = alarms.open_alert(conn, origem="pipeline", tipo="falhas_excessivas", detalhe="antigo",
                                   valor=0.5, limite=0.2)
        alarms.mark_notified(conn, old.id, ["plantao@alumusic.local"])
        alarms.close_alert(conn, tipo="falhas_excessivas")
        alarms.open_alert(conn, origem="pipeline", tipo="fila_parada", detalhe="o comentário pendente mais antigo "
                          "espera há 120 min (limite: 30 min)", valor=7200, limite=1800)
    week = last_complete_week("America/Sao_Paulo")
    build_and_store(db, week, client=None, num_ctx=4096)
    with db.begin() as conn:
        summaries.mark_emailed(conn, week.label, ["curadoria@alumusic.local"])
    # A real run of a DAG in Airflow's metadata database (no operators configured: nothing mailed).
    dag = load_dag("aplicar_retencao")
    dag.test()
    return week


@pytest.fixture
def private(dash_app, monkeypatch):
    ctx = dash_app.extensions[EXTENSION]
    settings = dataclasses.replace(ctx, settings=ctx.settings.model_copy(
        update={"airflow_database_url": os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]}))
    monkeypatch.setitem(dash_app.extensions, EXTENSION, settings)
    return dash_app.extensions["alumusic_dash_apps"][0]


def test_the_status_page_shows_the_seeded_state(live, dash_app, private, curator, seeded):
    client = dash_app.test_client()
    assert login(client).status_code == 302
    assert PATH in json.dumps(client.get("/dashboard/_dash-layout").get_json())  # linked in the navigation
    tree = _page(client, private)
    page = json.dumps(tree, ensure_ascii=False)
    found = components_by_id(tree)
    assert "1 alarme(s) ativo(s)" in page and "Fila de classificação parada" in page
    assert found["status-pendentes"]["children"] == "Pendentes: 2"
    assert found["status-falharam"]["children"] == "Com falha: 3"
    assert found["status-idade"]["children"] == "Pendente mais antigo: 2,0 h"
    dags = {r["dag"]: r for r in found["status-dags"]["data"]}
    assert dags["aplicar_retencao"]["estado"] == "sucesso" and dags["aplicar_retencao"]["tipo"] == "manual"
    falhas = {r["motivo"]: r["comentarios"] for r in found["status-falhas"]["data"]}
    assert falhas == {"InvalidAnswerError": 2, "BackendUnavailableError": 1}
    assert "ouvinte" not in page and "pendente antigo" not in page  # no comment or answer text
    hosts = {r["host"]: r for r in found["status-hosts"]["data"]}
    assert hosts["http://ollama-a:11434"]["saude"] == "ok" and hosts["http://ollama-a:11434"]["erros"] == 2
    assert hosts["http://ollama-a:11434"]["media"] == "500 ms"
    assert hosts["http://ollama-b:11434"]["saude"].startswith("com problema")
    assert seeded.label in found["status-ultimo-resumo"]["children"]
    assert "Taxa de falhas" in found["status-ultimo-alerta"]["children"]
    incidentes = found["status-incidentes"]["data"]
    assert [i["fechado_em"] == "aberto" for i in incidentes] == [True, False]


def test_without_a_session_the_page_redirects_to_login(live, dash_app):
    response = dash_app.test_client().get(PATH, headers={"Accept": "text/html"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/entrar?proximo=")


def test_the_dashboard_metrics_count_callbacks_cache_and_refuse_remote_clients(live, dash_app, private, curator):
    from tests.support.observability import samples, value

    client = dash_app.test_client()
    assert login(client).status_code == 302
    _page(client, private)
    client.get("/relatorio/semana.json")
    client.get("/relatorio/semana.json")
    found = samples(client.get("/metrics").get_data(as_text=True))
    timed = {dict(k[1])["callback"]: v for k, v in found.items()
             if k[0] == "alumusic_dashboard_callback_duration_seconds_count"}
    assert any("_pages_content.children" in name and n >= 1 for name, n in timed.items()), timed
    assert (value(found, "alumusic_dashboard_cache_requests_total", resultado="acerto") or 0) >= 1
    assert dash_app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 403
    hostile = dash_app.test_client().get("/metrics", headers={"Authorization": "Bearer \udcff"},
                                         environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert hostile.status_code == 403


def test_a_spike_alert_mailed_last_is_the_last_alert_sent(live, dash_app, private, curator, seeded, db):
    now = datetime.now(UTC)
    with db.begin() as conn:
        alert_id = alerts.open_alert(conn, alerts.Subject("album", "Banda Pico", "Disco"), "critica",
                                     janela=(now - timedelta(days=7), now), evidencia={"n": 60},
                                     explicacao="Banda Pico — Disco: 55% de críticas")
        alerts.mark_notified(conn, [alert_id], ["curadoria@alumusic.local"])
    client = dash_app.test_client()
    assert login(client).status_code == 302
    found = components_by_id(_page(client, private))
    assert found["status-ultimo-alerta"]["children"].startswith(
        "Último alerta enviado: Alta de críticas (Banda Pico — Disco) em ")
