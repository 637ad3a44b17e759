"""Migrations: one command, idempotent, and the schema's own guarantees."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from alumusic import migrations


def _schema_fingerprint(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY 1, 2"
        )).all() + conn.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        )).all()


def test_upgrade_reaches_every_head_and_second_run_changes_nothing(db_url, engine):
    assert migrations.current_revisions(db_url) == migrations.head_revisions()
    before = _schema_fingerprint(engine)
    with engine.connect() as conn:
        taxonomy_before = conn.execute(sa.text("SELECT count(*) FROM taxonomia_tags")).scalar()
    migrations.upgrade(db_url)
    assert _schema_fingerprint(engine) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM taxonomia_tags")).scalar() == taxonomy_before
    assert migrations.current_revisions(db_url) == migrations.head_revisions()


def test_taxonomy_seed_uses_area_aspect_codes(db):
    with db.connect() as conn:
        rows = conn.execute(sa.text("SELECT codigo, area, rotulo FROM taxonomia_tags")).all()
    assert 30 <= len(rows) <= 60
    for codigo, area, rotulo in rows:
        assert codigo.isascii() and codigo == codigo.lower() and "_" in codigo
        assert area == codigo.split("_")[0] and rotulo


def test_classifications_are_append_only(db):
    cid = uuid.uuid4()
    with db.begin() as conn:
        conn.execute(sa.text("INSERT INTO comentarios (id, texto) VALUES (:id, 'bom demais')"), {"id": cid})
        kid = conn.execute(sa.text(
            "INSERT INTO classificacoes (comentario_id, categoria, confianca, classificador, versao) "
            "VALUES (:id, 'ELOGIO', 0.9, 'offline', 'offline-test') RETURNING id"), {"id": cid}).scalar()
    for statement in ("UPDATE classificacoes SET categoria = 'SPAM' WHERE id = :k",
                      "DELETE FROM classificacoes WHERE id = :k"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.begin() as conn:
            conn.execute(sa.text(statement), {"k": kid})


def test_current_classification_prefers_manual_over_newer_automatic(db):
    cid = uuid.uuid4()
    insert = sa.text(
        "INSERT INTO classificacoes (comentario_id, categoria, confianca, classificador, versao, origem, autor) "
        "VALUES (:id, :cat, 0.7, :cls, :ver, :origem, :autor) RETURNING id")
    with db.begin() as conn:
        conn.execute(sa.text("INSERT INTO comentarios (id, texto) VALUES (:id, 'que show')"), {"id": cid})
        conn.execute(insert, dict(id=cid, cat="OUTRO", cls="offline", ver="v1", origem="automatica", autor=None))
        manual = conn.execute(insert, dict(id=cid, cat="ELOGIO", cls="manual", ver="manual", origem="manual",
                                           autor="ana")).scalar()
        conn.execute(insert, dict(id=cid, cat="CRÍTICA", cls="ollama", ver="v2", origem="automatica", autor=None))
        current = conn.execute(sa.text("SELECT classificacao_id, categoria FROM v_comentarios_atuais WHERE id = :id"),
                               {"id": cid}).one()
    assert tuple(current) == (manual, "ELOGIO")


def test_manual_classification_requires_an_author(db):
    cid = uuid.uuid4()
    with db.begin() as conn:
        conn.execute(sa.text("INSERT INTO comentarios (id, texto) VALUES (:id, 'x')"), {"id": cid})
    with pytest.raises(sa.exc.IntegrityError), db.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO classificacoes (comentario_id, categoria, confianca, classificador, versao, origem) "
            "VALUES (:id, 'ELOGIO', 1, 'manual', 'manual', 'manual')"), {"id": cid})
