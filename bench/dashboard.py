"""Dashboard benchmark on 1,000,000 demo comments: ``python -m bench.dashboard``.

Data: a separate database (``alumusic_bench_dash``) on the embedded server in ``.data/pg-bench``,
filled with the demo generator's comments by COPY (`bench/bulk.py`) and reused on later runs. The charts need
classifications: they are assigned in bulk by one SQL statement from keywords of the demo
templates (classifier ``bench-sql``), not by a real classifier - the benchmark measures reading,
not classifying.

Measured (targets from issues 7 and 14): report JSON cold and cached, the comment grid's block
request (``getRowsRequest``, first and second block) over filter combinations with stemmed free
text, CSV export of 100,000 rows (time and peak RSS of the exporting process), and the
write-path cost of migration 0006 (inserting 10,000 comments before/after, on scratch databases).
Results go to the "## Dashboard" section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
PGDATA = ROOT / ".data" / "pg-bench"
DATABASE = "alumusic_bench_dash"
N_COMMENTS = 1_000_000
BENCHMARKS_MD = ROOT / "docs" / "BENCHMARKS.md"
RESULTS_JSON = ROOT / ".data" / "bench" / "dashboard.json"  # last run's raw figures (not versioned)

# Keyword rules mirroring the demo templates (first match wins, in SPEC's priority order).
_CATEGORY_RULES = [
    ("SPAM", r"bit\.ly|youtube\.com|meu canal|zap|sorteio|curte meu|inscreve|seguidores|www\."),
    ("SUGESTÃO", r"por favor|coloca |lança |deveriam|grava um"),
    ("DÚVIDA", r"\?$|qual o nome|quando sai|alguém sabe|onde compro"),
    ("CRÍTICA", r"decepção|autotune demais|curto demais|sem sentido|horrível|fraco|modinha|pior "),
    ("ELOGIO", r"linda|perfeita|melhor do|maravilhoso|inesquecível|mto bom|profunda|refrão|talento"),
]
_TAG_RULES = [
    ("feat_autotune", r"autotune"), ("show_duracao", r"curto demais"), ("show_ingresso", r"ingresso"),
    ("show_agenda", r"show em|fazer show"), ("show_som", r"som horrível"), ("clip_narrativa", r"sem história"),
    ("clip_visual", r"fotografia"), ("letra_mensagem", r"letra"), ("letra_legenda", r"legenda"),
    ("voz_timbre", r"voz d"), ("musica_melodia", r"refrão"), ("artista_talento", r"talento"),
    ("album_lancamento", r"quando sai|lança "), ("spam_link", r"bit\.ly|www\."), ("spam_canal", r"canal"),
    ("spam_dinheiro", r"R\$"), ("spam_venda", r"vendo"), ("spam_curtidas", r"curte meu|likes"),
    ("fa_emocao", r"arrepiei|chorei"), ("feat_participacao", r"feat"),
]


def bench_engine(database: str = DATABASE) -> sa.Engine:
    """``database`` on the benchmarks' embedded server (``.data/pg-bench``), upgraded to the schema's heads."""
    from alumusic import db, localpg, migrations

    server = localpg.start(PGDATA)
    localpg.ensure_database(localpg.url_for(server, "postgres"), database)
    url = localpg.url_for(server, database)
    migrations.upgrade(url)
    return db.get_engine(url)


def prepare(engine: sa.Engine, n: int = N_COMMENTS) -> None:
    """Load ``n`` demo comments (once) and classify them in bulk (once)."""
    from alumusic import demo_data
    from bench.bulk import load_demo

    with engine.connect() as conn:
        have = conn.execute(sa.text("SELECT count(*) FROM comentarios")).scalar_one()
    if have < n:
        print(f"loading {n - have:,} demo comments (have {have:,}) ...", flush=True)
        pool_path = ROOT.parent / "shared" / "data" / "youtube_ptbr_music_2013_pool.csv"
        load_demo(engine, n - have, days=60, seed=42 + have,
                  pool=demo_data.read_pool(pool_path) if pool_path.exists() else None)
    classify_in_bulk(engine)
    # The report's index-only scans skip the heap only on all-visible pages. In production
    # autovacuum keeps the visibility map fresh (0006 tunes it for comentarios); here a
    # migration may just have rewritten the table, so measure from a vacuumed state.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE comentarios")


def classify_in_bulk(engine: sa.Engine) -> int:
    """Give every unclassified comment an automatic classification (+ tags) in three statements.

    Per-row triggers are skipped (session_replication_role = replica) and the current-classification
    pointer and category (migration 0006) are set by one UPDATE instead: same end state as the
    trigger, minutes faster.
    """
    case = " ".join(f"WHEN c.texto ~* '{pat}' THEN '{cat}'" for cat, pat in _CATEGORY_RULES)
    tags = ", ".join(f"('{code}', '{pat}')" for code, pat in _TAG_RULES)
    started = time.perf_counter()
    with engine.begin() as conn:
        todo = conn.execute(sa.text("SELECT count(*) FROM comentarios WHERE classificacao_atual_id IS NULL")).scalar_one()
        if not todo:
            return 0
        print(f"classifying {todo:,} comments in bulk (SQL keywords) ...", flush=True)
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.exec_driver_sql(
            f"""
            INSERT INTO classificacoes (comentario_id, categoria, confianca, origem, classificador, versao,
                                        latencia_ms, autor, criado_em)
            SELECT c.id, CASE {case} ELSE 'OUTRO' END, 0.7, 'automatica', 'bench-sql', 'bench-sql-1', 0,
                   'bench', c.recebido_em + interval '2 minutes'
              FROM comentarios c WHERE c.classificacao_atual_id IS NULL
            """
        )
        conn.exec_driver_sql(
            f"""
            INSERT INTO classificacao_tags (classificacao_id, codigo, explicacao)
            SELECT k.id, r.codigo, 'atribuída pelo benchmark (palavra-chave)'
              FROM classificacoes k
              JOIN comentarios c ON c.id = k.comentario_id AND c.classificacao_atual_id IS NULL
              JOIN (VALUES {tags}) AS r(codigo, padrao) ON c.texto ~* r.padrao
             WHERE k.classificador = 'bench-sql'
            """
        )
        conn.exec_driver_sql(
            """
            UPDATE comentarios c SET classificacao_atual_id = k.id, categoria_atual = k.categoria,
                                     status = 'classificado'
              FROM classificacoes k
             WHERE k.comentario_id = c.id AND c.classificacao_atual_id IS NULL
            """
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE comentarios")
        conn.exec_driver_sql("VACUUM ANALYZE classificacoes")
        conn.exec_driver_sql("VACUUM ANALYZE classificacao_tags")
    print(f"classified {todo:,} in {time.perf_counter() - started:.0f} s", flush=True)
    return todo



# --- measurements -----------------------------------------------------------------------------
PASSWORD = "bench-senha"
REPORT_TTL = 5  # short, so the run also sees expiries (production default: 60 s)
FILTER_INPUTS = ("filtro-artista", "filtro-album", "filtro-tag", "filtro-categoria", "filtro-desde", "filtro-ate",
                 "filtro-texto")
# The comment grid's block callback (issue 14: dash-ag-grid, infinite row model).
TABLE_OUTPUT = "..dash-tabela.getRowsResponse...dash-total.children.."
GRID_BLOCK = 50  # dashboard.pages.comentarios.BLOCK


def _today() -> str:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("America/Sao_Paulo")).date().isoformat()


def filter_combinations() -> list[dict]:
    """Free-text searches alone and combined with every other filter (rare and common words)."""
    today = date.fromisoformat(_today())
    week = (today - timedelta(days=6)).isoformat()
    month = (today - timedelta(days=29)).isoformat()
    return [
        {"filtro-texto": "autotune"},
        {"filtro-texto": "MUSICA"},  # ~12 % of all comments, accent- and case-insensitive
        {"filtro-texto": "inesquecível"},
        {"filtro-texto": "show", "filtro-artista": "MC Trovão"},
        {"filtro-texto": "linda", "filtro-categoria": "ELOGIO"},
        {"filtro-texto": "ingresso", "filtro-tag": "show_ingresso"},
        {"filtro-texto": "show", "filtro-desde": week, "filtro-ate": today.isoformat()},
        {"filtro-texto": "autotune", "filtro-artista": "Luna Ribeiro", "filtro-categoria": "CRÍTICA",
         "filtro-desde": month},
        {"filtro-texto": "quando sai", "filtro-album": "Neon"},
        {"filtro-texto": "canal", "filtro-categoria": "SPAM", "filtro-tag": "spam_canal", "filtro-desde": week},
        {"filtro-texto": "nenhum comentário diz isto"},
        # Issue 14: every filter at once, the text matching only stemmed ("vozes" → "voz", template "a voz da …").
        {"filtro-texto": "vozes", "filtro-artista": "Luna Ribeiro", "filtro-album": "Maré Alta",
         "filtro-tag": "voz_timbre", "filtro-categoria": "ELOGIO", "filtro-desde": month, "filtro-ate": today.isoformat()},
        {"filtro-texto": "lindas", "filtro-desde": week},  # stemmed, common
    ]


def callback_body(output: str, inputs: list[tuple[str, str, object]], state: list[tuple[str, str, object]] = (),
                  changed: str | None = None) -> dict:
    """The JSON the Dash renderer posts to /_dash-update-component."""
    return {
        "output": output,
        "outputs": [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
                    for part in output.strip(".").split("...")],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [changed] if changed else [],
    }


BENCH_USER = "bench.curador"


def make_app(engine: sa.Engine, cache_dir: Path):
    import secrets

    from alumusic.settings import Settings
    from dashboard.app import create_app

    settings = Settings(dashboard_secret_key=secrets.token_urlsafe(32), report_cache_seconds=REPORT_TTL)
    return create_app(settings=settings, engine=engine, cache_dir=cache_dir)


def logged_in(app, engine: sa.Engine):
    """A test client logged in as the bench's curator, and the headers its callbacks need (CSRF)."""
    import re

    from alumusic.repositories import curators

    with engine.begin() as conn:
        if curators.get(conn, BENCH_USER) is None:
            curators.create(conn, BENCH_USER, "curador", password=PASSWORD)
        else:
            curators.set_password(conn, BENCH_USER, PASSWORD)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/entrar").get_data(as_text=True)).group(1)
    response = client.post("/entrar", data={"usuario": BENCH_USER, "senha": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    client.get("/dashboard/_dash-layout")
    return client, {"X-CSRFToken": client.get_cookie("_csrf_token", path="/dashboard/").value}


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return {"n": len(ordered), "p50_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000,
            "max_ms": ordered[-1] * 1000}


def measure_report(app, engine: sa.Engine, cold_runs: int = 5, cached_runs: int = 500) -> dict:
    from alumusic.repositories.report import QUERIES
    from dashboard.context import EXTENSION

    client = app.test_client()
    cache = app.extensions[EXTENSION].cache
    cold, per_view = [], {k: [] for k in QUERIES}
    for _ in range(cold_runs):
        cache.clear()
        started = time.perf_counter()
        response = client.get("/relatorio/semana.json")
        cold.append(time.perf_counter() - started)
        assert response.status_code == 200 and response.get_json()["categorias_por_artista"]
        with engine.connect() as conn:  # where the cold time goes: each view alone
            for key, sql in QUERIES.items():
                t = time.perf_counter()
                conn.execute(sa.text(sql)).all()
                per_view[key].append(time.perf_counter() - t)
    cached = []
    for _ in range(cached_runs):
        started = time.perf_counter()
        response = client.get("/relatorio/semana.json")
        cached.append(time.perf_counter() - started)
        assert response.status_code == 200
    # Right after the TTL: the stale report is served at once while one thread recomputes it.
    after_ttl = []
    for _ in range(3):
        time.sleep(REPORT_TTL + 0.5)
        started = time.perf_counter()
        before = client.get("/relatorio/semana.json").get_json()["gerado_em"]
        after_ttl.append(time.perf_counter() - started)
        deadline = time.monotonic() + 60
        while client.get("/relatorio/semana.json").get_json()["gerado_em"] == before:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    return {"cold": _stats(cold), "cached": _stats(cached), "after_ttl": _stats(after_ttl),
            "per_view_p50_ms": {k: statistics.median(v) * 1000 for k, v in per_view.items()}}


def measure_filters(app, engine: sa.Engine, repeats: int = 5) -> dict:
    """The grid's block request (``getRowsRequest`` → ``carregar_bloco``) for every filter
    combination: the first block (relevance order + the capped count) and the next one (no count),
    which the grid asks for only when the first block's ``rowCount`` leaves rows after it (absent:
    more than the count's cap)."""
    client, headers = logged_in(app, engine)
    samples, per_combo = [], []
    for combo in filter_combinations():
        state = [(i, "date" if i in ("filtro-desde", "filtro-ate") else "value", combo.get(i)) for i in FILTER_INPUTS]
        times, total, first = [], None, None
        for start in (0, GRID_BLOCK):
            if first is not None and first["dash-tabela"]["getRowsResponse"].get("rowCount", start + 1) <= start:
                break  # ag-grid's infinite model stops at rowCount: the grid never sends this request
            request = {"startRow": start, "endRow": start + GRID_BLOCK, "sortModel": [], "filterModel": {}}
            body = callback_body(TABLE_OUTPUT, [("dash-tabela", "getRowsRequest", request)], state,
                                 changed="dash-tabela.getRowsRequest")
            for _ in range(repeats):
                started = time.perf_counter()
                response = client.post("/dashboard/_dash-update-component", json=body, headers=headers)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.data[:300]
                answer = response.get_json()["response"]
                assert "Pedido inválido" not in json.dumps(answer, ensure_ascii=False), answer
            if start == 0:
                first, total = answer, answer["dash-total"]["children"]
        samples += times
        per_combo.append({"filtro": combo, "total": total, "p50_ms": statistics.median(times) * 1000})
    return {"all": _stats(samples), "combos": per_combo}


def export_filter(engine: sa.Engine, target: int = 100_000) -> dict:
    """The most recent whole local days holding at least ``target`` comments (a 'período' filter)."""
    today = date.fromisoformat(_today())
    with engine.connect() as conn:
        for days in range(1, 400):
            desde = today - timedelta(days=days - 1)
            n = conn.execute(sa.text("SELECT count(*) FROM comentarios WHERE recebido_em >= CAST(:d AS date)"),
                             {"d": desde}).scalar_one()
            if n >= target:
                return {"filtro-desde": desde.isoformat(), "filtro-ate": today.isoformat(), "linhas": n}
    raise RuntimeError("not enough comments for the export benchmark")


def peak_rss_mb() -> float:
    """This process's own peak RSS in MB: ``VmHWM`` of /proc/self/status, which belongs to the
    process's address space and so starts afresh at exec. ``ru_maxrss`` does not: Linux carries it
    over fork + exec, so a child of a big benchmark process reported at least its parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def export_child(url: str, filtro: dict) -> dict:
    """Run in a fresh process (like a gunicorn worker): one export end to end (GET
    /dashboard/exportar.csv, streamed, consumed chunk by chunk as a client would), and the peak RSS."""
    import tempfile

    from alumusic import db
    from dashboard.export_route import url_for_filters

    engine = db.get_engine(url)
    app = make_app(engine, Path(tempfile.mkdtemp(prefix="bench-dash-")))
    client, headers = logged_in(app, engine)
    rss_before = peak_rss_mb()
    query = {k.removeprefix("filtro-"): v for k, v in filtro.items() if k.startswith("filtro-")}
    started = time.perf_counter()
    response = client.get(url_for_filters(**query), headers=headers)
    size = rows = 0
    for chunk in response.response:
        size += len(chunk)
        rows += chunk.count(b"\r\n")
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    return {"seconds": seconds, "peak_rss_mb": peak, "rss_before_mb": rss_before, "rows": rows - 1,
            "csv_mb": size / 2**20}


def measure_export(engine: sa.Engine) -> dict:
    filtro = export_filter(engine)
    url = engine.url.render_as_string(hide_password=False)
    out = subprocess.run([sys.executable, "-m", "bench.dashboard", "--export-child", url, json.dumps(filtro)],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["filtro"] = filtro
    return result


INGEST_N = 10_000
INGEST_BATCH = 1_000
# Schema before 0006 (heads 0004 + 0005) against the current heads.
INGEST_SCHEMAS = {"antes": ("0004", "0005"), "depois": ("heads",)}


def measure_ingest(engine: sa.Engine, rounds: int = 5) -> dict:
    """Cost of 0006 on the write path: insert_comments of 10,000 comments, before vs after.

    Two scratch databases on the same server, one migrated to the heads before 0006 and one to
    the current heads; rounds alternate between them (same comments, table emptied before each
    round) so both see the same machine load. Dropped afterwards.
    """
    from alumusic import db, demo_data, localpg, migrations
    from alumusic.repositories.comments import insert_comments

    admin = engine.url.set(database="postgres").render_as_string(hide_password=False)
    comments = list(demo_data.generate(INGEST_N, seed=7))
    engines = {}
    try:
        for label, revisions in INGEST_SCHEMAS.items():
            name = f"alumusic_bench_ingest_{label}"
            localpg.drop_database(admin, name)
            localpg.ensure_database(admin, name)
            url = engine.url.set(database=name).render_as_string(hide_password=False)
            for revision in revisions:
                migrations.upgrade(url, revision)
            engines[label] = db.get_engine(url)
        times: dict[str, list[float]] = {label: [] for label in engines}
        for _ in range(rounds):
            for label, eng in engines.items():
                with eng.begin() as conn:
                    conn.exec_driver_sql("TRUNCATE comentarios CASCADE")
                started = time.perf_counter()
                for i in range(0, INGEST_N, INGEST_BATCH):
                    with eng.begin() as conn:
                        insert_comments(conn, comments[i:i + INGEST_BATCH])
                times[label].append(time.perf_counter() - started)
    finally:
        for label, eng in engines.items():
            eng.dispose()
            localpg.drop_database(admin, f"alumusic_bench_ingest_{label}")
    return {label: {"p50_s": statistics.median(t), "min_s": min(t), "max_s": max(t), "rounds": len(t)}
            for label, t in times.items()}


# --- report ----------------------------------------------------------------------------------
# The last run before migration 0006 (2026-11-26 16:30 UTC, load average 3.9, same database and
# machine), quoted in the "before" column; this run fills the "after" column.
BEFORE_0006 = {
    "cached": "p50 3.1 ms, p95 6.0 ms",
    "cold": "p50 3578 ms, max 4401 ms",
    "after_ttl": "max 12.3 ms",
    "filters": "p50 66 ms, p95 411 ms, max 515 ms",
    "export": "4.3 s, peak RSS 153 MB",  # the streamed route (the only export since issue 17)
    "per_view_ms": {"categorias_por_artista": 842, "critica_pos_lancamento": 838, "tags_48h": 141,
                    "mix_diario": 493, "artistas_em_alta": 787},
    "combos_ms": [32, 53, 44, 40, 71, 188, 48, 52, 168, 437, 157],
}


def write_markdown(results: dict) -> str:
    r, f, e = results["report"], results["filters"], results["export"]
    ing = results["ingest"]
    b = BEFORE_0006
    ok = {
        "cached": r["cached"]["p95_ms"] < 50, "cold": r["cold"]["max_ms"] < 1000,
        "filters": f["all"]["p95_ms"] < 300, "export": e["seconds"] < 10 and e["peak_rss_mb"] < 300,
    }

    def mark(key: str) -> str:
        return "met" if ok[key] else "**missed**"

    lines = [
        "## Dashboard",
        "",
        f"`python -m bench.dashboard` — {results['comentarios']:,} demo comments (the demo generator, written by COPY: `bench/bulk.py`)",
        "in database `alumusic_bench_dash` on the embedded server in `.data/pg-bench` (reused between runs).",
        "Classifications for the charts are assigned in bulk by SQL keyword rules mirroring the demo templates",
        "(classifier `bench-sql`; three set-based statements, not the offline classifier: this measures reading).",
        "Requests go through the real Flask/Dash app in-process (werkzeug test client, Basic auth included);",
        "the CSV export runs in a fresh process so its peak RSS is that of a worker serving it.",
        f"Run {results['quando']}, load average at start {results['load']} (2 cores shared with other sessions).",
        "\"Before\" is the run of 2026-11-26 16:30 UTC (load 3.9) on the same database before migration `0006`",
        "(current category and search text stored on `comentarios`, see the notes below).",
        "",
        "| measurement | target | before 0006 | after 0006 | |",
        "|---|---|---|---|---|",
        f"| report JSON, cached (`/relatorio/semana.json`, {r['cached']['n']} requests) | p95 < 50 ms | {b['cached']} | "
        f"p50 {r['cached']['p50_ms']:.1f} ms, p95 {r['cached']['p95_ms']:.1f} ms | {mark('cached')} |",
        f"| report JSON, cold (cache cleared, 5 views, {r['cold']['n']} runs) | < 1 s | {b['cold']} | "
        f"p50 {r['cold']['p50_ms']:.0f} ms, max {r['cold']['max_ms']:.0f} ms | {mark('cold')} |",
        f"| report JSON, first request after the TTL ({r['after_ttl']['n']} expiries; stale served, "
        f"refreshed in background) | p95 < 50 ms | {b['after_ttl']} | max {r['after_ttl']['max_ms']:.1f} ms | "
        f"{'met' if r['after_ttl']['max_ms'] < 50 else '**missed**'} |",
        f"| grid block request (`getRowsRequest`, first and second block of {GRID_BLOCK}), {len(f['combos'])} "
        f"filter combinations with stemmed free text × {f['all']['n'] // len(f['combos'])} | p95 < 300 ms | {b['filters']} | p50 {f['all']['p50_ms']:.0f} ms, "
        f"p95 {f['all']['p95_ms']:.0f} ms, max {f['all']['max_ms']:.0f} ms | {mark('filters')} |",
        f"| CSV export, `GET /dashboard/exportar.csv` (HTTP-streamed), {e['rows']:,} rows ({e['csv_mb']:.1f} MB CSV) "
        f"| < 10 s, RSS < 300 MB | {b['export']} | {e['seconds']:.1f} s, peak RSS {e['peak_rss_mb']:.0f} MB "
        f"(app loaded: {e['rss_before_mb']:.0f} MB) | {mark('export')} |",
        f"| ingest cost of 0006: `insert_comments`, {INGEST_N:,} comments in batches of {INGEST_BATCH:,} "
        f"({ing['antes']['rounds']} alternating rounds on two scratch databases) | — | "
        f"p50 {ing['antes']['p50_s']:.2f} s (min {ing['antes']['min_s']:.2f} s) | "
        f"p50 {ing['depois']['p50_s']:.2f} s (min {ing['depois']['min_s']:.2f} s) | "
        f"{100 * (ing['depois']['p50_s'] / ing['antes']['p50_s'] - 1):+.0f} % |",
        "",
        "Cold report, each view alone on one connection (median, before → after): "
        + ", ".join(f"`{k}` {b['per_view_ms'][k]} → {v:.0f} ms" for k, v in r["per_view_p50_ms"].items()) + ".",
        "",
        "Filter combinations (median of the grid's block callback: block query, plus the count of matches up "
        "to 1,000 on the first block; before → after — \"before\" figures are the old DataTable page callback):",
        "",
    ]
    befores = b["combos_ms"] + ["—"] * (len(f["combos"]) - len(b["combos_ms"]))  # combinations added later
    for c, before in zip(f["combos"], befores, strict=True):
        desc = ", ".join(f"{k.removeprefix('filtro-')}={v}" for k, v in c["filtro"].items())
        lines.append(f"- {desc}: {before} → {c['p50_ms']:.0f} ms — {c['total']}")
    lines += ["", results.get("notes", "").strip(), ""]
    return "\n".join(lines)


def update_benchmarks_md(section: str) -> None:
    """Replace (or append) only the section of docs/BENCHMARKS.md that ``section`` starts (its "## " title)."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else "# Benchmarks\n"
    start = text.find("\n" + section.splitlines()[0] + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        end = text.find("\n## ", start + 1)
        text = text[: start + 1] + section.rstrip("\n") + "\n" + (text[end:] if end != -1 else "")
    BENCHMARKS_MD.write_text(text, encoding="utf-8")


NOTES = """
What changed with migration `0006` (`sql/migrations/versions/0006_current_category_search_text.*`) and
what bounds the numbers (EXPLAIN (ANALYZE, BUFFERS) on this database, before and after):

- **Cold report.** Before, each view joined its 7/14-day window (~280,000 / ~485,000 comments) with the
  1M-row `classificacoes` to get the current category (hash join over a sequential scan of it, or 387,000
  index probes for `critica_pos_lancamento`), and the five ran one after the other: ~3.6 s. Now
  `comentarios.categoria_atual` holds the current category, moved together with `classificacao_atual_id`
  by the same trigger (manual beats automatic, newest wins within an origem: unchanged, tested), and the
  views aggregate from covering indexes alone (`comentarios (recebido_em) INCLUDE (categoria_atual, artista,
  album, classificacao_atual_id)`, `comentarios (artista, album, recebido_em) INCLUDE (categoria_atual)`;
  index-only scans, 0 heap fetches). `critica_pos_lancamento` became ~340 index range counts (release × day)
  instead of sorting 387,000 rows; `artistas_em_alta` counts per (artist, week) before pivoting.
  `repositories/report.py` runs the five queries concurrently on separate connections, each importing the
  snapshot exported by one lead transaction (`SET TRANSACTION SNAPSHOT`), so they still read the same
  committed data (tested). Every view returns exactly the rows of its 0001 definition on this database
  (checked with `EXCEPT ALL` both ways). What is left is reading ~1.5 M index entries of the windows and
  `tags_48h`'s hash join with `classificacao_tags` (tags are not copied onto `comentarios`), on 2 cores shared
  with other sessions. Index-only scans need an up-to-date visibility map: the migration makes autovacuum
  visit `comentarios` after 2 % of changes (default 20 %); pages changed since the last vacuum cost heap
  fetches. The stale-while-revalidate cache still spares viewers even this cold time.
- **Filters.** `comentarios.texto_busca` is `f_texto_busca(texto)` stored at insert (generated column), with
  the trigram index on it; `comment_search` matches `texto_busca LIKE …`, so rechecking a candidate is a plain
  LIKE instead of `unaccent` per row (a word plus a tag went from walking ~18,000 rows through `unaccent`,
  ~380 ms, to ~6 ms). Pages are picked in two steps (`comment_search.page_sql`): the ids of the page by a
  query over comentarios only (the planner drops the view's join to `classificacoes` when no provenance
  column is used; `categoria` and `classificacao_id` of `v_comentarios_atuais` now come from `comentarios`),
  then the full rows of those 25 ids; before, every match (7,474 for "canal + SPAM + spam_canal + week") was
  joined before the sort and LIMIT. The worst combination left is that one: its matches are spread over
  ~7,000 heap pages that a bitmap heap scan must visit, and the planner cannot know that "canal" and SPAM go
  together (it expects ~500 matches, so walking the date index backwards looks worse). An index on
  `(categoria_atual, recebido_em)` was tried and did not help (not added). The embedded server runs with
  PostgreSQL's default `shared_buffers` (128 MB) against a ~600 MB table with its indexes, so these pages
  come from the OS cache.
- **Costs of 0006.** Upgrading this 1M-comment database took 161 s (backfill UPDATE, one table rewrite for
  the stored column, three index builds) under an exclusive lock on `comentarios`: plan a maintenance window
  for large databases. The rewrite also dropped the dead row versions of the bulk classification: heap
  379 → 257 MB, table with indexes 991 → 605 MB. Ingest (row "ingest cost" above): `f_texto_busca` was
  already computed per insert for the expression index; now it is computed once and stored, plus the wider
  row; the two covering indexes replace 0005's. The classification trigger writes one more column of the row
  it already updated.
- **CSV export (met, unchanged).** `iter_comments_csv` has PostgreSQL render every value as text and reads a
  named server-side cursor 5,000 rows at a time (`stream_results` + `max_row_buffer`), and
  `/dashboard/exportar.csv?…` streams it over HTTP in constant memory: the page's only export.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--export-child", nargs=2, metavar=("URL", "FILTER_JSON"), help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print results, leave docs/BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    if args.export_child:
        print(json.dumps(export_child(args.export_child[0], json.loads(args.export_child[1]))))
        return 0
    engine = bench_engine()
    prepare(engine)
    if args.prepare_only:
        return 0
    import tempfile

    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM comentarios")).scalar_one()
    results = {"comentarios": n, "quando": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
               "load": ", ".join(f"{x:.1f}" for x in os.getloadavg())}
    app = make_app(engine, Path(tempfile.mkdtemp(prefix="bench-dash-")))
    print("report ...", flush=True)
    results["report"] = measure_report(app, engine)
    print(json.dumps(results["report"], indent=1), flush=True)
    print("filters ...", flush=True)
    results["filters"] = measure_filters(app, engine)
    print(json.dumps(results["filters"], indent=1, ensure_ascii=False), flush=True)
    print("export ...", flush=True)
    results["export"] = measure_export(engine)
    print(json.dumps(results["export"], indent=1, ensure_ascii=False), flush=True)
    print("ingest ...", flush=True)
    results["ingest"] = measure_ingest(engine)
    print(json.dumps(results["ingest"], indent=1), flush=True)
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    results["notes"] = NOTES
    section = write_markdown(results)
    print(section)
    if not args.no_write:
        update_benchmarks_md(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
