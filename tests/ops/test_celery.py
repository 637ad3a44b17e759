"""Scale-out on real processes (marker ``ops``): ``devstack.py run --executor celery --workers 2`` (what
``make run EXECUTOR=celery WORKERS=2`` runs) classifies a backlog with two Celery workers against two
Ollama emulator processes, every comment exactly once; then one emulator is killed mid-run and the run
finishes on the other, and the host is used again once it is back.

Throughput is printed, not asserted (``bench/celery_classify.py`` measures it against the emulators'
combined limit: docs/BENCHMARKS.md). Skipped, saying why, when Debian's redis-server is not installed
(``make redis-server`` / ``make test`` install it). The module takes ~3-5 minutes (most of it the stack's start).
"""

from __future__ import annotations

import time

import pytest
import requests

from tests.support.celery_stack import celery_stack, redis_available

pytestmark = [pytest.mark.ops, pytest.mark.timeout(420),
              pytest.mark.skipif(not redis_available(), reason="redis-server is not installed (`make redis-server` "
                                                                    "installs Debian's): no broker for the CeleryExecutor")]

# 4 batches at once (pool 'llm' = 4) on 2 workers x 3 slots: neither worker can take all four, and other
# DAGs' tasks still find a slot. 4 batches x 4 calls in flight keep the emulators' 2 x 4 slots busy.
# The harness sets CLASSIFY_SCHEDULE_MINUTES=600: the stack's scheduled classify runs at start only, but
# that first run may come late and take a backlog itself; batches of 80 split it into BATCHES batches
# whichever run classifies it.
BATCHES = 4
SETTINGS = {"LLM_POOL_SLOTS": str(BATCHES), "LLM_CONCURRENCY": "4", "CLASSIFY_MAX_BATCHES": str(BATCHES),
            "CLASSIFY_BATCH_SIZE": "80", "AIRFLOW__CELERY__WORKER_CONCURRENCY": "3"}


@pytest.fixture(scope="module")
def stack():
    with celery_stack(workers=2, emulators=2, latency_ms=500, num_parallel=4, extra_env=SETTINGS) as st:
        yield st
    assert not st.left_behind, f"processes left behind after Ctrl-C: {st.left_behind}"


def _classify(stack, n: int):
    loaded = time.time()  # batches that start from here on share the backlog (claims never overlap)
    ids = stack.load_backlog(n)
    run_id = stack.trigger({"max_lotes": BATCHES, "tamanho_lote": -(-n // BATCHES)})
    return ids, loaded, run_id


def test_the_stack_runs_the_celery_executor_with_two_workers_and_a_local_redis(stack):
    programs = stack.program_groups()
    assert {"redis", "airflow-worker-1", "airflow-worker-2", "airflow-scheduler"} <= set(programs)
    conf = (stack.data / "run" / "supervisord.conf").read_text()
    assert "celery worker --celery-hostname worker2@%%h --concurrency 3" in conf  # %% : supervisord's escape
    out = stack.output.read_text()
    assert "Celery workers ready: airflow-worker-1, airflow-worker-2 of 2" in out
    assert "CeleryExecutor: 2 workers" in out and f"redis+socket://{stack.data / 'run' / 'redis.sock'}" in out


def test_a_backlog_is_classified_exactly_once_by_two_celery_workers_on_two_hosts(stack):
    n = 320
    before = stack.batches_per_worker()
    ids, loaded, run_id = _classify(stack, n)
    counts = stack.wait_classified(ids, timeout=180)
    state = stack.wait_run(run_id, timeout=60)
    starts = stack.task_starts(loaded)
    per_worker = {w: k - before[w] for w, k in stack.batches_per_worker().items()}

    assert counts["status"] == {"classificado": n}, f"{counts}\n{stack.diagnostics(run_id)}"
    assert counts["classifications_per_comment"] == {1: n}, counts  # none lost, none twice
    assert state == "success", stack.diagnostics(run_id)
    assert counts["batches"] >= BATCHES and len(starts) >= BATCHES
    # Both workers classified batches of the backlog.
    assert sum(per_worker.values()) == len(starts) and all(per_worker.values()), per_worker
    window = counts["last"] - starts[0]
    print(f"celery: {n} comments, {len(starts)} batches, per worker {per_worker}; "
          f"{n / window:.1f}/s from the first batch's start to the last classification "
          f"({window:.1f} s; combined emulator limit {stack.limit:.0f}/s -> {n / window / stack.limit:.2f}x); "
          f"{time.time() - loaded:.1f} s from loading to the run's end")


def test_an_emulator_killed_mid_run_the_run_finishes_on_the_other_and_it_is_used_again(stack):
    n = 480
    victim, survivor = stack.emulators
    ids, loaded, run_id = _classify(stack, n)
    # Mid-run: once a quarter of the backlog is classified, kill -9 one host.
    deadline = time.monotonic() + 180
    while stack.counts(ids)["status"].get("classificado", 0) < n // 4:
        assert time.monotonic() < deadline, f"the run did not get going:\n{stack.diagnostics(run_id)}"
        time.sleep(0.5)
    victim.kill()
    killed_at = stack.counts(ids)["status"].get("classificado", 0)
    # The run goes on, on the survivor only: its own counter of answered generations (results are
    # stored a batch chunk at a time, so the comments' status may not move within a few seconds).
    served_before = _generations(survivor)
    time.sleep(6)
    served_meanwhile = _generations(survivor) - served_before
    victim.start()  # back on the same port
    counts = stack.wait_classified(ids, timeout=180)
    state = stack.wait_run(run_id, timeout=60)
    served_after_restart = victim.stop()  # SIGTERM: the restarted emulator's own counters

    assert counts["status"] == {"classificado": n}, f"{counts}\n{stack.diagnostics(run_id)}"  # none lost/failed
    assert counts["classifications_per_comment"] == {1: n}, counts  # none classified twice
    assert state == "success", stack.diagnostics(run_id)
    assert served_meanwhile > 0, "classification stopped while one host was down"
    assert served_after_restart.get("generations", 0) > 0, "the host was not used again after it came back"
    print(f"kill -9 of {victim.url} at {killed_at}/{n} classified; the survivor answered {served_meanwhile} "
          f"generations in the next six seconds; "
          f"after the restart it answered {served_after_restart['generations']} generations; "
          f"all {n} classified once in {time.time() - loaded:.1f} s")
    victim.start()  # leave both hosts up for whatever runs next in this module


def _generations(emulator) -> int:
    return requests.get(f"{emulator.url}/emulator/stats", timeout=5).json()["generations"]
