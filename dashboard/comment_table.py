"""Dashboard table: the filter from the browser's values, and sorted, offset-paged pages of it.

Values come from the browser, so ``make_filter`` checks each one (``FiltroInvalido``) before it
becomes a ``comment_search.CommentFilter``; ``page`` checks the sort and paging values. The
queries (page, capped count, dropdown options) are ``alumusic.repositories.comment_table``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from alumusic.domain import CATEGORIAS
from alumusic.repositories import comment_table as table
from alumusic.repositories.comment_search import CommentFilter, filter_sql
from alumusic.repositories.comment_table import RELEVANCE, SORTABLE, filter_options

__all__ = ["COUNT_CAP", "MAX_FILTER_TEXT", "MAX_OFFSET", "MAX_PAGE_SIZE", "RELEVANCE", "SORTABLE", "BlockRequest",
           "FiltroInvalido", "PedidoInvalido", "TablePage", "filter_options", "make_filter", "page", "rows_request"]

MAX_PAGE_SIZE = 200
# Counting stops here: an exact count of a broad text search rechecks every candidate row
# (~0.3 s per 10,000 matches on 1M comments, bench/dashboard.py) while nobody pages through 40+
# pages; the CSV export still has every match.
COUNT_CAP = 1_000
assert COUNT_CAP >= table.RELEVANCE_MAX  # page() hands its count to the relevance order


@dataclass(frozen=True)
class TablePage:
    rows: list[dict]
    total: int  # exact, or COUNT_CAP when ``more`` is True
    more: bool = False  # more than COUNT_CAP matches


class FiltroInvalido(ValueError):
    """A dashboard/export filter value that cannot be searched; the message (pt-BR) names the field.

    The message never repeats the value (it may hold NUL or unencodable characters).
    """

    def __init__(self, campo: str, problema: str) -> None:
        self.campo = campo
        super().__init__(f"{_ROTULOS[campo]}: {problema}")


_ROTULOS = {"artista": "artista", "album": "álbum", "tag": "tag", "categoria": "categoria", "texto": "texto",
            "desde": "desde", "ate": "até"}
MAX_FILTER_TEXT = 500  # characters; a comment search longer than this is not a search
MIN_YEAR, MAX_YEAR = 1900, 2100
# An ISO day, optionally with a valid time of day (ignored), as date pickers may send; ASCII digits only.
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?)?")
# NUL (PostgreSQL text cannot hold it) and lone surrogates (not encodable as UTF-8).
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def _text(campo: str, value: object) -> str | None:
    """``value`` as filter text (None when unset); FiltroInvalido for anything unsearchable."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FiltroInvalido(campo, "valor deve ser um texto")
    if len(value) > MAX_FILTER_TEXT:
        raise FiltroInvalido(campo, f"no máximo {MAX_FILTER_TEXT} caracteres")
    if _FORBIDDEN.search(value):
        raise FiltroInvalido(campo, "contém caracteres inválidos")
    return value


def _day(campo: str, value: object) -> date | None:
    text = _text(campo, value)
    if text is None:
        return None
    match = _ISO_DAY.fullmatch(text)
    if not match:
        raise FiltroInvalido(campo, "data mal formatada (use AAAA-MM-DD)")
    year, month, day = (int(g) for g in match.groups())
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise FiltroInvalido(campo, f"ano fora do intervalo {MIN_YEAR}–{MAX_YEAR}")
    try:
        return date(year, month, day)
    except ValueError:
        raise FiltroInvalido(campo, "data inexistente") from None


def make_filter(*, artista=None, album=None, tag=None, categoria=None, desde=None, ate=None, texto=None,
                timezone: str = "America/Sao_Paulo") -> CommentFilter:
    """CommentFilter from the dashboard's widgets or the export's query string.

    ``desde``/``ate`` are inclusive local days (ISO ``AAAA-MM-DD``, a time part is ignored). Values
    come from the browser (any JSON in a Dash callback, any text in a URL), so each one is checked:
    FiltroInvalido (a ValueError) for a non-text value, NUL or lone surrogates, more than
    MAX_FILTER_TEXT characters, a malformed or impossible day, a year outside MIN_YEAR..MAX_YEAR,
    ``desde`` after ``ate``, or a categoria that is not one of CATEGORIAS. Empty values mean "any".
    """
    tz = ZoneInfo(timezone)
    values = {campo: _text(campo, v) for campo, v in
              (("artista", artista), ("album", album), ("tag", tag), ("categoria", categoria), ("texto", texto))}
    if values["categoria"] is not None:
        values["categoria"] = unicodedata.normalize("NFC", values["categoria"])
        if values["categoria"] not in CATEGORIAS:
            raise FiltroInvalido("categoria", f"desconhecida (use {', '.join(CATEGORIAS)})")
    first, last = _day("desde", desde), _day("ate", ate)
    if first and last and first > last:
        raise FiltroInvalido("desde", "posterior à data final (até)")
    return CommentFilter(
        artista=values["artista"], album=values["album"], tag=values["tag"], categoria=values["categoria"],
        texto=(values["texto"] or "").strip() or None,
        desde=datetime.combine(first, time.min, tz) if first else None,
        # the day after ``ate`` (MAX_YEAR keeps it far from date.max)
        ate=datetime.combine(last + timedelta(days=1), time.min, tz) if last else None,
    )


def page(conn: sa.Connection, f: CommentFilter, *, sort_by: str = "recebido_em", descending: bool = True,
         offset: int = 0, limit: int = 25, count: bool = True) -> TablePage:
    """One page of matching comments plus how many match (counted up to COUNT_CAP).

    ``count=False`` skips the count query (the grid's later blocks): ``total`` is then exact when
    the page is the last one (fewer rows than ``limit``), else -1 (unknown); a page past the end
    (no rows) is counted anyway.
    """
    if not isinstance(sort_by, str) or sort_by not in SORTABLE | {RELEVANCE}:  # a list or dict is no column either
        raise ValueError("coluna de ordenação inválida")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (offset, limit)):
        raise ValueError("paginação inválida")
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    counted = None
    sql = filter_sql(conn, f)  # its decisions once for both queries
    if count and sort_by == RELEVANCE and f.texto:
        # The relevance order needs the same capped count: count once, before the page.
        counted = table.count_matches(conn, f, cap=COUNT_CAP + 1, sql=sql)
        if counted == 0:  # nothing matches: no second pass of the same search for an empty page
            return TablePage([], 0)
    rows = table.page_rows(conn, f, sort_by=sort_by, descending=descending, offset=offset, limit=limit,
                           matches=counted, sql=sql)
    if counted is None:
        if len(rows) < limit and (offset == 0 or (rows and not count)):
            return TablePage(rows, offset + len(rows))  # the last page holds the last match: no count query
        if not count and rows:
            return TablePage(rows, -1)
        counted = table.count_matches(conn, f, cap=COUNT_CAP + 1, sql=sql)
    return TablePage(rows, min(counted, COUNT_CAP), more=counted > COUNT_CAP)


# --- the grid's block requests ----------------------------------------------------------------------
# The deepest row a block may start at: OFFSET reads every row before it, and nobody scrolls past
# thousands of comments (refine the filters; the CSV export has them all).
MAX_OFFSET = 100_000


class PedidoInvalido(ValueError):
    """A grid block request (``getRowsRequest``) that cannot be answered; the message is pt-BR."""


@dataclass(frozen=True)
class BlockRequest:
    offset: int
    limit: int
    sort_by: str  # a SORTABLE column or RELEVANCE
    descending: bool


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def rows_request(request: object) -> BlockRequest:
    """The block a grid ``getRowsRequest`` asks for, checked: ``startRow``/``endRow`` integers with
    0 <= startRow <= MAX_OFFSET and 0 < endRow - startRow <= MAX_PAGE_SIZE; ``sortModel`` empty
    (relevance: best match first with free text, newest first otherwise) or one ``{colId, sort}``
    naming a SORTABLE column and asc/desc; ``filterModel`` empty (the page's filter bar is the
    filter; the grid's columns have none). Anything else is a PedidoInvalido."""
    if not isinstance(request, dict):
        raise PedidoInvalido("pedido da tabela malformado")
    start, end = request.get("startRow"), request.get("endRow")
    if not (_int(start) and _int(end)) or not 0 <= start <= MAX_OFFSET or not 0 < end - start <= MAX_PAGE_SIZE:
        raise PedidoInvalido(f"intervalo de linhas inválido (até {MAX_PAGE_SIZE} linhas, a partir de no máximo "
                             f"{MAX_OFFSET:,})".replace(",", "."))
    filters = request.get("filterModel")
    if filters not in (None, {}):
        raise PedidoInvalido("filtros de coluna não são aceitos: use os filtros acima da tabela")
    sort = request.get("sortModel")
    if sort in (None, []):
        return BlockRequest(start, end - start, RELEVANCE, True)
    if (not isinstance(sort, list) or len(sort) != 1 or not isinstance(sort[0], dict)
            or not isinstance(sort[0].get("colId"), str) or sort[0]["colId"] not in SORTABLE
            or sort[0].get("sort") not in ("asc", "desc")):
        raise PedidoInvalido("ordenação inválida (uma coluna da tabela, asc ou desc)")
    return BlockRequest(start, end - start, sort[0]["colId"], sort[0]["sort"] == "desc")
