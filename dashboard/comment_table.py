"""Dashboard table queries: sorted, offset-paged pages of ``comment_search`` results and filter options.

The filter itself (and its SQL) is ``alumusic.repositories.comment_search``; this module only adds
what a paged, sortable grid needs. Sort columns are whitelisted; ties break on (recebido_em, id)
so pages never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from alumusic.repositories.comment_search import CommentFilter, page_sql, where_clause

TABLE_COLUMNS = ("id", "recebido_em", "artista", "album", "texto", "categoria", "tags", "confianca", "origem",
                 "status")
SORTABLE = {"recebido_em", "artista", "album", "texto", "categoria", "confianca", "origem", "status"}
MAX_PAGE_SIZE = 200
# Counting stops here: an exact count of a broad text search rechecks every candidate row
# (~0.3 s per 10,000 matches on 1M comments, bench/dashboard.py) while nobody pages through 40+
# pages; the CSV export still has every match.
COUNT_CAP = 1_000


@dataclass(frozen=True)
class TablePage:
    rows: list[dict]
    total: int  # exact, or COUNT_CAP when ``more`` is True
    more: bool = False  # more than COUNT_CAP matches


def make_filter(*, artista=None, album=None, tag=None, categoria=None, desde: str | None = None,
                ate: str | None = None, texto=None, timezone: str = "America/Sao_Paulo") -> CommentFilter:
    """CommentFilter from the dashboard's widgets; ``desde``/``ate`` are inclusive local days (ISO)."""
    tz = ZoneInfo(timezone)

    def day_start(value: str | None, plus: int = 0) -> datetime | None:
        if not value:
            return None
        day = date.fromisoformat(value[:10]) + timedelta(days=plus)
        return datetime.combine(day, time.min, tz)

    return CommentFilter(
        artista=artista or None, album=album or None, tag=tag or None, categoria=categoria or None,
        texto=(texto or "").strip() or None, desde=day_start(desde), ate=day_start(ate, plus=1),
    )


def page(conn: sa.Connection, f: CommentFilter, *, sort_by: str = "recebido_em", descending: bool = True,
         offset: int = 0, limit: int = 25) -> TablePage:
    """One page of matching comments plus how many match (counted up to COUNT_CAP)."""
    if sort_by not in SORTABLE:
        raise ValueError(f"coluna de ordenação inválida: {sort_by}")
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    where, params = where_clause(f)
    direction = "DESC" if descending else "ASC"
    if sort_by == "recebido_em":
        # NOT NULL column: a plain DESC/ASC walks comentarios_recebido_em_idx and stops after one
        # page; "NULLS LAST" would not match the index order and force a sort of every match.
        order = f"v.recebido_em {direction}"
    else:
        order = f"v.{sort_by} {direction} NULLS LAST, v.recebido_em DESC"
    sql = sa.text(page_sql(TABLE_COLUMNS, where, f"{order}, v.id DESC"))
    offset = max(0, offset)
    rows = [dict(r._mapping) for r in conn.execute(sql, {**params, "limit": limit, "offset": offset})]
    if offset == 0 and len(rows) < limit:
        return TablePage(rows, len(rows))  # the first page holds every match: no count query
    counted = conn.execute(
        sa.text(f"SELECT count(*) FROM (SELECT 1 FROM v_comentarios_atuais v WHERE {where} LIMIT :cap) s"),
        {**params, "cap": COUNT_CAP + 1},
    ).scalar_one()
    return TablePage(rows, min(counted, COUNT_CAP), more=counted > COUNT_CAP)


# Distinct values via a recursive "skip scan" over the btree indexes: one index probe per value
# instead of reading every comment (a few ms on millions of rows).
_DISTINCT = """
WITH RECURSIVE s(v) AS (
    (SELECT {col} FROM comentarios WHERE {col} IS NOT NULL ORDER BY {col} LIMIT 1)
    UNION ALL
    SELECT (SELECT {col} FROM comentarios WHERE {col} > s.v ORDER BY {col} LIMIT 1) FROM s WHERE s.v IS NOT NULL
)
SELECT v FROM s WHERE v IS NOT NULL
"""


def filter_options(conn: sa.Connection) -> dict[str, list]:
    """Values offered by the dashboard's dropdowns: artists, albums, active tags (code + label)."""
    return {
        "artistas": list(conn.execute(sa.text(_DISTINCT.format(col="artista"))).scalars()),
        "albuns": list(conn.execute(sa.text(_DISTINCT.format(col="album"))).scalars()),
        "tags": [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT codigo, rotulo FROM taxonomia_tags WHERE ativo ORDER BY rotulo"))],
    }
