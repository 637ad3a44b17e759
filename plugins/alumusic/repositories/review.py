"""The review queue: automatic classifications most likely to be wrong, for curators to confirm or fix.

A comment is in the queue while its current classification is automatic and not a copied label
(classificador ``copia``), its text is kept and its status is ``classificado``. The queue is
ordered by how likely the label is wrong: lowest ``confianca`` first, ties newest received first
(then by id, so the order is total). Pages are keyset: a position is a :class:`QueueKey` (the
ordering values of an item), so a review made meanwhile by anyone never shifts what comes next.

A review is a manual classification (``classifications.record_manual_correction``): confirming
records the current category and tags again, correcting records another category with the same
tags. Either one takes the comment out of the queue, makes it a curator's label and is copied to
the copies of its text. Undo withdraws it (``classificacoes_anuladas``; a trigger recomputes the
current classification), and withdraws with it the copies it made whose comments have an earlier
classification to return to, so a mistaken key press does not linger on the pasted copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from alumusic.repositories import classifications, labels
from alumusic.repositories.comments import select_list
from alumusic.repositories.labels import COPIA
from alumusic.repositories.literals import CLASSIFICADO

MAX_PAGE = 100

# Fields of an item (from COMMENT_FIELDS, read over v_comentarios_atuais), besides the
# classification's id, ``confianca_fonte`` and tags with their explanations and labels.
ITEM_FIELDS: tuple[str, ...] = ("id", "texto", "artista", "album", "musica", "recebido_em", "categoria", "confianca",
                                "origem", "classificador", "versao_classificador", "modelo", "classificado_em")

# In the queue (over comentarios c joined to its current classification k):
# ``comentarios.confianca_revisao`` is the current classification's confianca while it is automatic
# and not a copy (kept by the triggers of migration 0010), so the queue is the partial index
# ``comentarios_revisao_idx`` read in order.
_IN_QUEUE = f"""
    c.confianca_revisao IS NOT NULL
    AND c.status = {CLASSIFICADO}
    AND c.texto_removido_em IS NULL
"""
_FROM = "comentarios c JOIN classificacoes k ON k.comentario_id = c.id AND k.id = c.classificacao_atual_id"
_ORDER = "c.confianca_revisao ASC, c.recebido_em DESC, c.id DESC"
_ORDER_BACKWARDS = "c.confianca_revisao DESC, c.recebido_em ASC, c.id ASC"
# ``confianca`` is a real: the key's value is cast back to real so equal values compare equal.
_AFTER = ("(c.confianca_revisao > CAST(:k_confianca AS real) OR (c.confianca_revisao = CAST(:k_confianca AS real) "
          "AND (c.recebido_em, c.id) < (:k_recebido_em, CAST(:k_id AS uuid))))")
_BEFORE = ("(c.confianca_revisao < CAST(:k_confianca AS real) OR (c.confianca_revisao = CAST(:k_confianca AS real) "
           "AND (c.recebido_em, c.id) > (:k_recebido_em, CAST(:k_id AS uuid))))")

_ITEM_SELECT = f"""
    SELECT {select_list(ITEM_FIELDS)}, v.classificacao_id, k.confianca_fonte,
           COALESCE((SELECT json_agg(json_build_object('codigo', t.codigo, 'rotulo', x.rotulo,
                                                       'explicacao', t.explicacao) ORDER BY t.codigo)
                       FROM classificacao_tags t JOIN taxonomia_tags x ON x.codigo = t.codigo
                      WHERE t.classificacao_id = v.classificacao_id), '[]'::json) AS tags_explicadas
"""
_COUNT = f"SELECT count(*) FROM {_FROM} WHERE {_IN_QUEUE} AND {{where}}"
_ITEM = sa.text(
    f"""
    {_ITEM_SELECT}, EXISTS (SELECT 1 FROM {_FROM} WHERE c.id = v.id AND {_IN_QUEUE}) AS na_fila
      FROM v_comentarios_atuais v
      JOIN classificacoes k ON k.id = v.classificacao_id
     WHERE v.id = CAST(:id AS uuid)
    """
)
# The item being reviewed, locked so two curators reviewing it at once record one review.
_LOCK = sa.text(
    f"""
    SELECT k.id, k.categoria,
           COALESCE((SELECT json_agg(json_build_object('codigo', t.codigo, 'explicacao', t.explicacao)
                                     ORDER BY t.codigo)
                       FROM classificacao_tags t WHERE t.classificacao_id = k.id), '[]'::json) AS tags
      FROM {_FROM}
     WHERE c.id = CAST(:id AS uuid) AND {_IN_QUEUE}
       FOR UPDATE OF c
    """
)
# Reviews: manual classifications not withdrawn (copied labels are automatic, so not counted).
_REVIEWED_TODAY = sa.text(
    f"""
    SELECT count(*)
      FROM classificacoes k
     WHERE k.origem = '{classifications.ORIGEM_MANUAL}'
       AND k.criado_em >= (date_trunc('day', now() AT TIME ZONE :tz) AT TIME ZONE :tz)
       AND (CAST(:autor AS text) IS NULL OR k.autor = CAST(:autor AS text))
       AND NOT EXISTS (SELECT 1 FROM classificacoes_anuladas a WHERE a.classificacao_id = k.id)
    """
)
# What an author may undo: their own manual classification, not withdrawn, still current.
_UNDOABLE = f"""
    k.origem = '{classifications.ORIGEM_MANUAL}'
    AND k.autor = :autor
    AND c.classificacao_atual_id = k.id
    AND NOT EXISTS (SELECT 1 FROM classificacoes_anuladas a WHERE a.classificacao_id = k.id)
"""
_LAST_UNDOABLE = sa.text(
    f"""
    SELECT k.id, c.id::text AS comentario_id, k.categoria, k.criado_em
      FROM classificacoes k JOIN comentarios c ON c.id = k.comentario_id
     WHERE {_UNDOABLE}
       AND (CAST(:ids AS bigint[]) IS NULL OR k.id = ANY(CAST(:ids AS bigint[])))
     ORDER BY k.id DESC
     LIMIT 1
    """
)
_WITHDRAW = sa.text(
    f"""
    INSERT INTO classificacoes_anuladas (classificacao_id, anulada_por)
    SELECT k.id, :autor
      FROM classificacoes k JOIN comentarios c ON c.id = k.comentario_id
     WHERE k.id = :id AND {_UNDOABLE}
       FOR UPDATE OF c
    ON CONFLICT (classificacao_id) DO NOTHING
    RETURNING classificacao_id
    """
)
# The copies a withdrawn label made that are still current and have an earlier classification of
# their own to return to (a copy made while its comment was pending is left as it is).
_WITHDRAW_COPIES = sa.text(
    f"""
    INSERT INTO classificacoes_anuladas (classificacao_id, anulada_por)
    SELECT k.id, :autor
      FROM classificacoes k JOIN comentarios c ON c.id = k.comentario_id AND c.classificacao_atual_id = k.id
     WHERE k.fonte_id = :id
       AND k.classificador = '{COPIA}'
       AND EXISTS (SELECT 1 FROM classificacoes o
                    WHERE o.comentario_id = k.comentario_id AND o.id <> k.id
                      AND NOT EXISTS (SELECT 1 FROM classificacoes_anuladas a WHERE a.classificacao_id = o.id))
    ON CONFLICT (classificacao_id) DO NOTHING
    """
)


@dataclass(frozen=True)
class QueueFilter:
    """Which part of the queue: artist, current category, received in [desde, ate)."""

    artista: str | None = None
    categoria: str | None = None
    desde: datetime | None = None
    ate: datetime | None = None


@dataclass(frozen=True)
class QueueKey:
    """An item's place in the queue (its ordering values)."""

    confianca: float
    recebido_em: datetime
    comentario_id: str

    @classmethod
    def of(cls, item: dict) -> QueueKey:
        return cls(float(item["confianca"]), item["recebido_em"], str(item["id"]))


def _filter_sql(f: QueueFilter | None) -> tuple[str, dict]:
    f = f or QueueFilter()
    conds, params = [], {}
    if f.artista:
        conds.append("c.artista = :f_artista")
        params["f_artista"] = f.artista
    if f.categoria:
        conds.append("c.categoria_atual = :f_categoria")
        params["f_categoria"] = f.categoria
    if f.desde:
        conds.append("c.recebido_em >= :f_desde")
        params["f_desde"] = f.desde
    if f.ate:
        conds.append("c.recebido_em < :f_ate")
        params["f_ate"] = f.ate
    return " AND ".join(conds) or "TRUE", params


def _item(row: sa.Row) -> dict:
    item = dict(row._mapping)
    item["id"] = str(item["id"])
    item["tags"] = item.pop("tags_explicadas")
    return item


def queue_page(conn: sa.Connection, f: QueueFilter | None = None, *, after: QueueKey | None = None,
               before: QueueKey | None = None, limit: int = 1) -> list[dict]:
    """Up to ``limit`` queue items of ``f`` (None: the whole queue) in queue order: from the start, right after ``after``, or the
    ``limit`` right before ``before`` (still in queue order).

    Each item has ITEM_FIELDS, ``classificacao_id``, ``confianca_fonte`` and ``tags`` (codigo,
    rotulo, explicacao).
    """
    if after is not None and before is not None:
        raise ValueError("give after or before, not both")
    where, params = _filter_sql(f)
    key = after or before
    if key is not None:
        where += " AND " + (_AFTER if after is not None else _BEFORE)
        params.update(k_confianca=float(key.confianca), k_recebido_em=key.recebido_em, k_id=str(key.comentario_id))
    sql = sa.text(
        f"""
        WITH fila AS MATERIALIZED (
            SELECT c.id FROM {_FROM} WHERE {_IN_QUEUE} AND {where}
             ORDER BY {_ORDER_BACKWARDS if before is not None else _ORDER} LIMIT :limit
        )
        {_ITEM_SELECT}
          FROM fila
          JOIN v_comentarios_atuais v ON v.id = fila.id
          JOIN classificacoes k ON k.id = v.classificacao_id
         ORDER BY v.confianca ASC, v.recebido_em DESC, v.id DESC
        """
    )
    params["limit"] = max(1, min(int(limit), MAX_PAGE))
    return [_item(row) for row in conn.execute(sql, params)]


def queue_count(conn: sa.Connection, f: QueueFilter | None = None) -> int:
    """How many comments the queue holds under ``f`` (None: the whole queue)."""
    where, params = _filter_sql(f)
    return conn.execute(sa.text(_COUNT.format(where=where)), params).scalar_one()


def get_item(conn: sa.Connection, comentario_id: Any) -> dict | None:
    """A comment as a queue item (whether or not it is in the queue: ``na_fila``); None if unclassified."""
    row = conn.execute(_ITEM, {"id": str(comentario_id)}).first()
    return _item(row) if row else None


def reviewed_today(conn: sa.Connection, timezone: str, *, autor: str | None = None) -> int:
    """Reviews (manual classifications, not withdrawn) made today in ``timezone``, by anyone or by ``autor``."""
    return conn.execute(_REVIEWED_TODAY, {"tz": timezone, "autor": autor}).scalar_one()


def review(conn: sa.Connection, comentario_id: Any, classificacao_id: int, autor: str,
           categoria: str | None = None) -> int | None:
    """Record ``autor``'s review of a queue item: its current label confirmed (``categoria`` None or
    the same) or corrected to ``categoria``, with the current tags and their explanations kept.

    ``classificacao_id`` is the classification the curator saw: when the comment left the queue
    or its current classification changed meanwhile, nothing is recorded and None is returned.
    Returns the new manual classification's id. ValueError (pt-BR) on an unknown category.
    """
    labels.take_copy_gate(conn)  # before the comment's row lock, as every label write takes it
    current = conn.execute(_LOCK, {"id": str(comentario_id)}).first()
    if current is None or current.id != classificacao_id:
        return None
    return classifications.record_manual_correction(conn, comentario_id, categoria or current.categoria,
                                                    current.tags, autor=autor, confianca=1.0)


def last_undoable(conn: sa.Connection, autor: str, among: Sequence[int] | None = None) -> dict | None:
    """``autor``'s newest review that can be undone (``id``, ``comentario_id``, ``categoria``,
    ``criado_em``): manual, theirs, not withdrawn and still the comment's current classification;
    only among the classification ids ``among`` when given (an empty list finds nothing)."""
    if among is not None and not among:
        return None
    ids = None if among is None else [int(i) for i in among]
    row = conn.execute(_LAST_UNDOABLE, {"autor": autor, "ids": ids}).first()
    return dict(row._mapping) if row else None


def withdraw(conn: sa.Connection, classificacao_id: int, autor: str) -> bool:
    """Take back ``autor``'s review ``classificacao_id`` (see :func:`last_undoable` for which can be);
    False, writing nothing, for any other. The comment's current classification is recomputed
    (its automatic label again), and so is that of the copies the review made."""
    done = conn.execute(_WITHDRAW, {"id": int(classificacao_id), "autor": autor}).first()
    if done is None:
        return False
    conn.execute(_WITHDRAW_COPIES, {"id": int(classificacao_id), "autor": autor})
    return True
