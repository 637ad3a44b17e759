"""Shared by tests/taxonomy: comments whose text has the emulator's cue for a tag the seed lacks
(``ollama_emulator.answers.NOVEL_ASPECTS``: "vinil" -> ``album_vinil``; "cassete" -> an invalid
``midia_cassete``), and proposals recorded through the product's write paths."""

from __future__ import annotations

import itertools
from datetime import datetime

import sqlalchemy as sa

from alumusic.domain import Provenance, TagProposal
from alumusic.repositories import tag_proposals
from tests.support.factories import add_comments

VINIL_TEXTS = [
    "Lança esse álbum em vinil, por favor!",
    "Comprei o LP e a prensagem veio perfeita",
    "Quando sai a edição em vinil?",
    "Vinil caro demais, 300 reais não dá",
]
CASSETE_TEXTS = ["Alguém ainda tem a fita cassete desse disco?"]
OTHER_TEXTS = ["Que clipe lindo, a coreografia ficou perfeita!", "Venha tocar em Recife por favor!!"]
VINIL = TagProposal(codigo="album_vinil", rotulo="Edição em vinil",
                    descricao="Pedidos, preço ou qualidade de edições em vinil (LP)",
                    explicacao="O comentário fala da edição em vinil.")

_numbers = itertools.count()


def comments(engine, texts, *, recebido_em: datetime | None = None) -> list[str]:
    """Pending comments with ``texts`` (numbered, so none copies another); their ids."""
    n = next(_numbers)
    return [c["id"] for c in add_comments(engine, [{"texto": f"{t} #{n}.{k}", "recebido_em": recebido_em}
                                                    for k, t in enumerate(texts)])]


def proposed(engine, proposal: TagProposal, texts, *, artista: str | None = None) -> list[str]:
    """Comments classified by an Ollama-like classifier that proposed ``proposal`` for each, the
    way the pipeline records them; their ids."""
    n = next(_numbers)
    prov = Provenance(classificador="ollama", versao="ollama:teste:p3", modelo="teste", versao_prompt="p3")
    with engine.begin() as conn:
        stored = add_comments(conn, [{"texto": f"{t} #{n}.{k}", "artista": artista, "categoria": "SUGESTÃO",
                                      "provenance": prov} for k, t in enumerate(texts)])
        tag_proposals.record_examples(conn, [(c["classificacao_id"], proposal) for c in stored])
    return [c["id"] for c in stored]


def proposal_row(engine, codigo: str) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM propostas_tags WHERE codigo = :c"), {"c": codigo}).mappings().first()
    return dict(row) if row else None
