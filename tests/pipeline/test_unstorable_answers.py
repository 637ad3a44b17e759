"""Answers PostgreSQL cannot store: valid JSON whose strings hold a NUL (``\\u0000``) or a lone
surrogate (``\\ud800``). They are invalid answers (one corrective retry, the comment back to the
queue) or dropped proposals -- never an error that escapes the batch and loses its results."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from alumusic.pipeline import runs
from alumusic.pipeline.run_plan import plan_run
from alumusic.settings import get_settings
from tests.support.pipeline import classification_rows, pending_comments, states

BAD_TEXTS = {"nul": "Pede o lançamento.\u0000 de novo", "surrogate": "Pede o lançamento \ud800."}
PROPOSAL = {"codigo": "album_vinil", "rotulo": "Vinil", "descricao": "Lançamento em vinil.",
            "explicacao": "Pede vinil."}


def _answer(explicacao: str = "Pede o lançamento.", **extra) -> str:
    # json.dumps escapes both (ensure_ascii): the model's JSON is valid, its strings are not storable.
    return json.dumps({"categoria": "SUGESTÃO", "confianca": 0.8, **extra,
                       "tags_funcionalidades": [{"codigo": "album_lancamento", "explicacao": explicacao}]})


@pytest.fixture
def one_at_a_time(ollama_env, monkeypatch):
    """One generation at a time, so the scripted replies go to one comment in order."""
    monkeypatch.setenv("LLM_CONCURRENCY", "1")
    get_settings.cache_clear()
    return ollama_env


def _run(db, run_id="run-1"):
    plan, owners = runs.prepare(db, plan_run({"tamanho_lote": 3}, get_settings()), run_id)
    return runs.summarize(runs.classify(db, plan, owner) for owner in owners)


def _chats(emu) -> list[dict]:
    return [r["body"] for r in emu.received if r["path"] == "/api/chat"]


def _stored_explanations(db) -> list[str]:
    with db.connect() as conn:
        return conn.execute(sa.text("SELECT explicacao FROM classificacao_tags")).scalars().all()


@pytest.mark.parametrize("bad", sorted(BAD_TEXTS))
def test_an_unstorable_tag_explanation_twice_is_an_invalid_answer_and_the_batch_goes_on(db, one_at_a_time, bad):
    ids = pending_comments(db, 3)
    one_at_a_time.set_reply(_answer(BAD_TEXTS[bad]), count=2)  # the first comment: answer and retry
    stats = _run(db)
    assert (stats.reivindicados, stats.classificados, stats.pendentes, stats.falharam) == (3, 2, 1, 0)

    st = states(db)
    (tried,) = [s for s in st.values() if s["status"] == "pendente"]
    assert tried["tentativas"] == 1 and tried["lease_dono"] is None
    assert "InvalidAnswerError" in tried["ultimo_erro"] and "explicação inválida" in tried["ultimo_erro"]
    assert tried["classificacao_atual_id"] is None  # no label invented
    # The other comments of the batch were stored normally.
    rows = classification_rows(db)
    assert sorted(r["cid"] for r in rows) == sorted(cid for cid in ids if st[cid]["status"] == "classificado")
    assert len(rows) == 2
    assert all("\x00" not in e and "\ud800" not in e for e in _stored_explanations(db))

    chats = _chats(one_at_a_time)
    assert len(chats) == 4  # 2 for the bad comment (one corrective retry), 1 each for the others
    correction = chats[1]["messages"][3]
    assert correction["role"] == "user" and "explicação inválida" in correction["content"]


def test_an_unstorable_tag_explanation_once_is_corrected_by_the_retry(db, one_at_a_time):
    ids = pending_comments(db, 3)
    one_at_a_time.set_reply(_answer(BAD_TEXTS["nul"]), count=1)
    stats = _run(db)
    assert (stats.classificados, stats.pendentes, stats.falharam) == (3, 0, 0)
    assert {s["status"] for s in states(db).values()} == {"classificado"}
    assert sorted(r["cid"] for r in classification_rows(db)) == sorted(ids)
    assert all("\x00" not in e for e in _stored_explanations(db))
    assert len(_chats(one_at_a_time)) == 4  # the corrective retry of the first comment


@pytest.mark.parametrize("field", ["explicacao", "rotulo", "descricao"])
def test_a_proposal_with_a_nul_is_dropped_and_the_classification_stands(db, one_at_a_time, field):
    ids = pending_comments(db, 3)
    one_at_a_time.set_reply(_answer(tags_novas=[{**PROPOSAL, field: "vinil\u0000"}]), count=1)
    stats = _run(db)
    assert (stats.classificados, stats.pendentes, stats.falharam) == (3, 0, 0)
    assert {(s["status"], s["tentativas"]) for s in states(db).values()} == {("classificado", 0)}
    assert sorted(r["cid"] for r in classification_rows(db)) == sorted(ids)
    assert len(_chats(one_at_a_time)) == 3  # a bad proposal costs no corrective retry
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM propostas_tags")).scalar_one() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM propostas_tags_exemplos")).scalar_one() == 0
