"""Summary fixtures: the last complete ISO week, and it seeded with the known dataset
(``tests.support.weeks.known_week_items``, written through ``tests.support.factories``)."""

from __future__ import annotations

import pytest

from alumusic.summary.weeks import IsoWeek, last_complete_week
from tests.support.factories import add_comments
from tests.support.weeks import known_week_items


@pytest.fixture
def week() -> IsoWeek:
    return last_complete_week("America/Sao_Paulo")


@pytest.fixture
def known_week(db, week):
    add_comments(db, known_week_items(week))
    return week
