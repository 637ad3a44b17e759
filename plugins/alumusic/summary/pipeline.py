"""The weekly summary's two steps, called by the DAG tasks (and usable from a shell):

1. ``build_and_store``: statistics + sample + text, upserted by ISO week (a rerun replaces it);
2. ``deliver``: e-mail the stored summary when due, then record ``enviado_em``; a failed attempt
   records its error (listed to admins on the dashboard) and re-raises, so Airflow retries.

They are separate so that an SMTP outage retries only the e-mail and never touches the summary.

Personal data (LGPD) is masked with ``alumusic.domain.pii`` wherever comment text leaves the private
area: the sampled comments and the statistics' names before the prompt or the offline text see
them (``sample``, ``stats``), the model's answer (``text.llm_summary``), every stored row
(``alumusic.repositories.summaries.upsert_summary``) and every e-mail (``message.build_message``).
See ``alumusic.domain.pii.mask_text``.

No SQL here: the statistics, the sample and the stored summaries are read and written by
``alumusic.repositories`` (``weekly``, ``summaries``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa

from alumusic.repositories.summaries import (
    StoredSummary,
    get_summary,
    mark_emailed,
    mark_send_failed,
    upsert_summary,
)
from alumusic.summary import text as summary_text
from alumusic.summary.message import build_message
from alumusic.summary.sample import budget_chars, sample_comments
from alumusic.summary.stats import weekly_stats
from alumusic.summary.weeks import IsoWeek

log = logging.getLogger(__name__)

# A ~1000-token structured answer from a small model on CPU takes minutes, not the 60 s that
# suit one classification; the weekly job can afford to wait.
SUMMARY_READ_TIMEOUT_S = 300.0


def summary_client(settings: Any) -> Any:
    """The configured text client (None when offline) with a read timeout fit for the summary."""
    from alumusic.llm.backend import get_text_client

    client = get_text_client(settings)
    if client is not None:
        client.read_timeout = max(client.read_timeout, SUMMARY_READ_TIMEOUT_S)
    return client


def build_and_store(engine: sa.Engine, week: IsoWeek, *, client: Any, num_ctx: int,
                    allow_fallback: bool = True) -> dict:
    """Compute and store ``week``'s summary; returns a small report for the task log / XCom.

    ``client`` None: the offline text. With a client, an LLM failure raises unless
    ``allow_fallback`` (the DAG allows it on the last try only), in which case the offline text
    is stored, marked with the reason.
    """
    with engine.connect() as conn:
        stats = weekly_stats(conn, week)
        sample = sample_comments(conn, week, budget=budget_chars(num_ctx))
    log.info("week %s: %d comments, sample of %d for the text", week, stats["volume"]["total"], len(sample))

    if client is None or stats["volume"]["total"] == 0:
        result = summary_text.offline_summary(stats, sample)
    else:
        try:
            result = summary_text.llm_summary(client, stats, sample)
        except Exception as exc:  # any LLM failure: retry, or fall back on the last try
            if not allow_fallback:
                raise
            log.warning("LLM failed for week %s (%s); storing the offline summary", week, exc)
            result = summary_text.offline_summary(stats, sample, motivo=type(exc).__name__)

    with engine.begin() as conn:
        upsert_summary(conn, week, texto=result.texto, estatisticas=stats, classificador=result.classificador,
                       modelo=result.modelo, versao_prompt=result.versao_prompt)
    return {"semana": week.label, "comentarios": stats["volume"]["total"], "classificador": result.classificador,
            "modelo": result.modelo, "amostra": len(sample)}


def email_decision(stored: StoredSummary, *, reenviar: bool, automatic: bool,
                   approval_required: bool = False) -> tuple[bool, str]:
    """Whether to e-mail now, and why (logged by the task).

    ``approval_required`` (SUMMARY_APPROVAL): a summary that is due still needs ``aprovado``
    (``alumusic.summary.approval``); a rejected one, or one never approved, stays unsent.
    """
    due, motivo = _due(stored, reenviar=reenviar, automatic=automatic)
    if due and approval_required and stored.aprovacao != "aprovado":
        return False, f"SUMMARY_APPROVAL: resumo {stored.aprovacao or 'sem aprovação'}; não enviado"
    return due, motivo


def _due(stored: StoredSummary, *, reenviar: bool, automatic: bool) -> tuple[bool, str]:
    if reenviar:
        return True, "reenviar=true"
    if stored.enviado_em is not None:
        return False, f"já enviado em {stored.enviado_em:%d/%m/%Y %H:%M}; use reenviar=true para enviar de novo"
    if not automatic:
        return False, "semana passada (backfill ou execução manual de outra semana): resumo guardado sem e-mail; use reenviar=true para enviar"
    return True, "primeiro envio do resumo da semana"


def deliver(engine: sa.Engine, week: IsoWeek, *, recipients: list[str], reenviar: bool, automatic: bool,
            send: Callable[[EmailMessage, list[str]], None], public_base_url: str | None = None,
            approval_required: bool = False) -> dict:
    """E-mail ``week``'s stored summary if due; ``enviado_em`` is set only after SMTP accepted it.

    ``public_base_url`` (PUBLIC_BASE_URL): the e-mail links to the week on the dashboard there.
    Every attempt is recorded with its recipients; a failed one also with its error, and the
    exception then propagates (the Airflow task retries). The summary itself is never changed.
    ``approval_required``: see ``email_decision``.
    """
    if not recipients:
        log.warning("SUMMARY_RECIPIENTS is empty: nothing to send for %s", week)
        return {"semana": week.label, "enviado": False, "motivo": "SUMMARY_RECIPIENTS vazio"}
    with engine.begin() as conn:
        # The row lock keeps two runs of the same week from both sending.
        stored = get_summary(conn, week.label, for_update=True)
        if stored is None:
            raise LookupError(f"no stored summary for {week}: run the build step first")
        due, motivo = email_decision(stored, reenviar=reenviar, automatic=automatic,
                                     approval_required=approval_required)
        log.info("week %s: %s", week, motivo)
        if not due:
            return {"semana": week.label, "enviado": False, "motivo": motivo}
        failure: Exception | None = None
        try:
            send(build_message(stored, recipients=recipients, public_base_url=public_base_url), recipients)
        except Exception as exc:  # noqa: BLE001 - recorded in this transaction (it commits), re-raised after it
            failure = exc
            mark_send_failed(conn, week.label, recipients, f"{type(exc).__name__}: {exc}")
        else:
            mark_emailed(conn, week.label, recipients)
    if failure is not None:
        log.warning("week %s: e-mail failed (%s); the summary is kept, the task will retry", week, failure)
        raise failure
    return {"semana": week.label, "enviado": True, "motivo": motivo, "destinatarios": len(recipients)}
