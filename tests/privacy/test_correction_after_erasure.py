"""Obligation (LGPD art. 18, VI): a comment erased stays erased, even against a curator's correction.

Threat pinned here: a curator opens a comment on the dashboard, it is erased meanwhile
(DELETE /api/comentarios/<id>), then the curator saves a correction. The correction's reason
becomes a tag explanation (free text, may hold personal data) on a new current label; a second
erasure skips already-erased comments, so it would stay. The correction must be refused (a
pt-BR message on the dashboard), with nothing stored.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from alumusic.repositories import classifications, erasure
from tests.privacy.test_erasure import WORD, add_target, rows_containing
from tests.support.dashboard import USER, callback_body, dash_csrf, find_callback, login

MOTIVO = f"a fã {WORD} pediu, telefone 91234-5678"


def _erased(db) -> str:
    with db.begin() as conn:
        cid = add_target(conn)
    with db.begin() as conn:
        assert erasure.erase(conn, ids=[cid], autor="admin", origem="api", motivo="pedido do titular") == 1
    return cid


def _snapshot(db, cid: str) -> tuple:
    with db.connect() as conn:
        return (conn.execute(sa.text("SELECT count(*) FROM classificacoes")).scalar_one(),
                conn.execute(sa.text("SELECT count(*) FROM classificacao_tags")).scalar_one(),
                conn.execute(sa.text("SELECT classificacao_atual_id, categoria_atual, status FROM comentarios "
                                     "WHERE id = CAST(:id AS uuid)"), {"id": cid}).one())


def _assert_nothing_stored(db, cid: str, before: tuple) -> None:
    assert _snapshot(db, cid) == before
    with db.connect() as conn:
        assert rows_containing(conn, WORD) == []
        assert rows_containing(conn, "91234-5678") == []
        assert all(k["autor"] != "curadora-2" for k in classifications.history(conn, cid))


def test_the_repository_refuses_a_correction_of_an_erased_comment(db):
    cid = _erased(db)
    before = _snapshot(db, cid)
    with db.begin() as conn, pytest.raises(ValueError, match="apagado"):
        classifications.record_manual_correction(
            conn, cid, "CRÍTICA", [{"codigo": "fa_emocao", "explicacao": MOTIVO}], autor="curadora-2")
    _assert_nothing_stored(db, cid, before)
    # The transaction stayed usable for the caller (the refusal came before any write).
    with db.begin() as conn:
        with pytest.raises(ValueError, match="apagado"):
            classifications.record_manual_correction(conn, cid, "ELOGIO", [], autor="curadora")
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1


def test_the_correction_locks_the_comment_before_writing_so_an_erasure_waits(db, monkeypatch):
    """From the erased-text check on, the comment is locked: an erasure arriving before the insert
    waits for the correction's transaction (and then erases it too) instead of slipping in between."""
    with db.begin() as conn:
        cid = add_target(conn, classify=False, correct=False)
    seen: list[str] = []
    check_codes = classifications._check_codes

    def probe(conn, codes):  # runs after the check, before the insert
        with db.connect() as other:
            other.execute(sa.text("SET lock_timeout = '200ms'"))
            try:
                other.execute(sa.text("SELECT 1 FROM comentarios WHERE id = CAST(:id AS uuid) FOR UPDATE NOWAIT"),
                              {"id": cid})
                seen.append("livre")
            except sa.exc.OperationalError:
                seen.append("travado")
        return check_codes(conn, codes)

    monkeypatch.setattr(classifications, "_check_codes", probe)
    with db.begin() as conn:
        classifications.record_manual_correction(
            conn, cid, "ELOGIO", [{"codigo": "fa_emocao", "explicacao": MOTIVO}], autor="curadora")
    assert seen == ["travado"]
    with db.begin() as conn:
        assert erasure.erase(conn, ids=[cid], autor="admin", origem="api", motivo="m") == 1
    with db.connect() as conn:
        assert rows_containing(conn, WORD) == [] and rows_containing(conn, "91234-5678") == []


@pytest.fixture
def dash_client(live, dash_app, curator):
    return dash_app.test_client()


def test_the_dashboard_refuses_a_correction_of_an_erased_comment_with_a_message(dash_client, dash_app, db):
    cid = _erased(db)
    before = _snapshot(db, cid)
    private = dash_app.extensions["alumusic_dash_apps"][0]
    assert login(dash_client).status_code == 302
    body = callback_body(private, find_callback(private, "corr-msg.children"), {
        "corr-salvar.n_clicks": 1, "dash-tabela.selectedRows": [{"id": cid}],
        "corr-categoria.value": "CRÍTICA", "corr-tags.value": ["fa_emocao"], "corr-motivo.value": MOTIVO,
        "dash-versao.data": 0,
    })
    response = dash_client.post("/dashboard/_dash-update-component", json=body,
                                headers={"X-CSRFToken": dash_csrf(dash_client)})
    assert response.status_code == 200
    answer = json.dumps(response.get_json(), ensure_ascii=False)
    assert "Correção não salva" in answer and "apagado" in answer and "Correção salva" not in answer
    assert f"por {USER}" not in answer
    _assert_nothing_stored(db, cid, before)
