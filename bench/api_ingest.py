"""Ingestion API load benchmark: ``python -m bench.api_ingest [--write-docs]``.

Runs gunicorn (``api.wsgi:app``, 2 workers x 4 threads, as ``make run``) on loopback against its
own database on the embedded PostgreSQL in ``.data/pg-bench``, and measures in one run:

1. batch ingest through the API (batches of 500, 4 concurrent clients) against a raw insert of the
   same rows straight into PostgreSQL (psycopg2 ``execute_values``, batches of 500, 4 concurrent
   connections; plus a single-connection COPY for reference);
2. single-comment POSTs from 16 concurrent clients: requests/s and latency percentiles;
3. after each run: rows in the database == comments the API acknowledged as ``criado``.

Clients are threads with keep-alive ``http.client`` connections and pre-encoded bodies, so the
load generator costs as little CPU as possible; it still shares the 2 cores with the server.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psutil
import psycopg2
import psycopg2.extras
import sqlalchemy as sa

from alumusic import demo_data, localpg, migrations
from alumusic.paths import PROJECT_ROOT, SHARED_DIR
from alumusic.repositories import clients as clients_repo
from alumusic.repositories.comments import NewComment

PGDATA = PROJECT_ROOT / ".data" / "pg-bench"
DB_NAME = "alumusic_bench_api"
POOL = SHARED_DIR / "data" / "youtube_ptbr_music_2013_pool.csv"
DOCS = PROJECT_ROOT / "docs" / "BENCHMARKS.md"
SECTION = "## API ingest"
RESULTS = PROJECT_ROOT / ".data" / "bench" / "api_ingest.json"  # last run's raw figures
RUNS = PROJECT_ROOT / ".data" / "bench" / "api_ingest_runs.jsonl"  # one line per run (local history)
BIN = Path(sys.executable).parent
COLS = ("id", "texto", "artista", "album", "musica", "tipo", "publicado_em", "fonte", "enviado_por")


# --- data ----------------------------------------------------------------------------------
def _git_head() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "api", "plugins"], cwd=PROJECT_ROOT).returncode
        return out + ("+local changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def make_rows(n: int, seed: int) -> list[NewComment]:
    pool = demo_data.read_pool(POOL) if POOL.exists() else None
    return list(demo_data.generate(n, seed=seed, pool=pool, pool_share=0.3))


def as_json(c: NewComment) -> dict:
    return {"id": str(c.id), "texto": c.texto, "artista": c.artista, "album": c.album, "musica": c.musica,
            "tipo": c.tipo, "publicado_em": c.publicado_em.isoformat(), "fonte": c.fonte}


def as_tuple(c: NewComment) -> tuple:
    return (str(c.id), c.texto, c.artista, c.album, c.musica, c.tipo, c.publicado_em, c.fonte, "bench-raw")


def chunks(seq: Sequence, size: int) -> list:
    return [seq[i:i + size] for i in range(0, len(seq), size)]


# --- database --------------------------------------------------------------------------------
def truncate(url: str) -> None:
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        conn.execute(sa.text("TRUNCATE classificacao_tags, classificacoes, comentarios CASCADE"))
    eng.dispose()


def count(url: str) -> int:
    eng = sa.create_engine(url)
    with eng.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM comentarios")).scalar_one()
    eng.dispose()
    return n


def dsn(server) -> str:
    return f"dbname={DB_NAME} user=postgres host={localpg.socket_dir(server)}"


def raw_execute_values(server, rows: list[NewComment], batch: int, clients: int) -> float:
    """Seconds to insert ``rows`` with execute_values, ``clients`` connections in parallel."""
    sql = f"INSERT INTO comentarios ({', '.join(COLS)}) VALUES %s ON CONFLICT (id) DO NOTHING"
    batches = chunks([as_tuple(r) for r in rows], batch)
    conns = [psycopg2.connect(dsn(server)) for _ in range(clients)]
    lock = threading.Lock()
    work = list(batches)

    def worker(conn):
        while True:
            with lock:
                if not work:
                    return
                b = work.pop()
            with conn.cursor() as cur:
                psycopg2.extras.execute_values(cur, sql, b, page_size=batch)
            conn.commit()

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return elapsed


def raw_copy(server, rows: list[NewComment]) -> float:
    buf = io.StringIO()
    for r in rows:
        vals = as_tuple(r)
        buf.write("\t".join(_copy_escape(v) for v in vals) + "\n")
    conn = psycopg2.connect(dsn(server))
    start = time.perf_counter()
    with conn.cursor() as cur:
        buf.seek(0)
        cur.copy_expert(f"COPY comentarios ({', '.join(COLS)}) FROM STDIN", buf)
    conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def _copy_escape(v) -> str:
    if v is None:
        return "\\N"
    s = v.isoformat() if isinstance(v, datetime) else str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# --- server ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int, jwt_secret: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "JWT_SECRET_KEY": jwt_secret}
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--worker-class", "api.gunicorn_worker.JsonErrorWorker", "--log-level", "warning", "api.wsgi:app"],
        cwd=PROJECT_ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError("gunicorn did not become healthy")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def get_token(port: int, nome: str, secret: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/auth/token", json.dumps({"cliente": nome, "segredo": secret}),
                 {"Content-Type": "application/json"})
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"token: {resp.status} {body}")
    return body["access_token"]


def drive(port: int, token: str, bodies: list[bytes], clients: int) -> tuple[float, list[float], list[tuple[int, dict]]]:
    """POST every body from ``clients`` keep-alive connections; (seconds, latencies, responses)."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    lock = threading.Lock()
    work = list(reversed(bodies))
    latencies: list[float] = []
    answers: list[tuple[int, dict]] = []

    def worker(_):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine_lat, mine_ans = [], []
        while True:
            with lock:
                if not work:
                    break
                body = work.pop()
            t0 = time.perf_counter()
            conn.request("POST", "/api/comentarios", body, headers)
            resp = conn.getresponse()
            data = resp.read()
            mine_lat.append(time.perf_counter() - t0)
            mine_ans.append((resp.status, json.loads(data)))
        conn.close()
        with lock:
            latencies.extend(mine_lat)
            answers.extend(mine_ans)

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    return time.perf_counter() - start, latencies, answers


# --- CPU accounting: where do the cycles of one request go? -----------------------------------
def _cpu(pids) -> dict[int, float]:
    out = {}
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            out[pid] = t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return out


class CpuMeter:
    """CPU seconds used by the gunicorn workers, this database's PostgreSQL backends and this
    process (the load generator) between start() and stop()."""

    def __init__(self, gunicorn: subprocess.Popen, url: str) -> None:
        self.gunicorn, self.url = gunicorn, url

    def _pids(self) -> tuple[list[int], list[int]]:
        workers = [c.pid for c in psutil.Process(self.gunicorn.pid).children(recursive=True)] + [self.gunicorn.pid]
        eng = sa.create_engine(self.url)
        with eng.connect() as conn:
            backends = list(conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalars())
        eng.dispose()
        return workers, backends

    def start(self) -> None:
        self.w0, self.b0 = (_cpu(p) for p in self._pids())
        self.c0 = time.process_time()

    def stop(self) -> dict[str, float]:
        client = time.process_time() - self.c0
        w1, b1 = (_cpu(p) for p in self._pids())
        server = sum(v - self.w0.get(k, 0.0) for k, v in w1.items())
        db = sum(v - self.b0.get(k, 0.0) for k, v in b1.items())
        return {"server": server, "db": db, "client": client}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- main --------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch-rows", type=int, default=20_000, help="comments per batch round")
    ap.add_argument("--rounds", type=int, default=3, help="alternating raw/API batch rounds")
    ap.add_argument("--single-requests", type=int, default=8_000, help="requests for the single-POST run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--write-docs", action="store_true", help=f"replace the '{SECTION}' section of docs/BENCHMARKS.md")
    args = ap.parse_args()

    load_before = os.getloadavg()
    server = localpg.start(PGDATA, keep_running=False)
    admin = localpg.url_for(server, "postgres")
    localpg.drop_database(admin, DB_NAME)
    localpg.ensure_database(admin, DB_NAME)
    url = localpg.url_for(server, DB_NAME)
    migrations.upgrade(url)
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        _, secret = clients_repo.create_client(conn, "bench", "ingest,read")
        indexes = conn.execute(sa.text(
            "SELECT count(*), count(*) FILTER (WHERE indexdef ILIKE '%USING gin%') FROM pg_indexes "
            "WHERE tablename = 'comentarios'")).one()
    eng.dispose()

    print(f"generating {args.batch_rows + args.single_requests} comments ...", flush=True)
    rows = make_rows(args.batch_rows + args.single_requests, seed=7)
    batch_rows, single_rows = rows[:args.batch_rows], rows[args.batch_rows:]
    results: dict = {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "load_before": load_before,
                     "batch_rows": len(batch_rows), "single_requests": len(single_rows),
                     "workers": args.workers, "threads": args.threads,
                     "indexes": indexes[0], "gin_indexes": indexes[1], "driver": "psycopg2",
                     "commit": _git_head()}

    port = free_port()
    proc = start_gunicorn(url, port, args.workers, args.threads, secrets.token_urlsafe(32))
    try:
        token = get_token(port, "bench", secret)
        bodies = [json.dumps({"comentarios": [as_json(c) for c in b]}).encode() for b in chunks(batch_rows, 500)]
        drive(port, token, [bodies[0]], 4)  # warm-up (opens pooled connections)
        meter = CpuMeter(proc, url)
        # (1) raw and API alternate, same rows, so both sides see the same machine load.
        raw_rates, api_rates, ratios, lat, cpu, statuses = [], [], [], [], {}, set()
        acked_total = stored_total = 0
        for rnd in range(args.rounds):
            truncate(url)
            raw_rates.append(len(batch_rows) / raw_execute_values(server, batch_rows, 500, 4))
            assert count(url) == len(batch_rows)
            truncate(url)
            meter.start()
            elapsed, lat_r, answers = drive(port, token, bodies, 4)
            for k, v in meter.stop().items():
                cpu[k] = cpu.get(k, 0.0) + v
            acked = sum(a["totais"]["criado"] for st, a in answers if st in (200, 201, 207))
            stored = count(url)
            acked_total, stored_total = acked_total + acked, stored_total + stored
            api_rates.append(len(batch_rows) / elapsed)
            ratios.append(api_rates[-1] / raw_rates[-1])
            lat += lat_r
            statuses |= {st for st, _ in answers}
            print(f"round {rnd + 1}: raw {raw_rates[-1]:,.0f}/s, API {api_rates[-1]:,.0f}/s "
                  f"({ratios[-1]:.2f}x), acked {acked}, stored {stored}", flush=True)
        truncate(url)
        results["raw_copy_rate"] = len(batch_rows) / raw_copy(server, batch_rows)
        results.update(raw_rates=raw_rates, api_rates=api_rates, ratios=ratios,
                       raw_ev_rate=statistics.median(raw_rates), api_batch_rate=statistics.median(api_rates),
                       ratio=statistics.median(ratios), batch_cpu=cpu, api_batch_acked=acked_total,
                       api_batch_stored=stored_total, api_batch_p50=pct(lat, 50), api_batch_p99=pct(lat, 99),
                       api_batch_statuses=sorted(statuses))

        # (2) single-comment POSTs, 16 clients
        truncate(url)
        bodies = [json.dumps(as_json(c)).encode() for c in single_rows]
        drive(port, token, [json.dumps(as_json(c)).encode() for c in make_rows(200, seed=99)], 16)  # warm-up
        truncate(url)
        meter.start()
        elapsed, lat, answers = drive(port, token, bodies, 16)
        results["single_cpu"] = meter.stop()
        acked = sum(1 for s, a in answers if s == 201)
        stored = count(url)
        results.update(single_rps=len(bodies) / elapsed, single_p50=pct(lat, 50), single_p95=pct(lat, 95),
                       single_p99=pct(lat, 99), single_max=max(lat), single_acked=acked, single_stored=stored,
                       single_mean=statistics.fmean(lat), single_statuses=sorted({s for s, _ in answers}))
        print(f"API single: {results['single_rps']:,.0f} req/s, p50 {results['single_p50'] * 1000:.1f} ms, "
              f"p99 {results['single_p99'] * 1000:.1f} ms, acked {acked}, stored {stored}", flush=True)
    finally:
        stop(proc)
    results["load_after"] = os.getloadavg()
    localpg.drop_database(admin, DB_NAME)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=str))
    with RUNS.open("a") as fh:
        fh.write(json.dumps(results, default=str) + "\n")
    text = render(results, history())
    print("\n" + text)
    if args.write_docs:
        write_section(text)
    # Every round stores the same rows again (into an emptied table): totals are rounds x rows.
    ok = (results["api_batch_acked"] == results["api_batch_stored"] == len(batch_rows) * args.rounds
          and results["single_acked"] == results["single_stored"] == len(single_rows))
    return 0 if ok else 1


def history() -> list[dict]:
    if not RUNS.exists():
        return []
    return [json.loads(line) for line in RUNS.read_text().splitlines() if line.strip()]


def render_history(runs: list[dict]) -> str:
    if len(runs) < 2:
        return ""
    lines = ["Every run on this machine so far (same script; the figures move with the other sessions' load):", "",
             "| run (UTC) | code | API driver | load avg before → after | batch API / raw | ratio | single req/s | p99 |",
             "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['when']} | {r.get('commit', 'earlier code')} | {r.get('driver', 'psycopg2')} | {r['load_before'][0]:.1f} → {r['load_after'][0]:.1f} | "
                     f"{r['api_batch_rate']:,.0f} / {r['raw_ev_rate']:,.0f} | {r['ratio']:.2f}× | "
                     f"{r['single_rps']:,.0f} | {r['single_p99'] * 1000:.0f} ms |")
    return "\n".join(lines) + "\n\n"


def render(r: dict, runs: list[dict] | None = None) -> str:
    ratio = r["ratio"]
    rounds = ", ".join(f"{a:,.0f} vs {b:,.0f}" for a, b in zip(r["api_rates"], r["raw_rates"], strict=True))
    mark = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    return f"""{SECTION}

`python -m bench.api_ingest --write-docs` — gunicorn `api.wsgi:app` ({r['workers']} workers × {r['threads']} threads,
as `make run`) on loopback, its own database on the embedded PostgreSQL 18 (`.data/pg-bench`), all indexes
live (trigram GIN included), JWT checked on every request (client state cached 2 s). Load generator:
Python threads with keep-alive `http.client` and pre-encoded bodies, on the same 2 cores.
Run {r['when']}, load average before {r['load_before'][0]:.1f} / after {r['load_after'][0]:.1f}
(machine shared with other sessions).

| run | result | target | |
|---|---|---|---|
| raw `execute_values`, batches of 500, 4 connections (baseline, median of {len(r['raw_rates'])} rounds) | {r['raw_ev_rate']:,.0f} comments/s | — | |
| raw single-connection `COPY` (reference) | {r['raw_copy_rate']:,.0f} comments/s | — | |
| API batches of 500, 4 clients ({r['batch_rows']:,} comments per round, median) | {r['api_batch_rate']:,.0f} comments/s = {ratio:.2f}× raw (median of per-round ratios); p50 {r['api_batch_p50'] * 1000:.0f} ms, p99 {r['api_batch_p99'] * 1000:.0f} ms per batch | ≥ 0.5× raw, ≥ 10,000/s | {mark(ratio >= 0.5)} / {mark(r['api_batch_rate'] >= 10_000)} |
| API single POSTs, 16 clients ({r['single_requests']:,} requests) | {r['single_rps']:,.0f} req/s; p50 {r['single_p50'] * 1000:.1f} ms, p95 {r['single_p95'] * 1000:.1f} ms, p99 {r['single_p99'] * 1000:.1f} ms, max {r['single_max'] * 1000:.0f} ms | ≥ 500 req/s, p99 < 100 ms | {mark(r['single_rps'] >= 500)} / {mark(r['single_p99'] < 0.1)} |
| rows in DB == acknowledged `criado` | batch {r['api_batch_stored']:,} == {r['api_batch_acked']:,}; single {r['single_stored']:,} == {r['single_acked']:,} | equal | {mark(r['api_batch_stored'] == r['api_batch_acked'] and r['single_stored'] == r['single_acked'])} |

CPU per unit of work, measured with psutil over each run (gunicorn workers, this database's
PostgreSQL backends, the load generator; WAL writer/checkpointer/autovacuum not included):
batch runs {_cpu_line(r['batch_cpu'], r['batch_rows'] * len(r['api_rates']), 'comment', 1e6, 'µs')};
single run {_cpu_line(r['single_cpu'], r['single_requests'], 'request', 1e3, 'ms')}.
With 2 cores the ceiling is 2 s of CPU per second: {_ceiling(r['single_cpu'], r['single_requests'])} requests/s
for single POSTs on an otherwise idle machine.

What bounds it (profiled with cProfile in-process and psutil above):

- **Batches: PostgreSQL, then Python.** Every comment updates {r.get('indexes', '?')} indexes of `comentarios`, {r.get('gin_indexes', '?')} of them
  trigram GIN; the raw insert alone reaches only the baseline above on this machine. The API adds JSON
  parsing (~3 µs/comment), per-item pydantic validation (~10 µs/comment, measured alone), the comment
  objects, parameter binding and the per-item response. At {_per(r['batch_cpu'], r['batch_rows'] * len(r['api_rates']))}
  of CPU per comment, 2 idle cores cap the API at ≈ {_cap(r['batch_cpu'], r['batch_rows'] * len(r['api_rates']))} comments/s;
  the load generator and the other sessions on the same 2 cores take their share of that.
- **Single POSTs: CPU per request in the worker** (Werkzeug/Flask request handling, JWT, validation,
  SQLAlchemy) plus one round trip to PostgreSQL (an autocommit `INSERT … ON CONFLICT`, WAL flushed per
  commit, group-committed across the 8 server threads). Done to get here, found with cProfile:
  no pool pre-ping and no BEGIN/COMMIT, so 4 round trips → 1 per single POST (each round trip costs
  milliseconds when the cores are contended); verified JWT claims memoised per token until `exp` (PyJWT
  decodes each token three times: ~30 % of the worker's CPU per request before); plain dicts instead of
  pydantic objects for the 500 per-item batch results; a plain `VALUES` insert for a single comment
  instead of the batch's `unnest` of arrays (PostgreSQL + driver CPU per single insert ≈ 1.1 → 0.8 ms,
  3,000 inserts on one connection, alternating). psycopg 3 (server-side prepared statements) was tried
  for the API's pools and measured no better than psycopg2 once the `VALUES` path existed: not kept.
  A per-thread profile of a gunicorn worker then showed two costs outside the work itself: the
  driver's `rollback()` on every autocommit connection close (a no-op that hands the GIL away, ~0.5 ms
  per request under load; now skipped with SQLAlchemy's `skip_autocommit_rollback`) and Flask-Limiter's
  global `before_request` bookkeeping (~0.3 ms per request; removed, the token route's decorator
  enforces its limit by itself).
  The worker's CPU per request, measured under load, moves from run to run with the contention.

{render_history(runs or [])}Rounds of the latest run (API vs raw, comments/s, alternating on the same rows): {rounds}.
Response statuses seen: batches {r['api_batch_statuses']}, singles {r['single_statuses']}.
Host: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}.
"""


def _cpu_line(cpu: dict, n: int, unit: str, scale: float, label: str) -> str:
    parts = ", ".join(f"{k} {v / n * scale:.1f} {label}" for k, v in cpu.items())
    return f"per {unit}: {parts} (total {sum(cpu.values()) / n * scale:.1f} {label})"


def _per(cpu: dict, n: int) -> str:
    return f"{sum(cpu.values()) / n * 1e6:.0f} µs"


def _cap(cpu: dict, n: int) -> str:
    return f"{2 / (sum(cpu.values()) / n):,.0f}"


def _ceiling(cpu: dict, n: int) -> str:
    return f"≈ {2 / (sum(cpu.values()) / n):,.0f}"


def write_section(text: str) -> None:
    """Replace (or append) only this benchmark's section of docs/BENCHMARKS.md."""
    doc = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(doc):
        doc = pattern.sub(lambda _m: text.rstrip() + "\n\n", doc, count=1)
    else:
        doc = doc.rstrip() + "\n\n" + text
    DOCS.write_text(doc.rstrip() + "\n", encoding="utf-8")
    print(f"updated {DOCS.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
