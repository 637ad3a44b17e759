"""The classification pipeline on real PostgreSQL and the Ollama emulator (no Airflow here)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alumusic.classification.prompts import PROMPT_VERSION
from alumusic.domain import CATEGORIAS, Outcome
from alumusic.pipeline import runs
from alumusic.pipeline.batch import scope_of, store_outcomes
from alumusic.pipeline.run_plan import plan_run
from alumusic.pipeline.stats import BatchStats
from alumusic.repositories import classifications as repo
from alumusic.repositories import queue, taxonomy
from alumusic.settings import get_settings
from tests.support.pipeline import MODEL, OTHER_MODEL, classification_rows, pending_comments, states

pytestmark = pytest.mark.usefixtures("ollama_env")


def _plan(**params):
    return plan_run(params, get_settings())


def _run(db, plan, run_id="run-1"):
    """prepare + every batch, sequentially; returns the summed stats."""
    plan, owners = runs.prepare(db, plan, run_id)
    return runs.summarize(runs.classify(db, plan, owner) for owner in owners)


def test_pending_comments_end_classified_with_provenance(db):
    ids = pending_comments(db, 7)
    stats = _run(db, _plan(tamanho_lote=3))
    assert (stats.reivindicados, stats.classificados, stats.pendentes, stats.falharam) == (7, 7, 0, 0)

    st = states(db)
    assert {s["status"] for s in st.values()} == {"classificado"}
    assert all(s["lease_dono"] is None and s["lease_ate"] is None and s["tentativas"] == 0 for s in st.values())
    rows = classification_rows(db)
    assert sorted(r["cid"] for r in rows) == sorted(ids)
    for r in rows:
        assert r["categoria"] in CATEGORIAS and r["origem"] == "automatica"
        assert (r["classificador"], r["modelo"], r["versao_prompt"]) == ("ollama", MODEL, PROMPT_VERSION)
        assert r["versao"] == f"ollama:{MODEL}:{PROMPT_VERSION}:{r['versao_taxonomia']}"  # taxonomy: 0016
        assert r["autor"].startswith("run-1/lote-") and r["latencia_ms"] > 0
        assert st[r["cid"]]["classificacao_atual_id"] == r["id"]
    # Three batches of at most 3 comments each.
    assert sorted(Counter(r["autor"] for r in rows).values()) == [1, 3, 3]
    # Nothing left: a second run claims nothing.
    assert _run(db, _plan(), "run-2").reivindicados == 0


@pytest.mark.parametrize("mode", ["http_500", "hang", "invalid_json", "out_of_enum", "unknown_tag", "truncated",
                                  "model_missing"])
def test_failure_mode_loses_nothing_and_invents_no_label(db, ollama_env, mode):
    ids = pending_comments(db, 5)
    ollama_env.set_failure(mode)  # every generation fails until cleared
    stats = _run(db, _plan())
    assert stats.classificados == 0
    assert stats.pendentes + stats.ignorados == 5  # attempted and back in the queue, or never tried
    assert classification_rows(db) == []  # no invented label
    st = states(db)
    assert {s["status"] for s in st.values()} == {"pendente"}
    assert all(s["lease_dono"] is None for s in st.values())
    tried = [s for s in st.values() if s["tentativas"] == 1]
    assert len(tried) == stats.pendentes >= 1
    assert all(s["ultimo_erro"] for s in tried)

    ollama_env.set_failure(None)
    stats = _run(db, _plan(), "run-2")
    assert stats.classificados == 5
    st = states(db)
    assert {s["status"] for s in st.values()} == {"classificado"}
    assert sorted(r["cid"] for r in classification_rows(db)) == sorted(ids)


def test_backend_down_releases_the_untried_rest_of_the_batch(db, ollama_env):
    pending_comments(db, 30)  # LLM_CONCURRENCY=3: chunks of 12
    ollama_env.set_failure("http_500")
    stats = _run(db, _plan(tamanho_lote=30))
    assert (stats.reivindicados, stats.pendentes, stats.ignorados) == (30, 12, 18)
    tries = Counter(s["tentativas"] for s in states(db).values())
    assert tries == {1: 12, 0: 18}


def test_after_max_attempts_failed_then_retried_by_param(db, ollama_env, monkeypatch):
    monkeypatch.setenv("CLASSIFY_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    pending_comments(db, 3)
    ollama_env.set_failure("out_of_enum")
    assert _run(db, _plan(), "r1").pendentes == 3
    assert _run(db, _plan(), "r2").falharam == 3
    st = states(db)
    assert {(s["status"], s["tentativas"]) for s in st.values()} == {("falhou", 2)}
    assert all("InvalidAnswerError" in s["ultimo_erro"] for s in st.values())
    # Failed comments stay out of the queue...
    assert _run(db, _plan(), "r3").reivindicados == 0

    ollama_env.set_failure(None)
    stats = _run(db, _plan(reprocessar_falhas=True), "r4")
    assert stats.classificados == 3
    assert {(s["status"], s["tentativas"]) for s in states(db).values()} == {("classificado", 0)}


def test_concurrent_batches_never_classify_a_comment_twice(db, ollama_env):
    ollama_env.latency_s = 0.02
    try:
        pending_comments(db, 60)
        plan, _ = runs.prepare(db, _plan(tamanho_lote=7), "x")
        results: list[BatchStats] = []
        errors: list[BaseException] = []

        def worker(n: int) -> None:
            try:
                for k in range(3):  # each worker claims batches until the queue is empty
                    results.append(runs.classify(db, plan, f"w{n}/lote-{k}"))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        ollama_env.latency_s = 0.0
    assert not errors
    rows = classification_rows(db)
    per_comment = Counter(r["cid"] for r in rows)
    assert len(per_comment) == 60 and set(per_comment.values()) == {1}
    assert sum(s.reivindicados for s in results) == 60 == sum(s.classificados for s in results)
    assert len({r["autor"].split("/")[0] for r in rows}) > 1  # the work really was shared


def test_expired_lease_is_recovered_and_the_late_worker_cannot_store(db, ollama_env):
    ids = pending_comments(db, 4)
    plan = _plan().with_backend("ollama")
    with db.begin() as conn:  # a worker claims, then dies
        claimed = queue.claim_batch(conn, scope_of(plan), "morto/lote-0", 10, 600)
    assert sorted(c for c, _ in claimed) == sorted(ids)
    assert _run(db, _plan(), "vivo").reivindicados == 0  # a live lease is respected

    with db.begin() as conn:
        conn.execute(sa.text("UPDATE comentarios SET lease_ate = now() - interval '1 second'"))
    stats = _run(db, _plan(), "vivo-2")
    assert stats.classificados == 4
    st = states(db)
    assert all(s["status"] == "classificado" and s["tentativas"] == 1 for s in st.values())
    assert {r["autor"].split("/")[0] for r in classification_rows(db)} == {"vivo-2"}

    # The dead worker wakes up with a result: not its lease any more, nothing stored.
    result = classification_rows(db)[0]
    with db.begin() as conn:
        clf = runs.make_classifier(plan, runs.current_taxonomy(db))
        late = BatchStats()
        store_outcomes(conn, "morto/lote-0", [Outcome(ids[0], result=clf.classify("oi"))],
                       taxonomy.active_codes(conn), 3, late)
    assert (late.classificados, late.ignorados) == (0, 1)
    assert len(classification_rows(db)) == 4 and result["id"] == classification_rows(db)[0]["id"]


def test_lease_expiring_on_the_last_attempt_marks_failed(db, monkeypatch):
    monkeypatch.setenv("CLASSIFY_MAX_ATTEMPTS", "1")
    get_settings.cache_clear()
    pending_comments(db, 2)
    with db.begin() as conn:
        queue.claim_batch(conn, queue.Scope(), "morto", 10, 600)
        conn.execute(sa.text("UPDATE comentarios SET lease_ate = now() - interval '1 second'"))
    _run(db, _plan())
    st = states(db)
    assert {s["status"] for s in st.values()} == {"falhou"}
    assert all("lease de morto expirou" in s["ultimo_erro"] for s in st.values())


def test_backfill_reclassifies_other_versions_keeps_manual_and_is_idempotent(db):
    old = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
    inside = pending_comments(db, 5, recebido_em=old)
    outside = pending_comments(db, 2, recebido_em=old - timedelta(days=10))
    assert _run(db, _plan(), "inicial").classificados == 7
    with db.begin() as conn:
        repo.record_manual_correction(conn, inside[0], "SPAM", [], autor="curadora")

    params = {"desde": "2026-11-01", "ate": "2026-11-05", "modelo": OTHER_MODEL}
    stats = _run(db, _plan(**params), "backfill-1")
    assert stats.classificados == 4  # the manual correction is not a candidate

    rows = classification_rows(db)
    new = [r for r in rows if r["autor"] and r["autor"].startswith("backfill-1/")]
    assert sorted(r["cid"] for r in new) == sorted(inside[1:])
    assert all(r["versao"] == f"ollama:{OTHER_MODEL}:{PROMPT_VERSION}:{r['versao_taxonomia']}" for r in new)
    st = states(db)
    for cid in inside[1:]:
        assert st[cid]["classificacao_atual_id"] in {r["id"] for r in new}
    with db.connect() as conn:
        hist = repo.history(conn, inside[0])
    assert hist[0]["origem"] == "manual" and hist[0]["atual"]
    for cid in outside:  # received outside the interval: untouched
        assert [r["autor"] for r in rows if r["cid"] == cid] == ["inicial/lote-0000"]

    assert _run(db, _plan(**params), "backfill-2").reivindicados == 0
    assert len(classification_rows(db)) == len(rows)


def test_backfill_failure_keeps_the_previous_classification(db, ollama_env):
    pending_comments(db, 3, recebido_em=datetime(2026, 11, 3, tzinfo=UTC))
    _run(db, _plan(), "inicial")
    before = {cid: s["classificacao_atual_id"] for cid, s in states(db).items()}
    ollama_env.set_failure("invalid_json")
    stats = _run(db, _plan(desde="2026-11-01", ate="2026-11-05", modelo=OTHER_MODEL), "bf")
    assert (stats.reivindicados, stats.mantidos, stats.classificados) == (3, 3, 0)
    st = states(db)
    assert {cid: s["classificacao_atual_id"] for cid, s in st.items()} == before
    assert all(s["status"] == "classificado" and s["tentativas"] == 0 and s["ultimo_erro"] for s in st.values())


def test_offline_results_are_replaced_by_an_llm_backfill(db):
    ids = pending_comments(db, 4, recebido_em=datetime(2026, 11, 3, 12, tzinfo=UTC))
    assert _run(db, _plan(backend="offline"), "offline").classificados == 4
    offline_rows = classification_rows(db)
    assert {r["classificador"] for r in offline_rows} == {"offline"}
    assert all(r["categoria"] in CATEGORIAS for r in offline_rows)

    assert _run(db, _plan(desde="2026-11-03", ate="2026-11-03", backend="ollama"), "llm").classificados == 4
    with db.connect() as conn:
        for cid in ids:
            hist = repo.history(conn, cid)
            assert [h["classificador"] for h in hist] == ["ollama", "offline"] and hist[0]["atual"]
