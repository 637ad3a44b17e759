"""pt-BR number formatting shared by the summary text and the e-mail (1.234; 12,5%; +3,0%)."""

from __future__ import annotations


def inteiro(n: int | float | None) -> str:
    return f"{int(n or 0):,}".replace(",", ".")


def pct(value: float | None, *, sinal: bool = False) -> str:
    if value is None:
        return "—"
    text = f"{value:+.1f}" if sinal else f"{value:.1f}"
    return text.replace(".", ",") + "%"


def periodo(inicio: str, fim: str) -> str:
    """'2026-11-16', '2026-11-22' -> '16/11 a 22/11/2026'."""
    y1, m1, d1 = inicio.split("-")
    y2, m2, d2 = fim.split("-")
    return f"{d1}/{m1}{'/' + y1 if y1 != y2 else ''} a {d2}/{m2}/{y2}"
