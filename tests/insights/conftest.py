"""Fixtures for the insights Q&A: stored weekly summaries (texts and HOJE in tests/support/insights.py)."""

from __future__ import annotations

import pytest

from alumusic.repositories.summaries import upsert_summary
from alumusic.summary.weeks import IsoWeek
from tests.support.insights import summary_text


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
