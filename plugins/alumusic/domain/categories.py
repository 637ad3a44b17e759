"""The six comment categories of SPEC (values are what the API, the database and the UI show)."""

from __future__ import annotations

from enum import StrEnum


class Categoria(StrEnum):
    ELOGIO = "ELOGIO"
    CRITICA = "CRÍTICA"
    SUGESTAO = "SUGESTÃO"
    DUVIDA = "DÚVIDA"
    SPAM = "SPAM"
    OUTRO = "OUTRO"


CATEGORIAS: tuple[str, ...] = tuple(c.value for c in Categoria)
