"""Threat: LIKE wildcard injection through the free-text filter after Unicode normalisation.

The filter matches ``texto_busca LIKE '%' || <search text> || '%'``. The search text is normalised
by ``f_texto_busca`` (unaccent + lower), which maps characters such as the fullwidth ``％ ＿ ＼``
to LIKE's own ``% _ \\``. Escaping them before normalising (as the code once did) let a search for
``％`` run as ``LIKE '%%%'`` and return every comment (and ``＿`` any comment with a character), so
the filter could not be trusted to narrow an export or a page to what the curator typed. These
tests find, by brute force over every Unicode code point, each character the database normalises
into a LIKE metacharacter, and check that searching it (through the API's ``search`` and the
dashboard's ``page``) finds exactly the comments that contain it literally, and that the escaped
pattern still uses the trigram index.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alumusic.repositories import comment_search as cs
from dashboard import comment_table
from tests.support.factories import add_comments

TEXTS = (
    "50% melhor que o anterior",
    "que show",
    "nota 10, top",
    "snake_case no título",
    "barra \\ invertida",
    "Música LINDA",
    "desconto de 30％ hoje",  # stored normalised as "desconto de 30% hoje"
)
# With PostgreSQL 18's unaccent.rules the brute force below finds U+0025 %, U+005C \, U+005F _,
# U+2216 ∖, U+FE68 ﹨, U+FE6A ﹪, U+FF05 ％, U+FF3C ＼, U+FF3F ＿; it runs on whatever server the tests
# use, so another dictionary is checked by what it actually maps.
MUST_FIND = {0x25, 0x5C, 0x5F, 0x2216, 0xFF05, 0xFF3F}


@pytest.fixture
def comments(db):
    base = datetime(2026, 11, 20, 12, tzinfo=UTC)
    rows = add_comments(db, [{"texto": texto, "artista": "Luna", "recebido_em": base + timedelta(minutes=i)}
                             for i, texto in enumerate(TEXTS)])
    return db, {texto: uuid.UUID(row["id"]) for texto, row in zip(TEXTS, rows, strict=True)}


def _literal_matches(conn, text: str) -> set[uuid.UUID]:
    """Oracle without LIKE: comments whose stored search text contains ``text`` normalised."""
    return set(conn.execute(sa.text(
        "SELECT id FROM comentarios WHERE strpos(texto_busca, f_texto_busca(:t)) > 0"), {"t": text.strip()}).scalars())


def _found(conn, text: str) -> set[uuid.UUID]:
    by_api = {r["id"] for r in cs.search(conn, cs.CommentFilter(texto=text), limit=100).items}
    by_dashboard = {r["id"] for r in comment_table.page(conn, comment_table.make_filter(texto=text), limit=100).rows}
    assert by_api == by_dashboard
    return by_api


def _metacharacter_code_points(conn) -> list[int]:
    return list(conn.execute(sa.text(
        "SELECT i FROM generate_series(1, 1114111) i "
        "WHERE i NOT BETWEEN 55296 AND 57343 "  # surrogates: chr() refuses them
        r"AND f_texto_busca(chr(i)) ~ '[%_\\]' ORDER BY i")).scalars())


@pytest.mark.parametrize(("text", "expected"), [
    ("％", ["50% melhor que o anterior", "desconto de 30％ hoje"]),
    ("%", ["50% melhor que o anterior", "desconto de 30％ hoje"]),
    ("＿", ["snake_case no título"]),
    ("_", ["snake_case no título"]),
    ("∖", ["barra \\ invertida"]),
    ("\\", ["barra \\ invertida"]),
    ("50%", ["50% melhor que o anterior"]),
    ("50％ MELHOR", ["50% melhor que o anterior"]),
    ("30%", ["desconto de 30％ hoje"]),
    ("%%", []),
    ("0_m", []),  # "_" is not "any character"
    ("0％m", []),
    ("\\%", []),  # an escape in the text is literal too
    ("e ＼ i", []),
    ("musica", ["Música LINDA"]),
])
def test_wildcard_characters_are_searched_literally(comments, text, expected):
    engine, ids = comments
    with engine.connect() as conn:
        assert _found(conn, text) == {ids[t] for t in expected}


def test_no_code_point_normalised_into_a_wildcard_matches_unrelated_rows(comments):
    engine, _ = comments
    with engine.connect() as conn:
        code_points = _metacharacter_code_points(conn)
        assert set(code_points) >= MUST_FIND  # the brute force does find them
        for cp in code_points:
            for text in (chr(cp), f"a{chr(cp)}", f"{chr(cp)}{chr(cp)}"):
                assert _found(conn, text) == _literal_matches(conn, text), f"U+{cp:04X} in {text!r}"


def test_escaped_pattern_is_a_constant_the_trigram_index_serves(comments):
    engine, _ = comments
    where, params = cs.where_clause(cs.CommentFilter(texto="50％ Melhor"))
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO comentarios (id, texto) SELECT gen_random_uuid(), 'comentário ' || i FROM generate_series(1, 2000) i"))
        conn.execute(sa.text("ANALYZE comentarios"))
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: only ask whether the index *can* serve it
        plan = "\n".join(conn.execute(sa.text(f"EXPLAIN SELECT v.id FROM v_comentarios_atuais v WHERE {where}"),
                                      params).scalars())
    assert "comentarios_texto_busca_trgm_idx" in plan, plan
    # normalised, escaped and folded into one literal at planning time, like a hand-written pattern
    assert r"Index Cond: (texto_busca ~~ '%50\% melhor%'::text)" in plan, plan
