"""Threat: hostile filter values crashing the dashboard and the CSV export (unhandled errors, 500s).

The filters reach ``dashboard.comment_table.make_filter`` from the browser: any JSON in a Dash
callback, any text in ``/dashboard/exportar.csv?...``. NUL characters (PostgreSQL text cannot hold
them), lone surrogates (not encodable to UTF-8), impossible or far-off dates (``2024-02-30``;
``ate=9999-12-31`` overflows when its next day is computed), garbage, lists and numbers used to
raise assorted exceptions (DataError, UnicodeEncodeError, OverflowError, TypeError) deep in the
query, i.e. a 500 and a traceback. Each must now be one ``FiltroInvalido`` (a ValueError) with a
pt-BR message naming the field and never echoing the value, raised before any query; valid
values, boundaries included, must still search the real database. A hostile sort column or
paging value for ``page`` is a ValueError, never SQL.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from alumusic.domain import CATEGORIAS
from dashboard.comment_table import MAX_FILTER_TEXT, FiltroInvalido, make_filter, page
from tests.dashboard.seed import seed

SP = ZoneInfo("America/Sao_Paulo")
NOT_TEXT = [["ELOGIO"], {"a": 1}, 5, 0, 1.5, True, False, [], {}]
BAD_TEXT = ["a\x00b", "\x00", "\ud800", "x\udfffy", "a" * (MAX_FILTER_TEXT + 1)]
BAD_DAYS = [
    "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31",  # impossible
    "abc", "2024-1-1", "20240101", "2024/01/01", "01/02/2024", " 2024-01-01", "2024-01-01 ", "2024-01-01garbage",
    "2024-01-01T25:00", "2024-01-01T12:60", "2024-01-01T",  # malformed
    "0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31", "0000-01-01",  # out of range
    "２０２４-01-01", "٢٠٢٤-٠١-٠١",  # non-ASCII digits
    "-2024-01-01", "+2024-01-01", "2024-01-01\x00",
]
LABEL = {"artista": "artista", "album": "álbum", "tag": "tag", "categoria": "categoria", "texto": "texto",
         "desde": "desde", "ate": "até"}

HOSTILE = (
    [(field, v) for field in LABEL for v in NOT_TEXT]
    + [(field, v) for field in LABEL for v in BAD_TEXT]
    + [(field, v) for field in ("desde", "ate") for v in BAD_DAYS]
    + [("categoria", v) for v in ("INEXISTENTE", "elogio", "CRITICA", " ELOGIO", "ELOGIO;DROP")]
)


@pytest.mark.parametrize(("field", "value"), HOSTILE, ids=[f"{f}={v!r}"[:60] for f, v in HOSTILE])
def test_hostile_values_raise_filtro_invalido_naming_the_field(field, value):
    with pytest.raises(FiltroInvalido) as info:
        make_filter(**{field: value})
    err = info.value
    assert isinstance(err, ValueError)  # existing "except ValueError" handlers keep working
    assert err.campo == field
    assert str(err).startswith(LABEL[field] + ": ")
    str(err).encode("utf-8")  # printable/encodable: the value is not echoed
    if isinstance(value, str) and len(value) > 3 and field != "categoria":  # categoria lists the valid ones
        assert value not in str(err)


def test_desde_after_ate_is_refused():
    with pytest.raises(FiltroInvalido, match="desde") as info:
        make_filter(desde="2024-05-02", ate="2024-05-01")
    assert info.value.campo == "desde"


def test_valid_values_still_build_the_filter():
    assert make_filter().is_empty()
    assert make_filter(artista="", album=None, tag="", categoria="", desde="", ate=None, texto="   ").is_empty()
    f = make_filter(desde="2024-02-29", ate="2024-02-29", texto="  show  ", artista="Luna Ribeiro")
    assert f.desde == datetime(2024, 2, 29, tzinfo=SP) and f.ate == datetime(2024, 3, 1, tzinfo=SP)
    assert f.texto == "show" and f.artista == "Luna Ribeiro"
    assert make_filter(desde="2024-05-01T00:00:00", ate="2024-05-01T23:59:59.5").desde == datetime(2024, 5, 1, tzinfo=SP)
    assert make_filter(texto="a" * MAX_FILTER_TEXT).texto == "a" * MAX_FILTER_TEXT
    for categoria in CATEGORIAS:
        assert make_filter(categoria=categoria).categoria == categoria
        assert make_filter(categoria=unicodedata.normalize("NFD", categoria)).categoria == categoria


def test_boundary_dates_and_odd_but_valid_text_search_the_database(db):
    seeded = seed(db)
    with db.connect() as conn:
        everything = make_filter(desde="1900-01-01", ate="2100-12-31")
        assert page(conn, everything, limit=200).total == len(seeded.rows)
        for f in (make_filter(ate="1900-01-01"), make_filter(desde="2100-12-31"),
                  make_filter(texto="🎸 مرحبا '; DROP TABLE comentarios; --", artista="\u200b", tag="x" * 500)):
            assert page(conn, f).total == 0
        assert conn.execute(sa.text("SELECT count(*) FROM comentarios")).scalar_one() == len(seeded.rows)


@pytest.mark.parametrize("sort_by", ["texto; DROP TABLE comentarios", "id", "v.texto", "texto DESC", "", None,
                                     ["texto"], {"column_id": "texto"}, 1])
def test_hostile_sort_column_is_a_value_error(db, sort_by):
    with db.connect() as conn, pytest.raises(ValueError, match="ordenação"):
        page(conn, make_filter(), sort_by=sort_by)


@pytest.mark.parametrize(("offset", "limit"), [("0", 25), (0, "25"), (None, 25), (0, [1]), (1.5, 25), (True, 25)])
def test_hostile_paging_is_a_value_error(db, offset, limit):
    with db.connect() as conn, pytest.raises(ValueError, match="paginação"):
        page(conn, make_filter(), offset=offset, limit=limit)
