"""CSV exports that stream and are safe to open in a spreadsheet.

Two dialects, chosen by name (``dialect=`` of ``iter_comments_csv``; the names are in ``DIALECTS``):

- ``"padrao"`` (default): comma-separated, decimal point (``0.850``), as RFC 4180 and most tools
  (pandas, LibreOffice with default settings, Google Sheets) expect.
- ``"excel-br"``: semicolon-separated with a decimal comma (``0,850``), what Excel in pt-BR
  (list separator ``;``) opens by double-click into columns, with ``confianca`` read as a number.
  Only ``confianca`` is a number in the export; times stay ISO 8601 text in both dialects
  (unambiguous, with offset).

Both write UTF-8 with a BOM (so Excel detects the accents of pt-BR text), CRLF line ends, and
every field quoted (``csv.QUOTE_ALL``), so no field is ever read as a bare number or date.

Comment texts are untrusted (CSV injection): a spreadsheet runs a cell starting with ``=``,
``+``, ``-`` or ``@`` as a formula, and may drop a leading tab or carriage return first. Quoting
alone is not enough, because a file is often opened with the other separator than it was written
with (the comma file in pt-BR Excel, which splits on ``;``): then ``a;=1+1;b`` yields a cell
``=1+1``. So ``neutralise`` treats a text as *segments*: the field start and the text after each
``,`` ``;`` tab, CR or LF (every separator a spreadsheet may split on, line breaks included).
A segment that starts with a formula character, after any spaces or double quotes (a parser may
trim spaces, or end a mis-quoted field on a ``"``), gets a single quote inserted right before that
character (``a;'=1+1;b``, ``nota 10, '-2``), which spreadsheets show as text; a field starting
with tab or CR gets it in front. The price is an extra ``'`` in some harmless texts (``;-)``
becomes ``;'-)``); nothing else is changed. Columns PostgreSQL renders from typed values (uuid,
timestamps, numbers) cannot carry text and are written as they come.

Rows are written with the ``csv`` module (quoting, embedded newlines) into small text chunks, so
an export of any size holds only one chunk in memory; the rows come from a server-side cursor
(``alumusic.repositories.comment_export``, the export's query). ``iter_comments_csv`` is the one
export: the dashboard's "Exportar CSV" link (``dashboard.export_route``) sends its chunks over HTTP
as the cursor advances.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from alumusic.domain import pii
from alumusic.repositories.comment_export import EXPORT_FIELDS, TYPED_FIELDS, export_rows

BOM = "\ufeff"  # lets Excel detect UTF-8 (accents in pt-BR text)


@dataclass(frozen=True)
class CsvDialect:
    name: str
    delimiter: str
    decimal: str  # decimal separator of numbers (confianca)


DIALECTS: dict[str, CsvDialect] = {
    "padrao": CsvDialect("padrao", delimiter=",", decimal="."),
    "excel-br": CsvDialect("excel-br", delimiter=";", decimal=","),
}
DEFAULT_DIALECT = "padrao"


def get_dialect(name: str) -> CsvDialect:
    """The dialect called ``name``; ValueError (pt-BR message) for any other name."""
    dialect = DIALECTS.get(name) if isinstance(name, str) else None
    if dialect is None:
        raise ValueError(f"formato de CSV desconhecido: {name!r} (use {' ou '.join(DIALECTS)})")
    return dialect


# The export's columns: fields of a comment (``repositories.comment_export``, which renders each
# as text in PostgreSQL). Columns that may carry text are neutralised; typed ones (uuid,
# timestamps, numeric) cannot.
COMMENT_HEADERS: tuple[str, ...] = EXPORT_FIELDS
_TEXT_COLUMNS: tuple[bool, ...] = tuple(name not in TYPED_FIELDS for name in EXPORT_FIELDS)

# A formula character opening a segment (field start or after a separator), after spaces/quotes.
_FORMULA_SEGMENT = re.compile(r'(^|[,;\t\r\n])([ "]*)(?=[=+\-@])')


def neutralise(text: str) -> str:
    """``text`` made inert for spreadsheets: a ``'`` before each formula-opening segment (see above)."""
    # Fast path (most texts): none of the characters that can open a formula.
    if not ("=" in text or "+" in text or "-" in text or "@" in text or "\t" in text or "\r" in text):
        return text
    text = _FORMULA_SEGMENT.sub(r"\1\2'", text)
    return "'" + text if text.startswith(("\t", "\r")) else text


def _chunks(header: Sequence[str], rows: Iterable[Sequence[str]], chunk_rows: int, delimiter: str) -> Iterator[str]:
    """CSV text (BOM, ``header``, then ``rows`` of text cells), ``chunk_rows`` rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
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


PERSONAL_DATA = ("mascarar", "incluir")


def iter_comments_csv(conn: sa.Connection, comment_filter, *, chunk: int = 5000,
                      dialect: str = DEFAULT_DIALECT, personal_data: str = "mascarar",
                      stats: dict | None = None) -> Iterator[str]:
    """Every comment matching ``comment_filter`` (a ``comment_search.CommentFilter``) as CSV chunks.

    Newest first, read through a server-side cursor ``chunk`` rows at a time. The filter's SQL is
    ``comment_search.filter_sql``: the export has exactly the rows the dashboard shows.
    ``dialect`` is a name of ``DIALECTS``; any other raises ValueError here, before any query.
    ``personal_data``: ``"mascarar"`` (default) replaces e-mails, phones, CPF/CNPJ and personal
    links in the texts by their kind (``alumusic.domain.pii.mask``); ``"incluir"`` keeps them (callers
    allow it to admins only, and audit it). ``stats["linhas"]`` counts the rows written.
    """
    if personal_data not in PERSONAL_DATA:
        raise ValueError(f"dados pessoais: use {' ou '.join(PERSONAL_DATA)}")
    return _iter_comments_csv(conn, comment_filter, chunk, get_dialect(dialect), personal_data == "mascarar",
                              stats if stats is not None else {})


def _iter_comments_csv(conn: sa.Connection, comment_filter, chunk: int, dialect: CsvDialect, masked: bool,
                       stats: dict) -> Iterator[str]:
    result = export_rows(conn, comment_filter, decimal=dialect.decimal, chunk=chunk)
    # Values arrive as text from PostgreSQL: only None and text columns need care.
    texto = COMMENT_HEADERS.index("texto")
    stats["linhas"] = 0

    def cells():
        for row in result:
            stats["linhas"] += 1
            values = list(row)
            if masked and values[texto]:
                values[texto] = pii.mask(values[texto])
            yield ["" if v is None else (neutralise(v) if t else v)
                   for v, t in zip(values, _TEXT_COLUMNS, strict=True)]

    yield from _chunks(COMMENT_HEADERS, cells(), chunk, dialect.delimiter)

