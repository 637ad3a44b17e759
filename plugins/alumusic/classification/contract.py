"""What every classifier returns and promises.

A result is validated before it is stored: a category from SPEC, tags whose codes exist in the
taxonomy, a confidence in [0, 1], and the provenance needed to audit and to backfill.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Categoria(StrEnum):
    ELOGIO = "ELOGIO"
    CRITICA = "CRÍTICA"
    SUGESTAO = "SUGESTÃO"
    DUVIDA = "DÚVIDA"
    SPAM = "SPAM"
    OUTRO = "OUTRO"


CATEGORIAS: tuple[str, ...] = tuple(c.value for c in Categoria)
TAG_CODE_PATTERN = r"^[a-z]+_[a-z0-9_]+$"


class Tag(BaseModel):
    model_config = ConfigDict(frozen=True)

    codigo: str = Field(pattern=TAG_CODE_PATTERN, max_length=64)
    explicacao: str = Field(min_length=1, max_length=300)

    @field_validator("explicacao")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("explicacao vazia")
        return value


class Provenance(BaseModel):
    model_config = ConfigDict(frozen=True)

    classificador: str  # backend name: "offline", "ollama"
    versao: str  # changes whenever model, prompt or rules change
    modelo: str | None = None
    versao_prompt: str | None = None


class Classification(BaseModel):
    """One validated classification of one comment."""

    model_config = ConfigDict(frozen=True)

    categoria: Categoria
    tags_funcionalidades: tuple[Tag, ...] = ()
    confianca: float = Field(ge=0.0, le=1.0)
    proveniencia: Provenance
    latencia_ms: float = Field(ge=0.0)

    def check_taxonomy(self, known_codes: Iterable[str]) -> None:
        unknown = {t.codigo for t in self.tags_funcionalidades} - set(known_codes)
        if unknown:
            raise InvalidAnswerError(f"tags fora da taxonomia: {sorted(unknown)}")


class ClassificationError(RuntimeError):
    """The comment could not be classified; nothing is to be stored as its label."""


class BackendUnavailableError(ClassificationError):
    """The backend cannot be reached (connection refused, timeout, model missing)."""


class InvalidAnswerError(ClassificationError):
    """The backend answered, but not with a valid classification (after the corrective retry)."""


@dataclass(frozen=True)
class Outcome:
    """Result of one comment in a ``classify_many`` call: a classification or an error."""

    comentario_id: str
    result: Classification | None = None
    error: ClassificationError | None = None


class Classifier(Protocol):
    provenance: Provenance

    def classify(self, texto: str) -> Classification:
        """Classify one comment or raise ClassificationError."""
        ...

    def classify_many(self, items: Sequence[tuple[str, str]], concurrency: int) -> list[Outcome]:
        """Classify ``(comentario_id, texto)`` pairs with at most ``concurrency`` in flight.

        Never raises for one bad item: each item gets an Outcome.
        """
        ...


class BaseClassifier:
    """Shared ``classify_many``: a thread pool bounded by ``concurrency`` (LLM calls are I/O)."""

    provenance: Provenance

    def classify(self, texto: str) -> Classification:  # pragma: no cover - abstract
        raise NotImplementedError

    def classify_many(self, items: Sequence[tuple[str, str]], concurrency: int = 1) -> list[Outcome]:
        from concurrent.futures import ThreadPoolExecutor

        def one(item: tuple[str, str]) -> Outcome:
            comentario_id, texto = item
            try:
                return Outcome(comentario_id, result=self.classify(texto))
            except ClassificationError as exc:
                return Outcome(comentario_id, error=exc)
            except Exception as exc:  # noqa: BLE001 - one bad item never fails its batch
                return Outcome(comentario_id, error=ClassificationError(f"{type(exc).__name__}: {exc}"))

        if concurrency <= 1 or len(items) <= 1:
            return [one(item) for item in items]
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="classify") as pool:
            return list(pool.map(one, items))
