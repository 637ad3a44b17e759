"""ISO week labels, boundaries in São Paulo time, and which week a DAG run summarises."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from alumusic.summary.weeks import IsoWeek, last_complete_week, week_for_run

SP = "America/Sao_Paulo"


def test_labels_and_boundaries():
    w = IsoWeek.parse("2026-W47")
    assert (w.label, w.inicio, w.fim) == ("2026-W47", date(2026, 11, 16), date(2026, 11, 22))
    assert IsoWeek.parse("2026-W53").inicio == date(2026, 12, 28)  # 2026 has 53 ISO weeks
    assert IsoWeek.parse("2026-W53").shift(1).label == "2027-W01"
    assert IsoWeek.of(date(2027, 1, 1)).label == "2026-W53"
    for bad in ("2025-W53", "2026-47", "2026-W7", "", "semana"):
        with pytest.raises(ValueError):
            IsoWeek.parse(bad)


def test_last_complete_week_uses_sao_paulo_time():
    # Monday 01:00 UTC is still Sunday 22:00 in São Paulo: the current week is not over yet there.
    monday_utc = datetime(2026, 11, 23, 1, 0, tzinfo=ZoneInfo("UTC"))
    assert last_complete_week(SP, monday_utc).label == "2026-W46"
    assert last_complete_week(SP, datetime(2026, 11, 23, 4, 0, tzinfo=ZoneInfo("UTC"))).label == "2026-W47"


def test_week_for_run():
    start = datetime(2026, 11, 16, 8, tzinfo=ZoneInfo(SP))
    assert week_for_run(None, start, None, SP).label == "2026-W47"
    assert week_for_run("2026-W40", start, None, SP).label == "2026-W40"  # the param wins
    run_after = datetime(2026, 11, 25, 15, tzinfo=ZoneInfo("UTC"))
    assert week_for_run(None, None, run_after, SP).label == "2026-W47"  # manual run, no logical date
