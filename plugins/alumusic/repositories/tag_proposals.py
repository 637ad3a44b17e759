"""Tags the LLM proposes outside the taxonomy (``propostas_tags``, migration 0016), their examples
(``propostas_tags_exemplos``: the classification and the model's explanation), and curators'
decisions. The rules are in ``alumusic.domain.proposals``; the page is ``/dashboard/taxonomia``.

Decisions, each in the name of the session's curator (``decidido_por``/``decidido_em``); a pending
or rejected proposal can be decided, an approved or merged one is final (the taxonomy changed):

- ``approve``: the tag enters ``taxonomia_tags`` (a retired tag of the same code is reactivated);
- ``merge``: the code becomes an alias of an existing active tag;
- ``reject``: it stays out; later proposals of the code keep aggregating into it.

Approving or merging changes the taxonomy version (triggers of 0016), hence the Ollama
classifier's version: a ``classify_comments`` backfill over the examples' period re-tags them
(the model now sees the approved tag; a merged code it proposes again becomes the target tag).
Past classifications are never edited (append-only history).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from alumusic.domain import TAG_CODE_PATTERN, TagProposal
from alumusic.domain.proposals import APROVADA, MESCLADA, PENDENTE, REJEITADA, ProposalState

DECIDABLE = (PENDENTE, REJEITADA)

_STATES = sa.text("SELECT codigo, estado, mesclada_em FROM propostas_tags WHERE codigo = ANY(CAST(:codigos AS text[]))")
_UPSERT = sa.text(
    """
    INSERT INTO propostas_tags (codigo, rotulo, descricao)
    SELECT DISTINCT ON (codigo) codigo, rotulo, descricao
      FROM unnest(CAST(:codigos AS text[]), CAST(:rotulos AS text[]), CAST(:descricoes AS text[]))
           WITH ORDINALITY AS p(codigo, rotulo, descricao, ord)
     ORDER BY codigo, ord
    ON CONFLICT (codigo) DO NOTHING
    """
)  # the first wording of a code is kept: curators read one label per code
_EXAMPLES = sa.text(
    """
    INSERT INTO propostas_tags_exemplos (codigo, classificacao_id, explicacao)
    SELECT * FROM unnest(CAST(:codigos AS text[]), CAST(:ids AS bigint[]), CAST(:explicacoes AS text[]))
    ON CONFLICT DO NOTHING
    """
)
_LIST = sa.text(
    """
    SELECT p.codigo, p.area, p.rotulo, p.descricao, p.estado, p.mesclada_em, p.decidido_por,
           p.decidido_em, p.criado_em,
           count(DISTINCT k.comentario_id) AS comentarios,
           min(c.recebido_em) AS primeiro_recebido_em, max(c.recebido_em) AS ultimo_recebido_em
      FROM propostas_tags p
      LEFT JOIN propostas_tags_exemplos e ON e.codigo = p.codigo
      LEFT JOIN classificacoes k ON k.id = e.classificacao_id
      LEFT JOIN comentarios c ON c.id = k.comentario_id
     WHERE p.estado = ANY(CAST(:estados AS text[]))
       AND (CAST(:codigo AS text) IS NULL OR p.codigo = CAST(:codigo AS text))
     GROUP BY p.codigo
     ORDER BY (p.estado = 'pendente') DESC,
              CASE WHEN p.estado = 'pendente' THEN count(DISTINCT k.comentario_id) END DESC NULLS LAST,
              p.decidido_em DESC NULLS LAST, p.codigo
     LIMIT :limite
    """
)
# The newest examples of each code, one per comment (a re-run can propose it again for the same one).
_SAMPLES = sa.text(
    """
    SELECT x.codigo, s.comentario_id::text AS comentario_id, s.texto, s.artista, s.explicacao, s.recebido_em
      FROM unnest(CAST(:codigos AS text[])) AS x(codigo)
     CROSS JOIN LATERAL (
        SELECT * FROM (
            SELECT DISTINCT ON (c.id) c.id AS comentario_id, c.texto, c.artista, c.recebido_em,
                   e.explicacao, e.classificacao_id
              FROM propostas_tags_exemplos e
              JOIN classificacoes k ON k.id = e.classificacao_id
              JOIN comentarios c ON c.id = k.comentario_id
             WHERE e.codigo = x.codigo
             ORDER BY c.id, e.classificacao_id DESC) one_per_comment
         ORDER BY classificacao_id DESC
         LIMIT :n) s
    """
)
_DECIDE = sa.text(
    """
    UPDATE propostas_tags
       SET estado = :estado, mesclada_em = :alvo, decidido_por = :autor, decidido_em = now()
     WHERE codigo = :codigo AND estado = ANY(CAST(:de AS text[]))
    RETURNING codigo, rotulo, descricao
    """
)
_ADD_TAG = sa.text(
    """
    INSERT INTO taxonomia_tags (codigo, rotulo, descricao) VALUES (:codigo, :rotulo, :descricao)
    ON CONFLICT (codigo) DO UPDATE SET ativo = true
    """
)
_ACTIVE_TAG = sa.text("SELECT 1 FROM taxonomia_tags WHERE codigo = :codigo AND ativo")


@dataclass(frozen=True)
class Example:
    comentario_id: str
    texto: str
    artista: str | None
    explicacao: str
    recebido_em: datetime


@dataclass(frozen=True)
class Proposal:
    codigo: str
    area: str
    rotulo: str
    descricao: str
    estado: str
    mesclada_em: str | None
    decidido_por: str | None
    decidido_em: datetime | None
    criado_em: datetime
    comentarios: int  # distinct comments the model proposed it for
    primeiro_recebido_em: datetime | None  # the examples' period (what a backfill should cover)
    ultimo_recebido_em: datetime | None
    exemplos: tuple[Example, ...] = field(default=())


def states(conn: sa.Connection, codes: Iterable[str]) -> dict[str, ProposalState]:
    """What curators decided so far about each of ``codes`` that was proposed before."""
    rows = conn.execute(_STATES, {"codigos": sorted(set(codes))}).all()
    return {codigo: ProposalState(estado, mesclada_em) for codigo, estado, mesclada_em in rows}


def record_examples(conn: sa.Connection, items: Sequence[tuple[int, TagProposal]]) -> None:
    """Aggregate ``(classificacao_id, proposal)`` pairs: a new code becomes a pending proposal,
    a known one (pending or decided) gets the example."""
    if not items:
        return
    proposals = [p for _, p in items]
    conn.execute(_UPSERT, {"codigos": [p.codigo for p in proposals], "rotulos": [p.rotulo for p in proposals],
                           "descricoes": [p.descricao for p in proposals]})
    conn.execute(_EXAMPLES, {"codigos": [p.codigo for p in proposals], "ids": [i for i, _ in items],
                             "explicacoes": [p.explicacao for p in proposals]})


def listing(conn: sa.Connection, estados: Sequence[str] = (PENDENTE,), *, limit: int = 100,
            examples: int = 3, codigo: str | None = None) -> list[Proposal]:
    """Proposals in ``estados``: pending ones first, most comments first; decided ones by latest
    decision. Each with up to ``examples`` example comments, newest first."""
    rows = conn.execute(_LIST, {"estados": list(estados), "limite": limit, "codigo": codigo}).mappings().all()
    samples: dict[str, list[Example]] = {}
    if rows and examples > 0:
        for r in conn.execute(_SAMPLES, {"codigos": [r["codigo"] for r in rows], "n": examples}).mappings():
            samples.setdefault(r["codigo"], []).append(
                Example(r["comentario_id"], r["texto"], r["artista"], r["explicacao"], r["recebido_em"]))
    return [Proposal(**dict(r), exemplos=tuple(samples.get(r["codigo"], ()))) for r in rows]


def get(conn: sa.Connection, codigo: str, *, examples: int = 3) -> Proposal | None:
    found = listing(conn, (PENDENTE, APROVADA, MESCLADA, REJEITADA), limit=1, examples=examples, codigo=codigo)
    return found[0] if found else None


def approve(conn: sa.Connection, codigo: str, autor: str) -> bool:
    """The proposal's tag enters the taxonomy; False if it is not pending or rejected."""
    row = conn.execute(_DECIDE, _params(codigo, APROVADA, autor)).first()
    if row is None:
        return False
    conn.execute(_ADD_TAG, {"codigo": row.codigo, "rotulo": row.rotulo, "descricao": row.descricao})
    return True


def merge(conn: sa.Connection, codigo: str, alvo: str, autor: str) -> bool:
    """The code becomes an alias of the active tag ``alvo``; False if the proposal is not
    pending or rejected. ValueError (pt-BR) when ``alvo`` is not an active tag."""
    if alvo == codigo or conn.execute(_ACTIVE_TAG, {"codigo": alvo}).first() is None:
        raise ValueError(f"tag de destino inválida: {str(alvo)[:64]!r} (escolha uma tag ativa da taxonomia)")
    return conn.execute(_DECIDE, _params(codigo, MESCLADA, autor, alvo)).first() is not None


def reject(conn: sa.Connection, codigo: str, autor: str) -> bool:
    """The code stays out of the taxonomy; False if the proposal is not pending."""
    return conn.execute(_DECIDE, _params(codigo, REJEITADA, autor, de=(PENDENTE,))).first() is not None


def _params(codigo: str, estado: str, autor: str, alvo: str | None = None,
            de: Sequence[str] = DECIDABLE) -> dict:
    if not autor or not str(autor).strip():
        raise ValueError("a decisão precisa de um(a) curador(a)")
    return {"codigo": codigo, "estado": estado, "autor": str(autor).strip(), "alvo": alvo, "de": list(de)}


def valid_code(value: object) -> bool:
    """Whether ``value`` can be a proposal's code (for ids that come from a request)."""
    return isinstance(value, str) and len(value) <= 64 and re.fullmatch(TAG_CODE_PATTERN, value) is not None
