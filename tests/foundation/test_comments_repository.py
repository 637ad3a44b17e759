"""The write path shared by the API and the demo loader, and the shared comment search."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from alumusic.repositories import comment_search as cs
from alumusic.repositories.comments import CONFLITO, CRIADO, DUPLICADO, NewComment, insert_comments
from tests.support.factories import add_comment


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM comentarios")).scalar()


def test_idempotent_on_id_with_conflict_on_other_text(db):
    a, b = uuid.uuid4(), uuid.uuid4()
    with db.begin() as conn:
        assert insert_comments(conn, [NewComment(a, "lindo"), NewComment(b, "feio")]) == [CRIADO, CRIADO]
    with db.begin() as conn:
        got = insert_comments(conn, [NewComment(a, "lindo"), NewComment(b, "outra coisa"), NewComment(a, "x")])
    assert got == [DUPLICADO, CONFLITO, CONFLITO]
    assert _count(db) == 2
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT texto FROM comentarios WHERE id = :i"), {"i": b}).scalar() == "feio"


def test_repeated_id_inside_one_batch_is_judged_against_the_first(db):
    a = uuid.uuid4()
    with db.begin() as conn:
        got = insert_comments(conn, [NewComment(a, "um"), NewComment(a, "um"), NewComment(a, "dois")])
    assert got == [CRIADO, DUPLICADO, CONFLITO]
    assert _count(db) == 1


def test_concurrent_inserts_of_the_same_id_store_one_row(db):
    cid = uuid.uuid4()
    results: list[str] = []
    barrier = threading.Barrier(6)

    def post() -> None:
        barrier.wait()
        with db.begin() as conn:
            results.extend(insert_comments(conn, [NewComment(cid, "mesmo texto")]))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [CRIADO] + [DUPLICADO] * 5
    assert _count(db) == 1


def test_new_comments_are_pending_and_stored_verbatim(db):
    texto = "'; DROP TABLE comentarios; -- <script>alert(1)</script> 🎸 مرحبا"
    cid = uuid.uuid4()
    with db.begin() as conn:
        insert_comments(conn, [NewComment(cid, texto, artista="Luna", tipo="clipe")])
        row = conn.execute(sa.text("SELECT texto, status, tentativas FROM comentarios WHERE id = :i"), {"i": cid}).one()
    assert tuple(row) == (texto, "pendente", 0)


@pytest.fixture
def searchable(db):
    base = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    rows = [
        ("Música LINDA demais", "Luna", "Maré", "ELOGIO", ["voz_timbre"]),
        ("musica chata", "Luna", "Cidade", "CRÍTICA", []),
        ("quando sai o álbum?", "Rafa", "Janela", "DÚVIDA", ["album_lancamento"]),
        ("100% de desconto_aqui", "Rafa", "Janela", None, []),
    ]
    ids = []
    with db.begin() as conn:
        for i, (texto, artista, album, cat, tags) in enumerate(rows):
            row = add_comment(conn, texto, artista=artista, album=album, recebido_em=base + timedelta(hours=i),
                              categoria=cat, tags=tags, confianca=0.8, explicacao="x")
            ids.append(uuid.UUID(row["id"]))
    return db, ids, base


@pytest.mark.parametrize(("filtro", "expected"), [
    (cs.CommentFilter(), [3, 2, 1, 0]),
    (cs.CommentFilter(texto="musica"), [1, 0]),  # accent- and case-insensitive
    (cs.CommentFilter(texto="LÍNDA"), [0]),
    (cs.CommentFilter(texto="100%"), [3]),  # LIKE wildcards are literal
    (cs.CommentFilter(texto="0_d"), []),
    (cs.CommentFilter(artista="Rafa"), [3, 2]),
    (cs.CommentFilter(album="Maré"), [0]),
    (cs.CommentFilter(categoria="CRÍTICA"), [1]),
    (cs.CommentFilter(tag="album_lancamento"), [2]),
    (cs.CommentFilter(status="pendente"), [3, 2, 1, 0]),
])
def test_filters(searchable, filtro, expected):
    engine, ids, _ = searchable
    with engine.connect() as conn:
        page = cs.search(conn, filtro, limit=10)
        assert [r["id"] for r in page.items] == [ids[i] for i in expected]


def test_period_and_keyset_pages_cover_everything_once(searchable):
    engine, ids, base = searchable
    with engine.connect() as conn:
        window = cs.CommentFilter(desde=base + timedelta(hours=1), ate=base + timedelta(hours=3))
        assert [r["id"] for r in cs.search(conn, window).items] == [ids[2], ids[1]]
        seen, cursor = [], None
        while True:
            page = cs.search(conn, cs.CommentFilter(), limit=3, cursor=cursor)
            seen += [r["id"] for r in page.items]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert seen == list(reversed(ids))


def test_a_forged_cursor_is_rejected(searchable):
    engine, _, _ = searchable
    with engine.connect() as conn, pytest.raises(cs.InvalidCursorError):
        cs.search(conn, cs.CommentFilter(), cursor="bm90LWEtY3Vyc29y")


def test_one_field_list_for_every_reader_of_a_comment(db):
    """COMMENT_FIELDS is what the search returns and what the API documents; the export and the
    dashboard's grid select subsets of it."""
    from alumusic.repositories.comment_export import EXPORT_FIELDS
    from alumusic.repositories.comment_table import TABLE_FIELDS
    from alumusic.repositories.comments import COMMENT_FIELDS
    from api.schemas import ComentarioSaida

    assert tuple(ComentarioSaida.model_fields) == COMMENT_FIELDS
    assert set(EXPORT_FIELDS) <= set(COMMENT_FIELDS) and set(TABLE_FIELDS) <= set(COMMENT_FIELDS)
    with db.begin() as conn:
        cid = add_comment(conn, "campos")["id"]
        assert tuple(cs.get_comment(conn, cid)) == COMMENT_FIELDS
        assert tuple(cs.search(conn, cs.CommentFilter()).items[0]) == COMMENT_FIELDS
        view = conn.execute(sa.text("SELECT * FROM v_comentarios_atuais LIMIT 0")).keys()
    assert set(COMMENT_FIELDS) <= set(view)
