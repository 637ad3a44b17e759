"""ISO weeks (``2026-W47``) in the product's time zone: the key of every weekly summary."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")
# Weeks the product can summarise: far from date's limits (``0001-W01``.shift(-1) overflowed), and
# the product's data never predates 2000 nor reaches 2100.
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, label: str) -> IsoWeek:
        """``'2026-W47'`` -> IsoWeek; ValueError with a pt-BR message when malformed."""
        match = _LABEL.match(label.strip()) if isinstance(label, str) else None
        if not match:
            raise ValueError(f"semana inválida {label!r}: use o formato AAAA-Wnn, por exemplo 2026-W47")
        year, week = int(match[1]), int(match[2])
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"semana fora do intervalo {label!r}: o ano deve estar entre {MIN_YEAR} e {MAX_YEAR}")
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError as exc:
            raise ValueError(f"semana inexistente {label!r}") from exc
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def inicio(self) -> date:
        """Monday."""
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def fim(self) -> date:
        """Sunday (inclusive): what people read as "the week of 16/11 to 22/11"."""
        return self.inicio + timedelta(days=6)

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.inicio + timedelta(weeks=weeks))

    def __str__(self) -> str:
        return self.label


def local_today(tz: str, now: datetime | None = None) -> date:
    moment = now or datetime.now(ZoneInfo(tz))
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment.astimezone(ZoneInfo(tz)).date()


def last_complete_week(tz: str, now: datetime | None = None) -> IsoWeek:
    """The newest ISO week that has fully ended in time zone ``tz``."""
    return IsoWeek.of(local_today(tz, now)).shift(-1)


def week_of_moment(moment: datetime, tz: str) -> IsoWeek:
    """The ISO week containing ``moment`` as seen in ``tz``."""
    return IsoWeek.of(moment.astimezone(ZoneInfo(tz)).date())


def week_for_run(semana: str | None, data_interval_start: datetime | None, run_after: datetime | None,
                 tz: str, *, now: datetime | None = None) -> IsoWeek:
    """The week a DAG run summarises: the ``semana`` param when given, else the ISO week in which
    the run's data interval starts (the previous week for the Monday schedule), else (manual
    run without a logical date) the last week complete at ``run_after``.

    ValueError (pt-BR) for a malformed week or one that has not ended at ``now`` (default: the clock)
    in ``tz``: a current or future week would be stored as an empty or partial summary, and the
    insights Q&A reads the newest stored week."""
    if semana:
        week = IsoWeek.parse(semana)
    elif data_interval_start is not None:
        week = week_of_moment(data_interval_start, tz)
    else:
        week = last_complete_week(tz, run_after)
    newest = last_complete_week(tz, now)
    if week > newest:
        raise ValueError(f"a semana {week} ainda não terminou (fuso {tz}): a mais recente completa é {newest}")
    return week
