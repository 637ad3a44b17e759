"""The rows of a comment export: every comment matching a search filter, as text, streamed.

``alumusic.csv_export`` turns them into CSV. The filter's SQL is ``comment_search.filter_sql``,
so an export has exactly the rows the dashboard shows, newest first.

PostgreSQL renders every value as text, so Python only quotes strings: ~4x faster than building
datetimes, UUIDs and lists per row (bench/dashboard.py). Times are in the session's time zone,
with offset; ``confianca`` has three decimals with the caller's decimal separator; ``tags`` are
joined by ``", "``. The rows are read from a server-side cursor ``chunk`` rows at a time, so an
export of any size holds one chunk in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import sqlalchemy as sa

from alumusic.repositories.comment_search import CommentFilter, filter_sql
from alumusic.repositories.comments import COMMENT_FIELDS

# The exported fields, in file order (a subset of COMMENT_FIELDS).
EXPORT_FIELDS: tuple[str, ...] = (
    "id", "recebido_em", "publicado_em", "artista", "album", "musica", "tipo", "texto", "categoria", "tags",
    "confianca", "origem", "classificador", "autor", "status", "fonte",
)
# Fields rendered from typed values (uuid, timestamps, numeric): they can never carry free text.
TYPED_FIELDS = frozenset({"id", "recebido_em", "publicado_em", "confianca"})
DECIMAL_SEPARATORS = (".", ",")

_TIMESTAMP = """to_char(v.{name}, 'YYYY-MM-DD"T"HH24:MI:SSOF')"""
# How a field is rendered as text when it is not a plain text column (``v.<field>``).
_RENDER = {
    "id": "v.id::text",
    "recebido_em": _TIMESTAMP.format(name="recebido_em"),
    "publicado_em": _TIMESTAMP.format(name="publicado_em"),
    "tags": "array_to_string(v.tags, ', ')",
    "confianca": "replace(round(v.confianca::numeric, 3)::text, '.', '{decimal}')",
}
assert set(EXPORT_FIELDS) <= set(COMMENT_FIELDS)


def select_sql(where: str, decimal: str, fields: Sequence[str] = EXPORT_FIELDS) -> str:
    """The export's SELECT of ``fields`` over the rows matching ``where``, newest first."""
    if decimal not in DECIMAL_SEPARATORS:  # a literal in the SQL: never anything else
        raise ValueError(f"separador decimal inválido: {decimal!r}")
    columns = ", ".join(_RENDER.get(name, f"v.{name}").format(decimal=decimal) for name in fields)
    return f"SELECT {columns} FROM v_comentarios_atuais v WHERE {where} ORDER BY v.recebido_em DESC, v.id DESC"


def export_rows(conn: sa.Connection, comment_filter: CommentFilter, *, decimal: str = ".",
                chunk: int = 5000) -> Iterator[sa.Row]:
    """Rows of EXPORT_FIELDS (text or None) of every comment matching ``comment_filter``.

    Runs in the caller's transaction (it sets a bigger ``work_mem`` for it) when first advanced;
    read it to the end (or close the connection) before using ``conn`` for anything else.
    """
    where, params = filter_sql(conn, comment_filter)
    sql = sa.text(select_sql(where, decimal))
    # A bigger sort memory for this one statement keeps the ordering of ~100k rows off the disk.
    conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    # stream_results + max_row_buffer: a named (server-side) cursor read ``chunk`` rows at a time.
    # (``yield_per`` + ``partitions()`` peaked at 285 MB for 120k rows here; this stays ~10 MB.)
    yield from conn.execution_options(stream_results=True, max_row_buffer=chunk).execute(sql, params)
