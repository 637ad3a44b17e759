"""Scale curve (issue 15, item 1): ``python -m bench.scale [--sizes 1000000,3000000,10000000]``.

ONE database (``alumusic_bench_scale`` on the embedded server in ``.data/pg-bench``) grows to each
size in turn and is measured there: load to 1M -> measure -> add 2M -> measure -> add 7M -> measure,
so the biggest set is loaded once. What is measured reuses the other benchmarks:

- report JSON cold and cached, the grid's block callback over the filter combinations, CSV export of
  100,000 rows (time, peak RSS in a child process): ``bench.dashboard``;
- ``detect_alerts`` (its seven weekly windows ending now): ``bench.alerts_search.measure_detect``;
- the weekly summary's statistics (``alumusic.summary.stats.weekly_stats``) of the last complete week;
- API batch ingest (gunicorn, as ``bench.api_ingest``) against raw ``execute_values`` into the SAME
  database at that size, alternating in the same run (the rows are deleted again after each round).

Data: the demo generator's comments (texts, artists, albums, category mix; 20 % real pool texts),
written by COPY (``bench.bulk.copy_comments``), classified in bulk by SQL keywords
(``bench.dashboard.classify_in_bulk``). Time plan: a constant rate of ``PER_DAY`` comments a day
(10M over two years, ~95,900 a week), the newest comments first: the 1M set covers the last 73 days,
each later increment adds OLDER history (1M->3M: days 73-219 back, 3M->10M: days 219-730 back), so
"the last week" is the same week's worth at every size and only the history grows. Inside an
increment rows are written in time order (as a live system writes them: the heap is ordered by time
within each increment). A comment dated before its album's release moves to the artist's first
album (released before the whole history), instead of the generator's pile-up at the release day.

Loading: secondary indexes of ``comentarios``/``classificacoes``/``classificacao_tags`` are dropped
before a COPY and rebuilt after it (their definitions are kept in the state file first, so an
interrupted load resumes and still rebuilds them); after the bulk classification's UPDATE the table
is compacted (VACUUM FULL, while only the primary key exists), so the heap has no bulk-load bloat.
``pg_indexes`` is compared before/after: the end state is exactly the migrations' schema.
Each size's figures go to ``.data/bench/scale-<N>.json``; ``--only-measure`` re-measures the current
size, ``--measure weekly,report`` only some quantities; ``--render`` redraws the PNGs and the
"## Scale curve" section of docs/BENCHMARKS.md from the saved files.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "alumusic_bench_scale"
SIZES = (1_000_000, 3_000_000, 10_000_000)
PER_DAY = 10_000_000 / 730  # comments a day: 10M span two years, ~95,900 a week at every size
RELEASE_DAYS = 730  # releases(): first albums 930+ days back (before all history), second ones in the last 77 days
CHUNK = 100_000  # rows per COPY transaction (the unit of resumption)
SEED = 15_000
INGEST_SEED = 900_000_000  # far from SEED + any row index
POOL = ROOT.parent / "shared" / "data" / "youtube_ptbr_music_2013_pool.csv"
OUT_DIR = ROOT / ".data" / "bench"
PNG_DIR = ROOT / "docs" / "bench"
TITLE = "## Scale curve"
TABLES = ("comentarios", "classificacoes", "classificacao_tags")
MEASUREMENTS = ("report", "filters", "export", "weekly", "detect", "ingest")
EXPORT_ROWS = 100_000
INGEST_ROWS, INGEST_ROUNDS, INGEST_BATCH, INGEST_CLIENTS = 20_000, 3, 500, 4
# Issue 15's targets at 10M.
TARGETS = {"report_cold_s": 1.0, "report_cached_p95_ms": 50, "grid_p95_ms": 300, "export_s": 10,
           "export_rss_mb": 300, "weekly_s": 10, "ingest_ratio": 0.6}


def log(msg: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


# --- the plan (pure) ---------------------------------------------------------------------------
def span_days(size: int, per_day: float = PER_DAY) -> float:
    """Days of history that ``size`` comments cover at ``per_day``."""
    return size / per_day


def moment(i: int, lo: int, hi: int, anchor: datetime, per_day: float, u: float) -> datetime:
    """When row ``i`` of the increment ``[lo, hi)`` was received: the increment covers the days from
    ``hi / per_day`` to ``lo / per_day`` before ``anchor``, in row order (oldest first), ``u`` in [0, 1)
    the jitter inside the row's slot."""
    if not lo <= i < hi:
        raise ValueError(f"row {i} outside the increment [{lo}, {hi})")
    return anchor - timedelta(days=(hi - (i - lo) - u) / per_day)


def plan(sizes: list[int], per_day: float = PER_DAY) -> list[dict]:
    """Each size with the increment that reaches it and the history it covers."""
    out, lo = [], 0
    for size in sorted(sizes):
        out.append({"size": size, "increment": [lo, size], "days": span_days(size, per_day),
                    "per_week": round(7 * per_day)})
        lo = size
    return out


def comments_for(start: int, stop: int, lo: int, hi: int, anchor: datetime, per_day: float,
                 pool: list[str] | None) -> Iterator:
    """Rows ``[start, stop)`` of the increment ``[lo, hi)``: the demo generator's comments with the
    plan's times (deterministic: the same rows again after an interrupted load)."""
    from alumusic import demo_data

    rng = random.Random(SEED + start)
    released = {(r.artista, r.album): datetime(r.lancado_em.year, r.lancado_em.month, r.lancado_em.day, tzinfo=UTC)
                for r in demo_data.releases(anchor.date(), RELEASE_DAYS)}
    generated = demo_data.generate(stop - start, days=60, seed=SEED + start, now=anchor, pool=pool)
    for i, c in zip(range(start, stop), generated, strict=True):
        t = moment(i, lo, hi, anchor, per_day, rng.random())
        album = c.album
        if album and t < released[(c.artista, album)]:
            album = demo_data.ARTISTAS[c.artista][0]
        yield dataclasses.replace(c, album=album, recebido_em=t, publicado_em=t - (c.recebido_em - c.publicado_em))


# --- state (resumable loads) -------------------------------------------------------------------
def _name(database: str, what: str) -> Path:
    prefix = "scale" if database == DATABASE else f"scale-{database}"
    return OUT_DIR / f"{prefix}-{what}.json"


def results_path(database: str, size: int) -> Path:
    return _name(database, str(size))


class State:
    """``.data/bench/scale-state.json``: the time anchor, the increment being loaded, the secondary
    indexes dropped for it (their definitions), and how each size was loaded."""

    def __init__(self, database: str, per_day: float) -> None:
        self.path = _name(database, "state")
        self.data = json.loads(self.path.read_text()) if self.path.exists() else {}
        if "anchor" not in self.data:
            self.data.update(anchor=datetime.now(UTC).replace(microsecond=0).isoformat(), per_day=per_day, loads={})
        elif abs(self.data["per_day"] - per_day) > 1e-9:
            raise SystemExit(f"{self.path} was planned with --per-day {self.data['per_day']}; drop the database "
                             "and this file to change it")

    @property
    def anchor(self) -> datetime:
        return datetime.fromisoformat(self.data["anchor"])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, ensure_ascii=False))
        tmp.replace(self.path)


# --- loading -----------------------------------------------------------------------------------
def count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM comentarios")).scalar_one()


def index_snapshot(conn: sa.Connection) -> list[list[str]]:
    return [list(r) for r in conn.execute(sa.text(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2"))]


_SECONDARY = sa.text("""
    SELECT c.relname AS tabela, ic.relname AS nome, pg_get_indexdef(i.indexrelid) AS def
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indrelid
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relname = ANY(:tables)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)  -- PK/unique/FK targets stay
     ORDER BY c.relname, ic.relname
""")


def drop_secondary_indexes(engine: sa.Engine, state: State) -> None:
    if state.data.get("dropped"):
        return
    with engine.begin() as conn:
        state.data["indexes_before"] = index_snapshot(conn)
        dropped = [dict(r) for r in conn.execute(_SECONDARY, {"tables": list(TABLES)}).mappings()]
        state.data["dropped"] = dropped
        state.save()  # before dropping: an interrupted load still knows what to rebuild
        for d in dropped:
            conn.exec_driver_sql(f'DROP INDEX "{d["nome"]}"')
    log(f"dropped {len(dropped)} secondary indexes")


def rebuild_indexes(engine: sa.Engine, state: State) -> dict:
    """Recreate the dropped indexes (those not there yet) from their definitions; the pg_indexes
    snapshot must then equal the one taken before dropping."""
    per_index = {}
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("SET maintenance_work_mem = '1GB'")
        conn.exec_driver_sql("SET max_parallel_maintenance_workers = 2")
        have = {r[1] for r in index_snapshot(conn)}
        for d in state.data["dropped"]:
            if d["nome"] in have:
                continue
            started = time.perf_counter()
            conn.exec_driver_sql(d["def"])
            per_index[d["nome"]] = round(time.perf_counter() - started, 1)
            log(f"  index {d['nome']}: {per_index[d['nome']]} s")
        after = index_snapshot(conn)
    if after != state.data["indexes_before"]:
        raise RuntimeError("pg_indexes differs from before the load: " + json.dumps(
            {"missing": [x for x in state.data["indexes_before"] if x not in after],
             "extra": [x for x in after if x not in state.data["indexes_before"]]}, ensure_ascii=False))
    state.data["dropped"] = None
    state.save()
    return per_index


def grow(engine: sa.Engine, state: State, target: int, *, drop_indexes: bool = True) -> dict | None:
    """Load (or finish loading) the increment that reaches ``target`` comments; None if nothing to do."""
    from alumusic import demo_data
    from alumusic.repositories.releases import add_releases
    from bench.bulk import copy_comments
    from bench.dashboard import classify_in_bulk

    have = count(engine)
    inc = state.data.get("increment")
    if inc is None:
        if have >= target:
            return None
        inc = state.data["increment"] = [have, target]
        state.data["loads"][str(target)] = {"started": datetime.now(UTC).isoformat(timespec="seconds")}
        state.save()
    lo, hi = inc
    if hi != target:
        raise SystemExit(f"an interrupted load to {hi:,} is pending: run with --sizes including {hi} first")
    if not lo <= have <= hi or (have - lo) % CHUNK and have != hi:
        raise SystemExit(f"comentarios has {have:,} rows, not a resumable point of [{lo:,}, {hi:,})")
    times = state.data["loads"][str(target)]
    pool = demo_data.read_pool(POOL) if POOL.exists() else None
    if have < hi:
        if drop_indexes:
            drop_secondary_indexes(engine, state)
        with engine.begin() as conn:
            add_releases(conn, [(r.artista, r.album, r.lancado_em)
                                for r in demo_data.releases(state.anchor.date(), RELEASE_DAYS)])
        started, first = time.perf_counter(), have
        while have < hi:
            stop = min(hi, have + CHUNK)
            copy_comments(engine, comments_for(have, stop, lo, hi, state.anchor, state.data["per_day"], pool),
                          chunk=CHUNK)
            have = stop
            rate = (have - first) / (time.perf_counter() - started)
            log(f"copied {have:,} / {hi:,} ({rate:,.0f}/s, {(hi - have) / rate / 60:.1f} min left)")
        times["copy_s"] = times.get("copy_s", 0) + time.perf_counter() - started
        state.save()
    started = time.perf_counter()
    if classify_in_bulk(engine):
        times["classify_s"] = time.perf_counter() - started
        state.save()
    if state.data.get("dropped"):
        started = time.perf_counter()
        log("VACUUM FULL comentarios (only the primary key is there) ...")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SET maintenance_work_mem = '1GB'")
            conn.exec_driver_sql("VACUUM FULL comentarios")
        times["vacuum_full_s"] = time.perf_counter() - started
        log(f"rebuilding {len(state.data['dropped'])} indexes ...")
        started = time.perf_counter()
        times["indexes"] = rebuild_indexes(engine, state)
        times["indexes_s"] = time.perf_counter() - started
        times["pg_indexes_equal"] = True
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in TABLES:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
    times["vacuum_analyze_s"] = time.perf_counter() - started
    times["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    times["total_s"] = sum(v for k, v in times.items() if k.endswith("_s") and k != "total_s")
    state.data["increment"] = None
    state.save()
    log(f"loaded {target:,}: " + ", ".join(f"{k} {v:.0f}" for k, v in times.items() if k.endswith("_s")))
    return times


# --- measurements ------------------------------------------------------------------------------
def sizes_on_disk(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        db = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
        rows = conn.execute(sa.text(
            "SELECT relname, pg_table_size(oid), pg_indexes_size(oid) FROM pg_class WHERE relname = ANY(:t)"),
            {"t": list(TABLES)}).all()
    return {"database_mb": db / 2**20, **{r[0]: {"table_mb": r[1] / 2**20, "indexes_mb": r[2] / 2**20} for r in rows}}


# ru_maxrss survives fork + exec on Linux: a child started straight from this (big) process reports
# at least this process's RSS. Started from a small launcher instead, the exporting process's peak
# is its own (checked: a 600 MB parent, an 11 MB child reports 611 MB direct, 11 MB launched).
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def measure_export(engine: sa.Engine, rows: int = EXPORT_ROWS) -> dict:
    """``bench.dashboard.measure_export`` (its child, ``--export-child``) with the row target as a
    parameter, started through a small launcher so the peak RSS is the exporting process's; the
    direct start (as ``bench.dashboard`` does it) is measured too, for comparison."""
    from bench.dashboard import export_filter

    filtro = export_filter(engine, rows)
    url = engine.url.render_as_string(hide_password=False)
    child = [sys.executable, "-m", "bench.dashboard", "--export-child", url, json.dumps(filtro)]

    def run(cmd: list[str]) -> dict:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
        return json.loads(out.stdout.strip().splitlines()[-1])

    direct = run(child)
    own = run([sys.executable, "-c", _LAUNCHER, *child])
    return {**own, "filtro": filtro, "peak_rss_mb_direct": direct["peak_rss_mb"], "seconds_direct": direct["seconds"],
            "parent_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# The weekly views before migration 0020 (0004/0006: each comment's week as f_semana_iso(recebido_em),
# which no index can serve since it is STABLE), created as TEMP views on one connection, which shadow
# the public ones there (pg_temp comes first in the search path; the views built on
# v_semana_comentarios are restated, since a view is bound to the one it was created on), to time the
# unchanged weekly_stats on them in the same run as the shipped (0020) views.
PREVIOUS_WEEKLY_VIEWS = """
CREATE TEMP VIEW v_semana_comentarios AS
SELECT f_semana_iso(c.recebido_em) AS semana, date_trunc('week', c.recebido_em)::date AS inicio, c.id, c.texto,
       c.artista, c.album, c.recebido_em, c.status, c.categoria_atual AS categoria, k.confianca, c.classificacao_atual_id
  FROM comentarios c
  LEFT JOIN classificacoes k ON k.id = c.classificacao_atual_id;
CREATE TEMP VIEW v_semana_volume AS
SELECT semana, min(inicio) AS inicio, count(*)::int AS total, count(categoria)::int AS classificados,
       (count(*) - count(categoria))::int AS nao_classificados,
       count(*) FILTER (WHERE categoria = 'SPAM')::int AS spam,
       round(100.0 * count(*) FILTER (WHERE categoria = 'SPAM') / NULLIF(count(categoria), 0), 1) AS pct_spam
  FROM v_semana_comentarios GROUP BY semana;
CREATE TEMP VIEW v_semana_categorias AS
SELECT semana, categoria, total, round(100.0 * total / sum(total) OVER (PARTITION BY semana), 1) AS pct
  FROM (SELECT semana, categoria, count(*)::int AS total FROM v_semana_comentarios
         WHERE categoria IS NOT NULL GROUP BY semana, categoria) s;
CREATE TEMP VIEW v_semana_artistas AS
SELECT semana, artista, count(*)::int AS total,
       count(*) FILTER (WHERE categoria = 'ELOGIO')::int AS elogios,
       count(*) FILTER (WHERE categoria = 'CRÍTICA')::int AS criticas,
       count(*) FILTER (WHERE categoria = 'SUGESTÃO')::int AS sugestoes,
       count(*) FILTER (WHERE categoria = 'DÚVIDA')::int AS duvidas,
       count(*) FILTER (WHERE categoria = 'SPAM')::int AS spam
  FROM v_semana_comentarios WHERE artista IS NOT NULL GROUP BY semana, artista;
CREATE TEMP VIEW v_semana_albuns AS
SELECT semana, artista, album, count(*)::int AS total,
       count(*) FILTER (WHERE categoria = 'ELOGIO')::int AS elogios,
       count(*) FILTER (WHERE categoria = 'CRÍTICA')::int AS criticas
  FROM v_semana_comentarios WHERE album IS NOT NULL GROUP BY semana, artista, album;
CREATE TEMP VIEW v_semana_tags AS
SELECT f_semana_iso(c.recebido_em) AS semana, t.codigo, tx.rotulo, count(*)::int AS total
  FROM comentarios c
  JOIN classificacao_tags t ON t.classificacao_id = c.classificacao_atual_id
  JOIN taxonomia_tags tx ON tx.codigo = t.codigo
 GROUP BY f_semana_iso(c.recebido_em), t.codigo, tx.rotulo;
"""


def measure_weekly(engine: sa.Engine, runs: int = 3) -> dict:
    """The weekly summary's statistics (``weekly_stats``) of the last complete week and the sample
    taken with them (``sample_comments``), ``runs`` times each; then ``weekly_stats`` again on the views
    before 0020 (``PREVIOUS_WEEKLY_VIEWS``, same connection's TEMP views), which must give the same statistics."""
    from alumusic.settings import get_settings
    from alumusic.summary.sample import budget_chars, sample_comments
    from alumusic.summary.stats import weekly_stats
    from alumusic.summary.weeks import last_complete_week

    week = last_complete_week(get_settings().timezone)
    stats_s, sample_s, cand_s = [], [], []
    with engine.connect() as conn:
        for _ in range(runs):
            started = time.perf_counter()
            stats = weekly_stats(conn, week)
            stats_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            sample_comments(conn, week, budget=budget_chars(8192))
            sample_s.append(time.perf_counter() - started)
        conn.rollback()
        try:
            conn.exec_driver_sql(PREVIOUS_WEEKLY_VIEWS)
            for _ in range(runs):
                started = time.perf_counter()
                previous = weekly_stats(conn, week)
                cand_s.append(time.perf_counter() - started)
        finally:
            conn.rollback()
            conn.exec_driver_sql("DISCARD TEMP")
            conn.invalidate()  # never hand a connection with shadowing views back to the pool
    return {"semana": week.label, "comentarios_semana": stats["volume"]["total"], "stats_s": stats_s,
            "stats_p50_s": statistics.median(stats_s), "sample_p50_s": statistics.median(sample_s),
            "previous_s": cand_s, "previous_p50_s": statistics.median(cand_s), "previous_equal": previous == stats}


def measure_ingest(engine: sa.Engine, database: str, rows_n: int = INGEST_ROWS, rounds: int = INGEST_ROUNDS) -> dict:
    """API batches (gunicorn as in ``bench.api_ingest``) vs raw ``execute_values`` into this database
    at its size; alternating rounds on the same rows, deleted again after each round."""
    from alumusic import localpg
    from alumusic.repositories import clients as clients_repo
    from bench import api_ingest as ai
    from bench.dashboard import PGDATA

    server = localpg.start(PGDATA)
    url = localpg.url_for(server, database)
    name = f"bench-scale-{int(time.time())}"
    with engine.begin() as conn:
        _, secret = clients_repo.create_client(conn, name, "ingest,read")
    # Seeds outside the loaded data's (SEED + row index), so these ids are new to the table.
    rows = ai.make_rows(rows_n, seed=INGEST_SEED)
    warm = ai.make_rows(INGEST_BATCH, seed=INGEST_SEED + 1)
    ids = [str(c.id) for c in rows + warm]

    def stored() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM comentarios WHERE id = ANY(CAST(:ids AS uuid[]))"),
                                {"ids": ids}).scalar_one()

    def purge() -> None:  # only what this measurement wrote (the loaded data is enviado_por 'demo')
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM comentarios WHERE id = ANY(CAST(:ids AS uuid[])) "
                                 "AND enviado_por IS DISTINCT FROM 'demo'"), {"ids": ids})

    purge()  # leftovers of an interrupted measurement
    if stored():
        raise RuntimeError("the ingest rows' ids collide with the loaded data")
    bodies = [json.dumps({"comentarios": [ai.as_json(c) for c in b]}).encode() for b in ai.chunks(rows, INGEST_BATCH)]
    raw_rates, api_rates, ratios, lat, acked_total, stored_total = [], [], [], [], 0, 0
    proc = ai.start_gunicorn(url, port := ai.free_port(), 2, 4, secrets.token_urlsafe(32))
    try:
        token = ai.get_token(port, name, secret)
        ai.drive(port, token, [json.dumps({"comentarios": [ai.as_json(c) for c in warm]}).encode()], 4)
        purge()
        for rnd in range(rounds):
            with mock.patch.object(ai, "DB_NAME", database):  # api_ingest's baseline, pointed at this database
                raw_rates.append(rows_n / ai.raw_execute_values(server, rows, INGEST_BATCH, INGEST_CLIENTS))
            assert stored() == rows_n
            purge()
            elapsed, lat_r, answers = ai.drive(port, token, bodies, INGEST_CLIENTS)
            acked = sum(a["totais"]["criado"] for st, a in answers if st in (200, 201, 207))
            got = stored()
            purge()
            acked_total, stored_total = acked_total + acked, stored_total + got
            api_rates.append(rows_n / elapsed)
            ratios.append(api_rates[-1] / raw_rates[-1])
            lat += lat_r
            log(f"  ingest round {rnd + 1}: raw {raw_rates[-1]:,.0f}/s, API {api_rates[-1]:,.0f}/s "
                f"({ratios[-1]:.2f}x), acked {acked}, stored {got}")
    finally:
        ai.stop(proc)
        purge()
    return {"raw_rates": raw_rates, "api_rates": api_rates, "ratios": ratios, "ratio": statistics.median(ratios),
            "raw_rate": statistics.median(raw_rates), "api_rate": statistics.median(api_rates),
            "api_p50_ms": ai.pct(lat, 50) * 1000, "api_p99_ms": ai.pct(lat, 99) * 1000,
            "acked": acked_total, "stored": stored_total, "rows": rows_n, "rounds": rounds}


def _head(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return ",".join(sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()))


def measure(engine: sa.Engine, database: str, which: tuple[str, ...], export_rows: int = EXPORT_ROWS) -> dict:
    """Measure ``which`` at the current size; merged into the size's JSON (replaced figures are kept
    under "previous", so a fix's before/after stays on record)."""
    from bench import dashboard
    from bench.alerts_search import measure_detect

    n = count(engine)
    path = results_path(database, n)
    results = json.loads(path.read_text()) if path.exists() else {"comentarios": n}
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) comentarios")  # fresh visibility map (index-only scans)
    results["disk"] = sizes_on_disk(engine)
    app = dashboard.make_app(engine, Path(tempfile.mkdtemp(prefix="bench-scale-")))
    steps = {
        "report": lambda: dashboard.measure_report(app, engine),
        "filters": lambda: dashboard.measure_filters(app, engine),
        "export": lambda: measure_export(engine, export_rows),
        "weekly": lambda: measure_weekly(engine),
        "detect": lambda: measure_detect(engine, datetime.now(UTC)),
        "ingest": lambda: measure_ingest(engine, database),
    }
    for key in which:
        log(f"measuring {key} at {n:,} ...")
        meta = {"quando": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "load": [round(x, 1) for x in os.getloadavg()], "schema": _head(engine)}
        started = time.perf_counter()
        try:
            value = {**steps[key](), **meta}
        except Exception as exc:  # noqa: BLE001 - one failing quantity must not lose the others of a long run
            value = {"error": f"{type(exc).__name__}: {exc}", **meta}
        value["wall_s"] = time.perf_counter() - started
        if key in results:
            results.setdefault("previous", {}).setdefault(key, []).append(results[key])
        results[key] = value
        log(f"  {key}: " + json.dumps(summary(key, value), ensure_ascii=False))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    return results


def summary(key: str, v: dict) -> dict:
    """The headline figures of one measurement (also what the table shows)."""
    if "error" in v:
        return {"error": v["error"]}
    if key == "report":
        return {"cold_p50_ms": v["cold"]["p50_ms"], "cold_max_ms": v["cold"]["max_ms"],
                "cached_p95_ms": v["cached"]["p95_ms"]}
    if key == "filters":
        return {"p50_ms": v["all"]["p50_ms"], "p95_ms": v["all"]["p95_ms"], "max_ms": v["all"]["max_ms"]}
    if key == "export":
        if "peak_rss_mb_direct" not in v:  # measured before the launcher: a direct child's reading only
            return {"s": v["seconds"], "peak_rss_mb": None, "rows": v["rows"], "rss_direct": v["peak_rss_mb"]}
        return {"s": v["seconds"], "peak_rss_mb": v["peak_rss_mb"], "rows": v["rows"],
                "rss_direct": v["peak_rss_mb_direct"]}
    if key == "weekly":
        if "previous_p50_s" in v:  # measured with 0020 shipped: the TEMP views are the previous ones
            return {"stats_p50_s": v["stats_p50_s"], "before_p50_s": v["previous_p50_s"],
                    "sample_p50_s": v["sample_p50_s"], "semana": v["semana"], "equal": v["previous_equal"]}
        # measured before 0020: the shipped views were the previous ones, the TEMP ones 0020's candidate
        return {"stats_p50_s": v.get("candidate_p50_s"), "before_p50_s": v["stats_p50_s"],
                "sample_p50_s": v["sample_p50_s"], "semana": v["semana"], "equal": v.get("candidate_equal")}
    if key == "detect":
        return {"p50_s": statistics.median(r["s"] for r in v["runs"]), "first_s": v["runs"][0]["s"]}
    if key == "ingest":
        return {"ratio": v["ratio"], "raw": v["raw_rate"], "api": v["api_rate"]}
    return {}


# --- output ------------------------------------------------------------------------------------
def load_results(database: str, sizes: list[int]) -> list[dict]:
    return [json.loads(p.read_text()) for s in sorted(sizes) if (p := results_path(database, s)).exists()]


def _get(r: dict, key: str, field: str):
    v = r.get(key)
    if not v or "error" in v:
        return None
    return summary(key, v).get(field)


# (label, measurement, field, unit, target or None, lower is better)
CANDIDATE = ("weekly statistics on the views before 0020 (0004/0006)", "weekly", "before_p50_s", "s", 10, True)
CURVES = [
    ("report JSON, cold (max of 5)", "report", "cold_max_ms", "ms", 1000, True),
    ("report JSON, cached (p95 of 500)", "report", "cached_p95_ms", "ms", 50, True),
    ("grid block callback (p95)", "filters", "p95_ms", "ms", 300, True),
    ("CSV export, 100k rows", "export", "s", "s", 10, True),
    ("CSV export, peak RSS", "export", "peak_rss_mb", "MB", 300, True),
    ("weekly statistics (weekly_stats, the 0020 views)", "weekly", "stats_p50_s", "s", 10, True),
    ("detect_alerts (median of 3 passes)", "detect", "p50_s", "s", None, True),
    ("API batch ingest / raw execute_values", "ingest", "ratio", "×", 0.6, False),
]


def render_png(results: list[dict], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(16, 7.5))
    for ax, (label, key, field, unit, target, _lower) in zip(axes.flat, CURVES, strict=True):
        xs = [r["comentarios"] / 1e6 for r in results if _get(r, key, field) is not None]
        ys = [_get(r, key, field) for r in results if _get(r, key, field) is not None]
        ax.plot(xs, ys, "o-", color="#0072B2", label="measured")
        if key == "export" and field == "peak_rss_mb":
            alt = [(r["comentarios"] / 1e6, _get(r, key, "rss_direct")) for r in results]
            alt = [(x, y) for x, y in alt if y is not None]
            ax.plot([x for x, _ in alt], [y for _, y in alt], "s:", color="#999999",
                    label="child forked from the bench (ru_maxrss carried over)")
        if key == CANDIDATE[1]:
            alt = [(r["comentarios"] / 1e6, _get(r, key, CANDIDATE[2])) for r in results]
            alt = [(x, y) for x, y in alt if y is not None]
            ax.plot([x for x, _ in alt], [y for _, y in alt], "s-", color="#CC79A7", label="views before 0020")
        for r in results:  # figures replaced by a later measurement (e.g. before a fix)
            for old in r.get("previous", {}).get(key, []):
                y = _get({key: old}, key, field)
                if y is not None:
                    ax.plot(r["comentarios"] / 1e6, y, "x", color="#D55E00", label="earlier run")
        if target is not None:
            ax.axhline(target, color="#009E73", linestyle="--", label="10M target")
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("comments (millions)")
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        ax.set_xlim(0, max([r["comentarios"] / 1e6 for r in results] + [1]) * 1.05)
        ax.grid(alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        ax.legend(unique.values(), unique.keys(), fontsize=7)
    fig.suptitle("AluMusic Insights: cost curves from 1M to 10M comments (bench/scale.py)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def _fmt(x, unit: str) -> str:
    if x is None:
        return "—"
    if unit == "×":
        return f"{x:.2f}×"
    if unit == "ms":
        return f"{x:,.0f} ms" if x >= 10 else f"{x:.1f} ms"
    if unit == "s":
        return f"{x:.1f} s" if x < 100 else f"{x:,.0f} s"
    return f"{x:,.0f} {unit}"


def verdict(value, target, lower: bool) -> str:
    if value is None or target is None:
        return ""
    return "met" if (value < target if lower else value >= target) else "**missed**"


def load_wall_s(load: dict) -> float | None:
    """From the start of an increment's load to its last ANALYZE (interruptions included)."""
    if "started" in load and "finished" in load:
        return (datetime.fromisoformat(load["finished"]) - datetime.fromisoformat(load["started"])).total_seconds()
    return load.get("total_s")


def render_markdown(results: list[dict], state: dict | None = None, notes: str = "",
                    png: str = "bench/scale-curves.png") -> str:
    sizes = [r["comentarios"] for r in results]
    head = "| measurement | target at 10M | " + " | ".join(f"{n / 1e6:g}M" for n in sizes) + " | at the largest |"
    lines = [
        TITLE, "",
        "`python -m bench.scale` — one database (`alumusic_bench_scale`, embedded PostgreSQL 18 in `.data/pg-bench`,",
        "default settings: `shared_buffers` 128 MB) grown from 1M to 3M to 10M comments and measured at each size with",
        "the other benchmarks' own code (`bench.dashboard`, `bench.alerts_search`, `bench.api_ingest`). Data: the demo",
        "generator by COPY, classified in bulk by SQL keywords; a constant "
        f"{round(7 * (state or {}).get('per_day', PER_DAY)):,} comments a week, the newest first, each increment adding",
        "older history (1M = the last 73 days, 3M = 219 days, 10M = 730 days), so every \"last week\" query reads the",
        "same week's worth at every size and only the history grows. 2 cores shared with other sessions: ingest is",
        "compared with raw `execute_values` into the same database at that size in the same run; the other",
        "quantities are absolute (their load average is listed below).",
        "",
        head,
        "|---|---|" + "---|" * len(sizes) + "---|",
    ]
    for label, key, field, unit, target, lower in [*CURVES[:6], CANDIDATE, *CURVES[6:]]:
        values = [_get(r, key, field) for r in results]
        shown_target = "—" if target is None else ("≥ " if not lower else "< ") + _fmt(target, unit)
        lines.append(f"| {label} | {shown_target} | " + " | ".join(_fmt(v, unit) for v in values)
                     + f" | {verdict(values[-1] if values else None, target, lower)} |")
    extra = [
        ("report JSON, cold (p50)", "report", "cold_p50_ms", "ms"),
        ("grid block callback (p50)", "filters", "p50_ms", "ms"),
        ("CSV export, peak RSS as `bench.dashboard` reads it (child forked from the benchmark)", "export",
         "rss_direct", "MB"),
        ("weekly summary sample (`sample_comments`, p50)", "weekly", "sample_p50_s", "s"),
        ("raw `execute_values` into the table (4 connections)", "ingest", "raw", "/s"),
        ("API batches of 500 (4 clients)", "ingest", "api", "/s"),
    ]
    for label, key, field, unit in extra:
        lines.append(f"| {label} | | " + " | ".join(
            (f"{v:,.0f}/s" if unit == "/s" else _fmt(v, unit)) if v is not None else "—"
            for v in (_get(r, key, field) for r in results)) + " | |")
    loads = (state or {}).get("loads", {})
    lines.append("| load of the increment, wall clock (COPY, classify, VACUUM FULL, indexes, ANALYZE) | | " + " | ".join(
        _fmt(load_wall_s(loads.get(str(n), {})), "s") for n in sizes) + " | |")
    lines.append("| database on disk | | " + " | ".join(
        f"{r['disk']['database_mb'] / 1024:.1f} GB" if r.get("disk") else "—" for r in results) + " | |")
    lines += ["", f"![cost curves]({png})", ""]
    lines.append("Where the time of each load went (s): " + "; ".join(
        f"{n / 1e6:g}M: " + ", ".join(f"{k.removesuffix('_s')} {v:,.0f}" for k, v in loads.get(str(n), {}).items()
                                      if k.endswith("_s") and k != "total_s") for n in sizes if str(n) in loads) + ".")
    lines.append("")
    lines.append("Runs (UTC; 1-minute load average at the start of each measurement): " + "; ".join(
        f"{r['comentarios'] / 1e6:g}M {r['report']['quando'] if 'report' in r else '?'} "
        + ", ".join(f"{k} {r[k]['load'][0]}" for k in MEASUREMENTS if k in r) for r in results) + ".")
    lines += ["", notes.strip(), ""]
    return "\n".join(lines)


NOTES = """
How the data was loaded. Secondary indexes (22 on `comentarios`, `classificacoes`, `classificacao_tags`;
primary keys and constraint indexes stay) are dropped before each increment's COPY and rebuilt after
it with `maintenance_work_mem` 1 GB; `pg_indexes` after each rebuild equals the snapshot before the
drop (checked by the script, recorded in `.data/bench/scale-state.json`), so every measurement ran on
the migrations' schema (head `0019` for the loads and the 1M/3M measurements, `0020` for the 10M weekly statistics).
`classify_in_bulk`'s UPDATE leaves a dead version of every row, so the table is compacted with
`VACUUM FULL` while only its primary key exists. At 10M the 48 minutes went to COPY 750 s (the
generator, ~9,000 rows/s on a shared core), the bulk classification 1,362 s (mostly the 7M-row UPDATE,
each new version entered in the 10M-entry primary key), VACUUM FULL 65 s, index builds 643 s
(trigram GIN on `texto_busca` 184 s) and ANALYZE. Resumption was exercised twice (the 1M load stopped
at 800,000 rows and the 10M one at 3.2M, both resumed from the last committed 100,000-row chunk; the
COPY time of the interrupted processes is in the wall clock only, so "copy 20" at 1M counts the last
200,000 rows).
One caveat of growing backwards in time: the heap holds the newest 1M first and older history after
it, so `pg_stats.correlation` of `recebido_em` is -0.57 where a table filled in time order has ~1;
plans that read long time ranges from the heap (`detect_alerts`) are costed as random I/O here.

What bends, from EXPLAIN (ANALYZE, BUFFERS) on the 10M database:

- **Weekly statistics: 59 s at 10M, fixed by migration 0020.** Every `v_semana_*` view of 0004/0006
  derived `semana` as `f_semana_iso(recebido_em)`, a STABLE function (it follows the session time zone),
  and callers filter on it. No index can serve that: each of `weekly_stats`'s nine queries read the
  whole covering index `comentarios_janela_atual_idx` (parallel index-only scan, 10M entries, "Rows
  Removed by Filter: 3,269,407" per worker, 6.9 s for `v_semana_volume` alone), and `v_semana_tags` also
  hashed all of `classificacao_tags` (4.8M rows). Linear in the history: 5.5 s at 1M, 10.6 s at 3M.
  0020 adds `v_semanas` (week starts from `generate_series`, from the oldest comment's week to now,
  labelled with the same `f_semana_iso`) and joins `v_semana_comentarios` and `v_semana_tags` to it on
  `recebido_em >= inicio AND recebido_em < fim`, same columns and rows. The filter on `semana` then
  applies to ~105 series rows and each remaining week is one index range (nested loop, index-only scan
  of the week's ~96,000 entries, 0.25 s for `v_semana_volume`); the tags view probes
  `classificacao_tags_pkey` per comment (`LATERAL … OFFSET 0`: the planner estimates a week at 1.1M
  rows and would otherwise hash the whole tag table, 2.3 s → 0.26 s). The benchmark times the unchanged
  `weekly_stats` on both sets in the same run (the previous views as TEMP views shadowing the public
  ones on one connection: `PREVIOUS_WEEKLY_VIEWS`), with the statistics asserted equal at every size
  and in `tests/bench/test_scale.py` (the summary's known dataset, São Paulo week boundaries included).
  At 1M and 3M the new views were timed before 0020 in a first form (a plain join to the tags: 1.3 /
  1.5 s; that form took 4.9 s at 10M).
- **Grid block callback: p95 769 ms → 167 ms at 10M (met; p50 191 → 53 ms).** The first 10M run
  (17:29, load ~5; the "earlier run" marks) missed: the combinations that grew were the rare or
  date-bounded free-text ones: "nenhum comentário diz isto" (0 matches) 142 → 284 → 918 ms; "canal" +
  SPAM + tag + week 55 → 129 → 517 ms; "lindas" + week 45 → 48 → 309 ms. Three causes and fixes:
  1. for "canal" + week (and "lindas" + week, "vozes" + artist + album + month) the planner ANDed the
     window's rows (a week: 90,000 in `comentarios_recebido_em_idx`) with the trigram and full-text
     bitmaps of the word over all history (295,000 entries each, ~180 ms), a cost it underrates, to
     keep 2,547 rows. `comment_search.text_on_rows` now checks the text row by row (a scalar
     subquery no index can serve) on what the period, artist and album select when those rows are
     fewer than half of the text's estimated matches and at most 250,000: read newest first, a page
     stops after 100 rows (canal + week 175 → 6 ms) and the capped count after 1,001 matches (200 →
     30 ms). Category, status and tag only drop rows already read, so they do not count. With two or
     three of period, artist and album the rows are counted (index-only, capped), not estimated:
     the columns are estimated as independent, 6× low at 1M where one artist's album had a spike.
     A rare word among many rows keeps the text index ("mixagem" in one artist's 818,000 comments:
     3 ms by the index, seconds row by row), and so does every combination at 1M, where a week holds
     273,000 comments ("Alerts and search": p95 92 ms). The grid, the API search and the export take
     the same decision (`tests/search/test_text_on_rows.py`: the same rows either way on 8 filters,
     the plan, the decision, the bound, a correlated filter counted);
  2. a ranked first block with no match ran the same search twice (2f58ec4: it stops after its count);
  3. the benchmark asked every combination for a second block, which ag-grid's infinite model never
     requests when the first block's `rowCount` leaves no rows after it (4028ad0): for the phrase, a
     page and a count more (~2 × 300 ms) no user waits for.
  At 19:59 (load 1.9, an evals run sharing the cores) p95 167 ms, max 283 ms, p50 53 ms. The slowest
  is the phrase over all history, 246 ms p50: its trigram bitmap (~250 ms, 10,300 buffers; each of
  its ~20 trigrams is common and GIN intersects their posting lists, and none of its words alone is
  rare: each matches > 18,000 comments). With a date filter it is checked on the window's rows
  (the phrase in last week: 384 → 98 ms). At 1M and 3M the grid was not re-measured on this database
  (it holds 10M now); the 1M figures after the fix are `bench.alerts_search`'s.
- **detect_alerts: 13.7 s → 1.9 s at 10M (no target).** `_WINDOW_COUNTS` reads the last 49 days (the
  same 670,518 comments at every size), but its plan was a parallel seq scan of all of `comentarios`
  (3.3 GB), a hash join with a parallel seq scan of all 10M `classificacoes` (for `k.id` and
  `k.categoria`), and a seq scan of all 4.8M `classificacao_tags` for the tag windows: 16.9 s.
  `comentarios` carries `classificacao_atual_id` and `categoria_atual` (0006's trigger keeps them),
  so the windows now read them from a range of `comentarios_janela_atual_idx` (every comment with a
  current label counts, as in the report's views) and probe `classificacao_tags_pkey` per comment
  (`LATERAL … OFFSET 0`): 13.3 → 3.1 s for the query in the same run, the same 369 counts
  (`tests/alerts/test_window_counts.py`), and a pass of `detect` 1.9 s (19:56, load 2.9). At 1M the
  window is the whole table and the pass stays ~4 s.
- **Flat (met):** the report (cold max 404 → 369 → 300 ms, cached p95 < 8 ms: index-only scans of the
  7/14-day windows, constant by design of the data), the CSV export of the last 8 days (103,524 rows,
  5.9 / 5.4 / 8.9 s), the weekly summary's sample (a `recebido_em` range), and batch ingest against raw
  inserts into the same table (0.80× / 0.76× / 0.75×; both sides slow down together as 5 GB of indexes
  outgrow the 128 MB `shared_buffers`: raw 6,479 → 4,691 comments/s on this loaded machine, load
  average ~5, against 17,742/s into an empty table in "API ingest").
- **Export peak RSS.** `bench.dashboard.export_child` read `ru_maxrss`, which Linux carries over fork +
  exec: a child started from the benchmark process reported at least the parent's RSS (231 / 289 / 232 MB
  here, the row "as bench.dashboard reads it"). `bench.scale` starts it through a small launcher, so the
  figure is the exporting process's own: 150 MB at 10M (checked with a 600 MB parent: 611 MB direct,
  11 MB through the launcher). The "Dashboard" section's export RSS figures, measured before the fix,
  carry the same inflation. Since then `export_child` reads its own `VmHWM` (`bench.dashboard.peak_rss_mb`,
  which starts afresh at exec; `tests/bench/test_peak_rss.py` starts it from a 600 MB parent), so the
  direct and launched figures agree from the next run on.
"""


def write_outputs(database: str, sizes: list[int], notes: str = "", docs: bool = True) -> str:
    from bench.dashboard import update_benchmarks_md

    results = load_results(database, sizes)
    state_path = _name(database, "state")
    state = json.loads(state_path.read_text()) if state_path.exists() else None
    section = render_markdown(results, state, notes or NOTES)
    if docs and results:
        render_png(results, PNG_DIR / "scale-curves.png")
        update_benchmarks_md(section)
    return section


# --- main --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated sizes, grown in order")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--per-day", type=float, default=PER_DAY, help="comments a day of the time plan")
    parser.add_argument("--only-measure", action="store_true", help="measure the current size, load nothing")
    parser.add_argument("--load-only", action="store_true", help="grow to the largest size, measure nothing")
    parser.add_argument("--measure", default=",".join(MEASUREMENTS), help="which quantities")
    parser.add_argument("--export-rows", type=int, default=EXPORT_ROWS)
    parser.add_argument("--keep-indexes", action="store_true", help="COPY with every index live")
    parser.add_argument("--render", action="store_true", help="only redraw the PNG and the docs section")
    parser.add_argument("--no-write", action="store_true", help="leave docs/ alone")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    which = tuple(m for m in args.measure.split(",") if m)
    if unknown := set(which) - set(MEASUREMENTS):
        parser.error(f"unknown measurement(s): {sorted(unknown)}")
    if args.render:
        print(write_outputs(args.database, sizes, docs=not args.no_write))
        return 0
    if args.database in ("alumusic_bench_alerts", "alumusic_bench_dash"):
        parser.error("those databases belong to the other benchmarks")
    from bench.dashboard import bench_engine

    engine = bench_engine(args.database)
    state = State(args.database, args.per_day)
    state.save()
    if args.only_measure:
        n = count(engine)
        if n not in sizes:
            parser.error(f"the database holds {n:,} comments, not one of --sizes")
        measure(engine, args.database, which, args.export_rows)
    else:
        for size in sizes:
            if count(engine) > size:
                log(f"{size:,}: already past it (results in {results_path(args.database, size)})")
                continue
            times = grow(engine, state, size, drop_indexes=not args.keep_indexes)
            if args.load_only:
                continue
            path = results_path(args.database, size)
            if times is None and path.exists() and not set(which) - set(json.loads(path.read_text())):
                log(f"{size:,}: loaded and measured before (use --only-measure to measure again)")
                continue
            measure(engine, args.database, which, args.export_rows)
    section = write_outputs(args.database, sizes, docs=not args.no_write and args.database == DATABASE)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
