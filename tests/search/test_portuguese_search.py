"""Free-text search that understands Portuguese: stems, accents, typos, ranking, and similar comments.

Through the one filter the API, the dashboard's table and the CSV export share
(``comment_search.where_clause``), on a real PostgreSQL with migration 0015's full-text index.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alumusic.repositories import comment_search as cs
from alumusic.repositories import comment_table
from tests.support.factories import add_comments

BASE = datetime(2026, 11, 20, 12, tzinfo=UTC)
TEXTS = {
    "linda": "Que música linda, chorei",
    "lindas": "As vozes mais lindas do Brasil",
    "musicas": "Todas as MÚSICAS do álbum são boas",
    "show": "o show de ontem foi incrível",
    "mixagem": "a mixagem ficou abafada no refrão",
    "nada": "nada a ver esse clipe",
}


@pytest.fixture
def ids(db):
    rows = add_comments(db, [{"texto": t, "artista": "Luna", "recebido_em": BASE + timedelta(minutes=i)}
                             for i, t in enumerate(TEXTS.values())])
    return {key: row["id"] for key, row in zip(TEXTS, rows, strict=True)}


def found(db, texto: str) -> set[str]:
    with db.connect() as conn:
        by_api = {str(r["id"]) for r in cs.search(conn, cs.CommentFilter(texto=texto), limit=100).items}
        by_table = {str(r["id"]) for r in comment_table.page_rows(conn, cs.CommentFilter(texto=texto), limit=100)}
    assert by_api == by_table
    return by_api


def test_a_plural_finds_the_singular_and_back(db, ids):
    assert found(db, "lindas") == {ids["linda"], ids["lindas"]}
    assert found(db, "linda") == {ids["linda"], ids["lindas"]}


def test_accents_and_case_never_matter(db, ids):
    assert ids["musicas"] in found(db, "musica")
    assert ids["musicas"] in found(db, "MÚSICA")
    assert found(db, "músicas") >= {ids["musicas"], ids["linda"]}  # "música linda" stems to the same word


def test_a_typo_in_a_long_enough_word_still_finds_it(db, ids):
    assert found(db, "mixajem") == {ids["mixagem"]}
    assert found(db, "incrivel") == {ids["show"]}


def test_short_words_stay_exact(db, ids):
    # "shw" is in no comment and too short to be taken for a typo of "show": nothing, not half the table.
    assert found(db, "shw") == set()
    assert found(db, "show") == {ids["show"]}


def test_web_search_syntax_and_hostile_text_are_plain_queries(db, ids):
    assert found(db, '"música linda"') == {ids["linda"]}
    assert found(db, "linda -chorei") == {ids["lindas"]}
    for hostile in ("'", "!!!&|", "a:*", "(((", "linda & | !", "\\", "é' OR 1=1 --"):
        found(db, hostile)  # no error: websearch_to_tsquery accepts any input


def test_relevance_puts_the_typed_fragment_first(db, ids):
    with db.connect() as conn:
        rows = comment_table.page_rows(conn, cs.CommentFilter(texto="lindas"), sort_by=comment_table.RELEVANCE,
                                       limit=10)
        newest = comment_table.page_rows(conn, cs.CommentFilter(), sort_by=comment_table.RELEVANCE, limit=10)
    assert [str(r["id"]) for r in rows] == [ids["lindas"], ids["linda"]]
    assert [str(r["id"]) for r in newest][0] == ids["nada"]  # no text: relevance is newest first


def test_the_full_text_index_serves_the_stemmed_condition(db, ids):
    where, params = cs.where_clause(cs.CommentFilter(texto="lindas"))
    with db.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: ask whether the index *can* serve it
        plan = "\n".join(conn.execute(sa.text(f"EXPLAIN SELECT v.id FROM v_comentarios_atuais v WHERE {where}"),
                                      params).scalars())
    assert "comentarios_texto_tsv_idx" in plan and "comentarios_texto_busca_trgm_idx" in plan


def test_similar_comments_are_the_nearest_texts_never_itself_nor_removed_ones(db):
    rows = add_comments(db, [
        {"texto": "compre seguidores baratos no meu perfil", "recebido_em": BASE},
        {"texto": "compre seguidores baratos no meu perfil!!!", "recebido_em": BASE + timedelta(minutes=1)},
        {"texto": "compre seguidores no perfil", "recebido_em": BASE + timedelta(minutes=2)},
        {"texto": "a bateria dessa faixa é absurda", "recebido_em": BASE + timedelta(minutes=3)},
        {"texto": "compre seguidores baratos no meu perfil hoje", "recebido_em": BASE + timedelta(minutes=4)},
    ])
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE comentarios SET texto_removido_em = now() WHERE id = CAST(:id AS uuid)"),
                     {"id": rows[4]["id"]})
        similar = cs.similar_comments(conn, rows[0]["id"], limit=5)
        assert cs.similar_comments(conn, "00000000-0000-0000-0000-000000000000") == []
    assert [str(r["id"]) for r in similar] == [rows[1]["id"], rows[2]["id"]]
    assert similar[0]["semelhanca"] > similar[1]["semelhanca"] > 0.3


def test_too_many_matches_to_rank_come_newest_first(db, ids, monkeypatch):
    # Ranking every match of a broad word would cost seconds at a million comments: above
    # RELEVANCE_MAX matches the order is the newest first, as without free text.
    def order(limit_):
        monkeypatch.setattr(comment_table, "RELEVANCE_MAX", limit_)
        with db.connect() as conn:
            return [str(r["id"]) for r in comment_table.page_rows(conn, cs.CommentFilter(texto="linda"),
                                                                  sort_by=comment_table.RELEVANCE, limit=10)]

    assert order(1000) == [ids["linda"], ids["lindas"]]  # ranked: the shorter text scores higher
    assert order(1) == [ids["lindas"], ids["linda"]]  # two matches > 1: newest first


def test_close_spellings_are_searched_only_for_one_long_word_no_comment_contains(db, ids):
    with db.connect() as conn:
        decide = {texto: cs.spelling_fallback(conn, cs.CommentFilter(texto=texto))
                  for texto in ("mixajem", " mixajem ", "mixagem", "lindos", "shw", "mixajem abafada", "mixaj3m", None)}
    # "lindos" stems to "lind", which the comments hold: no similarity needed.
    assert decide == {"mixajem": True, " mixajem ": True, "mixagem": False, "lindos": False, "shw": False,
                      "mixajem abafada": False, "mixaj3m": False, None: False}


def test_a_word_only_older_comments_hold_is_no_typo(db, ids, monkeypatch):
    # The newest comments are looked at first; a word they lack is then looked for everywhere.
    monkeypatch.setattr(cs, "TYPO_RECENT_ROWS", 1)  # only "nada a ver esse clipe", the newest
    with db.connect() as conn:
        assert not cs.spelling_fallback(conn, cs.CommentFilter(texto="mixagem"))  # the 5th comment
        assert not cs.spelling_fallback(conn, cs.CommentFilter(texto="clipe"))
        assert cs.spelling_fallback(conn, cs.CommentFilter(texto="mixajem"))


def test_a_word_the_comments_hold_is_searched_without_the_similarity_condition(db, ids):
    # The similarity branch in the OR made every search of a common word plan one more trigram bitmap
    # (~4× slower grid blocks at 1M comments, bench/alerts_search.py): it is only there for a typo.
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db, "before_cursor_execute", remember)
    try:
        for texto in ("linda", "mixajem"):
            with db.connect() as conn:
                comment_table.page_rows(conn, cs.CommentFilter(texto=texto), limit=10)
                comment_table.count_matches(conn, cs.CommentFilter(texto=texto), cap=10)
                cs.search(conn, cs.CommentFilter(texto=texto), limit=10)
            searches = [s for s in statements if "v_comentarios_atuais" in s]
            assert len(searches) == 3
            assert all(("<%" in s) == (texto == "mixajem") for s in searches), texto
            statements.clear()
    finally:
        sa.event.remove(db, "before_cursor_execute", remember)


def test_the_export_finds_a_typo_like_the_table(db, ids):
    from alumusic.repositories import comment_export

    with db.begin() as conn:
        rows = list(comment_export.export_rows(conn, cs.CommentFilter(texto="mixajem")))
    assert [r.texto for r in rows] == [TEXTS["mixagem"]]


def test_a_count_the_caller_has_decides_the_order_like_the_repositorys_own(db, ids):
    def order(**kw):
        with db.connect() as conn:
            return [str(r["id"]) for r in comment_table.page_rows(conn, cs.CommentFilter(texto="linda"),
                                                                  sort_by=comment_table.RELEVANCE, limit=10, **kw)]

    assert order() == order(matches=2) == [ids["linda"], ids["lindas"]]
    assert order(matches=comment_table.RELEVANCE_MAX + 1) == [ids["lindas"], ids["linda"]]


@pytest.mark.parametrize("column", ["artista", "album"])
def test_one_artists_or_albums_newest_matches_are_read_in_time_order_not_sorted(db, ids, column):
    # An older album's matches are not spread evenly over time: walking the whole table's time index
    # backwards read 115k rows for its first block at 1M comments (migration 0019).
    f = cs.CommentFilter(texto="linda", **{column: "Luna"})
    where, params = cs.where_clause(f)
    sql = cs.page_sql(("id",), where, "v.recebido_em DESC, v.id DESC")
    with db.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: ask whether an index *can* serve it
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        plan = "\n".join(conn.execute(sa.text(f"EXPLAIN {sql}"), {**params, "limit": 50, "offset": 0}).scalars())
    index = {"artista": "comentarios_artista_idx", "album": "comentarios_album_recebido_idx"}[column]
    assert f"Index Scan Backward using {index}" in plan, plan
