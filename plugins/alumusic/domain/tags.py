"""Feature tags: what a classification carries, and the taxonomy they come from.

The taxonomy's seed is a data file (``taxonomy_seed.csv``) read here and by the initial migration,
so a fresh database and the code agree; the database is the source of truth afterwards.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, field_validator

TAG_CODE_PATTERN = r"^[a-z]+_[a-z0-9_]+$"


def check_text(value: str) -> str:
    """``value`` if PostgreSQL can store it as text; ValueError (pt-BR) if it holds a NUL
    (``\\u0000``) or a lone surrogate (``\\ud800``: valid JSON, not encodable as UTF-8).

    A model's answer is JSON, and JSON can spell both: such a string must make the answer
    invalid here (a corrective retry), not fail later when the batch writes it."""
    if "\x00" in value:
        raise ValueError("texto com caractere NUL (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("texto com surrogate isolado (não é UTF-8 válido)") from None
    return value


class Tag(BaseModel):
    """One tag on one classification: a taxonomy code and why it applies."""

    model_config = ConfigDict(frozen=True)

    codigo: str = Field(pattern=TAG_CODE_PATTERN, max_length=64)
    explicacao: str = Field(min_length=1, max_length=300)

    @field_validator("codigo", "explicacao")
    @classmethod
    def _storable(cls, value: str) -> str:
        return check_text(value)

    @field_validator("explicacao")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("explicacao vazia")
        return value


class TagProposal(BaseModel):
    """A tag the model proposes for an aspect no taxonomy tag covers (``domain.proposals``
    validates its area; curators decide on ``/dashboard/taxonomia``)."""

    model_config = ConfigDict(frozen=True)

    codigo: str = Field(pattern=TAG_CODE_PATTERN, max_length=64)
    rotulo: str = Field(min_length=1, max_length=80)
    descricao: str = Field(min_length=1, max_length=200)
    explicacao: str = Field(min_length=1, max_length=300)  # why it applies to this comment

    @field_validator("codigo", "rotulo", "descricao", "explicacao")
    @classmethod
    def _storable(cls, value: str) -> str:
        return check_text(value)

    @field_validator("rotulo", "descricao", "explicacao")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("texto vazio")
        return value


@dataclass(frozen=True)
class TaxonomyTag:
    """One entry of the taxonomy (``taxonomia_tags``)."""

    codigo: str
    rotulo: str
    descricao: str

    @property
    def description(self) -> str:
        """How prompts describe the tag."""
        return f"{self.rotulo} — {self.descricao}"


Taxonomy = dict[str, str]  # active codes -> descriptions, as classifiers receive it


def describe(tags) -> Taxonomy:
    return {t.codigo: t.description for t in tags}


@lru_cache(maxsize=1)
def seed_tags() -> tuple[TaxonomyTag, ...]:
    """The taxonomy a fresh database starts with."""
    with resources.files(__package__).joinpath("taxonomy_seed.csv").open(encoding="utf-8", newline="") as f:
        return tuple(TaxonomyTag(row["codigo"], row["rotulo"], row["descricao"]) for row in csv.DictReader(f))
