"""Threat: CSV (formula) injection through comment texts exported to a spreadsheet.

Comments are written by anyone; curators open the export in Excel/LibreOffice/Sheets. A cell that
starts with ``= + - @`` (or a tab/CR a parser may drop first) runs as a formula: it can compute,
fetch URLs (``=HYPERLINK``/``WEBSERVICE``) or, in old Excel, start programs (DDE). Quoting the
field is not enough: pt-BR Excel splits a comma file on ``;`` (and en-US Excel a ``;`` file on
``,``), so ``a;=1+1;b`` inside one quoted field still yields a ``=1+1`` cell. These tests check
both export dialects against that threat: every field quoted, every segment a spreadsheet could
split off neutralised (checked on the raw bytes, whichever separator is used), harmless text left
as it is, and the real pt-BR comment pool round-tripping except for the neutralising quote.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alumusic.csv_export import BOM, COMMENT_HEADERS, DIALECTS, iter_comments_csv, neutralise
from alumusic.repositories.comment_search import CommentFilter
from tests.support.factories import add_comments

POOL = Path(__file__).resolve().parents[3] / "shared" / "data" / "youtube_ptbr_music_2013_pool.csv"

HOSTILE = {  # text -> what the export must hold (a ' before each formula-opening segment)
    "a;=1+1;b": "a;'=1+1;b",
    "x,+SUM(A1)": "x,'+SUM(A1)",
    '=HYPERLINK("http://golpe.example";"clique")': '\'=HYPERLINK("http://golpe.example";"clique")',
    "@cmd": "'@cmd",
    "-2+3": "'-2+3",
    "+55 11 99999-0000": "'+55 11 99999-0000",
    "\t=1+1": "'\t'=1+1",  # tab is a prefix a parser may drop, and a separator
    "\rcmd": "'\rcmd",
    "ok\r=1+1": "ok\r'=1+1",
    "linha 1\n=1+1": "linha 1\n'=1+1",  # a line break may start a new row
    "a, =1+1": "a, '=1+1",  # spaces before the formula: some parsers trim them
    "a; @cmd": "a; '@cmd",
    'a;"=1+1': 'a;"\'=1+1',  # a double quote may end a mis-parsed field right before the formula
    "tudo bem ;-)": "tudo bem ;'-)",  # the price: an emoticon after ; gets the quote too
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
}
HARMLESS = ("Que show!", "nota 10, top", "1-2", "a=b", "e-mail: fã@exemplo.com", "'já citado", "100% bom; valeu",
            "nota 9,5", "música boa\nsegunda linha", "já citado: \"=1\" no meio", "Ótimo 👍 — top")
FORMULA_START = re.compile(r'[ "]*[=+\-@]')


def _formula_pieces(raw: str, separators: str) -> list[str]:
    """Pieces of ``raw`` split on ``separators`` that a spreadsheet would run as a formula."""
    pieces = re.split(f"[{re.escape(separators)}]", raw)
    return [p for p in pieces if FORMULA_START.match(p)]


def _parse(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM):], newline=""), delimiter=delimiter))


def _assert_all_quoted(text: str, delimiter: str) -> None:
    field = r'"(?:[^"]|"")*"'
    row = f"{field}(?:{re.escape(delimiter)}{field})*\r\n"
    assert re.fullmatch(f"(?:{row})+", text[len(BOM):]), "a field is not quoted"


@pytest.mark.parametrize(("text", "expected"), HOSTILE.items())
def test_formula_segments_are_neutralised(text, expected):
    assert neutralise(text) == expected
    assert neutralise(expected) == expected  # idempotent: exporting an export adds nothing
    assert not _formula_pieces(expected, ",;\t\r\n")


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_unchanged(text):
    assert neutralise(text) == text


def test_dialect_names_are_checked_before_any_query():
    for bad in ("excel", "", None, ";"):
        with pytest.raises(ValueError, match="formato de CSV desconhecido"):
            iter_comments_csv(None, CommentFilter(), dialect=bad)  # no connection needed to refuse it


@pytest.mark.parametrize(("dialect", "delimiter", "confianca", "other"), [
    ("padrao", ",", "0.900", ";"),
    ("excel-br", ";", "0,900", ","),
])
def test_export_of_hostile_comments_is_inert_in_either_separator(db, dialect, delimiter, confianca, other):
    assert DIALECTS[dialect].delimiter == delimiter
    base = datetime(2026, 11, 20, 12, tzinfo=UTC)
    texts = [*HOSTILE, *HARMLESS]
    add_comments(db, [{"texto": texto, "artista": "=Artista;@x", "album": "-Álbum, +1", "categoria": "OUTRO",
                       "tags": ["spam_link"], "recebido_em": base + timedelta(minutes=i),
                       "publicado_em": base + timedelta(minutes=i)}
                      for i, texto in enumerate(texts)])
    with db.connect() as conn:
        raw = "".join(iter_comments_csv(conn, CommentFilter(), dialect=dialect, personal_data="incluir"))
    _assert_all_quoted(raw, delimiter)
    rows = _parse(raw, delimiter)
    assert tuple(rows[0]) == COMMENT_HEADERS
    records = [dict(zip(COMMENT_HEADERS, r, strict=True)) for r in rows[1:]]
    want = {**HOSTILE, **{t: t for t in HARMLESS}}
    assert [r["texto"] for r in records] == [want[t] for t in reversed(texts)]  # newest first
    assert {r["artista"] for r in records} == {"'=Artista;'@x"}
    assert {r["album"] for r in records} == {"'-Álbum, '+1"}
    assert {r["confianca"] for r in records} == {confianca}
    assert {r["tags"] for r in records} == {"spam_link"}
    # Opened with the wrong separator, or by a parser that ignores the quoting, or splitting on
    # tabs/line breaks: no piece of the raw file starts a formula.
    for separators in (delimiter, other, ",;", "\t", "\r\n", ",;\t\r\n"):
        assert _formula_pieces(raw.removeprefix(BOM), separators) == [], separators


@pytest.fixture
def pool_texts() -> list[str]:
    if not POOL.exists():
        pytest.skip(f"{POOL} not present")
    with POOL.open(encoding="utf-8", newline="") as fh:
        return [row["texto"] for row in csv.DictReader(fh)]


def test_real_comments_round_trip_except_for_the_neutralising_quote(db, pool_texts):
    base = datetime(2026, 11, 20, 12, tzinfo=UTC)
    stored = add_comments(db, [{"texto": texto, "recebido_em": base + timedelta(seconds=i)}
                               for i, texto in enumerate(pool_texts)])
    ids = {uuid.UUID(row["id"]): row["texto"] for row in stored}
    for dialect in DIALECTS.values():
        with db.connect() as conn:
            raw = "".join(iter_comments_csv(conn, CommentFilter(), dialect=dialect.name, personal_data="incluir"))
        _assert_all_quoted(raw, dialect.delimiter)
        rows = _parse(raw, dialect.delimiter)
        got = {uuid.UUID(r[0]): r[COMMENT_HEADERS.index("texto")] for r in rows[1:]}
        assert got.keys() == ids.keys()
        changed = 0
        for cid, original in ids.items():
            exported = got[cid]
            if _formula_pieces(original, ",;\t\r\n") or original.startswith(("\t", "\r")):
                changed += 1
                assert exported != original and exported.replace("'", "") == original.replace("'", "")
                assert not _formula_pieces(exported, ",;\t\r\n")
            else:
                assert exported == original
        assert changed < len(ids) * 0.01, dialect.name  # neutralising is the exception in real text
