"""The classification repository: append-only history, provenance, manual corrections win."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from alumusic.domain import Classification, Provenance, Tag
from alumusic.repositories import classifications as repo
from tests.support.factories import add_comment, add_comments, classification


def _result(categoria="ELOGIO", versao="offline-1", tags=(("voz_timbre", "voz linda"),)) -> Classification:
    return classification(categoria, tags, confianca=0.7, latencia_ms=3.5,
                          provenance=Provenance(classificador="offline", versao=versao, modelo=None, versao_prompt="p1"))


@pytest.fixture
def comment_id(db):
    return uuid.UUID(add_comment(db, "que voz linda")["id"])


def _current(db, cid):
    with db.connect() as conn:
        return conn.execute(sa.text("SELECT classificacao_atual_id FROM comentarios WHERE id = :i"),
                            {"i": cid}).scalar()


def test_automatic_then_manual_then_automatic_keeps_manual_current(db, comment_id):
    with db.begin() as conn:
        first = repo.record_classification(conn, comment_id, _result(), autor="run-1")
    assert _current(db, comment_id) == first
    with db.begin() as conn:
        manual = repo.record_manual_correction(
            conn, comment_id, "CRÍTICA", [{"codigo": "voz_afinacao", "explicacao": "desafinou"}], autor="ana")
    with db.begin() as conn:
        later = repo.record_classification(conn, comment_id, _result(versao="offline-2"))
    assert _current(db, comment_id) == manual

    with db.connect() as conn:
        hist = repo.history(conn, comment_id)
    assert [h["id"] for h in hist] == [later, manual, first]
    assert [h["atual"] for h in hist] == [False, True, False]
    assert hist[1]["origem"] == "manual" and hist[1]["classificador"] == "manual" and hist[1]["autor"] == "ana"
    assert hist[1]["tags"] == [{"codigo": "voz_afinacao", "explicacao": "desafinou"}]
    assert hist[2]["versao"] == "offline-1" and hist[2]["versao_prompt"] == "p1" and hist[2]["autor"] == "run-1"
    assert hist[2]["tags"] == [{"codigo": "voz_timbre", "explicacao": "voz linda"}]
    assert hist[0]["tags"] == [{"codigo": "voz_timbre", "explicacao": "voz linda"}]


def test_manual_correction_accepts_tag_models_and_no_tags(db, comment_id):
    with db.begin() as conn:
        repo.record_manual_correction(conn, comment_id, "OUTRO", [], autor="ana")
        repo.record_manual_correction(conn, comment_id, "SPAM", [Tag(codigo="spam_link", explicacao="link")],
                                      autor="bia", confianca=0.9)
    with db.connect() as conn:
        hist = repo.history(conn, comment_id)
    assert [(h["categoria"], h["atual"], len(h["tags"])) for h in hist] == [("SPAM", True, 1), ("OUTRO", False, 0)]
    assert hist[0]["confianca"] == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"categoria": "ELOGIOS"}, "categoria inválida"),
        ({"tags": [{"codigo": "nao_existe", "explicacao": "x"}]}, "fora da taxonomia"),
        ({"tags": [{"codigo": "Voz-Timbre", "explicacao": "x"}]}, "tag inválida"),
        ({"tags": [{"codigo": "voz_timbre", "explicacao": "   "}]}, "tag inválida"),
        ({"tags": [{"codigo": "voz_timbre", "explicacao": "a"}, {"codigo": "voz_timbre", "explicacao": "b"}]},
         "repetida"),
        ({"autor": " "}, "autor"),
        ({"confianca": 1.5}, "confianca"),
    ],
)
def test_manual_correction_rejects_bad_input_and_writes_nothing(db, comment_id, kwargs, message):
    args = {"categoria": "ELOGIO", "tags": [], "autor": "ana"} | kwargs
    with db.begin() as conn:
        with pytest.raises(ValueError, match=message):
            repo.record_manual_correction(conn, comment_id, **args)
        assert repo.history(conn, comment_id) == []


def test_manual_correction_of_unknown_comment(db):
    with db.begin() as conn, pytest.raises(ValueError, match="não existe"):
        repo.record_manual_correction(conn, uuid.uuid4(), "ELOGIO", [], autor="ana")


def test_automatic_result_with_unknown_tag_is_refused_before_writing(db, comment_id):
    with db.begin() as conn:
        with pytest.raises(ValueError, match="fora da taxonomia"):
            repo.record_classification(conn, comment_id, _result(tags=(("voz_inventada", "x"),)))
        # The transaction is still usable: nothing half-written, the next insert works.
        repo.record_classification(conn, comment_id, _result())
        assert len(repo.history(conn, comment_id)) == 1


def test_manual_correction_of_pending_comment_takes_it_out_of_the_queue(db, comment_id):
    with db.begin() as conn:
        repo.record_manual_correction(conn, comment_id, "DÚVIDA", [], autor="ana")
        status = conn.execute(sa.text("SELECT status FROM comentarios WHERE id = :i"), {"i": comment_id}).scalar()
    assert status == "classificado"


def test_bulk_record_keeps_input_order_and_tags(db):
    with db.begin() as conn:
        ids = [uuid.UUID(c["id"]) for c in add_comments(conn, [{"texto": f"comentario {n}"} for n in range(5)])]
        results = [_result(categoria=c, tags=t) for c, t in [
            ("ELOGIO", (("voz_timbre", "a"),)), ("SPAM", (("spam_link", "b"), ("spam_canal", "c"))),
            ("OUTRO", ()), ("DÚVIDA", (("show_agenda", "d"), ("show_agenda", "repetida"))), ("CRÍTICA", ())]]
        new_ids = repo.record_classifications(conn, list(zip(ids, results, strict=True)), autor="run-x")
        assert len(set(new_ids)) == 5
        for cid, new_id, result in zip(ids, new_ids, results, strict=True):
            (h,) = repo.history(conn, cid)
            assert h["id"] == new_id and h["atual"] and h["categoria"] == result.categoria
            assert {t["codigo"] for t in h["tags"]} == {t.codigo for t in result.tags_funcionalidades}
        (h,) = repo.history(conn, ids[3])
        assert h["tags"] == [{"codigo": "show_agenda", "explicacao": "d"}]
