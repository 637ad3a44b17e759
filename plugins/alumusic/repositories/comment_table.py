"""The dashboard's comment grid: sorted, offset-paged pages of ``comment_search`` results, a capped
count of the matches, and the values its filter dropdowns offer.

The filter itself (and its SQL) is ``comment_search.filter_sql``; this module only adds what a
paged, sortable grid needs (``dashboard.comment_table`` validates the browser's values first).
Sort columns are whitelisted; ties break on (recebido_em, id) so pages never overlap.
"""

from __future__ import annotations

import sqlalchemy as sa

from alumusic.repositories.comment_search import CommentFilter, filter_sql, page_sql, relevance
from alumusic.repositories.comments import COMMENT_FIELDS

# The grid's fields (a subset of COMMENT_FIELDS) and those it may sort by.
TABLE_FIELDS: tuple[str, ...] = ("id", "recebido_em", "artista", "album", "texto", "categoria", "tags", "confianca",
                                 "origem", "status")
SORTABLE = frozenset({"recebido_em", "artista", "album", "texto", "categoria", "confianca", "origem", "status"})
assert set(TABLE_FIELDS) <= set(COMMENT_FIELDS) and SORTABLE <= set(TABLE_FIELDS)
# Best match first: with free text matching at most RELEVANCE_MAX comments (ranking every match of a
# broad word, ~100k at 1M comments, costs a second or more: bench/alerts_search.py); otherwise, and
# without free text, newest first.
RELEVANCE = "relevancia"
RELEVANCE_MAX = 1000

_COUNT = "SELECT count(*) FROM (SELECT 1 FROM v_comentarios_atuais v WHERE {where} LIMIT :cap) s"

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
_ARTISTS = sa.text(_DISTINCT.format(col="artista"))
_ALBUMS = sa.text(_DISTINCT.format(col="album"))
# Ordered by the database's collation (the labels are pt-BR), as the dropdown shows them.
_TAG_OPTIONS = sa.text("SELECT codigo, rotulo FROM taxonomia_tags WHERE ativo ORDER BY rotulo")


def page_rows(conn: sa.Connection, f: CommentFilter, *, sort_by: str = "recebido_em", descending: bool = True,
              offset: int = 0, limit: int = 25, matches: int | None = None,
              sql: tuple[str, dict] | None = None) -> list[dict]:
    """TABLE_FIELDS of one page of the comments matching ``f``, sorted by ``sort_by`` (in SORTABLE).

    ``matches``: ``count_matches(conn, f, cap=c)`` with ``c > RELEVANCE_MAX``, when the caller has
    it (the relevance order needs it: one count query less). ``sql``: ``filter_sql(conn, f)``,
    when the caller has it (its decisions cost a few queries)."""
    if sort_by not in SORTABLE and sort_by != RELEVANCE:
        raise ValueError("coluna de ordenação inválida")
    where, params = sql = sql or filter_sql(conn, f)
    direction = "DESC" if descending else "ASC"
    if (sort_by == RELEVANCE and "f_texto" in params
            and (count_matches(conn, f, cap=RELEVANCE_MAX + 1, sql=sql) if matches is None else matches)
            <= RELEVANCE_MAX):
        order = f"{relevance()} DESC, v.recebido_em DESC"
    elif sort_by in (RELEVANCE, "recebido_em"):
        # NOT NULL column: a plain DESC/ASC walks comentarios_recebido_em_idx and stops after one
        # page; "NULLS LAST" would not match the index order and force a sort of every match.
        order = f"v.recebido_em {direction}"
    else:
        order = f"v.{sort_by} {direction} NULLS LAST, v.recebido_em DESC"
    sql = sa.text(page_sql(TABLE_FIELDS, where, f"{order}, v.id DESC"))
    return [dict(r._mapping) for r in conn.execute(sql, {**params, "limit": limit, "offset": offset})]


def count_matches(conn: sa.Connection, f: CommentFilter, *, cap: int, sql: tuple[str, dict] | None = None) -> int:
    """How many comments match ``f``, counted up to ``cap`` (an exact count of a broad text search
    rechecks every candidate row). ``sql``: as in ``page_rows``."""
    where, params = sql or filter_sql(conn, f)
    return conn.execute(sa.text(_COUNT.format(where=where)), {**params, "cap": cap}).scalar_one()


def filter_options(conn: sa.Connection) -> dict[str, list]:
    """Values offered by the dashboard's dropdowns: artists, albums, active tags (code + label)."""
    return {
        "artistas": list(conn.execute(_ARTISTS).scalars()),
        "albuns": list(conn.execute(_ALBUMS).scalars()),
        "tags": [dict(r._mapping) for r in conn.execute(_TAG_OPTIONS)],
    }
