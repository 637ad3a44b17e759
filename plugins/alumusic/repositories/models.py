"""``modelos_classificador``: versioned models of the offline classifier's learned layer.

A model is saved as a ``candidato`` (its joblib artefact, how many labels it was trained on, the
newest label used and the gate's metrics), then either promoted to ``ativo`` (the previous active
one becomes ``aposentado``: one active model at a time, enforced by a unique index) or
``recusado``. ``rollback`` makes an earlier model active again. Versions are ``m0001``,
``m0002``... and are part of the classifier version (``offline-<rules>+m0002``), so a backfill
reclassifies with a new model. Artefacts are written only by the ``train_classifier`` DAG, which
is why loading them (pickle) is trusted.

The caller owns the transaction (``promote`` and ``rollback`` run two statements that must commit
together).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

CANDIDATO, ATIVO, RECUSADO, APOSENTADO = "candidato", "ativo", "recusado", "aposentado"


class ModelStateError(ValueError):
    """The model does not exist or is not in a state that allows the change."""


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


_NEXT = sa.text(
    "SELECT coalesce(max(substring(versao FROM 2)::int), 0) + 1 FROM modelos_classificador"
)
_SAVE = sa.text(
    """
    INSERT INTO modelos_classificador (versao, estado, rotulos, ultimo_rotulo_id, metricas, artefato)
    VALUES (:versao, 'candidato', :rotulos, :ultimo, CAST(:metricas AS jsonb), :artefato)
    """
)
_ACTIVE = sa.text("SELECT versao, artefato FROM modelos_classificador WHERE estado = 'ativo'")
_STATE = sa.text("SELECT estado FROM modelos_classificador WHERE versao = :versao FOR UPDATE")
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
    SELECT versao, estado, criado_em, rotulos, ultimo_rotulo_id, metricas, motivo, mudou_em, mudou_por
      FROM modelos_classificador
     ORDER BY versao DESC
    """
)
_ACTIVE_VERSION = sa.text("SELECT versao FROM modelos_classificador WHERE estado = 'ativo'")
_TRAINED_UP_TO = sa.text("SELECT coalesce(max(ultimo_rotulo_id), 0) FROM modelos_classificador")
_ARTEFACT = sa.text("SELECT artefato FROM modelos_classificador WHERE versao = :versao")


def next_version(conn: sa.Connection) -> str:
    """The next free version: ``m0001``, ``m0002``..."""
    return f"m{conn.execute(_NEXT).scalar_one():04d}"


def save_candidate(conn: sa.Connection, versao: str, artefato: bytes, rotulos: int, ultimo_rotulo_id: int | None,
                   metricas: Mapping[str, Any]) -> None:
    """Store a trained model as ``candidato`` (not used until promoted)."""
    conn.execute(_SAVE, {"versao": versao, "artefato": artefato, "rotulos": rotulos, "ultimo": ultimo_rotulo_id,
                         "metricas": json.dumps(dict(metricas), ensure_ascii=False, default=str)})


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
    data = conn.execute(_ARTEFACT, {"versao": versao}).scalar()
    if data is None:
        raise ModelStateError(f"modelo {versao} não existe")
    return bytes(data)


def _state(conn: sa.Connection, versao: str) -> str:
    estado = conn.execute(_STATE, {"versao": versao}).scalar()
    if estado is None:
        raise ModelStateError(f"modelo {versao} não existe")
    return estado


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
    return [Model(r[0], r[1], r[2], r[3], r[4], r[5] or {}, r[6], r[7], r[8]) for r in conn.execute(_LIST).all()]
