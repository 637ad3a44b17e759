"""CSV export: formula-injection safety and streaming of exactly the filtered rows (``iter_comments_csv``
and the dashboard's one export, the streamed ``/dashboard/exportar.csv``)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from alumusic.csv_export import BOM, iter_comments_csv, neutralise
from alumusic.repositories.comment_search import CommentFilter
from tests.dashboard.seed import FORMULA_TEXT, seed
from tests.support.dashboard import login
from tests.support.factories import add_comments


@pytest.mark.parametrize("text", ["=1+1", "+55 11 9999", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "=HIPERLINK(\"x\")"])
def test_formula_like_cells_get_a_leading_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "música boa", "no meio =1+1", "1-2", "a=b", "'já citado", "nota 10, top"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


def test_export_quotes_commas_newlines_and_chunks(db):
    when = datetime(2026, 11, 20, 12, tzinfo=UTC)
    texts = [f"linha {i}, com vírgula\ne quebra; e \"aspas\"" for i in range(5)]
    add_comments(db, [{"texto": texto, "artista": "Luna", "album": "Maré", "recebido_em": when.replace(minute=i)}
                      for i, texto in enumerate(texts)])
    with db.connect() as conn:
        chunks = list(iter_comments_csv(conn, CommentFilter(), chunk=2, personal_data="incluir"))
    assert len(chunks) == 3  # header+2, 2, 1
    text = "".join(chunks)
    assert text.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(text[len(BOM):])))
    assert [r["texto"] for r in rows] == list(reversed(texts))  # newest first


def test_export_equals_the_filtered_rows_and_is_safe(db):
    seeded = seed(db)
    with db.connect() as conn:
        text = "".join(iter_comments_csv(conn, CommentFilter(artista="Luna Ribeiro"), chunk=3, personal_data="incluir"))
    rows = list(csv.DictReader(io.StringIO(text.removeprefix(BOM))))
    expected = seeded.where(artista="Luna Ribeiro")
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in expected)
    # newest first, like the dashboard's default order
    assert [r["id"] for r in rows] == [r["id"] for r in sorted(expected, key=lambda r: r["quando"], reverse=True)]
    spam = next(r for r in rows if r["categoria"] == "SPAM")
    assert spam["texto"] == "'" + FORMULA_TEXT and spam["tags"] == "spam_link"
    pending = next(r for r in rows if r["texto"] == "ainda na fila")
    assert pending["categoria"] == "" and pending["status"] == "pendente"


def test_the_streamed_route_sends_the_filtered_rows_as_a_utf8_attachment(live, dash_app, curator, db):
    seed(db)
    client = dash_app.test_client()
    assert login(client).status_code == 302
    response = client.get("/dashboard/exportar.csv", query_string={"categoria": "CRÍTICA"})
    assert response.status_code == 200 and response.is_streamed and response.headers["Cache-Control"] == "no-store"
    assert re.fullmatch(r'attachment; filename="comentarios-\d{8}-\d{6}\.csv"', response.headers["Content-Disposition"])
    data = response.get_data()
    assert data.startswith(BOM.encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 8 and {r["categoria"] for r in rows} == {"CRÍTICA"}
