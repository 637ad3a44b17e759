"""Shared by tests/pipeline and tests/dags: the pipeline's emulator wired in through settings,
pending comments to classify (``tests.support.factories``), and what the pipeline wrote."""

from __future__ import annotations

import itertools
from datetime import datetime

import sqlalchemy as sa

from alumusic.llm.backend import reset_backend_cache
from alumusic.settings import get_settings
from tests.support.factories import add_comments

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


# The pipeline's emulator (``make_emulator(**EMULATOR)``): both models, 4 slots, hangs just past
# the 1 s read timeout below.
EMULATOR = {"models": (MODEL, OTHER_MODEL), "num_parallel": 4, "hang_s": 1.5}


def ollama_env(make_emulator, monkeypatch):
    """A fresh pipeline emulator and settings pointing at it (backend ollama)."""
    emu = make_emulator(**EMULATOR)
    monkeypatch.setenv("LLM_BACKEND", "ollama")
    monkeypatch.setenv("OLLAMA_HOSTS", emu.url)
    monkeypatch.setenv("OLLAMA_MODEL", MODEL)
    monkeypatch.setenv("OLLAMA_READ_TIMEOUT_S", "1")
    monkeypatch.setenv("OLLAMA_CONNECT_TIMEOUT_S", "1")
    monkeypatch.setenv("LLM_CONCURRENCY", "3")
    get_settings.cache_clear()
    reset_backend_cache()
    yield emu
    get_settings.cache_clear()
    reset_backend_cache()


_numbers = itertools.count()


def pending_comments(engine, n: int, *, recebido_em: datetime | None = None) -> list[str]:
    """``n`` pending comments (the sample ``TEXTS`` in turn, numbered across calls so no two texts
    are copies of each other: a copied label would skip the classifier); their ids."""
    start = next(_numbers)
    items = [{"texto": f"{TEXTS[k % len(TEXTS)]} #{start}.{k}", "recebido_em": recebido_em} for k in range(n)]
    return [c["id"] for c in add_comments(engine, items)]


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
