"""classify_comments benchmark: ``python -m bench.classify_dag`` (results: docs/BENCHMARKS.md).

Setup: a separate product database (``alumusic_bench_classify``) and Airflow metadata database
(``airflow_bench_classify``) on the embedded server in ``.data/pg-bench``, both recreated on each
run; the Ollama emulator in its own process at 200 ms per answer with 8 parallel slots (like
``OLLAMA_NUM_PARALLEL=8``), so the ceiling is 8 / 0.2 s = 40 comments/s.

1. **Throughput**: 10,000 pending comments, one ``dag.test()`` run of the real DAG (plan ->
   mapped batches -> report). ``dag.test()`` runs mapped tasks one after the other, so the run
   uses ``LLM_CONCURRENCY=8`` (= pool slots x LLM_CONCURRENCY of a real deployment). Reported:
   comments/s over the whole run and as a fraction of the 40/s ceiling; and, because the
   emulator's own CPU work competes for the 2 shared cores, a baseline measured just before and
   after: the same classifier's ``classify_many`` against the same emulator, 800 comments, no
   database and no Airflow.
2. **Delay**: a thread inserts 5 comments/s through the API's write path (``insert_comments``)
   for ``--stream-minutes``; a loop plays the scheduler, starting a ``dag.test()`` run every
   schedule interval (``--interval-s``; a run longer than the interval is followed at once by
   the next, as overlapping runs would). Delay = ``classificacoes.criado_em -
   comentarios.recebido_em`` (both the database clock). Reported: p50/p95/max, also in
   intervals.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PGDATA = ROOT / ".data" / "pg-bench"
PRODUCT_DB, META_DB = "alumusic_bench_classify", "airflow_bench_classify"
LATENCY_MS, NUM_PARALLEL = 200, 8
CEILING = NUM_PARALLEL / (LATENCY_MS / 1000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup_environment(args) -> tuple[str, list[subprocess.Popen], object]:
    """Databases, emulator process and the environment Airflow reads at import."""
    from alumusic import localpg, migrations
    from alumusic.airflow_env import airflow_env

    server = localpg.start(PGDATA, keep_running=False)
    admin = localpg.url_for(server, "postgres")
    for name in (PRODUCT_DB, META_DB):
        localpg.drop_database(admin, name)
        localpg.ensure_database(admin, name)
    product_url = localpg.url_for(server, PRODUCT_DB)
    migrations.upgrade(product_url)

    # --emulators N splits the 8 slots over N processes (N Ollama hosts, round-robin): same
    # 40/s ceiling, but the emulators' own CPU work is no longer held by one Python GIL.
    ports = [_free_port() for _ in range(args.emulators)]
    emulators = [subprocess.Popen(
        [sys.executable, "-m", "ollama_emulator", "--port", str(port), "--latency-ms", str(LATENCY_MS),
         "--num-parallel", str(NUM_PARALLEL // args.emulators), "--model", "qwen2.5:3b"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True) for port in ports]
    home = Path(tempfile.mkdtemp(prefix="alumusic-bench-airflow-"))
    os.environ.update(
        DATABASE_URL=product_url,
        LLM_BACKEND="ollama",
        OLLAMA_HOSTS=",".join(f"http://127.0.0.1:{port}" for port in ports),
        OLLAMA_MODEL="qwen2.5:3b",
        LLM_CONCURRENCY=str(NUM_PARALLEL),
        CLASSIFY_BATCH_SIZE=str(args.batch_size),
        CLASSIFY_MAX_BATCHES=str(args.max_batches),
        **airflow_env(home, localpg.url_for(server, META_DB), product_url,
                      extra={"AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING"}),
    )
    from alumusic.settings import get_settings

    get_settings.cache_clear()
    subprocess.run([str(Path(sys.executable).parent / "airflow"), "db", "migrate"], check=True,
                   env=os.environ.copy(), stdout=subprocess.DEVNULL)
    for port in ports:
        _wait_for_emulator(port)
    return product_url, emulators, server


def _wait_for_emulator(port: int) -> None:
    import requests

    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/api/tags", timeout=1).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("emulator did not start")


def _load_dag():
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.pool import Pool

    Pool.create_or_update_pool("llm", slots=4, description="LLM calls", include_deferred=False)
    bag = DagBag(dag_folder=str(ROOT / "dags" / "classify_comments.py"), safe_mode=False)
    if bag.import_errors:
        raise RuntimeError(bag.import_errors)
    return bag.dags["classify_comments"]


def _insert(engine, n: int, start: int = 0) -> None:
    from alumusic.repositories.comments import NewComment, insert_comments

    phrases = ["Que clipe lindo, a coreografia ficou perfeita!", "Essa música é horrível, desafinou",
               "Venha tocar em Recife por favor!!", "Qual o nome da música do final?",
               "Ganhe dinheiro fácil no meu canal", "quem está ouvindo em 2026?",
               "o autotune estragou a voz dela", "show curto demais, ingresso caro"]
    with engine.begin() as conn:
        insert_comments(conn, [NewComment(id=uuid.uuid4(), texto=f"{phrases[(start + k) % len(phrases)]} #{start + k}",
                                          enviado_por="bench") for k in range(n)])


def bench_baseline(n: int = 800) -> dict:
    """The same classifier against the same emulator, without database or Airflow: what this
    machine can do right now (the emulator's own CPU work is not free on 2 shared cores)."""
    from alumusic.classification.factory import get_classifier
    from alumusic.domain import describe, seed_tags

    clf = get_classifier("ollama", taxonomy=describe(seed_tags()))
    items = [(str(k), f"Que clipe lindo, a coreografia ficou perfeita! #{k}") for k in range(n)]
    started = time.perf_counter()
    outcomes = clf.classify_many(items, NUM_PARALLEL)
    elapsed = time.perf_counter() - started
    ok = sum(o.result is not None for o in outcomes)
    return {"comentarios": n, "classificados": ok, "segundos": round(elapsed, 1),
            "por_segundo": round(ok / elapsed, 2), "fracao_do_limite": round(ok / elapsed / CEILING, 3)}


def bench_throughput(engine, dag, n: int) -> dict:
    import sqlalchemy as sa

    _insert(engine, n)
    started = time.perf_counter()
    dr = dag.test()
    elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        done = conn.execute(sa.text("SELECT count(*) FROM comentarios WHERE status = 'classificado'")).scalar()
        other = dict(conn.execute(sa.text(
            "SELECT status, count(*) FROM comentarios WHERE status <> 'classificado' GROUP BY status")).all())
        batches = conn.execute(sa.text("SELECT count(DISTINCT autor) FROM classificacoes")).scalar()
    rate = done / elapsed
    return {"comentarios": n, "classificados": done, "outros_status": other, "lotes": batches,
            "estado_execucao": str(dr.state), "segundos": round(elapsed, 1), "por_segundo": round(rate, 2),
            "fracao_do_limite": round(rate / CEILING, 3)}


def bench_delay(engine, dag, minutes: float, interval_s: float, rate: float) -> dict:
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE classificacao_tags, classificacoes, comentarios CASCADE"))
    stop = threading.Event()
    inserted = [0]

    def stream() -> None:
        t0 = time.monotonic()
        while not stop.is_set():
            due = int((time.monotonic() - t0) * rate)
            if due > inserted[0]:
                _insert(engine, due - inserted[0], inserted[0])
                inserted[0] = due
            time.sleep(0.05)

    feeder = threading.Thread(target=stream, daemon=True)
    started = time.monotonic()
    feeder.start()
    runs, next_tick = 0, started + interval_s
    while time.monotonic() < started + minutes * 60:
        time.sleep(max(0.0, next_tick - time.monotonic()))
        next_tick = max(next_tick + interval_s, time.monotonic())
        dag.test()
        runs += 1
    stop.set()
    feeder.join()
    # Drain what arrived in the last interval, on the same schedule.
    time.sleep(max(0.0, next_tick - time.monotonic()))
    dag.test()
    runs += 1
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            """
            SELECT count(*) AS n,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY d) AS p95,
                   max(d) AS max
              FROM (SELECT extract(epoch FROM k.criado_em - c.recebido_em)::float8 AS d
                      FROM comentarios c JOIN classificacoes k ON k.id = c.classificacao_atual_id) x
            """)).mappings().one()
        pending = conn.execute(sa.text("SELECT count(*) FROM comentarios WHERE status <> 'classificado'")).scalar()
    return {"comentarios": inserted[0], "classificados": row["n"], "nao_classificados": pending,
            "execucoes": runs, "intervalo_s": interval_s, "taxa_por_s": rate,
            "p50_s": round(row["p50"], 1), "p95_s": round(row["p95"], 1), "max_s": round(row["max"], 1),
            "p95_em_intervalos": round(row["p95"] / interval_s, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="comments for the throughput run")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--max-batches", type=int, default=10)
    parser.add_argument("--stream-minutes", type=float, default=10.0)
    parser.add_argument("--interval-s", type=float, default=120.0, help="schedule interval played by the loop")
    parser.add_argument("--rate", type=float, default=5.0, help="comments per second in the delay run")
    parser.add_argument("--emulators", type=int, default=1, help="emulator processes sharing the 8 slots")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-delay", action="store_true")
    args = parser.parse_args(argv)

    if NUM_PARALLEL % args.emulators:
        parser.error(f"--emulators must divide {NUM_PARALLEL}")
    product_url, emulators, _server = _setup_environment(args)
    results: dict = {"emuladores": args.emulators, "load_antes": os.getloadavg()}
    try:
        from alumusic.db import get_engine

        engine = get_engine(product_url)
        dag = _load_dag()
        dag.test()  # warm-up: first dag.test() serialises the DAG (~4 s), not part of the measure
        if not args.skip_throughput:
            results["base_sem_dag"] = bench_baseline()
            print(json.dumps(results["base_sem_dag"], ensure_ascii=False), flush=True)
            results["vazao"] = bench_throughput(engine, dag, args.n)
            results["vazao"]["fracao_da_base"] = round(
                results["vazao"]["por_segundo"] / results["base_sem_dag"]["por_segundo"], 3)
            print(json.dumps(results["vazao"], ensure_ascii=False), flush=True)
            results["base_depois"] = bench_baseline()
            print(json.dumps(results["base_depois"], ensure_ascii=False), flush=True)
        if not args.skip_delay:
            results["atraso"] = bench_delay(engine, dag, args.stream_minutes, args.interval_s, args.rate)
            print(json.dumps(results["atraso"], ensure_ascii=False), flush=True)
        results["load_depois"] = os.getloadavg()
    finally:
        for emulator in emulators:
            os.killpg(emulator.pid, 15)
            emulator.wait(10)
        from airflow import settings as airflow_settings

        from alumusic import db, localpg

        airflow_settings.dispose_orm()
        db.dispose_all()
        admin = localpg.url_for(_server, "postgres")
        for name in (PRODUCT_DB, META_DB):
            try:
                localpg.drop_database(admin, name)
            except Exception as exc:  # noqa: BLE001 - cleanup must not hide the result
                print(f"warning: could not drop {name}: {exc}", file=sys.stderr)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
