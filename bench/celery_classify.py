"""Celery scale-out benchmark: ``python -m bench.celery_classify`` (results: docs/BENCHMARKS.md).

The stack of ``make run EXECUTOR=celery WORKERS=2`` (scripts/devstack.py: embedded PostgreSQL, Redis,
Airflow api-server/scheduler/dag-processor, 2 ``airflow celery worker`` x 3 slots) in a temp DATA_DIR,
classifying with ``LLM_BACKEND=ollama`` against 2 Ollama emulator processes of ``--num-parallel 4``
at ``--latency-ms 500``: their combined limit is 2 x 4 / 0.5 s = 16 comments/s. A backlog of ``-n``
pending comments (inserted with the API's write path, ``insert_comments``) is classified by one
triggered ``classify_comments`` run of 4 batches (pool ``llm`` = 4, ``LLM_CONCURRENCY`` = 4, so 16
calls in flight for the 8 emulator slots); the run the scheduler makes when it first parses the DAG
may take part of the backlog (claims never overlap), so batches are counted whatever their run.

Reported: every comment classified exactly once (one automatic classification each), the batches
each worker ran, and throughput two ways: from the first batch task's start to the last
classification (what the workers and hosts sustain; target >= 0.9 x 16/s) and from the trigger to
the last classification (with Airflow's scheduling and task start-up).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from tests.support.celery_stack import celery_stack, redis_available

BATCHES = 4
SETTINGS = {"LLM_POOL_SLOTS": str(BATCHES), "LLM_CONCURRENCY": "4", "CLASSIFY_MAX_BATCHES": str(BATCHES),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "3"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=3000, help="comments in the backlog")
    parser.add_argument("--latency-ms", type=float, default=500)
    parser.add_argument("--num-parallel", type=int, default=4)
    args = parser.parse_args(argv)
    if not redis_available():
        print("redis-server is not installed (make redis-server)", file=sys.stderr)
        return 2
    results: dict = {"load_antes": os.getloadavg()}
    with celery_stack(workers=2, emulators=2, latency_ms=args.latency_ms, num_parallel=args.num_parallel,
                      extra_env=SETTINGS) as st:
        before = st.batches_per_worker()
        loaded = time.time()
        ids = st.load_backlog(args.n)
        triggered = time.time()
        run_id = st.trigger({"max_lotes": BATCHES, "tamanho_lote": -(-args.n // BATCHES)})
        counts = st.wait_classified(ids, timeout=args.n / st.limit * 4 + 120)
        state = st.wait_run(run_id, timeout=120)
        starts = st.task_starts(loaded)  # any run's batches (the scheduler's first run may take part)
        window = counts["last"] - starts[0]
        whole = counts["last"] - triggered
        results.update({
            "comentarios": args.n, "status": counts["status"],
            "classificacoes_por_comentario": counts["classifications_per_comment"],
            "estado_execucao": state, "lotes": counts["batches"],
            "lotes_por_worker": {w: k - before[w] for w, k in st.batches_per_worker().items()},
            "limite_por_s": st.limit, "janela_s": round(window, 1), "por_segundo": round(args.n / window, 2),
            "fracao_do_limite": round(args.n / window / st.limit, 3),
            "desde_o_disparo_s": round(whole, 1), "por_segundo_desde_o_disparo": round(args.n / whole, 2),
            "fracao_desde_o_disparo": round(args.n / whole / st.limit, 3),
            "load_depois": os.getloadavg(),
        })
    results["processos_deixados"] = st.left_behind
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
