"""Detecting spikes and e-mailing new alerts (what the ``detect_alerts`` DAG runs).

``detect`` reads the last ``Rules.baseline_weeks + 1`` seven-day windows of every subject in one
query, runs the detector (``detection.py``) on each, and opens, updates or closes alerts so that
at most one is open per (subject, kind). ``notify`` e-mails the alerts opened and not yet mailed,
one message for all of them; SMTP accepting it marks them notified, a failure records the error
and propagates (the task retries; the next run retries what is still unsent).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa

from alumusic.alerts import message
from alumusic.alerts.detection import DEFAULT_RULES, Action, Rules, Window, decide, evaluate, explain
from alumusic.repositories import alerts as repo
from alumusic.repositories.taxonomy import active_tags

log = logging.getLogger(__name__)

WINDOW = timedelta(days=7)


@dataclass
class DetectionResult:
    abertos: list[int] = field(default_factory=list)
    atualizados: list[int] = field(default_factory=list)
    fechados: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"abertos": len(self.abertos), "atualizados": len(self.atualizados), "fechados": len(self.fechados)}


def detect(engine: sa.Engine, agora: datetime, rules: Rules = DEFAULT_RULES) -> DetectionResult:
    """One detection pass at ``agora`` (an aware datetime): the windows end there."""
    janela = (agora - WINDOW, agora)
    result = DetectionResult()
    with engine.begin() as conn:
        # One pass at a time: two concurrent runs would both see "nothing open" for a new spike.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('alumusic.detect_alerts'))"))
        series: dict[repo.Subject, list[Window]] = defaultdict(lambda: [Window()] * (rules.baseline_weeks + 1))
        for wc in repo.window_counts(conn, agora, semanas=rules.baseline_weeks + 1):
            series[wc.subject][wc.janela] = Window(wc.total, wc.criticas, wc.spam)
        opened = repo.open_alerts(conn)
        for alert in opened.values():  # an open alert's subject may have gone quiet: it is evaluated too
            series.setdefault(alert.subject, [Window()] * (rules.baseline_weeks + 1))
        tag_labels = {t.codigo: t.rotulo for t in active_tags(conn)}
        for subject, windows in series.items():
            name = _name(subject, tag_labels)
            for signal in evaluate(windows[0], windows[1:], rules):
                current = opened.get((subject.chave, signal.kind.value))
                action = decide(current is not None, signal)
                if action is Action.ABRIR:
                    new_id = repo.open_alert(conn, subject, signal.kind.value, janela=janela,
                                             evidencia=signal.evidence(), explicacao=explain(signal, name))
                    if new_id is not None:
                        result.abertos.append(new_id)
                elif action is Action.ATUALIZAR:
                    repo.update_alert(conn, current.id, janela=janela, evidencia=signal.evidence(),
                                      explicacao=explain(signal, name))
                    result.atualizados.append(current.id)
                elif action is Action.FECHAR:
                    repo.close_alert(conn, current.id, evidencia=signal.evidence())
                    result.fechados.append(current.id)
    log.info("alerts at %s: %s", agora.isoformat(), result.as_dict())
    return result


def notify(engine: sa.Engine, *, recipients: list[str], dashboard_url: str | None,
           send: Callable[[EmailMessage, list[str]], None]) -> dict:
    """E-mail every alert opened and not yet mailed, once; nothing to send is not an error."""
    with engine.begin() as conn:
        # The row locks keep two runs from mailing the same alerts.
        pending = repo.to_notify(conn, for_update=True)
        if not pending:
            return {"enviados": 0}
        if not recipients:
            log.warning("ALERT_RECIPIENTS and SUMMARY_RECIPIENTS are empty: %d alert(s) not e-mailed", len(pending))
            return {"enviados": 0, "motivo": "sem destinatários"}
        ids = [a.id for a in pending]
        failure: Exception | None = None
        try:
            send(message.build(pending, recipients=recipients, dashboard_url=dashboard_url), recipients)
        except Exception as exc:  # noqa: BLE001 - recorded in this transaction, re-raised after it commits
            failure = exc
            repo.mark_failed(conn, ids, f"{type(exc).__name__}: {exc}")
        else:
            repo.mark_notified(conn, ids, recipients)
    if failure is not None:
        log.warning("alert e-mail failed (%s): the alerts stay unsent and are retried", failure)
        raise failure
    return {"enviados": len(ids), "destinatarios": len(recipients)}


def _name(subject: repo.Subject, tag_labels: dict[str, str]) -> str:
    if subject.tipo == repo.TAG:
        return f"Tag “{tag_labels.get(subject.tag, subject.tag)}”"
    if subject.tipo == repo.ALBUM:
        return f"{subject.artista} — {subject.album}"
    return subject.artista
