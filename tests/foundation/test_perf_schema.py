"""Migration 0006: the current category and the search text stored on comentarios.

The report views and the free-text filter read these copies instead of joining or recomputing;
these tests pin that the copies always say what the history and the text say.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from alumusic import migrations
from alumusic.repositories.comment_search import CommentFilter, search

_INSERT_CLASSIFICATION = sa.text(
    "INSERT INTO classificacoes (comentario_id, categoria, confianca, classificador, versao, origem, autor) "
    "VALUES (:id, :cat, 0.7, :cls, 'v', :origem, :autor) RETURNING id")


def _classify(conn, cid, categoria, origem="automatica"):
    return conn.execute(_INSERT_CLASSIFICATION, dict(
        id=cid, cat=categoria, cls="manual" if origem == "manual" else "offline", origem=origem,
        autor="ana" if origem == "manual" else None)).scalar()


def _current(conn, cid):
    return tuple(conn.execute(sa.text(
        "SELECT c.classificacao_atual_id, c.categoria_atual, k.categoria FROM comentarios c "
        "LEFT JOIN classificacoes k ON k.id = c.classificacao_atual_id WHERE c.id = :id"), {"id": cid}).one())


def test_current_category_moves_with_the_current_classification(db):
    cid = uuid.uuid4()
    with db.begin() as conn:
        conn.execute(sa.text("INSERT INTO comentarios (id, texto) VALUES (:id, 'que show')"), {"id": cid})
        assert _current(conn, cid) == (None, None, None)
        first = _classify(conn, cid, "OUTRO")
        assert _current(conn, cid) == (first, "OUTRO", "OUTRO")
        newer = _classify(conn, cid, "ELOGIO")  # newest automatic replaces automatic
        assert _current(conn, cid) == (newer, "ELOGIO", "ELOGIO")
        manual = _classify(conn, cid, "CRÍTICA", origem="manual")  # manual beats automatic
        assert _current(conn, cid) == (manual, "CRÍTICA", "CRÍTICA")
        _classify(conn, cid, "SPAM")  # a later automatic run never replaces a manual correction
        assert _current(conn, cid) == (manual, "CRÍTICA", "CRÍTICA")
        manual2 = _classify(conn, cid, "SUGESTÃO", origem="manual")  # newest manual wins
        assert _current(conn, cid) == (manual2, "SUGESTÃO", "SUGESTÃO")
        assert conn.execute(sa.text("SELECT categoria FROM v_comentarios_atuais WHERE id = :id"),
                            {"id": cid}).scalar() == "SUGESTÃO"


def test_search_text_is_stored_normalised_and_searched(db):
    ids = {texto: uuid.uuid4() for texto in ("Que ÓTIMO show em São Paulo", "show ruim", "100% autotune")}
    with db.begin() as conn:
        for texto, cid in ids.items():
            conn.execute(sa.text("INSERT INTO comentarios (id, texto) VALUES (:id, :t)"), {"id": cid, "t": texto})
        stored = dict(conn.execute(sa.text("SELECT texto, texto_busca FROM comentarios")).all())
        assert stored["Que ÓTIMO show em São Paulo"] == "que otimo show em sao paulo"

        def found(texto):
            return {r["texto"] for r in search(conn, CommentFilter(texto=texto)).items}

        assert found("otimo") == found("ÓTIMO") == found("Sao paulo") == {"Que ÓTIMO show em São Paulo"}
        assert found("SHOW") == {"Que ÓTIMO show em São Paulo", "show ruim"}
        assert found("0%") == {"100% autotune"} and found("1_0") == set()  # LIKE wildcards stay literal


def test_0006_backfills_rows_written_before_it(scratch_db_url):
    pre_0006_url = scratch_db_url  # at the heads before 0006 (0004 + 0005)
    migrations.upgrade(pre_0006_url, "0004")
    migrations.upgrade(pre_0006_url, "0005")
    engine = sa.create_engine(pre_0006_url, poolclass=sa.pool.NullPool)
    try:
        auto, corrected, pending = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        with engine.begin() as conn:
            for cid, texto in ((auto, "Canção LINDA"), (corrected, "horrível"), (pending, "ainda não")):
                conn.execute(sa.text("INSERT INTO comentarios (id, texto) VALUES (:id, :t)"), {"id": cid, "t": texto})
            _classify(conn, auto, "ELOGIO")
            _classify(conn, corrected, "ELOGIO")
            _classify(conn, corrected, "CRÍTICA", origem="manual")
            _classify(conn, corrected, "OUTRO")
        migrations.upgrade(pre_0006_url)
        assert migrations.current_revisions(pre_0006_url) == migrations.head_revisions()
        with engine.connect() as conn:
            rows = {r.id: (r.categoria_atual, r.texto_busca) for r in conn.execute(sa.text(
                "SELECT id, categoria_atual, texto_busca FROM comentarios"))}
        assert rows == {auto: ("ELOGIO", "cancao linda"), corrected: ("CRÍTICA", "horrivel"),
                        pending: (None, "ainda nao")}
        with engine.begin() as conn:  # the trigger replaced by 0006 keeps both columns moving
            _classify(conn, pending, "DÚVIDA")
            assert _current(conn, pending)[1:] == ("DÚVIDA", "DÚVIDA")
    finally:
        engine.dispose()
