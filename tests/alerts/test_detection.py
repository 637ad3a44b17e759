"""The spike detector on constructed streams (pure arithmetic: alumusic.alerts.detection)."""

from __future__ import annotations

import random

import pytest

from alumusic.alerts.detection import Action, Kind, Rules, Window, criticism, decide, evaluate, explain, spam, volume


def steady(total: int, share: float, weeks: int = 6, spam_count: int = 0) -> list[Window]:
    return [Window(total, round(total * share), spam_count) for _ in range(weeks)]


def test_a_real_criticism_spike_opens():
    sig = criticism(Window(100, 45), steady(100, 0.12))
    assert sig.opens and sig.holds
    assert sig.score > 5
    assert sig.atual == pytest.approx(0.45) and sig.base == pytest.approx(0.12)


def test_a_low_volume_artist_never_fires_however_critical():
    # 4 of 5 comments critical, against a calm baseline: too little support to mean anything.
    signals = evaluate(Window(5, 4, 0), steady(10, 0.1))
    assert not any(s.opens for s in signals)


def test_a_small_rise_with_enormous_support_does_not_fire():
    # Statistically significant (z > 4) but only five points: not something a curator acts on.
    sig = criticism(Window(20000, 3400), steady(20000, 0.12))
    assert sig.score > 4
    assert not sig.opens


def test_noise_around_the_baseline_never_opens():
    rng = random.Random(7)
    opened = 0
    for _subject in range(300):
        size = rng.randint(20, 400)
        weeks = [Window(max(0, size + rng.randint(-size // 5, size // 5)), 0, 0) for _ in range(7)]
        weeks = [Window(w.total, sum(rng.random() < 0.15 for _ in range(w.total)),
                        sum(rng.random() < 0.02 for _ in range(w.total))) for w in weeks]
        opened += sum(s.opens for s in evaluate(weeks[0], weeks[1:]))
    assert opened == 0


def test_volume_spike_against_the_median_and_its_noise():
    assert volume(Window(400), steady(100, 0.1)).opens
    assert not volume(Window(130), steady(100, 0.1)).opens  # within noise of a count of 100
    # A baseline with one outlier week: the median, not the mean, is the baseline.
    history = [Window(100)] * 5 + [Window(5000)]
    assert volume(Window(450), history).opens


def test_a_subject_with_no_baseline_is_not_a_spike():
    # A first import (or a new artist) has nothing to rise against.
    signals = evaluate(Window(500, 250, 100), [Window()] * 6)
    assert not any(s.opens for s in signals)


def test_a_new_spam_wave_on_a_known_artist():
    sig = spam(Window(150, 10, 60), steady(100, 0.1, spam_count=1))
    assert sig.kind is Kind.SPAM and sig.opens
    assert not spam(Window(100, 10, 3), steady(100, 0.1, spam_count=1)).opens


def test_hysteresis_keeps_a_continuing_spike_open_and_closes_on_recovery():
    base = steady(100, 0.12)
    peak, fading, recovered = criticism(Window(100, 45), base), criticism(Window(100, 25), base), \
        criticism(Window(100, 14), base)
    assert decide(False, peak) is Action.ABRIR
    assert decide(True, peak) is Action.ATUALIZAR
    assert not fading.opens and fading.holds  # below the opening bar, above the closing one
    assert decide(False, fading) is None
    assert decide(True, fading) is Action.ATUALIZAR
    assert decide(True, recovered) is Action.FECHAR
    assert decide(False, recovered) is None


def test_every_signal_holds_when_it_opens():
    rules = Rules()
    for current in (Window(100, 60, 40), Window(30, 29, 29), Window(1000, 500, 300)):
        for sig in evaluate(current, steady(50, 0.1, spam_count=1), rules):
            assert sig.holds or not sig.opens


def test_the_explanation_says_why_in_numbers():
    text = explain(criticism(Window(80, 36), steady(100, 0.12)), "Banda X")
    assert text.startswith("Banda X: 45% de críticas em 80 comentários dos últimos 7 dias")
    assert "12% em 600 comentários" in text and "z = " in text
    assert "mediana de 100,0 por semana" in explain(volume(Window(400), steady(100, 0.1)), "Banda X")
