"""A classification as every backend returns it, validated before it is stored.

A category from SPEC, tags whose codes exist in the taxonomy, a confidence in [0, 1], and the
provenance needed to audit and to backfill.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from alumusic.domain.categories import Categoria
from alumusic.domain.errors import ClassificationError, InvalidAnswerError
from alumusic.domain.tags import Tag, TagProposal

# Where an automatic classification's confianca came from: the offline classifier's calibration
# on held-out labels, the LLM's token log-probabilities of the chosen category, or (only when the
# server returned none) the value the model stated.
ConfiancaFonte = Literal["calibrada", "logprobs", "declarada"]


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
    confianca_fonte: ConfiancaFonte | None = None
    # Tags the model proposed outside the taxonomy (validated; the pipeline aggregates them for
    # curators or, once decided, turns them into tags). Never stored as tags as such.
    propostas: tuple[TagProposal, ...] = ()
    # What the LLM was asked and wrote, summed over the calls of this classification (a corrective
    # retry is a second call): Ollama's prompt_eval_count and eval_count. None: no LLM, or not reported.
    tokens_prompt: int | None = Field(default=None, ge=0)
    tokens_resposta: int | None = Field(default=None, ge=0)

    def check_taxonomy(self, known_codes: Iterable[str]) -> None:
        unknown = {t.codigo for t in self.tags_funcionalidades} - set(known_codes)
        if unknown:
            raise InvalidAnswerError(f"tags fora da taxonomia: {sorted(unknown)}")


@dataclass(frozen=True)
class Outcome:
    """Result of one comment in a ``classify_many`` call: a classification or an error."""

    comentario_id: str
    result: Classification | None = None
    error: ClassificationError | None = None
