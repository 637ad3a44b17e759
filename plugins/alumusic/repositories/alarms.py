"""Alerts (incidents) in ``incidentes`` (migration 0012): open once, notify once, close on recovery.

At most one open incident per ``(tipo, chave)`` (partial unique index ``incidentes_um_aberto``), so
opening is an idempotent upsert and concurrent evaluations cannot open two. Pipeline alarms use
``origem = 'pipeline'`` and ``chave = ''``; another watcher can add its own ``origem`` with a subject in
``chave``. (The curators' spike alerts keep their own table, ``alertas``; see ``repositories/status.py``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class Alert:
    id: int
    origem: str
    tipo: str
    chave: str
    aberto_em: datetime
    fechado_em: datetime | None
    detalhe: str
    valor: float | None
    limite: float | None
    notificado_em: datetime | None
    destinatarios: list[str]
    tentativas_envio: int
    ultimo_erro_envio: str | None

    @property
    def aberto(self) -> bool:
        return self.fechado_em is None


_COLUMNS = ("id, origem, tipo, chave, aberto_em, fechado_em, detalhe, valor, limite, notificado_em, "
            "destinatarios, tentativas_envio, ultimo_erro_envio")
_OPEN = sa.text(f"""
    INSERT INTO incidentes (origem, tipo, chave, detalhe, valor, limite)
    VALUES (:origem, :tipo, :chave, :detalhe, :valor, :limite)
    ON CONFLICT (tipo, chave) WHERE fechado_em IS NULL DO NOTHING
    RETURNING {_COLUMNS}
""")
_GET_OPEN = sa.text(f"SELECT {_COLUMNS} FROM incidentes WHERE tipo = :tipo AND chave = :chave AND fechado_em IS NULL "
                    "FOR UPDATE")
_CLOSE = sa.text(f"""
    UPDATE incidentes SET fechado_em = now() WHERE tipo = :tipo AND chave = :chave AND fechado_em IS NULL
    RETURNING {_COLUMNS}
""")
_TO_NOTIFY = sa.text(f"SELECT {_COLUMNS} FROM incidentes WHERE fechado_em IS NULL AND notificado_em IS NULL "
                     "AND origem = :origem ORDER BY id FOR UPDATE SKIP LOCKED")
_NOTIFIED = sa.text("UPDATE incidentes SET notificado_em = now(), destinatarios = :dest, "
                    "tentativas_envio = tentativas_envio + 1, ultimo_erro_envio = NULL WHERE id = :id")
_SEND_FAILED = sa.text("UPDATE incidentes SET destinatarios = :dest, tentativas_envio = tentativas_envio + 1, "
                       "ultimo_erro_envio = :erro WHERE id = :id")
_RECENT = sa.text(f"SELECT {_COLUMNS} FROM incidentes ORDER BY (fechado_em IS NULL) DESC, aberto_em DESC, id DESC "
                  "LIMIT :limite")


def open_alert(conn: sa.Connection, *, origem: str, tipo: str, chave: str = "", detalhe: str,
               valor: float | None, limite: float | None) -> tuple[Alert, bool]:
    """The open incident of ``(tipo, chave)``, opened now if there was none; ``(alert, opened_now)``."""
    row = conn.execute(_OPEN, {"origem": origem, "tipo": tipo, "chave": chave, "detalhe": detalhe,
                               "valor": valor, "limite": limite}).mappings().first()
    if row is not None:
        return Alert(**row), True
    return Alert(**conn.execute(_GET_OPEN, {"tipo": tipo, "chave": chave}).mappings().one()), False


def close_alert(conn: sa.Connection, *, tipo: str, chave: str = "") -> Alert | None:
    """Close the open incident of ``(tipo, chave)``; the closed alert, or None when none was open."""
    row = conn.execute(_CLOSE, {"tipo": tipo, "chave": chave}).mappings().first()
    return Alert(**row) if row else None


def to_notify(conn: sa.Connection, origem: str) -> list[Alert]:
    """Open incidents of ``origem`` whose e-mail has not gone out yet, locked for this transaction."""
    return [Alert(**r) for r in conn.execute(_TO_NOTIFY, {"origem": origem}).mappings()]


def mark_notified(conn: sa.Connection, alert_id: int, recipients: Sequence[str]) -> None:
    conn.execute(_NOTIFIED, {"id": alert_id, "dest": list(recipients)})


def mark_send_failed(conn: sa.Connection, alert_id: int, recipients: Sequence[str], error: str) -> None:
    conn.execute(_SEND_FAILED, {"id": alert_id, "dest": list(recipients), "erro": error[:MAX_ERROR_CHARS]})


def recent(conn: sa.Connection, *, limit: int = 20) -> list[Alert]:
    """Open incidents first, then the newest closed ones."""
    return [Alert(**r) for r in conn.execute(_RECENT, {"limite": limit}).mappings()]

