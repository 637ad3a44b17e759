"""Curators' labels: manual classifications (corrections and confirmations) read as training data,
as few-shot examples, and copied to the same text pasted elsewhere.

A label is a comment's *current* classification when it is manual and not withdrawn (the review
queue's undo, ``classificacoes_anuladas``), on a comment whose text was not erased.

Copies: the same text pasted on many videos (spam, mostly) is corrected once. A comment whose
text, as copies are matched (``f_texto_copia``: lower case, unaccented, whitespace collapsed),
equals a labelled comment's takes that label as an automatic classification (classificador
``copia``, ``confianca_fonte`` ``copia``, ``fonte_id`` = the label). Texts shorter than
``MIN_COPY_CHARS`` are not copies: "linda" on two videos is two opinions, not one paste.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from alumusic.repositories.literals import CLASSIFICADO, FALHOU, PENDENTE

MIN_COPY_CHARS = 20
COPIA = "copia"  # classificador, versao and confianca_fonte of a copied label

_KEY = "md5(f_texto_copia({col}))"  # matches the index comentarios_copia_idx

# Current, manual, not withdrawn, text kept.
_LABELLED = """
    k.origem = 'manual'
    AND k.id = c.classificacao_atual_id
    AND c.texto_removido_em IS NULL
    AND NOT EXISTS (SELECT 1 FROM classificacoes_anuladas a WHERE a.classificacao_id = k.id)
"""


@dataclass(frozen=True)
class Label:
    classificacao_id: int
    comentario_id: str
    texto: str
    categoria: str


_MANUAL_LABELS = sa.text(
    f"""
    SELECT k.id, c.id::text, c.texto, k.categoria
      FROM classificacoes k
      JOIN comentarios c ON c.id = k.comentario_id
     WHERE {_LABELLED}
       AND (CAST(:depois_de AS bigint) IS NULL OR k.id > CAST(:depois_de AS bigint))
       AND (CAST(:desde AS timestamptz) IS NULL OR c.recebido_em >= CAST(:desde AS timestamptz))
     ORDER BY k.id
    """
)
_COUNT_LABELS = sa.text(
    f"""
    SELECT count(*) FROM classificacoes k JOIN comentarios c ON c.id = k.comentario_id
     WHERE {_LABELLED} AND k.id > CAST(:depois_de AS bigint)
    """
)
_NEWEST_LABEL = sa.text(
    f"SELECT max(k.id) FROM classificacoes k JOIN comentarios c ON c.id = k.comentario_id WHERE {_LABELLED}"
)
# The labels first (classificacoes_manuais_idx: hundreds or thousands of rows), then the similarity
# among them only. Searching every comment's trigrams for similar texts and keeping the labelled
# ones took 3-5 s per lookup at 1M comments (minutes for some texts), once per comment classified;
# this takes ~8 ms with 300 labels there (docs/BENCHMARKS.md, "Draining a large import").
_SIMILAR = sa.text(
    f"""
    WITH rotulos AS MATERIALIZED (
        SELECT k.id, c.id::text AS comentario_id, c.texto, c.texto_busca, k.categoria
          FROM classificacoes k
          JOIN comentarios c ON c.id = k.comentario_id
         WHERE {_LABELLED}
    )
    SELECT id, comentario_id, texto, categoria
      FROM rotulos
     WHERE texto_busca % f_texto_busca(:texto)
     ORDER BY similarity(texto_busca, f_texto_busca(:texto)) DESC, id DESC
     LIMIT :limite
    """
)
_COPY_SOURCES = sa.text(
    f"""
    SELECT alvo.id::text, fonte.id
      FROM comentarios alvo
      CROSS JOIN LATERAL (
            SELECT k.id
              FROM comentarios c
              JOIN classificacoes k ON k.id = c.classificacao_atual_id
             WHERE {_KEY.format(col="c.texto_busca")} = {_KEY.format(col="alvo.texto_busca")}
               AND f_texto_copia(c.texto_busca) = f_texto_copia(alvo.texto_busca)
               AND c.id <> alvo.id
               AND {_LABELLED}
             ORDER BY k.id DESC
             LIMIT 1) fonte
     WHERE alvo.id = ANY(CAST(:ids AS uuid[]))
       AND length(f_texto_copia(alvo.texto_busca)) >= {MIN_COPY_CHARS}
    """
)
# Comments that copy the label's text and are not labelled by a curator themselves (an erased
# text or one a worker holds right now is left alone: the worker takes the label when it stores
# its result, alumusic.pipeline.batch._late_copies).
_COPIES_OF = sa.text(
    f"""
    SELECT alvo.id::text
      FROM classificacoes k
      JOIN comentarios c ON c.id = k.comentario_id
      JOIN comentarios alvo
        ON {_KEY.format(col="alvo.texto_busca")} = {_KEY.format(col="c.texto_busca")}
       AND f_texto_copia(alvo.texto_busca) = f_texto_copia(c.texto_busca)
       AND alvo.id <> c.id
     WHERE k.id = :id
       AND {_LABELLED}
       AND length(f_texto_copia(c.texto_busca)) >= {MIN_COPY_CHARS}
       AND alvo.texto_removido_em IS NULL
       AND alvo.status <> 'processando'
       AND NOT EXISTS (SELECT 1 FROM classificacoes m WHERE m.id = alvo.classificacao_atual_id AND m.origem = 'manual')
    """
)
_INSERT_COPIES = sa.text(
    f"""
    WITH pares AS (
        SELECT * FROM unnest(CAST(:alvos AS uuid[]), CAST(:fontes AS bigint[])) AS p(alvo, fonte)
    ), ins AS (
        INSERT INTO classificacoes (comentario_id, categoria, confianca, origem, classificador, versao,
                                    latencia_ms, autor, confianca_fonte, fonte_id)
        SELECT p.alvo, k.categoria, k.confianca, 'automatica', '{COPIA}', '{COPIA}', 0, :autor, '{COPIA}', k.id
          FROM pares p JOIN classificacoes k ON k.id = p.fonte
        RETURNING id, fonte_id
    )
    INSERT INTO classificacao_tags (classificacao_id, codigo, explicacao)
    SELECT ins.id, t.codigo, t.explicacao FROM ins JOIN classificacao_tags t ON t.classificacao_id = ins.fonte_id
    """
)
_MARK_COPIED = sa.text(
    f"UPDATE comentarios SET status = {CLASSIFICADO}, ultimo_erro = NULL "
    f"WHERE id = ANY(CAST(:ids AS uuid[])) AND status IN ({PENDENTE}, {FALHOU})"
)


# The copy gate. A label's copy step skips comments a worker holds, and the worker looks for a label
# of the same text when it stores its result; a label committed between the worker's look and its
# commit would be missed by both. So the copy step holds this advisory lock exclusively and workers
# hold it shared around their look. Both take it before any row lock (labelling: before locking the
# labelled comment; workers: before claiming or storing), so the two orders cannot deadlock.
_COPY_GATE_KEY = 0x616C756D75  # one key for every text: a correction waits for the stores in flight
_TAKE_GATE = sa.text("SELECT pg_advisory_xact_lock(:k)")
_SHARE_GATE = sa.text("SELECT pg_advisory_xact_lock_shared(:k)")


def take_copy_gate(conn: sa.Connection) -> None:
    """Before writing a label (and before locking its comment): waits for workers storing now."""
    conn.execute(_TAKE_GATE, {"k": _COPY_GATE_KEY})


def share_copy_gate(conn: sa.Connection) -> None:
    """Before a worker looks for labels of its comments' texts (and before its row locks)."""
    conn.execute(_SHARE_GATE, {"k": _COPY_GATE_KEY})


def manual_labels(conn: sa.Connection, after_id: int | None = None,
                  received_since: datetime | None = None) -> list[Label]:
    """Every curator label (oldest first), or only those newer than classification ``after_id``,
    or only those of comments received at or after ``received_since``."""
    rows = conn.execute(_MANUAL_LABELS, {"depois_de": after_id, "desde": received_since}).all()
    return [Label(*row) for row in rows]


def count_labels(conn: sa.Connection, after_id: int = 0) -> int:
    """How many curator labels are newer than classification ``after_id``."""
    return conn.execute(_COUNT_LABELS, {"depois_de": after_id}).scalar_one()


def newest_label_id(conn: sa.Connection) -> int | None:
    """The newest label's classification id (None without labels): what a model was trained up to."""
    return conn.execute(_NEWEST_LABEL).scalar()


def similar_labels(conn: sa.Connection, texto: str, limit: int = 3) -> list[Label]:
    """The labelled comments most similar to ``texto`` (pg_trgm on the search text), best first."""
    if limit <= 0:
        return []
    return [Label(*row) for row in conn.execute(_SIMILAR, {"texto": texto, "limite": limit}).all()]


def copy_sources(conn: sa.Connection, comment_ids: Sequence[Any]) -> dict[str, int]:
    """For comments about to be classified: the label each one copies, when its text is a copy."""
    if not comment_ids:
        return {}
    rows = conn.execute(_COPY_SOURCES, {"ids": [str(i) for i in comment_ids]}).all()
    return {cid: fonte for cid, fonte in rows}


def record_copies(conn: sa.Connection, sources: Mapping[str, int], *, autor: str | None = None) -> int:
    """Append the copied labels (``comment id -> label's classification id``) with their tags."""
    if not sources:
        return 0
    conn.execute(_INSERT_COPIES, {"alvos": list(sources), "fontes": list(sources.values()), "autor": autor})
    return len(sources)


def copy_label_to_copies(conn: sa.Connection, classificacao_id: int) -> int:
    """A new label (``classificacao_id``) is copied to every copy of its text; returns how many.
    The caller holds the copy gate (``take_copy_gate``, taken before the label's row locks)."""
    take_copy_gate(conn)  # re-entrant: already held by record_manual_correction
    targets = list(conn.execute(_COPIES_OF, {"id": classificacao_id}).scalars())
    if not targets:
        return 0
    record_copies(conn, dict.fromkeys(targets, classificacao_id), autor="copia")
    conn.execute(_MARK_COPIED, {"ids": targets})
    return len(targets)
