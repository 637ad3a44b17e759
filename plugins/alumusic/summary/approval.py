"""Approved summaries (``SUMMARY_APPROVAL=true``): what the curator sees before the e-mail, and the decision.

``weekly_summary`` then has a third task between building and e-mailing: Airflow's human-in-the-loop
``ApprovalOperator`` (standard provider). It shows ``request`` 's subject and Markdown body in Airflow's
*Required Actions* view; ``record`` stores the answer in ``resumos_semanais`` (migration 0017):

- **Aprovar** (Airflow's ``Approve``): recorded ``aprovado``; ``email_summary`` sends as usual;
- **Rejeitar** (``Reject``): recorded ``rejeitado``; the summary stays stored, no e-mail;
- no answer within ``SUMMARY_APPROVAL_TIMEOUT_HOURS``: Airflow's scheduler applies
  ``SUMMARY_APPROVAL_DEFAULT`` and it is recorded as such (``aprovacao_prazo_esgotado``, nobody's name).

Personal data (LGPD): stored summaries are masked already; the body masks again (rows stored before
that rule), like the e-mail. No SQL here (``alumusic.repositories.summaries``), no Airflow import.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa

from alumusic.domain.pii import mask_strings, mask_text
from alumusic.repositories.summaries import StoredSummary, get_summary, mark_awaiting_approval, record_approval
from alumusic.summary import fmt
from alumusic.summary.message import number_rows, subject
from alumusic.summary.pipeline import email_decision
from alumusic.summary.text import has_previous
from alumusic.summary.weeks import IsoWeek

# Airflow's ApprovalOperator options, and the settings' names for them.
APPROVE, REJECT = "Approve", "Reject"
DEFAULT_OPTION = {"aprovar": APPROVE, "rejeitar": REJECT}
DEFAULT_LABEL = {APPROVE: "aprovado e enviado", REJECT: "rejeitado (guardado sem envio)"}


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


# CommonMark's escapable ASCII punctuation: escaped, each is drawn as itself.
_MARKDOWN_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def _literal(text: str) -> str:
    """``text`` drawn as written in the approver's Markdown, one line per line: the summary quotes
    comments, and a quote's ``![x](https://…)``, ``### Destaques`` or ``<img>`` would otherwise
    load a remote image or forge a section in the view the approver decides on."""
    return "  \n".join(_MARKDOWN_PUNCTUATION.sub(r"\\\1", line) for line in text.splitlines())


def body(stored: StoredSummary, *, recipients: list[str], timeout: timedelta | None, default: str | None) -> str:
    """The Markdown shown to the approver: the week, its numbers, the text the e-mail will carry.

    ``timeout``/``default``: the operator's ``response_timeout`` and default option (Approve/Reject).
    """
    stats = mask_strings(stored.estatisticas)
    texto = mask_text(stored.texto).strip()
    rows = number_rows(stats)
    if has_previous(stats):
        table = ["| Indicador | Semana | Semana anterior |", "|---|---:|---:|"]
        table += [f"| {_cell(a)} | {_cell(b)} | {_cell(c)} |" for a, b, c in rows]
    else:
        table = ["| Indicador | Semana |", "|---|---:|"]
        table += [f"| {_cell(a)} | {_cell(b)} |" for a, b, _ in rows if a != "Variação do volume"]
    periodo = fmt.periodo(stored.inicio.isoformat(), stored.fim.isoformat())
    if timeout is None or default is None:
        prazo = "Sem prazo: o resumo espera uma resposta."
    else:
        horas = timeout.total_seconds() / 3600
        quando = f"{horas:g} h" if horas >= 1 else f"{timeout.total_seconds() / 60:g} min"
        prazo = f"Sem resposta em {quando}, o resumo é {DEFAULT_LABEL[default]} (SUMMARY_APPROVAL_DEFAULT)."
    return "\n".join([
        f"**Semana {stored.semana}** ({periodo}) — resumo gerado em {stored.gerado_em:%d/%m/%Y %H:%M} "
        f"({'texto offline, sem LLM' if stored.classificador == 'offline' else 'LLM'}).",
        "",
        f"**Approve** (aprovar) envia o e-mail abaixo para {len(recipients)} destinatário(s) "
        f"({', '.join(recipients) or '—'}); **Reject** (rejeitar) guarda o resumo sem enviar. {prazo}",
        "",
        "---",
        "",
        f"### {subject(stored)}",
        "",
        *table,
        "",
        _literal(texto),
    ])


def request(engine: sa.Engine, week: IsoWeek, *, reenviar: bool, automatic: bool) -> StoredSummary | None:
    """``week``'s stored summary, now marked ``aguardando`` (waiting for a decision); None when its
    e-mail is not due anyway (a backfill, a week already sent: ``email_decision``), so nobody is asked."""
    with engine.begin() as conn:
        stored = get_summary(conn, week.label, for_update=True)
        if stored is None:
            raise LookupError(f"no stored summary for {week}: run the build step first")
        if not email_decision(stored, reenviar=reenviar, automatic=automatic)[0]:
            return None
        mark_awaiting_approval(conn, week.label)
    return stored


def record(engine: sa.Engine, week: IsoWeek, event: dict) -> bool:
    """Store the decision carried by Airflow's resume ``event``; True when approved.

    ``event`` is the HITL resume payload: ``chosen_options``, ``responded_at``, ``responded_by_user``
    (``{"id", "name"}``; None when the deadline applied the default) and ``timedout``.
    """
    approved = list(event.get("chosen_options") or []) == [APPROVE]
    user = event.get("responded_by_user") or {}
    when = event.get("responded_at")
    if not isinstance(when, datetime):
        when = datetime.fromisoformat(str(when))
    with engine.begin() as conn:
        record_approval(conn, week.label, aprovado=approved, por=user.get("name") or user.get("id"), em=when,
                        prazo_esgotado=bool(event.get("timedout")))
    return approved

