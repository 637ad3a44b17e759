"""Approved summaries' pure parts: the Required Actions body and the e-mail gate (no database)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from alumusic.repositories.summaries import StoredSummary
from alumusic.summary.approval import APPROVE, REJECT, body
from alumusic.summary.pipeline import email_decision

STATS = {
    "volume": {"total": 3, "semana_anterior": 0, "variacao_pct": None, "classificados": 3},
    "categorias": [{"categoria": "ELOGIO", "total": 3, "pct": 100.0, "semana_anterior": 0,
                    "pct_semana_anterior": 0.0}],
    "spam": {"pct": 0.0, "pct_semana_anterior": 0.0},
}
ROW = StoredSummary("2026-W47", date(2026, 11, 16), date(2026, 11, 22),
                    "Destaques: fale com joao.silva@gmail.com ou (11) 98765-4321 | fim", STATS, "offline",
                    None, None, datetime(2026, 11, 23, 11, tzinfo=UTC), None, [])


def test_body_shows_the_week_and_masks_personal_data_rows_stored_before_masking():
    text = body(ROW, recipients=["a@exemplo.com"], timeout=timedelta(hours=24), default=REJECT)
    assert "**Semana 2026-W47** (16/11 a 22/11/2026)" in text and "texto offline" in text
    assert "joao.silva@gmail.com" not in text and "98765-4321" not in text and "Destaques" in text
    assert "| Indicador | Semana |" in text and "Semana anterior" not in text  # no previous week to compare
    assert "Sem resposta em 24 h, o resumo é rejeitado (guardado sem envio)" in text
    assert "1 destinatário(s) (a@exemplo.com)" in text
    short = body(ROW, recipients=[], timeout=timedelta(minutes=30), default=APPROVE)
    assert "Sem resposta em 30 min, o resumo é aprovado e enviado" in short
    assert "Sem prazo" in body(ROW, recipients=[], timeout=None, default=None)


def test_the_gate_sends_only_an_approved_summary():
    def with_state(aprovacao):
        return dataclasses.replace(ROW, aprovacao=aprovacao)

    assert email_decision(with_state("aprovado"), reenviar=False, automatic=True, approval_required=True)[0]
    for state in (None, "aguardando", "rejeitado"):
        due, motivo = email_decision(with_state(state), reenviar=True, automatic=True, approval_required=True)
        assert due is False and "SUMMARY_APPROVAL" in motivo
    # Without SUMMARY_APPROVAL the state is not looked at; a backfill stays unsent either way.
    assert email_decision(with_state("rejeitado"), reenviar=False, automatic=True)[0] is True
    assert email_decision(with_state("aprovado"), reenviar=False, automatic=False, approval_required=True)[0] is False


def test_a_quoted_comment_cannot_forge_markdown_in_the_approvers_view():
    """The summary quotes comments; the approver's view renders Markdown (CommonMark here)."""
    from markdown_it import MarkdownIt

    hostile = ("Destaques\n- Crítica: \"![t](https://evil.example/t.png) <img src=x onerror=alert(1)>\"\n"
               "### Aprovado pela diretoria\n[clique](https://evil.example) `code` *negrito* | a | b |\n"
               "https://evil.example/pixel")
    text = body(dataclasses.replace(ROW, texto=hostile), recipients=["a@exemplo.com"], timeout=None, default=None)
    page = MarkdownIt("commonmark").enable("table").render(text)
    assert "<img" not in page and "<a " not in page and "<code>" not in page and "<em>" not in page
    assert page.count("<h3>") == 1  # the subject's heading, not the forged one
    assert "### Aprovado pela diretoria" in page and "![t](https://evil.example/t.png)" in page  # shown as written
    assert "Destaques<br />" in page  # one line per line
