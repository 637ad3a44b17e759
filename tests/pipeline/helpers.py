"""Shared by tests/pipeline and tests/dags: emulator wiring through settings, comment helpers."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from alumusic.classification.factory import reset_backend_cache
from alumusic.llm.emulator import run_emulator
from alumusic.repositories.comments import NewComment, insert_comments
from alumusic.settings import get_settings

MODEL = "qwen2.5:3b"
OTHER_MODEL = "llama3.2:1b"

TEXTS = [
    "Que clipe lindo, a coreografia ficou perfeita!",
    "Essa música é horrível, desafinou o tempo todo",
    "Venha tocar em Recife por favor!!",
    "Qual o nome da música que toca no final?",
    "Ganhe dinheiro fácil, acesse meu canal www.exemplo.com",
    "quem está ouvindo em 2026?",
]


def start_emulator(**kwargs):
    return run_emulator(models=(MODEL, OTHER_MODEL), num_parallel=4, hang_s=1.5, **kwargs)


def ollama_env(emu, monkeypatch):
    """Settings pointing at the emulator (backend ollama); failures cleared before and after."""
    emu.set_failure(None)
    emu.reset_stats()
    monkeypatch.setenv("LLM_BACKEND", "ollama")
    monkeypatch.setenv("OLLAMA_HOSTS", emu.url)
    monkeypatch.setenv("OLLAMA_MODEL", MODEL)
    monkeypatch.setenv("OLLAMA_READ_TIMEOUT_S", "1")
    monkeypatch.setenv("OLLAMA_CONNECT_TIMEOUT_S", "1")
    monkeypatch.setenv("LLM_CONCURRENCY", "3")
    get_settings.cache_clear()
    reset_backend_cache()
    yield emu
    emu.set_failure(None)
    get_settings.cache_clear()
    reset_backend_cache()


def add_comments(engine, n: int, *, recebido_em: datetime | None = None) -> list[str]:
    ids = [uuid.uuid4() for _ in range(n)]
    with engine.begin() as conn:
        insert_comments(conn, [NewComment(id=i, texto=f"{TEXTS[k % len(TEXTS)]} #{k}", recebido_em=recebido_em)
                               for k, i in enumerate(ids)])
    return [str(i) for i in ids]


def states(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT id::text, status, tentativas, ultimo_erro, lease_dono, lease_ate, classificacao_atual_id "
            "FROM comentarios")).mappings().all()
    return {r["id"]: dict(r) for r in rows}


def classification_rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT k.*, k.comentario_id::text AS cid, "
            "  (SELECT array_agg(t.codigo) FROM classificacao_tags t WHERE t.classificacao_id = k.id) AS tags "
            "FROM classificacoes k ORDER BY k.id")).mappings().all()]
