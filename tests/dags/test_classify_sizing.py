"""classify_comments sizes a scheduled run from the backlog and the LLM's measured capacity
(issue 15, item 3), end to end with dag.test(): real metadata DB, product DB, Ollama emulator."""

from __future__ import annotations

from collections import Counter

import pytest

from alumusic.pipeline.run_plan import CAPACITY_MIN_SAMPLES
from alumusic.settings import get_settings
from tests.support import pipeline
from tests.support.airflow import load_dag
from tests.support.pipeline import classification_rows, pending_comments, states
from tests.support.sizing import seed_latency_history

pytestmark = pytest.mark.airflow


@pytest.fixture
def sized_env(make_emulator, monkeypatch):
    for key, value in {"CLASSIFY_BATCH_SIZE": "10", "CLASSIFY_MAX_BATCHES": "1", "CLASSIFY_SCHEDULE_MINUTES": "1",
                       "CLASSIFY_RUN_INTERVALS": "1", "LLM_POOL_SLOTS": "1"}.items():
        monkeypatch.setenv(key, value)
    yield from pipeline.ollama_env(make_emulator, monkeypatch)  # LLM_CONCURRENCY=3; clears the settings cache


@pytest.fixture(scope="module")
def dag(airflow_db):
    return load_dag("classify_comments")


def test_a_backlog_is_planned_at_the_measured_capacity_not_the_fixed_cap(db, dag, sized_env):
    assert get_settings().classify_max_batches == 1
    ids = pending_comments(db, 80)
    # 3 calls in flight of 4 s each: 0.75 comments/s x 60 s = 45 comments -> 5 batches of 10
    # (the fixed cap would plan 1 batch: 10 comments).
    seed_latency_history(db, CAPACITY_MIN_SAMPLES, 4_000.0)
    dr = dag.test()
    assert str(dr.state) == "success"
    mapped = Counter(str(ti.state) for ti in dr.get_task_instances() if ti.task_id == "classificar")
    assert mapped == {"success": 5}
    st = states(db)
    assert Counter(st[i]["status"] for i in ids) == {"classificado": 50, "pendente": 30}
    rows = [r for r in classification_rows(db) if r["autor"].startswith(f"{dr.run_id}/")]
    assert len(rows) == 50 and all(r["tokens_prompt"] > 0 and r["tokens_resposta"] > 0 for r in rows)

    # The next run measures the emulator's own (fast) latency now: the whole rest in one run.
    dr = dag.test()
    assert Counter(states(db)[i]["status"] for i in ids) == {"classificado": 80}
