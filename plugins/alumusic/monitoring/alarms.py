"""The pipeline alarms: evaluate, open/close incidents, e-mail the operators once per incident.

- ``fila_parada``: the oldest pending comment waited more than ``ALARM_PENDING_MAX_AGE_MINUTES``.
- ``falhas_excessivas``: failed attempts / (classified + failed attempts) over the last
  ``ALARM_FAILURE_WINDOW_MINUTES`` is above ``ALARM_FAILURE_RATE`` (with at least
  ``ALARM_FAILURE_MIN_ATTEMPTS`` attempts, so one bad comment at night is not an incident).

A firing check opens an incident unless one of its type is open (``incidentes_um_aberto``); a check
that no longer fires closes it. Each incident is e-mailed once: ``notificado_em`` is set in the
same transaction that sent it, the rows locked (``SKIP LOCKED``) so an overlapping run cannot send
it again; a failed send is recorded on the incident and retried by the next run (the task fails,
so Airflow retries it too). Delivery is at-least-once: a crash between SMTP's acceptance and the
commit would send it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from email.message import EmailMessage

import sqlalchemy as sa

from alumusic.domain.alarms import ORIGEM_PIPELINE, Check, failure_rate_check, pending_age_check
from alumusic.monitoring.message import build_alarm_message
from alumusic.repositories import alarms, status
from alumusic.settings import Settings

log = logging.getLogger(__name__)

Send = Callable[[EmailMessage, list[str]], None]


class AlarmDeliveryError(RuntimeError):
    """At least one incident's e-mail could not be sent (recorded on it; retried next run)."""


def evaluate(conn: sa.Connection, settings: Settings) -> list[Check]:
    state = status.pipeline_state(conn)
    act = status.activity(conn, settings.alarm_failure_window_minutes)
    return [
        pending_age_check(state.idade_pendente_s, settings.alarm_pending_max_age_minutes),
        failure_rate_check(act["classificados"], act["erros"], rate=settings.alarm_failure_rate,
                           window_minutes=settings.alarm_failure_window_minutes,
                           min_attempts=settings.alarm_failure_min_attempts),
    ]


def check_alarms(engine: sa.Engine, settings: Settings) -> dict:
    """Evaluate every pipeline alarm and open or close its incident; returns what changed."""
    opened, closed = [], []
    with engine.begin() as conn:
        checks = evaluate(conn, settings)
        for c in checks:
            if c.firing:
                alert, new = alarms.open_alert(conn, origem=c.origem, tipo=c.tipo, chave=c.chave, detalhe=c.detalhe,
                                               valor=c.valor, limite=c.limite)
                if new:
                    opened.append(c.tipo)
                    log.warning("alarme aberto: %s (%s)", c.tipo, c.detalhe)
            elif alarms.close_alert(conn, tipo=c.tipo, chave=c.chave) is not None:
                closed.append(c.tipo)
                log.info("alarme fechado: %s (%s)", c.tipo, c.detalhe)
        status.prune_activity(conn)
    return {"abertos": opened, "fechados": closed, "verificacoes": [asdict(c) for c in checks]}


def notify(engine: sa.Engine, settings: Settings, send: Send, origem: str = ORIGEM_PIPELINE) -> dict:
    """E-mail each open, not yet notified incident of ``origem`` to ``OPERATOR_EMAILS``."""
    recipients = list(settings.operator_emails)
    if not recipients:
        log.warning("OPERATOR_EMAILS vazio: alarmes abertos não são enviados por e-mail")
        return {"enviados": 0, "sem_destinatarios": True}
    sent: list[int] = []
    failed: list[tuple[int, str]] = []
    with engine.begin() as conn:
        for alert in alarms.to_notify(conn, origem):
            try:
                send(build_alarm_message(alert, settings), recipients)
            except Exception as exc:  # noqa: BLE001 - any SMTP failure: recorded, retried next run
                failed.append((alert.id, f"{type(exc).__name__}: {exc}"))
                log.warning("e-mail do alarme %s (%s) não enviado: %s", alert.id, alert.tipo, exc)
                continue
            alarms.mark_notified(conn, alert.id, recipients)
            sent.append(alert.id)
    if failed:
        with engine.begin() as conn:
            for alert_id, error in failed:
                alarms.mark_send_failed(conn, alert_id, recipients, error)
        raise AlarmDeliveryError(f"{len(failed)} alarme(s) sem e-mail: {failed[0][1]}")
    return {"enviados": len(sent), "ids": sent}
