"""/metrics of the API under real gunicorn (two workers, multiprocess mode): exact counts after
known traffic whichever worker answers the scrape, populated histograms, pipeline gauges read from
the database, a killed worker's counts kept; and /metrics as an attacker sees it."""

from __future__ import annotations

import os
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from alumusic.repositories import clients as clients_repo
from tests.support.observability import gunicorn_api, samples, value

ROUTE = "/api/comentarios"


def _worker_pids(directory: Path, master: int) -> set[int]:
    """Processes that wrote metric files (the master writes empty ones when it loads the worker class)."""
    return {int(p.stem.rsplit("_", 1)[1]) for p in directory.glob("counter_*.db")} - {master}


@pytest.fixture
def server(db, db_url, tmp_path):
    prom = tmp_path / "prom"
    with gunicorn_api(db_url, tmp_path, PROMETHEUS_MULTIPROC_DIR=str(prom)) as (base, master):
        yield base, prom, master


def _token(base: str, db) -> str:
    with db.begin() as conn:
        _, secret = clients_repo.create_client(conn, "poster", "ingest,read")
    resp = requests.post(base + "/api/auth/token", json={"cliente": "poster", "segredo": secret}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def test_counts_are_exact_across_two_workers(server, db):
    base, prom, master = server
    auth = {"Authorization": f"Bearer {_token(base, db)}"}
    before = samples(requests.get(base + "/metrics", timeout=10).text)
    # Health checks, concurrently, until both workers have answered some (each writes its own file).
    health = value(before, "alumusic_api_requests_total", rota="/api/health", metodo="GET", status="200") or 0
    with ThreadPoolExecutor(8) as pool:
        while len(_worker_pids(prom, master)) < 2:
            assert health < 600, "one worker answered every request"
            list(pool.map(lambda _: requests.get(base + "/api/health", timeout=10).raise_for_status(), range(16)))
            health += 16
    first = str(uuid.uuid4())
    post = lambda body: requests.post(base + ROUTE, json=body, headers=auth, timeout=10)  # noqa: E731
    assert post({"id": first, "texto": "que som lindo"}).status_code == 201
    for texto in ("show incrível", "quando sai o álbum?"):
        assert post({"id": str(uuid.uuid4()), "texto": texto}).status_code == 201
    assert post({"id": first, "texto": "que som lindo"}).status_code == 200  # duplicado
    assert post({"id": first, "texto": "outro texto"}).status_code == 409  # conflito
    assert post({"id": "nao-e-uuid", "texto": "x"}).status_code == 422  # invalido
    batch = {"comentarios": [{"id": str(uuid.uuid4()), "texto": "a"}, {"id": str(uuid.uuid4()), "texto": "b"},
                             {"id": first, "texto": "que som lindo"}, {"id": "ruim", "texto": "c"}]}
    assert post(batch).status_code == 207
    for _ in range(2):
        assert requests.get(base + "/api/nada-aqui/123", timeout=10).status_code == 404

    scrapes = [samples(requests.get(base + "/metrics", timeout=10).text) for _ in range(6)]
    for found in scrapes:  # whichever worker answered: the same totals
        assert value(found, "alumusic_api_requests_total", rota="/api/health", metodo="GET", status="200") == health
        assert value(found, "alumusic_api_requests_total", rota="/api/auth/token", metodo="POST", status="200") == 1
        for status, n in (("201", 3), ("200", 1), ("409", 1), ("422", 1), ("207", 1)):
            assert value(found, "alumusic_api_requests_total", rota=ROUTE, metodo="POST", status=status) == n, status
        # 404s are counted without their path: one series, whatever URLs were tried
        assert value(found, "alumusic_api_requests_total", rota="nenhuma", metodo="GET", status="404") == 2
        for resultado, n in (("criado", 5), ("duplicado", 2), ("conflito", 1), ("invalido", 2)):
            assert value(found, "alumusic_api_comments_total", resultado=resultado) == n, resultado
        count = value(found, "alumusic_api_request_duration_seconds_count", rota=ROUTE, metodo="POST")
        assert count == 7
        assert value(found, "alumusic_api_request_duration_seconds_bucket", rota=ROUTE, metodo="POST", le="+Inf") == 7
        assert value(found, "alumusic_api_request_duration_seconds_sum", rota=ROUTE, metodo="POST") > 0
        assert value(found, "alumusic_pipeline_up") == 1
        assert value(found, "alumusic_pipeline_comments", status="pendente") == 5
        assert value(found, "alumusic_pipeline_oldest_pending_age_seconds") >= 0
        assert value(found, "alumusic_api_db_unavailable_total") == 0
    assert not any("nada-aqui" in str(key) for key in scrapes[0])

    # A worker killed (gunicorn starts another): its counts stay in the totals.
    victim = sorted(_worker_pids(prom, master))[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:
        try:
            after = samples(requests.get(base + "/metrics", timeout=10).text)
            break
        except requests.RequestException:
            assert time.monotonic() < deadline
            time.sleep(0.3)
    assert value(after, "alumusic_api_requests_total", rota="/api/health", metodo="GET", status="200") == health
    assert value(after, "alumusic_api_comments_total", resultado="criado") == 5


# --- access, as an attacker --------------------------------------------------------------------------
def test_metrics_refuse_remote_clients_without_a_token(client):
    ok = client.get("/metrics")
    assert ok.status_code == 200 and ok.content_type.startswith("text/plain")
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 403 and remote.get_json()["erro"]["codigo"] == 403
    # X-Forwarded-For is not trusted without PROXY_HOPS: a remote client cannot claim loopback
    spoofed = client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert spoofed.status_code == 403
    assert client.post("/metrics").status_code == 405


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Bearer errado", "Basic dG9rZW4=", "bearer  token-quase",
                                    "Bearer " + "x" * 10_000, "Bearer tóken-çom-acento", "Bearer \x00"])
def test_with_a_token_every_wrong_header_is_a_401(app, header):
    app.config["METRICS_TOKEN"] = "token-de-metricas-123"
    client = app.test_client()
    headers = {"Authorization": header} if header is not None else {}
    resp = client.get("/metrics", headers=headers)  # loopback too: a local proxy must not open it
    assert resp.status_code == 401 and resp.get_json()["erro"]["codigo"] == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"


def test_with_the_token_any_client_reads_aggregates_only(app, access_headers, db):
    app.config["METRICS_TOKEN"] = "token-de-metricas-123"
    client = app.test_client()
    secret = "texto-secreto-do-ouvinte fulano@exemplo.com"
    assert client.post(ROUTE, json={"id": str(uuid.uuid4()), "texto": secret}, headers=access_headers()).status_code == 201
    resp = client.get("/metrics?x=<script>", headers={"Authorization": "Bearer token-de-metricas-123"},
                      environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert "alumusic_pipeline_comments" in text
    assert "secreto" not in text and "fulano" not in text and "poster" not in text


def test_a_scrape_with_the_database_down_still_answers(app):
    app.config["DATABASE_URL"] = "postgresql+psycopg2://nobody@127.0.0.1:1/nada"
    resp = app.test_client().get("/metrics")
    assert resp.status_code == 200
    assert value(samples(resp.get_data(as_text=True)), "alumusic_pipeline_up") == 0
