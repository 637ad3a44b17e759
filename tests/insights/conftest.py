"""Fixtures for the insights Q&A: stored weekly summaries."""

from __future__ import annotations

from datetime import date

import pytest

from alumusic.summary.repository import upsert_summary
from alumusic.summary.weeks import IsoWeek

# Fixed "today" (Thursday of 2026-W48): the 8-week window is 2026-W40 .. 2026-W48.
HOJE = date(2026, 11, 26)


def summary_text(week: IsoWeek) -> str:
    """A short summary whose facts are unique to its week (so tests can tell sources apart)."""
    n = week.week
    return (
        "[Resumo de teste]\n"
        "Destaques\n"
        f"- A semana {week.label} teve {n * 10} comentários, com alta de elogios para Artista{n}.\n"
        "Insatisfação\n"
        f"- As críticas ao som do show de Artista{n} em Cidade{n} cresceram bastante.\n"
        "Dúvidas e sugestões\n"
        f"- Fãs pediram show de Artista{n} em Recife e perguntaram sobre ingressos.\n"
    )


@pytest.fixture
def seed_weeks(db):
    """``seed_weeks(labels)`` stores one summary per ISO week label."""

    def seed(labels):
        with db.begin() as conn:
            for label in labels:
                week = IsoWeek.parse(label)
                upsert_summary(conn, week, texto=summary_text(week), estatisticas={"semana": label},
                               classificador="offline", modelo=None, versao_prompt="teste")
        return db

    return seed
