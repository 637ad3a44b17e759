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
3. **Tokens** (``--tokens N``): the pipeline's Ollama classifier (taxonomy and few-shot examples
   from the database: 389 curator labels from ``evals/dataset.csv``) classifies N demo comments
   (``classify_many``, 8 at a time) against emulators in token-cost mode (``--prefill-tps``,
   ``--decode-tps`` per slot, 8 slots, no fixed latency): one with the per-slot prefix cache, one
   without (what the static-first prompt layout buys). Reported per comment: prompt tokens (the
   stored ``tokens_prompt``, Ollama's ``prompt_eval_count``), cached prefix (the emulator's
   counter: Ollama reports none), output tokens (``tokens_resposta``), and comments/s.
4. **Drain** (``--drain N``): N pending comments at once (a large import); the loop plays the
   scheduler as in 2 (a run every ``--interval-s``, a run that overruns followed at once by the
   next) until none is pending. Reported: time to drain, comments/s, runs, and the fraction of
   the same-run baseline (the emulator's limit on this machine, as in 1).
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
        [sys.executable, "-m", "ollama_emulator", "--port", str(port), "--latency-ms", str(args.latency_ms),
         "--num-parallel", str(NUM_PARALLEL // args.emulators), "--model", "qwen2.5:3b"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True) for port in ports]
    home = Path(tempfile.mkdtemp(prefix="alumusic-bench-airflow-"))
    os.environ.update(
        DATABASE_URL=product_url,
        LLM_BACKEND="ollama",
        OLLAMA_HOSTS=",".join(f"http://127.0.0.1:{port}" for port in ports),
        OLLAMA_MODEL="qwen2.5:3b",
        LLM_CONCURRENCY=str(NUM_PARALLEL),
        # dag.test() runs mapped tasks one after another: one pool slot's worth in flight, which is
        # what run sizing must assume (capacity = LLM_POOL_SLOTS x LLM_CONCURRENCY / latency).
        LLM_POOL_SLOTS="1",
        CLASSIFY_SCHEDULE_MINUTES=str(max(1, round(args.interval_s / 60))),
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
        tokens = conn.execute(sa.text("SELECT round(avg(tokens_prompt), 1), round(avg(tokens_resposta), 1) "
                                      "FROM classificacoes WHERE origem = 'automatica'")).one()
    rate = done / elapsed
    return {"comentarios": n, "classificados": done, "outros_status": other, "lotes": batches,
            "tokens_prompt_por_comentario": float(tokens[0] or 0), "tokens_resposta_por_comentario": float(tokens[1] or 0),
            "estado_execucao": str(dr.state), "segundos": round(elapsed, 1), "por_segundo": round(rate, 2),
            "fracao_do_limite": round(rate / CEILING, 3)}


def _start_emulator(*options: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ollama_emulator", "--port", str(port), "--model", "qwen2.5:3b",
                             *options], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    _wait_for_emulator(port)
    return proc, f"http://127.0.0.1:{port}"


def _emulator_stats(url: str) -> dict:
    import requests

    return requests.get(f"{url}/emulator/stats", timeout=5).json()


def _seed_curator_labels(engine) -> int:
    """The eval set's texts as comments labelled by a curator (the few-shot examples' source)."""
    import csv

    from alumusic.repositories import classifications
    from alumusic.repositories.comments import NewComment, insert_comments

    with (ROOT / "evals" / "dataset.csv").open(encoding="utf-8", newline="") as fh:
        rows = [(r["texto"], r["categoria"]) for r in csv.DictReader(fh) if r["texto"].strip()]
    ids = [uuid.uuid4() for _ in rows]
    with engine.begin() as conn:
        insert_comments(conn, [NewComment(id=i, texto=t, enviado_por="bench") for i, (t, _) in zip(ids, rows, strict=True)])
        for i, (_, categoria) in zip(ids, rows, strict=True):
            classifications.record_manual_correction(conn, i, categoria, [], autor="curadora-bench")
    return len(rows)


def bench_tokens(engine, n: int, prefill_tps: float, decode_tps: float) -> dict:
    """Tokens per comment and comments/s of the pipeline's classifier (examples from the database)
    against token-cost emulators, with and without the per-slot prefix cache."""
    from alumusic import demo_data
    from alumusic.classification import prompts
    from alumusic.classification.ollama import OllamaClassifier
    from alumusic.llm.ollama import OllamaClient
    from alumusic.pipeline import runs
    from alumusic.repositories import taxonomy

    items = [(str(c.id), c.texto) for c in demo_data.generate(n, seed=15)]
    with engine.connect() as conn:
        versao_taxonomia = taxonomy.version(conn)
    out: dict = {"versao_prompt": prompts.PROMPT_VERSION, "comentarios": n, "prefill_tps_por_slot": prefill_tps,
                 "decode_tps_por_slot": decode_tps, "slots": NUM_PARALLEL}
    for label, extra in (("com_cache", ()), ("sem_cache", ("--no-prefix-cache",))):
        proc, url = _start_emulator("--latency-ms", "0", "--num-parallel", str(NUM_PARALLEL),
                                    "--prefill-tps", str(prefill_tps), "--decode-tps", str(decode_tps), *extra)
        try:
            clf = OllamaClassifier(OllamaClient(url, "qwen2.5:3b"), runs.current_taxonomy(engine),
                                   examples=runs._examples_from(engine), versao_taxonomia=versao_taxonomia)
            clf.classify_many(items[:NUM_PARALLEL * 2], NUM_PARALLEL)  # warm-up: every slot caches once
            before = _emulator_stats(url)
            started = time.perf_counter()
            outcomes = clf.classify_many(items, NUM_PARALLEL)
            elapsed = time.perf_counter() - started
            after = _emulator_stats(url)
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(10)
        results = [o.result for o in outcomes if o.result is not None]
        ok = len(results)
        gens = after["generations"] - before["generations"]
        out[label] = {
            "classificados": ok, "chamadas": gens, "segundos": round(elapsed, 1),
            "por_segundo": round(ok / elapsed, 2),
            "tokens_prompt": round(sum(r.tokens_prompt or 0 for r in results) / ok, 1),
            "tokens_cache": round((after["cached_tokens"] - before["cached_tokens"]) / ok, 1),
            "tokens_avaliados": round((after["prompt_tokens"] - before["prompt_tokens"]
                                       - after["cached_tokens"] + before["cached_tokens"]) / ok, 1),
            "tokens_resposta": round(sum(r.tokens_resposta or 0 for r in results) / ok, 1),
            "caracteres_sistema": len(clf.system),  # the static system prompt
        }
    return out


def bench_drain(engine, dag, n: int, interval_s: float, conf: dict | None = None, warm: int = 0) -> dict:
    """A large import (``n`` pending at once) drained by runs every ``interval_s`` (played as in
    ``bench_delay``): time until none is pending, and the rate. ``conf``: every run's params
    (``{"max_lotes": k}``: the fixed cap of before issue 15). ``warm``: comments classified first,
    untimed, as a running pipeline would have (without them the first run cannot measure the LLM
    and plans ``CLASSIFY_MAX_BATCHES``)."""
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE classificacao_tags, classificacoes, comentarios CASCADE"))
    if warm:  # the pipeline was running before the import: recent results measure the LLM
        _insert(engine, warm, 10**7)
        # No run_conf here: dag.test(run_conf=...) leaves its params on the DAG for later runs.
        dag.test()
    for start in range(0, n, 5000):
        _insert(engine, min(5000, n - start), start)

    def pending() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM comentarios WHERE status = 'pendente'")).scalar()

    started = time.monotonic()
    runs, sizes, next_tick = 0, [], started
    while True:
        time.sleep(max(0.0, next_tick - time.monotonic()))
        next_tick = max(next_tick + interval_s, time.monotonic())
        left = pending()
        dr = dag.test(run_conf=conf) if conf else dag.test()
        runs += 1
        sizes.append(left - pending())
        if pending() == 0 or runs > 1000:
            break
    elapsed = time.monotonic() - started
    with engine.connect() as conn:
        done = conn.execute(sa.text("SELECT count(*) FROM comentarios WHERE status = 'classificado'")).scalar()
    return {"comentarios": n, "classificados": done - warm, "execucoes": runs, "intervalo_s": interval_s,
            "aquecimento": warm,
            "por_execucao": sizes, "estado_ultima": str(dr.state), "segundos": round(elapsed, 1),
            "por_segundo": round((done - warm) / elapsed, 2)}


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
    parser.add_argument("--latency-ms", type=float, default=LATENCY_MS, help="emulated time per answer")
    parser.add_argument("--tokens", type=int, default=0, metavar="N", help="token run over N comments (0: skip)")
    parser.add_argument("--prefill-tps", type=float, default=4000.0, help="token run: prompt tokens/s per slot")
    parser.add_argument("--decode-tps", type=float, default=500.0, help="token run: output tokens/s per slot")
    parser.add_argument("--drain", type=int, default=0, metavar="N", help="drain run of N comments (0: skip)")
    parser.add_argument("--drain-warm", type=int, default=500, metavar="N",
                        help="comments classified before the drain (a running pipeline's recent results)")
    parser.add_argument("--drain-fixed", type=int, default=0, metavar="N",
                        help="then N comments drained with the fixed cap (max_lotes = --max-batches), as before")
    args = parser.parse_args(argv)
    global CEILING
    CEILING = NUM_PARALLEL / (args.latency_ms / 1000)

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
        if args.tokens:
            results["rotulos_curadoria"] = _seed_curator_labels(engine)
            results["tokens"] = bench_tokens(engine, args.tokens, args.prefill_tps, args.decode_tps)
            print(json.dumps(results["tokens"], ensure_ascii=False), flush=True)
        if args.drain:
            results["base_antes_dreno"] = bench_baseline()
            print(json.dumps(results["base_antes_dreno"], ensure_ascii=False), flush=True)
            results["dreno"] = bench_drain(engine, dag, args.drain, args.interval_s, warm=args.drain_warm)
            results["base_depois_dreno"] = bench_baseline()
            limit = (results["base_antes_dreno"]["por_segundo"] + results["base_depois_dreno"]["por_segundo"]) / 2
            results["dreno"]["fracao_da_base"] = round(results["dreno"]["por_segundo"] / limit, 3)
            results["dreno"]["fracao_do_limite_nominal"] = round(results["dreno"]["por_segundo"] / CEILING, 3)
            print(json.dumps(results["dreno"], ensure_ascii=False), flush=True)
        if args.drain_fixed:
            results["dreno_fixo"] = bench_drain(engine, dag, args.drain_fixed, args.interval_s,
                                                {"max_lotes": args.max_batches}, warm=args.drain_warm)
            print(json.dumps(results["dreno_fixo"], ensure_ascii=False), flush=True)
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
