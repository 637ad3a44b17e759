"""The insights Q&A's test data: a fixed "today" and stored weekly summaries whose facts are unique to their week."""

from __future__ import annotations

from datetime import date

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
