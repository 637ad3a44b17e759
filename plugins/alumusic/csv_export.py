"""CSV exports that stream and are safe to open in a spreadsheet.

Comment texts are untrusted: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return would be run as a formula by Excel/LibreOffice/Sheets (CSV injection). Such text cells are
prefixed with a single quote, which spreadsheets show as text. Rows are written with the ``csv``
module (quoting, embedded newlines) into small text chunks, so an export of any size holds only
one chunk in memory; the rows themselves come from a server-side cursor.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import IO

import sqlalchemy as sa

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # lets Excel detect UTF-8 (accents in pt-BR text)

# Columns of a comment export: (header, SQL over v_comentarios_atuais ``v``). PostgreSQL renders
# every value as text, so Python only quotes strings: ~4x faster than building datetimes, UUIDs
# and lists per row (bench/dashboard.py). Times are in the session's time zone, with offset.
COMMENT_EXPORT: tuple[tuple[str, str], ...] = (
    ("id", "v.id::text"),
    ("recebido_em", """to_char(v.recebido_em, 'YYYY-MM-DD"T"HH24:MI:SSOF')"""),
    ("publicado_em", """to_char(v.publicado_em, 'YYYY-MM-DD"T"HH24:MI:SSOF')"""),
    ("artista", "v.artista"),
    ("album", "v.album"),
    ("musica", "v.musica"),
    ("tipo", "v.tipo"),
    ("texto", "v.texto"),
    ("categoria", "v.categoria"),
    ("tags", "array_to_string(v.tags, ', ')"),
    ("confianca", "round(v.confianca::numeric, 3)::text"),
    ("origem", "v.origem"),
    ("classificador", "v.classificador"),
    ("autor", "v.autor"),
    ("status", "v.status"),
    ("fonte", "v.fonte"),
)
COMMENT_HEADERS: tuple[str, ...] = tuple(h for h, _ in COMMENT_EXPORT)


def neutralise(text: str) -> str:
    """``text`` made inert for spreadsheets (formula-looking cells get a leading quote)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell(value: object) -> str:
    """One value as CSV cell text. Only strings can carry user input, so only they are neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return neutralise(", ".join(str(v) for v in value))
    if isinstance(value, bool | int | float):
        return str(value)
    return neutralise(str(value))


def _chunks(header: Sequence[str], rows: Iterable[Sequence[str]], chunk_rows: int, bom: bool) -> Iterator[str]:
    """CSV text of ``header`` then ``rows`` (cells already text), ``chunk_rows`` rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow(header)
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    rest = buffer.getvalue()
    if rest:
        yield rest


def iter_csv(rows: Iterable[Mapping], columns: Sequence[tuple[str, str]], *, chunk_rows: int = 2000,
             bom: bool = True) -> Iterator[str]:
    """CSV text in chunks of ``chunk_rows`` rows: header first, then ``rows`` in order."""
    cells = ([cell(row.get(field)) for field, _ in columns] for row in rows)
    return _chunks([header for _, header in columns], cells, chunk_rows, bom)


def iter_comments_csv(conn: sa.Connection, comment_filter, *, chunk: int = 5000) -> Iterator[str]:
    """Every comment matching ``comment_filter`` (a ``comment_search.CommentFilter``) as CSV chunks.

    Newest first, read through a server-side cursor ``chunk`` rows at a time. The filter's SQL is
    ``comment_search.where_clause``: the export has exactly the rows the dashboard shows.
    """
    from alumusic.repositories.comment_search import where_clause

    where, params = where_clause(comment_filter)
    sql = sa.text(
        f"SELECT {', '.join(expr for _, expr in COMMENT_EXPORT)} FROM v_comentarios_atuais v WHERE {where} "
        "ORDER BY v.recebido_em DESC, v.id DESC"
    )
    # A bigger sort memory for this one statement keeps the ordering of ~100k rows off the disk.
    conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    # stream_results + max_row_buffer: a named (server-side) cursor read ``chunk`` rows at a time.
    # (``yield_per`` + ``partitions()`` peaked at 285 MB for 120k rows here; this stays ~10 MB.)
    result = conn.execution_options(stream_results=True, max_row_buffer=chunk).execute(sql, params)
    # Values arrive as text from PostgreSQL: only None and formula-looking strings need care.
    cells = (["" if v is None else neutralise(v) for v in row] for row in result)
    yield from _chunks(COMMENT_HEADERS, cells, chunk, bom=True)


def write_comments_csv(conn: sa.Connection, comment_filter, out: IO[bytes], *, chunk: int = 5000) -> int:
    """Stream the export into the binary file ``out`` (UTF-8); returns the bytes written."""
    written = 0
    for text in iter_comments_csv(conn, comment_filter, chunk=chunk):
        data = text.encode("utf-8")
        out.write(data)
        written += len(data)
    return written
