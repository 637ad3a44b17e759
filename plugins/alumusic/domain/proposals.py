"""A taxonomy that grows: the rules for tags the model proposes outside the taxonomy.

A proposal (``TagProposal``: code, label, description, and why it applies to the comment) is
valid when its code is snake_case ``area_aspect`` (``TAG_CODE_PATTERN``) and its area (the first
segment) is one of the seed's areas (``voz``, ``letra``, ``show``...): a model may invent an
aspect, not a new area of the product. Invalid proposals are dropped by the classifier with a log
line; they never fail a classification.

What happens to a valid one depends on what curators already decided about its code
(``resolve``):

- the code is an active taxonomy tag (approved meanwhile, or the model proposed an existing code):
  it becomes a tag of the classification, with the model's explanation;
- the code was merged into an existing tag: that tag, with the model's explanation;
- otherwise (new, pending, rejected): it stays a proposal and the classification becomes one of
  its examples -- a rejected code proposed again is aggregated into the rejected proposal, which
  does not come back to the curators' list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from alumusic.domain.results import Classification
from alumusic.domain.tags import Tag, TagProposal, seed_tags

PENDENTE, APROVADA, MESCLADA, REJEITADA = "pendente", "aprovada", "mesclada", "rejeitada"
ESTADOS = (PENDENTE, APROVADA, MESCLADA, REJEITADA)
MAX_PROPOSALS = 1  # per classification: the model proposes only when nothing fits


@lru_cache(maxsize=1)
def seed_areas() -> frozenset[str]:
    """The areas a proposed code may belong to: the first segments of the seed's codes."""
    return frozenset(t.codigo.split("_", 1)[0] for t in seed_tags())


def validate_proposal(item: Any) -> TagProposal:
    """A proposal from the model's answer (a JSON object); ValueError (pt-BR) says why not."""
    if not isinstance(item, dict):
        raise ValueError("proposta que não é objeto")
    codigo = str(item.get("codigo") or "").strip()
    try:
        proposal = TagProposal(codigo=codigo, rotulo=str(item.get("rotulo") or ""),
                               descricao=str(item.get("descricao") or ""),
                               explicacao=str(item.get("explicacao") or "")[:300])
    except ValidationError as exc:
        fields = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors()}))
        raise ValueError(f"proposta {codigo[:60]!r} inválida ({fields})") from None
    area = proposal.codigo.split("_", 1)[0]
    if area not in seed_areas():
        raise ValueError(f"proposta {proposal.codigo!r} com área desconhecida {area!r} "
                         f"(use uma de {', '.join(sorted(seed_areas()))})")
    return proposal


@dataclass(frozen=True)
class ProposalState:
    estado: str
    mesclada_em: str | None = None


def resolve(result: Classification, states: Mapping[str, ProposalState],
            active: Iterable[str]) -> tuple[Classification, list[TagProposal]]:
    """``result`` with the proposals curators already turned into tags added as tags (and no
    proposals left on it), and the proposals that stay proposals (to record as examples)."""
    active = set(active)
    tags = {t.codigo: t for t in result.tags_funcionalidades}
    remaining: list[TagProposal] = []
    for proposal in result.propostas:
        state = states.get(proposal.codigo)
        if proposal.codigo in active:
            target: str | None = proposal.codigo
        elif state is not None and state.estado == MESCLADA and state.mesclada_em in active:
            target = state.mesclada_em
        else:
            target = None
        if target is None:
            remaining.append(proposal)
        else:
            tags.setdefault(target, Tag(codigo=target, explicacao=proposal.explicacao))
    if not result.propostas:
        return result, []
    return result.model_copy(update={"tags_funcionalidades": tuple(tags.values()), "propostas": ()}), remaining
