"""Product values written into the repositories' SQL text, from the domain, in one place.

The queue statuses (``comentarios.status``) are fixed identifiers of ``alumusic.domain.Status``,
never user input, so statements embed them as SQL literals (``status = 'pendente'``) instead of
restating the strings; the partial indexes on ``status`` keep matching a literal.
"""

from __future__ import annotations

from alumusic.domain import Status


def sql_literal(status: Status) -> str:
    """``status`` as an SQL string literal."""
    return "'" + Status(status).value + "'"


PENDENTE = sql_literal(Status.PENDENTE)
PROCESSANDO = sql_literal(Status.PROCESSANDO)
CLASSIFICADO = sql_literal(Status.CLASSIFICADO)
FALHOU = sql_literal(Status.FALHOU)
