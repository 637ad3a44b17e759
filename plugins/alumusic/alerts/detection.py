"""Spike detection: is this subject's last week unusual against its own trailing weeks?

Pure arithmetic on counts (no I/O), so a curator's question "why did this fire?" has an answer
that fits in a sentence, and the tests can build any stream they like.

A *subject* is an artist, an album or a tag. For each one the service counts its comments in
seven-day windows ending at the run's time: window 0 is the last seven days, windows 1..N the
trailing baseline (``Rules.baseline_weeks``, six by default). Three kinds of signal:

- ``critica`` — the share of criticism rose. Two-proportion z-test of the last seven days
  against the pooled baseline weeks; it fires when ``z >= z_open`` *and* the share rose by at least
  ``min_rise`` (15 points) *and* both sides have support (``min_support`` comments this week,
  ``min_baseline`` in the baseline). A tiny artist with 3 critical comments out of 4 never fires:
  that is what the support minimum is for.
- ``volume`` — many more comments than usual. A robust score: ``(x - median) / scale`` over the
  baseline's weekly counts, where ``scale`` is the larger of 1.4826·MAD and √median (the Poisson
  noise a count has anyway), at least 1. It fires when the score is ``>= score_open``, the count is at
  least ``volume_factor`` × the median and at least ``volume_min``.
- ``spam`` — a SPAM wave: the same robust score on the SPAM counts, with its own minimum and factor.

Hysteresis: an open alert stays open (and its evidence is updated) while the signal is above the
lower ``*_close`` thresholds, and closes when it falls below them; so a spike that hovers around
the opening threshold does not open and close every hour.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    CRITICA = "critica"
    VOLUME = "volume"
    SPAM = "spam"


class Action(StrEnum):
    ABRIR = "abrir"
    ATUALIZAR = "atualizar"
    FECHAR = "fechar"


@dataclass(frozen=True)
class Window:
    """One subject's classified comments in one seven-day window."""

    total: int = 0
    criticas: int = 0
    spam: int = 0


@dataclass(frozen=True)
class Rules:
    baseline_weeks: int = 6
    # criticism share
    min_support: int = 30
    min_baseline: int = 30
    z_open: float = 4.0
    z_close: float = 1.5
    min_rise: float = 0.15
    # volume
    volume_min: int = 30
    volume_factor: float = 2.0
    score_open: float = 4.0
    score_close: float = 2.0
    # spam wave
    spam_min: int = 10
    spam_factor: float = 3.0


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Signal:
    kind: Kind
    opens: bool  # strong enough to open an alert
    holds: bool  # strong enough to keep an open one open
    score: float  # z (criticism) or the robust score (volume, spam)
    atual: float  # this week's share (criticism) or count
    base: float  # the baseline's share or median weekly count
    n: int  # comments this week (the support)
    n_base: int  # comments in the whole baseline

    def evidence(self) -> dict:
        return {"tipo": self.kind.value, "score": round(self.score, 2), "atual": round(self.atual, 4),
                "base": round(self.base, 4), "n": self.n, "n_base": self.n_base}


def criticism(current: Window, baseline: Sequence[Window], rules: Rules = DEFAULT_RULES) -> Signal:
    n, c = current.total, current.criticas
    big_n, big_c = sum(w.total for w in baseline), sum(w.criticas for w in baseline)
    p1 = c / n if n else 0.0
    p0 = big_c / big_n if big_n else 0.0
    z = _two_proportion_z(c, n, big_c, big_n)
    rise = p1 - p0
    opens = n >= rules.min_support and big_n >= rules.min_baseline and z >= rules.z_open and rise >= rules.min_rise
    holds = n >= 1 and z >= rules.z_close and rise >= rules.min_rise / 2
    return Signal(Kind.CRITICA, opens, holds or opens, z, p1, p0, n, big_n)


def volume(current: Window, baseline: Sequence[Window], rules: Rules = DEFAULT_RULES) -> Signal:
    return _count_signal(Kind.VOLUME, current.total, [w.total for w in baseline], rules.volume_min,
                         rules.volume_factor, rules, n=current.total, n_base=sum(w.total for w in baseline))


def spam(current: Window, baseline: Sequence[Window], rules: Rules = DEFAULT_RULES) -> Signal:
    return _count_signal(Kind.SPAM, current.spam, [w.spam for w in baseline], rules.spam_min,
                         rules.spam_factor, rules, n=current.total, n_base=sum(w.total for w in baseline))


def evaluate(current: Window, baseline: Sequence[Window], rules: Rules = DEFAULT_RULES) -> list[Signal]:
    return [criticism(current, baseline, rules), volume(current, baseline, rules), spam(current, baseline, rules)]


def decide(is_open: bool, signal: Signal) -> Action | None:
    """What to do with (subject, kind) given whether an alert is open for it."""
    if not is_open:
        return Action.ABRIR if signal.opens else None
    return Action.ATUALIZAR if signal.holds else Action.FECHAR


def explain(signal: Signal, subject: str) -> str:
    """The sentence a curator reads on the alert (pt-BR)."""
    if signal.kind is Kind.CRITICA:
        return (f"{subject}: {_pct(signal.atual)} de críticas em {signal.n} comentários dos últimos 7 dias, "
                f"contra {_pct(signal.base)} em {signal.n_base} comentários das semanas anteriores "
                f"(z = {_num(signal.score)}).")
    what = "comentários" if signal.kind is Kind.VOLUME else "comentários de SPAM"
    return (f"{subject}: {int(signal.atual)} {what} nos últimos 7 dias, contra uma mediana de "
            f"{_num(signal.base)} por semana nas semanas anteriores (escore robusto = {_num(signal.score)}).")


def _count_signal(kind: Kind, x: int, history: list[int], minimum: int, factor: float, rules: Rules,
                  *, n: int, n_base: int) -> Signal:
    median = statistics.median(history) if history else 0.0
    mad = statistics.median([abs(h - median) for h in history]) if history else 0.0
    scale = max(1.4826 * mad, math.sqrt(median), 1.0)
    score = (x - median) / scale
    # A subject with no baseline (new, or new to the database) has nothing to rise against.
    opens = (n_base >= rules.min_baseline and x >= minimum and x >= factor * median
             and score >= rules.score_open)
    holds = x >= minimum / 2 and x >= (1 + factor) / 2 * median and score >= rules.score_close
    return Signal(kind, opens, holds or opens, score, float(x), float(median), n, n_base)


def _two_proportion_z(c1: int, n1: int, c0: int, n0: int) -> float:
    if not n1 or not n0:
        return 0.0
    p1, p0, pooled = c1 / n1, c0 / n0, (c1 + c0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    if se == 0:
        return 0.0
    return (p1 - p0) / se


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def _num(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")
