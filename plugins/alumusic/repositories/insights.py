"""``insights_perguntas``: the audit log of every insights question and its answer (or error).

Written by ``alumusic.insights.service.answer_question`` only, with the question, the answer and
the error already masked (``alumusic.domain.pii``); the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

_INSERT = sa.text(
    "INSERT INTO insights_perguntas (pergunta, resposta, semanas, modelo, origem, autor, erro, latencia_ms) "
    "VALUES (:pergunta, :resposta, :semanas, :modelo, :origem, :autor, :erro, :latencia_ms)"
)


def log_question(
    conn: sa.Connection,
    *,
    pergunta: str,
    resposta: str | None,
    semanas: Sequence[str],
    modelo: str | None,
    origem: str,
    autor: str | None,
    erro: str | None,
    latencia_ms: float,
) -> None:
    """Record one question (``resposta`` None when the LLM failed, with ``erro`` saying why)."""
    conn.execute(_INSERT, {"pergunta": pergunta, "resposta": resposta, "semanas": list(semanas), "modelo": modelo,
                           "origem": origem, "autor": autor, "erro": erro, "latencia_ms": latencia_ms})
