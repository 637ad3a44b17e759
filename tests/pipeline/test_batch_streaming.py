"""A batch stores its results as they finish: a slow LLM call never holds back the others.

Classifiers here are BaseClassifier subclasses scripted per text (the threading under test is
BaseClassifier's and the batch's, not the LLM's); the database is the real PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import sqlalchemy as sa

from alumusic.classification.contract import BaseClassifier
from alumusic.domain import Classification, Provenance
from alumusic.pipeline.batch import run_batch
from alumusic.pipeline.run_plan import plan_run
from alumusic.settings import get_settings
from tests.support.factories import add_comments

PROVENANCE = Provenance(classificador="roteiro", versao="roteiro-1")
SLOW = "comentário lento"


class Held(BaseClassifier):
    """Classifies at once, except SLOW, which waits until ``release`` is set (or 30 s)."""

    provenance = PROVENANCE

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[str] = []

    def classify(self, texto: str) -> Classification:
        self.calls.append(texto)
        if texto == SLOW:
            self.release.wait(30)
        return Classification(categoria="OUTRO", confianca=0.5, proveniencia=self.provenance, latencia_ms=1.0)


def test_the_stream_yields_each_outcome_when_it_finishes_not_in_input_order():
    clf = Held()
    items = [("lento", SLOW)] + [(f"r{i}", f"rápido {i}") for i in range(5)]
    stream = clf.classify_stream(items, 2)
    first = [next(stream).comentario_id for _ in range(5)]  # would hang if the slow one held the others
    assert sorted(first) == [f"r{i}" for i in range(5)]
    clf.release.set()
    assert [o.comentario_id for o in stream] == ["lento"]


def test_closing_the_stream_early_never_starts_the_rest():
    clf = Held()
    stream = clf.classify_stream([(f"r{i}", f"rápido {i}") for i in range(50)], 2)
    next(stream)
    stream.close()
    assert len(clf.calls) < 50  # the two in flight finished, nothing queued started after


def test_a_slow_call_does_not_hold_back_its_batchs_other_results(db):
    rows = add_comments(db, [{"texto": SLOW}] + [{"texto": f"comentário rápido {i}"} for i in range(20)])
    clf = Held()
    plan = dataclasses.replace(plan_run({"tamanho_lote": 50}, get_settings()), concorrencia=2)
    group = plan.concorrencia * 4  # results are stored 8 at a time
    stored: list[int] = []

    def watch():
        # Two groups of the others are stored while the slow call (the batch's first) is in flight,
        # then it is let go; stored in chunks of 8 in input order, nothing would be before it ends.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with db.connect() as conn:
                n = conn.execute(sa.text("SELECT count(*) FROM comentarios WHERE status = 'classificado'")).scalar()
            if n >= 2 * group:
                stored.append(n)
                break
            time.sleep(0.05)
        clf.release.set()

    watcher = threading.Thread(target=watch)
    watcher.start()
    stats = run_batch(db, plan, "lote-teste", lambda codes: clf)
    watcher.join()
    assert stored and stored[0] >= 2 * group  # stored while the slow one was still in flight
    assert stats.classificados == 21
    with db.connect() as conn:
        statuses = set(conn.execute(sa.text("SELECT status FROM comentarios WHERE id = ANY(CAST(:ids AS uuid[]))"),
                                    {"ids": [r["id"] for r in rows]}).scalars())
    assert statuses == {"classificado"}


class Slow(BaseClassifier):
    provenance = PROVENANCE

    def classify(self, texto: str) -> Classification:
        time.sleep(0.25)
        return Classification(categoria="OUTRO", confianca=0.5, proveniencia=self.provenance, latencia_ms=250.0)


def test_a_batch_longer_than_its_lease_keeps_the_rest_leased(db):
    # 60 comments one at a time at 0.25 s: ~15 s, past a 10 s lease. Renewed every quarter of it,
    # the comments not yet stored stay leased to the batch (nobody else may claim them).
    rows = add_comments(db, [{"texto": f"comentário {i}"} for i in range(60)])
    plan = dataclasses.replace(plan_run({"tamanho_lote": 60}, get_settings()), concorrencia=1, lease_segundos=10)
    seen: list[tuple[int, bool]] = []

    def watch():
        time.sleep(12)
        with db.connect() as conn:
            seen.append(tuple(conn.execute(sa.text(
                "SELECT count(*), bool_and(lease_ate > now()) FROM comentarios "
                "WHERE status = 'processando' AND lease_dono = 'lote-lento'")).one()))

    watcher = threading.Thread(target=watch)
    watcher.start()
    stats = run_batch(db, plan, "lote-lento", lambda codes: Slow())
    watcher.join()
    (waiting, all_leased), = seen
    assert waiting > 0 and all_leased is True
    assert stats.classificados == len(rows)
