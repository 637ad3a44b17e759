"""A comment's place in the classification queue (``comentarios.status``)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PENDENTE = "pendente"  # waiting for a classifier (new, returned after an error, or reset)
    PROCESSANDO = "processando"  # claimed by a batch under a lease
    CLASSIFICADO = "classificado"
    FALHOU = "falhou"  # gave up after CLASSIFY_MAX_ATTEMPTS attempts


STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
