"""CSV export: formula-injection safety and streaming of exactly the filtered rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from alumusic.csv_export import BOM, cell, iter_comments_csv, iter_csv, neutralise, write_comments_csv
from alumusic.repositories.comment_search import CommentFilter
from tests.dashboard.seed import FORMULA_TEXT, seed


@pytest.mark.parametrize("text", ["=1+1", "+55 11 9999", "-2+3", "@SUM(A1)", "\tcmd", "\r=x", "=HIPERLINK(\"x\")"])
def test_formula_like_cells_get_a_leading_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "música boa", " =1+1 no meio", "1-2", "a=b", "'já citado"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


def test_cell_formats_values_and_neutralises_only_text():
    when = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
    assert cell(None) == ""
    assert cell(when) == "2026-11-20T12:30:00+00:00"
    assert cell(-0.5) == "-0.5"  # a number we produced, not user text
    assert cell(["voz_timbre", "feat_autotune"]) == "voz_timbre, feat_autotune"
    assert cell(["=cmd"]) == "'=cmd"


def test_iter_csv_quotes_commas_newlines_and_chunks():
    rows = [{"a": f"linha {i}, com vírgula\ne quebra", "b": i} for i in range(5)]
    chunks = list(iter_csv(rows, [("a", "A"), ("b", "B")], chunk_rows=2))
    assert len(chunks) == 3  # header+2, 2, 1
    text = "".join(chunks)
    assert text.startswith(BOM)
    parsed = list(csv.reader(io.StringIO(text[len(BOM):])))
    assert parsed[0] == ["A", "B"]
    assert parsed[1:] == [[r["a"], str(r["b"])] for r in rows]


def test_export_equals_the_filtered_rows_and_is_safe(db):
    seeded = seed(db)
    with db.connect() as conn:
        text = "".join(iter_comments_csv(conn, CommentFilter(artista="Luna Ribeiro"), chunk=3))
    rows = list(csv.DictReader(io.StringIO(text.removeprefix(BOM))))
    expected = seeded.where(artista="Luna Ribeiro")
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in expected)
    # newest first, like the dashboard's default order
    assert [r["id"] for r in rows] == [r["id"] for r in sorted(expected, key=lambda r: r["quando"], reverse=True)]
    spam = next(r for r in rows if r["categoria"] == "SPAM")
    assert spam["texto"] == "'" + FORMULA_TEXT and spam["tags"] == "spam_link"
    pending = next(r for r in rows if r["texto"] == "ainda na fila")
    assert pending["categoria"] == "" and pending["status"] == "pendente"


def test_write_comments_csv_streams_to_a_binary_file(db):
    seed(db)
    out = io.BytesIO()
    with db.connect() as conn:
        size = write_comments_csv(conn, CommentFilter(categoria="CRÍTICA"), out, chunk=2)
    data = out.getvalue()
    assert size == len(data)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 8 and {r["categoria"] for r in rows} == {"CRÍTICA"}
