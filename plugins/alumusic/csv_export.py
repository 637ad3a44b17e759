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

# Columns of a comment export: (field of v_comentarios_atuais, header).
COMMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id"),
    ("recebido_em", "recebido_em"),
    ("publicado_em", "publicado_em"),
    ("artista", "artista"),
    ("album", "album"),
    ("musica", "musica"),
    ("tipo", "tipo"),
    ("texto", "texto"),
    ("categoria", "categoria"),
    ("tags", "tags"),
    ("confianca", "confianca"),
    ("origem", "origem"),
    ("classificador", "classificador"),
    ("autor", "autor"),
    ("status", "status"),
    ("fonte", "fonte"),
)


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


def iter_csv(rows: Iterable[Mapping], columns: Sequence[tuple[str, str]], *, chunk_rows: int = 2000,
             bom: bool = True) -> Iterator[str]:
    """CSV text in chunks of ``chunk_rows`` rows: header first, then ``rows`` in order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow([header for _, header in columns])
    pending = 0
    for row in rows:
        writer.writerow([cell(row.get(field)) for field, _ in columns])
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    rest = buffer.getvalue()
    if rest:
        yield rest


def iter_comments_csv(conn: sa.Connection, comment_filter, *, chunk: int = 5000) -> Iterator[str]:
    """Every comment matching ``comment_filter`` (a ``comment_search.CommentFilter``) as CSV chunks."""
    from alumusic.repositories import comment_search

    return iter_csv(comment_search.iter_rows(conn, comment_filter, chunk=chunk), COMMENT_COLUMNS, chunk_rows=chunk)


def write_comments_csv(conn: sa.Connection, comment_filter, out: IO[bytes], *, chunk: int = 5000) -> int:
    """Stream the export into the binary file ``out`` (UTF-8); returns the bytes written."""
    written = 0
    for text in iter_comments_csv(conn, comment_filter, chunk=chunk):
        data = text.encode("utf-8")
        out.write(data)
        written += len(data)
    return written
