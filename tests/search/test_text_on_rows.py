"""Where free text is checked: through the text indexes, or on the rows the other filters select.

``comment_search.text_on_rows`` counts the rows the period, artist and album select (capped) and
checks the text row by row when they are fewer than half of the planner's estimate of the text's
matches (bench/scale.py: a week's SPAM with "canal" at 10M comments, 200 ms → 30 ms). Either way the same comments must match; these tests pin the
decision on data whose sizes are known, that the SQL then cannot use a text index, and that the
grid, the API search and the export all take it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alumusic.repositories import comment_export, comment_table
from alumusic.repositories import comment_search as cs
from tests.support.factories import add_comments

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
DAYS = 60
WORDS = ("show", "voz", "refrão", "clipe", "letra", "batida")


@pytest.fixture
def corpus(db):
    """3,000 comments over 60 days: "canal" in 1,800 of them (spam, every day), "mixagem" in 3 of
    Luna's 2,400, and "mixagens" in one; statistics fresh, as autovacuum would leave them."""
    rng = random.Random(7)
    items = []
    for n in range(3000):
        spam = n % 5 < 3
        word = rng.choice(WORDS)
        texto = f"inscreva-se no meu canal {n}" if spam else f"gostei da {word} número {n}"
        if n in (11, 1211, 2411):
            texto = f"a mixagem ficou abafada {n}"
        if n == 2001:
            texto = "mixagens ruins 2001"
        items.append({"texto": texto, "artista": "Luna" if n % 5 != 4 else "Neon", "album": "Maré" if n % 2 else None,
                      "recebido_em": NOW - timedelta(days=DAYS * n / 3000),
                      "categoria": "SPAM" if spam else "ELOGIO", "tags": ["spam_canal"] if spam and n % 2 else []})
    add_comments(db, items)
    with db.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE comentarios, classificacao_tags")
    return items


def decide(db, **kw) -> bool:
    with db.connect() as conn:
        return cs.text_on_rows(conn, cs.CommentFilter(**kw))


def test_a_short_window_checks_a_common_word_on_its_rows_a_rare_word_keeps_the_text_index(db, corpus):
    three_days = NOW - timedelta(days=3)
    assert decide(db, texto="canal", desde=three_days)  # ~150 rows of the window against ~1,800 matches
    assert decide(db, texto="canal", categoria="SPAM", tag="spam_canal", desde=three_days)
    assert not decide(db, texto="mixagem", artista="Luna")  # 3 matches against 2,400 of Luna's comments
    assert not decide(db, texto="canal")  # nothing else to read the rows by
    assert not decide(db, texto="canal", tag="spam_canal")  # a tag or a category only drops rows already read
    assert not decide(db, texto="canal", categoria="SPAM")
    assert not decide(db, texto="   ", desde=three_days)
    assert not decide(db, desde=three_days)


def test_more_rows_to_read_than_the_bound_keep_the_text_index(db, corpus, monkeypatch):
    three_days = NOW - timedelta(days=3)  # ~150 rows
    monkeypatch.setattr(cs, "ROWS_READ_MAX", 100)
    assert not decide(db, texto="canal", desde=three_days)
    monkeypatch.setattr(cs, "ROWS_READ_MAX", 200)
    assert decide(db, texto="canal", desde=three_days)


def test_correlated_filters_are_counted_not_estimated(db, corpus):
    # Luna's album "Maré" in the last 10 days: 200 of its 1,200 comments, against ~1,200 that say
    # "gostei". Its whole history moved into the last day, the estimate (statistics not refreshed,
    # as between two autovacuum runs) stays ~200 and the count sees all 1,200.
    f = {"texto": "gostei", "artista": "Luna", "album": "Maré", "desde": NOW - timedelta(days=10)}
    assert decide(db, **f)
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE comentarios SET recebido_em = :agora + (recebido_em - :agora) / 100 "
                             "WHERE artista = 'Luna' AND album = 'Maré'"), {"agora": NOW})
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db, "before_cursor_execute", remember)
    try:
        on_rows = decide(db, **f)
    finally:
        sa.event.remove(db, "before_cursor_execute", remember)
    assert not on_rows
    assert any("LIMIT %(bound)s" in s for s in statements)


FILTERS = [
    {"texto": "canal", "desde": NOW - timedelta(days=3)},
    {"texto": "canal", "categoria": "SPAM", "tag": "spam_canal", "desde": NOW - timedelta(days=9),
     "ate": NOW - timedelta(days=2)},
    {"texto": "mixagem", "artista": "Luna"},
    {"texto": "mixagem", "desde": NOW - timedelta(days=50)},  # stemmed: "mixagens" too
    {"texto": "mixajem", "album": "Maré"},  # a typo: the close-spelling branch
    {"texto": "gostei da voz", "artista": "Neon", "desde": NOW - timedelta(days=20)},
    {"texto": "100%", "categoria": "ELOGIO"},  # LIKE wildcards stay literal on both paths
    {"texto": "-canal", "artista": "Neon"},  # web-search syntax: not "canal"
]


@pytest.mark.parametrize("kw", FILTERS, ids=lambda kw: kw["texto"])
def test_both_ways_find_the_same_comments(db, corpus, kw):
    f = cs.CommentFilter(**kw)
    with db.connect() as conn:
        close = cs.spelling_fallback(conn, f)
        found = {}
        for on_rows in (False, True):
            sql = cs.where_clause(f, close_spelling=close, text_on_rows=on_rows)
            rows = comment_table.page_rows(conn, f, limit=3000, sql=sql)
            found[on_rows] = ([r["id"] for r in rows], comment_table.count_matches(conn, f, cap=5000, sql=sql))
    assert found[True] == found[False]
    assert found[True][1] == len(found[True][0])
    if kw["texto"] in ("canal", "mixagem", "mixajem"):
        assert found[True][1] > 0  # the comparison is not between two empty results


def test_checked_on_rows_no_text_index_can_serve_the_search(db, corpus):
    f = cs.CommentFilter(texto="canal", categoria="SPAM", desde=NOW - timedelta(days=3))

    def plan(conn, where, params):
        sql = cs.page_sql(("id",), where, "v.recebido_em DESC, v.id DESC")
        return "\n".join(conn.execute(sa.text(f"EXPLAIN {sql}"), {**params, "limit": 50, "offset": 0}).scalars())

    with db.begin() as conn:
        decided = cs.filter_sql(conn, f)
        # Only bitmap scans allowed: whichever index *can* serve the query, the planner now uses it.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
        on_rows = plan(conn, *decided)
        text_only = cs.CommentFilter(texto="canal")
        by_index = plan(conn, *cs.where_clause(text_only))
        wrapped = plan(conn, *cs.where_clause(text_only, text_on_rows=True))
    assert "texto_busca_trgm_idx" not in on_rows and "texto_tsv_idx" not in on_rows, on_rows
    assert "comentarios_recebido_em_idx" in on_rows, on_rows
    # The text alone: the indexes serve it, unless it is checked row by row.
    assert "texto_busca_trgm_idx" in by_index and "texto_tsv_idx" in by_index, by_index
    assert "texto_busca_trgm_idx" not in wrapped and "texto_tsv_idx" not in wrapped, wrapped


def test_the_grid_the_api_and_the_export_all_take_the_decision(db, corpus):
    from dashboard import comment_table as grid

    f = cs.CommentFilter(texto="canal", desde=NOW - timedelta(days=3))
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db, "before_cursor_execute", remember)
    try:
        with db.begin() as conn:
            page = grid.page(conn, f, limit=25)
            api = cs.search(conn, f, limit=25)
            exported = list(comment_export.export_rows(conn, f))
    finally:
        sa.event.remove(db, "before_cursor_execute", remember)
    searches = [s for s in statements if "v_comentarios_atuais" in s and "texto" in s and not s.startswith("EXPLAIN")]
    assert len(searches) == 4  # the grid's page and count, the API's page, the export
    decisions = [s for s in statements if s.startswith("EXPLAIN (FORMAT JSON)") and "texto_busca" in s]
    assert len(decisions) == 3  # once per block of the grid, once for the API, once for the export
    assert all("(SELECT (v.texto_busca LIKE" in s for s in searches), searches
    expected = sum(1 for item in corpus if "canal" in item["texto"] and item["recebido_em"] >= f.desde)
    assert page.total == len(exported) == expected
    assert [r["id"] for r in page.rows] == [r["id"] for r in api.items]
