"""Run sizing from the backlog and the LLM's measured capacity (issue 15, item 3), and the tokens
each stored classification cost (item 2): unit arithmetic, the repository on real PostgreSQL,
and ``runs.prepare`` + batches against the Ollama emulator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alumusic.pipeline import runs
from alumusic.pipeline.run_plan import (
    CAPACITY_MIN_SAMPLES,
    CAPACITY_WINDOW_S,
    MAX_BATCHES_PER_RUN,
    batches_for,
    capacity_per_s,
    plan_run,
)
from alumusic.repositories import classifications
from alumusic.settings import Settings, get_settings
from tests.support.pipeline import MODEL, classification_rows, pending_comments
from tests.support.sizing import seed_latency_history

SETTINGS = Settings(classify_batch_size=100, classify_max_batches=8, classify_schedule_minutes=2,
                    classify_run_intervals=1.25, llm_pool_slots=4, llm_concurrency=8)


def test_a_scheduled_run_is_sized_from_capacity_and_backlog():
    plan = plan_run({}, SETTINGS, run_type="scheduled")
    assert plan.horizonte_s == 150.0 and plan.em_voo == 32  # 1.25 x 2 min; 4 slots x 8 calls
    capacity = capacity_per_s(plan, 800.0, CAPACITY_MIN_SAMPLES)  # 32 calls of 0.8 s in flight
    assert capacity == pytest.approx(40.0)
    # 100k pending: 40/s x 150 s = 6,000 comments = 60 batches (the fixed cap gave 8 = 800).
    assert batches_for(plan, 100_000, capacity) == 60
    assert batches_for(plan, 1_234, capacity) == 13  # a small backlog: all of it
    assert batches_for(plan, 0, capacity) == 0
    assert batches_for(plan, 10**7, 10**6) == MAX_BATCHES_PER_RUN  # an offline classifier's speed
    assert batches_for(plan, 10**7, 0.001) == 1  # a very slow LLM still gets one batch a run


def test_unknown_capacity_keeps_the_fixed_cap():
    plan = plan_run({}, SETTINGS, run_type="scheduled")
    assert capacity_per_s(plan, None, 0) is None
    assert capacity_per_s(plan, 800.0, CAPACITY_MIN_SAMPLES - 1) is None  # too few results to measure
    assert batches_for(plan, 100_000, None) == 8


def test_explicit_max_lotes_and_interval_runs_are_not_resized():
    fixed = plan_run({"max_lotes": 3}, SETTINGS, run_type="manual")
    assert fixed.horizonte_s is None and batches_for(fixed, 100_000, 40.0) == 3
    interval = plan_run({"desde": "2026-11-01"}, SETTINGS)
    assert interval.horizonte_s is None and batches_for(interval, 100_000, 40.0) == MAX_BATCHES_PER_RUN


def test_recent_latency_reads_this_classifier_and_model_in_the_window(db):
    seed_latency_history(db, 4, 200.0)
    seed_latency_history(db, 2, 500.0)
    seed_latency_history(db, 3, 9_000.0, idade_s=2 * CAPACITY_WINDOW_S)  # older than the window
    seed_latency_history(db, 3, 5.0, classificador="offline", modelo=None)
    seed_latency_history(db, 3, 7_000.0, modelo="llama3.2:1b")
    with db.connect() as conn:
        mean, n = classifications.recent_latency(conn, "ollama", MODEL, janela_s=CAPACITY_WINDOW_S)
        assert (n, mean) == (6, pytest.approx((4 * 200 + 2 * 500) / 6))
        assert classifications.recent_latency(conn, "offline", None, janela_s=CAPACITY_WINDOW_S) == (pytest.approx(5.0), 3)
        assert classifications.recent_latency(conn, "ollama", "nada:1b", janela_s=CAPACITY_WINDOW_S) == (None, 0)
        assert classifications.recent_latency(conn, "ollama", MODEL, janela_s=CAPACITY_WINDOW_S, limite=2)[1] == 2


@pytest.fixture
def sized(monkeypatch, ollama_env):
    """Settings for a sized run: batches of 10, fixed cap 1, 1 slot x 3 calls, 1-minute schedule."""
    for key, value in {"CLASSIFY_BATCH_SIZE": "10", "CLASSIFY_MAX_BATCHES": "1", "CLASSIFY_SCHEDULE_MINUTES": "1",
                       "CLASSIFY_RUN_INTERVALS": "1", "LLM_POOL_SLOTS": "1", "LLM_CONCURRENCY": "3"}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield ollama_env
    get_settings.cache_clear()


def test_prepare_plans_what_the_measured_capacity_serves(db, sized):
    pending_comments(db, 80)
    plan = plan_run({}, get_settings(), run_type="scheduled")
    _, owners = runs.prepare(db, plan, "sem-historico")
    assert len(owners) == 1  # capacity unknown: CLASSIFY_MAX_BATCHES, as before

    # 3 calls in flight of 4 s each: 0.75 comments/s x 60 s = 45 comments -> 5 batches of 10.
    seed_latency_history(db, CAPACITY_MIN_SAMPLES, 4_000.0)
    plan, owners = runs.prepare(db, plan, "com-historico")
    assert len(owners) == 5
    stats = runs.summarize(runs.classify(db, plan, owner) for owner in owners)
    assert stats.classificados == 50


def test_stored_classifications_carry_their_token_counts(db, sized):
    ids = pending_comments(db, 4)
    plan, owners = runs.prepare(db, plan_run({}, get_settings(), run_type="scheduled"), "tokens")
    runs.summarize(runs.classify(db, plan, owner) for owner in owners)
    rows = [r for r in classification_rows(db) if r["cid"] in ids]
    assert len(rows) == 4
    sent = [r["body"] for r in sized.received if r["path"] == "/api/chat"]
    from ollama_emulator.tokens import chat_tokens

    assert sorted(r["tokens_prompt"] for r in rows) == sorted(len(chat_tokens(b["messages"])) for b in sent)
    assert all(r["tokens_resposta"] > 0 for r in rows)
    assert sum(r["tokens_resposta"] for r in rows) == sized.stats["output_tokens"]
    with db.connect() as conn:
        (latest,) = [h for h in classifications.history(conn, ids[0])]
    assert latest["tokens_prompt"] > 0 and latest["criado_em"] <= datetime.now(UTC)
