"""``resumos_semanais``: one row per ISO week, replaced on rerun, e-mail state kept.

E-mail state (migration 0011): ``enviado_em`` is set only when SMTP accepted the message;
every attempt counts in ``tentativas_envio`` and records its recipients; a failed one keeps its
error (``ultimo_erro_envio``/``ultimo_erro_em``) until an attempt succeeds. ``deliveries`` lists
it all for the dashboard's admin page.

Approval state (migration 0017, ``SUMMARY_APPROVAL=true``): ``aprovacao`` is ``aguardando`` while the
DAG waits on Airflow's ApprovalOperator, then ``aprovado`` or ``rejeitado``, with who answered
(``aprovacao_por``; NULL when the deadline passed and ``SUMMARY_APPROVAL_DEFAULT`` was applied,
``aprovacao_prazo_esgotado``) and when. A rerun that replaces the text clears it.

Functions take a SQLAlchemy ``Connection``; the caller owns the transaction.

Personal data (LGPD): ``upsert_summary`` is the only writer of the table and masks
(``alumusic.domain.pii``) the text and every string of the statistics before they are stored, whoever
wrote them: the LLM may echo a phone or an e-mail it saw (or invented), and the offline text
quotes comments. The table never holds raw personal data, so whatever reads it (the e-mail, the
insights Q&A, the dashboard) starts from masked text. Rows stored before this rule may still
hold some: the e-mail and insights mask again on their way out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from alumusic.domain.pii import mask_strings, mask_text
from alumusic.settings import get_settings


class Week(Protocol):
    """An ISO week as the table keys it (``alumusic.summary.weeks.IsoWeek`` is one)."""

    @property
    def label(self) -> str: ...  # "2026-W03"

    @property
    def inicio(self) -> date: ...  # its Monday

    @property
    def fim(self) -> date: ...  # its Sunday


@dataclass(frozen=True)
class StoredSummary:
    semana: str
    inicio: date
    fim: date
    texto: str
    estatisticas: dict
    classificador: str
    modelo: str | None
    versao_prompt: str | None
    gerado_em: datetime
    enviado_em: datetime | None
    destinatarios: list[str]
    aprovacao: str | None = None  # None (not asked), aguardando, aprovado, rejeitado (0017)


_COLUMNS = ("semana, inicio, fim, texto, estatisticas, classificador, modelo, versao_prompt, "
            "gerado_em, enviado_em, destinatarios, aprovacao")
_MARK_EMAILED = sa.text(
    "UPDATE resumos_semanais SET enviado_em = now(), destinatarios = :dest, tentativas_envio = tentativas_envio + 1, "
    "ultimo_erro_envio = NULL, ultimo_erro_em = NULL WHERE semana = :semana")
_MARK_FAILED = sa.text(
    "UPDATE resumos_semanais SET destinatarios = :dest, tentativas_envio = tentativas_envio + 1, "
    "ultimo_erro_envio = :erro, ultimo_erro_em = now() WHERE semana = :semana")
_DELIVERIES = sa.text(
    "SELECT semana, inicio, fim, gerado_em, classificador, modelo, enviado_em, destinatarios, tentativas_envio, "
    "ultimo_erro_envio, ultimo_erro_em, aprovacao, aprovacao_por, aprovacao_em, aprovacao_prazo_esgotado "
    "FROM resumos_semanais ORDER BY inicio DESC LIMIT :limite")
_AWAIT_APPROVAL = sa.text(
    "UPDATE resumos_semanais SET aprovacao = 'aguardando', aprovacao_por = NULL, aprovacao_em = now(), "
    "aprovacao_prazo_esgotado = false WHERE semana = :semana")
_RECORD_APPROVAL = sa.text(
    "UPDATE resumos_semanais SET aprovacao = :decisao, aprovacao_por = :por, aprovacao_em = :em, "
    "aprovacao_prazo_esgotado = :prazo WHERE semana = :semana")
MAX_ERROR_CHARS = 1000
# Only weeks that ended before ``:hoje``: a row for the current or a future week (weekly_summary once
# accepted ``semana="2027-W02"`` and stored it empty) is partial, and the newest row wins below.
_SINCE = sa.text(f"SELECT {_COLUMNS} FROM resumos_semanais WHERE inicio >= :desde AND fim < :hoje "
                 "ORDER BY inicio DESC LIMIT :limite")

# A rerun replaces the text, statistics and provenance; enviado_em/destinatarios keep the
# record of what was already e-mailed, so a rerun does not mail again by itself. An approval
# decision was about the replaced text, so it is cleared.
_UPSERT = sa.text(
    """
    INSERT INTO resumos_semanais (semana, inicio, fim, texto, estatisticas, classificador, modelo, versao_prompt)
    VALUES (:semana, :inicio, :fim, :texto, CAST(:estatisticas AS jsonb), :classificador, :modelo, :versao_prompt)
    ON CONFLICT (semana) DO UPDATE
       SET inicio = EXCLUDED.inicio, fim = EXCLUDED.fim, texto = EXCLUDED.texto,
           estatisticas = EXCLUDED.estatisticas, classificador = EXCLUDED.classificador,
           modelo = EXCLUDED.modelo, versao_prompt = EXCLUDED.versao_prompt, gerado_em = now(),
           aprovacao = NULL, aprovacao_por = NULL, aprovacao_em = NULL, aprovacao_prazo_esgotado = false
    """
)


def upsert_summary(
    conn: sa.Connection,
    week: Week,
    *,
    texto: str,
    estatisticas: dict,
    classificador: str,
    modelo: str | None,
    versao_prompt: str | None,
) -> None:
    """Insert or replace ``week``'s summary, with personal data masked in ``texto`` and ``estatisticas``."""
    conn.execute(_UPSERT, {
        "semana": week.label, "inicio": week.inicio, "fim": week.fim, "texto": mask_text(texto),
        "estatisticas": json.dumps(mask_strings(estatisticas), ensure_ascii=False), "classificador": classificador,
        "modelo": modelo, "versao_prompt": versao_prompt,
    })


def get_summary(conn: sa.Connection, semana: str, *, for_update: bool = False) -> StoredSummary | None:
    sql = f"SELECT {_COLUMNS} FROM resumos_semanais WHERE semana = :semana"
    if for_update:
        sql += " FOR UPDATE"
    row = conn.execute(sa.text(sql), {"semana": semana}).mappings().first()
    return StoredSummary(**row) if row else None


def mark_emailed(conn: sa.Connection, semana: str, recipients: Sequence[str]) -> None:
    """SMTP accepted ``semana``'s e-mail to ``recipients``: sent now, one more attempt, no error."""
    conn.execute(_MARK_EMAILED, {"semana": semana, "dest": list(recipients)})


def mark_send_failed(conn: sa.Connection, semana: str, recipients: Sequence[str], error: str) -> None:
    """An attempt to e-mail ``semana`` to ``recipients`` failed with ``error``; ``enviado_em`` is kept."""
    conn.execute(_MARK_FAILED, {"semana": semana, "dest": list(recipients), "erro": error[:MAX_ERROR_CHARS]})


def mark_awaiting_approval(conn: sa.Connection, semana: str) -> None:
    """``semana``'s summary now waits for a curator's approval (any earlier decision is replaced)."""
    conn.execute(_AWAIT_APPROVAL, {"semana": semana})


def record_approval(conn: sa.Connection, semana: str, *, aprovado: bool, por: str | None, em: datetime,
                    prazo_esgotado: bool) -> None:
    """The decision on ``semana``'s summary: by whom (None: the deadline's default) and when."""
    conn.execute(_RECORD_APPROVAL, {"semana": semana, "decisao": "aprovado" if aprovado else "rejeitado",
                                    "por": por, "em": em, "prazo": prazo_esgotado})


@dataclass(frozen=True)
class SummaryDelivery:
    """A stored summary's provenance and e-mail state (no text): one row of the admins' list."""

    semana: str
    inicio: date
    fim: date
    gerado_em: datetime
    classificador: str
    modelo: str | None
    enviado_em: datetime | None
    destinatarios: list[str]
    tentativas_envio: int
    ultimo_erro_envio: str | None
    ultimo_erro_em: datetime | None
    aprovacao: str | None = None
    aprovacao_por: str | None = None
    aprovacao_em: datetime | None = None
    aprovacao_prazo_esgotado: bool = False

    @property
    def status(self) -> str:
        """``aguardando aprovação`` or ``rejeitado`` (SUMMARY_APPROVAL, 0017), ``falhou`` (the last
        attempt failed), ``enviado`` or ``pendente`` (never attempted or sent)."""
        if self.aprovacao == "aguardando":
            return "aguardando aprovação"
        if self.aprovacao == "rejeitado":
            return "rejeitado"
        if self.ultimo_erro_envio is not None:
            return "falhou"
        return "enviado" if self.enviado_em is not None else "pendente"


def deliveries(conn: sa.Connection, *, limit: int) -> list[SummaryDelivery]:
    """The ``limit`` newest weeks' summaries, newest first, with their e-mail state."""
    return [SummaryDelivery(**r) for r in conn.execute(_DELIVERIES, {"limite": limit}).mappings()]


def summaries_since(conn: sa.Connection, first_monday: date, *, limit: int,
                    today: date | None = None) -> list[StoredSummary]:
    """The ``limit`` newest summaries whose week starts on or after ``first_monday`` and has ended
    before ``today`` (default: today in the product's time zone, ``TIMEZONE``): the summary of the
    current week or of a future one is never used."""
    if today is None:
        today = datetime.now(ZoneInfo(get_settings().timezone)).date()
    rows = conn.execute(_SINCE, {"desde": first_monday, "hoje": today, "limite": limit}).mappings().all()
    return [StoredSummary(**r) for r in rows]
