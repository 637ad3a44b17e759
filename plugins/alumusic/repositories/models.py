"""``modelos_classificador``: versioned models of the offline classifier's learned layer.

A model is saved as a ``candidato`` (its skops artefact, how many labels it was trained on, the
newest label used and the gate's metrics), then either promoted to ``ativo`` (the previous active
one becomes ``aposentado``: one active model at a time, enforced by a unique index) or
``recusado``. ``rollback`` makes an earlier model active again. Versions are ``m0001``,
``m0002``... and are part of the classifier version (``offline-<rules>+m0002``), so a backfill
reclassifies with a new model. Artefacts are written only by the ``train_classifier`` DAG and
loading one never runs code from it (``LearnedLayer.from_bytes``: skops, trusted types only).

A model remembers its training texts (its vectorisers' n-grams), so the comments it was trained on
are recorded with it (``modelo_treino``) and ``forget_comments`` empties the artefact of every
model trained on a comment whose text is being removed (erasure, retention): an emptied model can
no longer be promoted or rolled back to, and an active one is retired (the classifier answers with
the rules and calibration until the next training; ``retrain_needed`` tells ``classify_comments``
to announce one). Models stored before migration 0021 have no recorded training set and count as
trained on every comment with a manual classification.

The caller owns the transaction (``promote`` and ``rollback`` run two statements that must commit
together).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

CANDIDATO, ATIVO, RECUSADO, APOSENTADO = "candidato", "ativo", "recusado", "aposentado"


class ModelStateError(ValueError):
    """The model does not exist or is not in a state that allows the change."""


class ModelForgottenError(ModelStateError):
    """The model lost its artefact (``forget_comments``): it can never be used again."""


@dataclass(frozen=True)
class Model:
    versao: str
    estado: str
    criado_em: datetime
    rotulos: int
    ultimo_rotulo_id: int | None
    metricas: dict[str, Any]
    motivo: str | None
    mudou_em: datetime
    mudou_por: str | None
    artefato_removido_em: datetime | None = None


_NEXT = sa.text(
    "SELECT coalesce(max(substring(versao FROM 2)::int), 0) + 1 FROM modelos_classificador"
)
_SAVE = sa.text(
    """
    INSERT INTO modelos_classificador (versao, estado, rotulos, ultimo_rotulo_id, metricas, artefato,
                                       treino_registrado)
    VALUES (:versao, 'candidato', :rotulos, :ultimo, CAST(:metricas AS jsonb), :artefato, true)
    """
)
_SAVE_TRAINING_SET = sa.text(
    """
    INSERT INTO modelo_treino (comentario_id, versao)
    SELECT DISTINCT unnest(CAST(:ids AS uuid[])), :versao
    """
)
# The training comments, locked as an erasure locks them (same order): an erasure still in progress
# is waited for, and one that starts later waits for this model's row, which it then empties.
_LOCK_TRAINING_TEXTS = sa.text(
    """
    SELECT id::text, texto_removido_por FROM comentarios
     WHERE id = ANY(CAST(:ids AS uuid[]))
     ORDER BY recebido_em, id
       FOR SHARE
    """
)
_ACTIVE = sa.text("SELECT versao, artefato FROM modelos_classificador WHERE estado = 'ativo'")
# Locks the model and the active one in version order, as forget_comments locks what it empties:
# a promotion (which then retires the active model) and an erasure cannot deadlock.
_STATE = sa.text(
    """
    SELECT versao, estado, artefato_removido_em FROM modelos_classificador
     WHERE versao = :versao OR estado = 'ativo'
     ORDER BY versao
       FOR UPDATE
    """
)
_RETIRE_ACTIVE = sa.text(
    """
    UPDATE modelos_classificador SET estado = 'aposentado', mudou_em = now(), mudou_por = :por,
           motivo = :motivo
     WHERE estado = 'ativo' AND versao <> :versao
    """
)
_SET_STATE = sa.text(
    """
    UPDATE modelos_classificador SET estado = :estado, mudou_em = now(), mudou_por = :por, motivo = :motivo
     WHERE versao = :versao
    """
)
_LIST = sa.text(
    """
    SELECT versao, estado, criado_em, rotulos, ultimo_rotulo_id, metricas, motivo, mudou_em, mudou_por,
           artefato_removido_em
      FROM modelos_classificador
     ORDER BY substring(versao FROM 2)::int DESC  -- by number: m10000 is newer than m9999
    """
)
_ACTIVE_VERSION = sa.text("SELECT versao FROM modelos_classificador WHERE estado = 'ativo'")
_TRAINED_UP_TO = sa.text("SELECT coalesce(max(ultimo_rotulo_id), 0) FROM modelos_classificador")
_ARTEFACT = sa.text("SELECT artefato, artefato_removido_em FROM modelos_classificador WHERE versao = :versao")

# Models trained on any of :ids that still hold an artefact, locked in version order (two removals
# over the same models cannot deadlock). A model without a recorded training set (before 0021)
# counts as trained on every comment with a manual classification.
_TRAINED_ON = sa.text(
    """
    SELECT m.versao FROM modelos_classificador m
     WHERE m.artefato IS NOT NULL
       AND (EXISTS (SELECT 1 FROM modelo_treino t
                     WHERE t.versao = m.versao AND t.comentario_id = ANY(CAST(:ids AS uuid[])))
            OR (NOT m.treino_registrado
                AND EXISTS (SELECT 1 FROM classificacoes k
                             WHERE k.comentario_id = ANY(CAST(:ids AS uuid[])) AND k.origem = 'manual')))
     ORDER BY m.versao
       FOR UPDATE OF m
    """
)
_EMPTY = sa.text(
    """
    UPDATE modelos_classificador
       SET artefato = NULL, artefato_removido_em = now(), mudou_em = now(), mudou_por = :por,
           estado = CASE estado WHEN 'ativo' THEN 'aposentado' WHEN 'candidato' THEN 'recusado' ELSE estado END,
           motivo = :motivo
     WHERE versao = ANY(CAST(:versoes AS text[]))
    """
)
# The newest model lost its artefact and no model is active: train a new one on what is left.
_RETRAIN_NEEDED = sa.text(
    """
    SELECT NOT EXISTS (SELECT 1 FROM modelos_classificador WHERE estado = 'ativo')
       AND coalesce((SELECT artefato_removido_em IS NOT NULL FROM modelos_classificador
                      ORDER BY substring(versao FROM 2)::int DESC LIMIT 1), false)
    """
)
MOTIVO_ESQUECIDO = "artefato removido: treinado com comentário cujo texto foi removido ({por})"


def next_version(conn: sa.Connection) -> str:
    """The next free version: ``m0001``, ``m0002``..."""
    return f"m{conn.execute(_NEXT).scalar_one():04d}"


def save_candidate(conn: sa.Connection, versao: str, artefato: bytes, rotulos: int, ultimo_rotulo_id: int | None,
                   metricas: Mapping[str, Any], comentarios: Sequence[str] = ()) -> None:
    """Store a trained model as ``candidato`` (not used until promoted), with the ids of the
    comments it was trained on (``comentarios``: its curator labels; the own set is not stream data)."""
    conn.execute(_SAVE, {"versao": versao, "artefato": artefato, "rotulos": rotulos, "ultimo": ultimo_rotulo_id,
                         "metricas": json.dumps(dict(metricas), ensure_ascii=False, default=str)})
    if comentarios:
        ids = [str(i) for i in comentarios]
        conn.execute(_SAVE_TRAINING_SET, {"versao": versao, "ids": ids})
        # A text removed while the model trained: its erasure found no row to empty, so empty it now.
        removed = conn.execute(_LOCK_TRAINING_TEXTS, {"ids": ids}).all()
        if any(por for _, por in removed):
            forget_comments(conn, [cid for cid, por in removed if por], next(por for _, por in removed if por))


def forget_comments(conn: sa.Connection, ids: Sequence[str], por: str) -> list[str]:
    """Empty the artefact of every model trained on one of the comments ``ids`` (their text is
    being removed, ``por`` says why: ``apagamento`` or ``retencao``); returns those versions. Call
    it in the removal's transaction, before the comments' classification history goes."""
    if not ids:
        return []
    versoes = list(conn.execute(_TRAINED_ON, {"ids": [str(i) for i in ids]}).scalars())
    if versoes:
        conn.execute(_EMPTY, {"versoes": versoes, "por": por, "motivo": MOTIVO_ESQUECIDO.format(por=por)})
    return versoes


def retrain_needed(conn: sa.Connection) -> bool:
    """True when no model is active because the newest one lost its artefact (a removed text)."""
    return bool(conn.execute(_RETRAIN_NEEDED).scalar_one())


def active(conn: sa.Connection) -> tuple[str, bytes] | None:
    """``(versao, artefato)`` of the active model, or None (rules and calibration only)."""
    row = conn.execute(_ACTIVE).first()
    return (row[0], bytes(row[1])) if row else None


def active_version(conn: sa.Connection) -> str | None:
    """The active model's version (None: rules and calibration only), without its artefact."""
    return conn.execute(_ACTIVE_VERSION).scalar()


def trained_up_to(conn: sa.Connection) -> int:
    """The newest label any stored model was trained with (0 without models): newer ones are new."""
    return conn.execute(_TRAINED_UP_TO).scalar_one()


def artefact(conn: sa.Connection, versao: str) -> bytes:
    row = conn.execute(_ARTEFACT, {"versao": versao}).first()
    if row is None:
        raise ModelStateError(f"modelo {versao} não existe")
    if row[0] is None:
        raise ModelForgottenError(f"modelo {versao} não tem mais artefato (removido em {row[1]:%Y-%m-%d %H:%M})")
    return bytes(row[0])


def _state(conn: sa.Connection, versao: str) -> str:
    row = next((r[1:] for r in conn.execute(_STATE, {"versao": versao}).all() if r[0] == versao), None)
    if row is None:
        raise ModelStateError(f"modelo {versao} não existe")
    if row[1] is not None:
        raise ModelForgottenError(f"modelo {versao} não tem mais artefato: foi treinado com um comentário cujo "
                              "texto foi removido")
    return row[0]


def promote(conn: sa.Connection, versao: str, por: str, motivo: str) -> None:
    """Make the candidate ``versao`` active; the previously active model becomes ``aposentado``."""
    estado = _state(conn, versao)
    if estado != CANDIDATO:
        raise ModelStateError(f"modelo {versao} está {estado}: só um candidato pode ser promovido")
    conn.execute(_RETIRE_ACTIVE, {"versao": versao, "por": por, "motivo": f"substituído por {versao}"})
    conn.execute(_SET_STATE, {"versao": versao, "estado": ATIVO, "por": por, "motivo": motivo})


def refuse(conn: sa.Connection, versao: str, motivo: str, por: str = "train_classifier") -> None:
    """The candidate ``versao`` failed the gate: ``recusado`` (kept for the record, never used)."""
    estado = _state(conn, versao)
    if estado != CANDIDATO:
        raise ModelStateError(f"modelo {versao} está {estado}: só um candidato pode ser recusado")
    conn.execute(_SET_STATE, {"versao": versao, "estado": RECUSADO, "por": por, "motivo": motivo})


def rollback(conn: sa.Connection, versao: str, por: str, motivo: str | None = None) -> None:
    """Make an earlier model (``aposentado``) active again; the current active one is retired."""
    estado = _state(conn, versao)
    if estado != APOSENTADO:
        raise ModelStateError(f"modelo {versao} está {estado}: só um modelo aposentado volta a ser ativo")
    conn.execute(_RETIRE_ACTIVE, {"versao": versao, "por": por, "motivo": f"reversão para {versao}"})
    conn.execute(_SET_STATE, {"versao": versao, "estado": ATIVO, "por": por,
                              "motivo": motivo or f"reversão por {por}"})


def list_models(conn: sa.Connection) -> list[Model]:
    """Every model, newest version first (without artefacts)."""
    return [Model(r[0], r[1], r[2], r[3], r[4], r[5] or {}, r[6], r[7], r[8], r[9]) for r in conn.execute(_LIST).all()]
