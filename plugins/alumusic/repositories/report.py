"""The public weekly report: the five ``v_relatorio_*`` views, read in one consistent snapshot.

The views (sql/migrations/versions/0001_initial.sql, 0006_*) own the logic; this module only orders,
limits and turns rows into JSON-ready values (ISO dates, floats), so the dashboard and the
``/relatorio/semana.json`` endpoint serve exactly the same data.

The five queries run concurrently on separate connections (the cold report is their slowest
query, not their sum); every connection imports the snapshot exported by a lead transaction, so
all five still see exactly the same committed data.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

TOP_TAGS = 15
TOP_RISING = 10

# Chart key -> query over its view. Keys are the JSON field names (pt-BR).
QUERIES: dict[str, str] = {
    "categorias_por_artista": (
        "SELECT artista, categoria, total FROM v_relatorio_categorias_por_artista "
        "ORDER BY artista, categoria"
    ),
    "critica_pos_lancamento": (
        "SELECT artista, album, lancado_em, dias_desde_lancamento, total, criticas, pct_critica, tipo "
        "FROM v_relatorio_critica_pos_lancamento ORDER BY lancado_em DESC, artista, album, dias_desde_lancamento"
    ),
    "tags_48h": f"SELECT codigo, rotulo, total FROM v_relatorio_tags_48h ORDER BY total DESC, codigo LIMIT {TOP_TAGS}",
    "mix_diario": "SELECT dia, categoria, total FROM v_relatorio_mix_diario ORDER BY dia, categoria",
    "artistas_em_alta": (
        "SELECT artista, total_7d, total_7d_anterior, variacao_pct, pct_critica_7d, pct_spam_7d "
        f"FROM v_relatorio_artistas_em_alta ORDER BY variacao_pct DESC, total_7d DESC, artista LIMIT {TOP_RISING}"
    ),
}
CHARTS: tuple[str, ...] = tuple(QUERIES)


# Concurrent queries: the report is five index-only aggregations of similar cost; beyond the
# machine's cores more threads only queue. Each query then runs without parallel workers, so the
# five do not multiply into 15 processes on a small host.
PARALLEL_QUERIES = 5


def fetch_report(engine: sa.Engine, *, parallel: int = PARALLEL_QUERIES) -> dict:
    """All five charts' rows plus ``gerado_em``, from one REPEATABLE READ snapshot."""
    with engine.connect() as lead:
        lead = lead.execution_options(isolation_level="REPEATABLE READ")
        with lead.begin():
            _start_read(lead)
            report: dict = {"gerado_em": _json_value(lead.execute(sa.text("SELECT now()")).scalar_one())}
            if parallel <= 1:
                report.update({key: _rows(lead, sql) for key, sql in QUERIES.items()})
                return report
            # The lead transaction stays open (holding the snapshot) until every worker has read.
            snapshot = lead.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            with ThreadPoolExecutor(max_workers=min(parallel, len(QUERIES)), thread_name_prefix="relatorio") as pool:
                futures = {key: pool.submit(_rows_in_snapshot, engine, snapshot, sql) for key, sql in QUERIES.items()}
                report.update({key: future.result() for key, future in futures.items()})
    return report


def _start_read(conn: sa.Connection, snapshot: str | None = None) -> None:
    if snapshot:
        # Must be the transaction's first statement.
        conn.exec_driver_sql("SET TRANSACTION SNAPSHOT %s", (snapshot,))
    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    # The windows hash-aggregate ~100k-400k index entries: keep the hash tables in memory.
    conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    if snapshot:
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")


def _rows_in_snapshot(engine: sa.Engine, snapshot: str, sql: str) -> list[dict]:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            _start_read(conn, snapshot)
            return _rows(conn, sql)


def _rows(conn: sa.Connection, sql: str) -> list[dict]:
    return [{k: _json_value(v) for k, v in row._mapping.items()} for row in conn.execute(sa.text(sql))]


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
