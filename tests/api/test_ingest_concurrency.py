"""POST /api/comentarios under concurrency: batches sharing ids, sent in different orders, never deadlock.

Threat pinned here: two clients (or one retrying) post batches with the same ids in different
orders at the same time. Inserting in input order makes each transaction hold an id the other
waits for (PostgreSQL aborts one with a deadlock, which the API answers 503). Rows are inserted
in id order, so both batches lock in the same order: both are answered, each id stored once.
"""

from __future__ import annotations

import threading
import uuid

import pytest

BATCH, ROUNDS = 1000, 4


@pytest.fixture
def auth(access_headers):
    return access_headers()


def _post_together(app, auth, bodies: list[dict]) -> list:
    """Post ``bodies`` at once, one thread (and test client) each; returns the responses in order."""
    answers: list = [None] * len(bodies)
    barrier = threading.Barrier(len(bodies))

    def post(k: int) -> None:
        client = app.test_client()
        barrier.wait()
        answers[k] = client.post("/api/comentarios", json=bodies[k], headers=auth)

    threads = [threading.Thread(target=post, args=(k,)) for k in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


def test_concurrent_batches_with_the_same_ids_in_opposite_orders_do_not_deadlock(app, db, auth):
    for rnd in range(ROUNDS):
        items = [{"id": str(uuid.uuid4()), "texto": f"comentário {rnd}-{i}"} for i in range(BATCH)]
        bodies = [{"comentarios": items}, {"comentarios": items[::-1]}]
        answers = _post_together(app, auth, bodies)
        for k, resp in enumerate(answers):
            assert resp is not None, "a request never finished"
            assert resp.status_code in (200, 201, 207), (rnd, k, resp.status_code, resp.get_data(as_text=True)[:300])
            results = resp.get_json()["resultados"]
            # Statuses come back in the order the items were sent.
            assert [r["id"] for r in results] == [c["id"] for c in bodies[k]["comentarios"]]
            assert {r["resultado"] for r in results} <= {"criado", "duplicado"}
        created = [r["id"] for resp in answers for r in resp.get_json()["resultados"] if r["resultado"] == "criado"]
        assert sorted(created) == sorted(c["id"] for c in items)  # each id created by exactly one batch
    with db.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*), count(DISTINCT id) FROM comentarios").one() == (
            BATCH * ROUNDS, BATCH * ROUNDS)
