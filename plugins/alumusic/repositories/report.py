"""The public weekly report: the five ``v_relatorio_*`` views, read in one consistent snapshot.

The views (sql/migrations/versions/0001_initial.sql) own the logic; this module only orders,
limits and turns rows into JSON-ready values (ISO dates, floats), so the dashboard and the
``/relatorio/semana.json`` endpoint serve exactly the same data.
"""

from __future__ import annotations

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
        "SELECT artista, album, lancado_em, dias_desde_lancamento, total, criticas, pct_critica "
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


def fetch_report(engine: sa.Engine) -> dict:
    """All five charts' rows plus ``gerado_em``, from one REPEATABLE READ snapshot."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            # The 7/14-day windows hash-join ~100k-400k rows: keep the hash tables in memory.
            conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
            report: dict = {"gerado_em": _json_value(conn.execute(sa.text("SELECT now()")).scalar_one())}
            for key, sql in QUERIES.items():
                report[key] = [
                    {k: _json_value(v) for k, v in row._mapping.items()} for row in conn.execute(sa.text(sql))
                ]
    return report


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
