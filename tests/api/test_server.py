"""The API behind a real HTTP server on loopback: concurrent posts of one id, the database going
away (503 + Retry-After, nothing half-written), and errors that are JSON, never HTML."""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
from flask_jwt_extended import create_access_token
from werkzeug.serving import make_server

REFUSING_URL = "postgresql+psycopg2://postgres@127.0.0.1:1/nada"


@pytest.fixture
def server(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(5)


def _count(db, where: str = "TRUE", **params) -> int:
    with db.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM comentarios WHERE {where}"), params).scalar_one()


def _race(url, headers, bodies):
    barrier = threading.Barrier(len(bodies))

    def post(body):
        barrier.wait()
        return requests.post(f"{url}/api/comentarios", json=body, headers=headers, timeout=30)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_same_id_posted_concurrently_is_stored_once(server, db, access_headers):
    headers = access_headers()
    cid = str(uuid.uuid4())
    responses = _race(server, headers, [{"id": cid, "texto": "mesmo texto"}] * 8)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 7 + [201], [r.text for r in responses]
    assert _count(db, "id = CAST(:id AS uuid)", id=cid) == 1


def test_same_id_different_texts_concurrently_one_wins(server, db, access_headers):
    headers = access_headers()
    cid = str(uuid.uuid4())
    responses = _race(server, headers, [{"id": cid, "texto": f"versão {i}"} for i in range(6)])
    winners = [r for r in responses if r.status_code == 201]
    assert len(winners) == 1 and sorted(r.status_code for r in responses) == [201] + [409] * 5
    with db.connect() as conn:
        stored = conn.execute(sa.text("SELECT texto FROM comentarios WHERE id = CAST(:id AS uuid)"), {"id": cid}).scalar_one()
    winner_index = responses.index(winners[0])
    assert stored == f"versão {winner_index}"


def test_overlapping_batches_concurrently(server, db, access_headers):
    headers = access_headers()
    shared = [{"id": str(uuid.uuid4()), "texto": f"c{i}"} for i in range(50)]
    bodies = [{"comentarios": shared + [{"id": str(uuid.uuid4()), "texto": "próprio"}]} for _ in range(4)]
    responses = _race(server, headers, bodies)
    created = sum(r.json()["totais"]["criado"] for r in responses)
    assert created == 54 == _count(db)
    assert all(r.json()["totais"]["conflito"] == 0 for r in responses)


def test_errors_are_json_over_http(server, access_headers):
    headers = access_headers()
    for method, path, kwargs, code in [
        ("GET", "/nada", {}, 404),
        ("DELETE", "/api/comentarios", {}, 405),
        ("POST", "/api/comentarios", {"data": b"{oops", "headers": {**headers, "Content-Type": "application/json"}}, 400),
        ("POST", "/api/comentarios", {"data": b"x" * (5 * 1024 * 1024),
                                      "headers": {**headers, "Content-Type": "application/json"}}, 413),
    ]:
        resp = requests.request(method, server + path, timeout=30, **kwargs)
        assert resp.status_code == code, resp.text
        assert resp.headers["Content-Type"].startswith("application/json")
        assert resp.json()["erro"]["codigo"] == code


def test_database_down_is_503_with_retry_after(app, db_url, access_headers):
    from api import create_app

    down = create_app({"DATABASE_URL": REFUSING_URL, "JWT_SECRET_KEY": app.config["JWT_SECRET_KEY"]})
    client = down.test_client()
    with down.app_context():
        token = create_access_token("poster", additional_claims={"cid": 1, "papeis": ["ingest", "read"]})
    headers = {"Authorization": f"Bearer {token}"}
    for resp in (
        client.post("/api/comentarios", json={"id": str(uuid.uuid4()), "texto": "oi"}, headers=headers),
        client.get("/api/comentarios", headers=headers),
        client.post("/api/auth/token", json={"cliente": "poster", "segredo": "x"}),
    ):
        assert resp.status_code == 503, resp.get_data(as_text=True)
        assert resp.get_json()["erro"]["codigo"] == 503
        assert int(resp.headers["Retry-After"]) > 0
    assert client.get("/api/health").status_code == 503


def _waiting_insert(db):
    with db.connect() as probe:
        return probe.execute(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND query LIKE '%WITH dados AS%'")).scalar()


def _post_batch_while_killing(client, db, headers, batch, kills: int):
    """POST ``batch`` while comentarios is locked; terminate its waiting INSERT ``kills`` times
    (at most), then release the lock. Returns the response."""
    result = {}
    with db.connect() as locker:
        trans = locker.begin()
        locker.execute(sa.text("LOCK TABLE comentarios IN ACCESS EXCLUSIVE MODE"))
        worker = threading.Thread(target=lambda: result.setdefault("resp", client.post(
            "/api/comentarios", json=batch, headers=headers)))
        worker.start()
        killed = 0
        deadline = time.monotonic() + 30
        while killed < kills and worker.is_alive() and time.monotonic() < deadline:
            victim = _waiting_insert(db)
            if victim:
                with db.connect() as killer:
                    killer.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
                killed += 1
            time.sleep(0.05)
        assert killed == kills, "the API never reached its INSERT"
        trans.rollback()
    worker.join(30)
    return result["resp"]


def _batch(n=20):
    return {"comentarios": [{"id": str(uuid.uuid4()), "texto": f"item {i}"} for i in range(n)]}


def test_connection_lost_mid_batch_writes_nothing(client, db, access_headers):
    """The API's session dies during its batch INSERT, and again on the retry: 503, zero rows."""
    headers = access_headers()
    batch = _batch()
    resp = _post_batch_while_killing(client, db, headers, batch, kills=2)
    assert resp.status_code == 503 and int(resp.headers["Retry-After"]) > 0, resp.get_data(as_text=True)
    assert json.loads(resp.get_data())["erro"]["codigo"] == 503
    assert _count(db) == 0
    # the pool recovers: the same batch goes through afterwards
    assert client.post("/api/comentarios", json=batch, headers=headers).status_code == 201
    assert _count(db) == 20


def test_connection_lost_once_is_retried_and_written_once(client, db, access_headers):
    headers = access_headers()
    resp = _post_batch_while_killing(client, db, headers, _batch(), kills=1)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json()["totais"]["criado"] == 20 and _count(db) == 20


def test_unexpected_error_is_json_500_without_internals(db_url):
    from api import create_app

    app = create_app({"DATABASE_URL": db_url})

    def boom():
        raise RuntimeError("segredo interno")

    app.add_url_rule("/api/boom", "boom", boom)
    resp = app.test_client().get("/api/boom")
    assert resp.status_code == 500 and resp.is_json
    assert resp.get_json()["erro"]["codigo"] == 500 and "segredo interno" not in resp.get_data(as_text=True)
