"""The report's five queries run on separate connections yet read one snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alumusic.repositories.report import fetch_report
from tests.dashboard.seed import add, seed


@pytest.fixture
def seeded(db):
    return seed(db)


def _charts(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "gerado_em"}


def test_concurrent_report_equals_the_sequential_one(db, seeded):
    assert _charts(fetch_report(db, parallel=5)) == _charts(fetch_report(db, parallel=1))


def test_all_queries_see_the_snapshot_taken_before_a_concurrent_commit(db, seeded, engine):
    before = _charts(fetch_report(db, parallel=1))
    committed = []

    # Right after the lead transaction exports its snapshot, and before any worker starts,
    # another session commits a comment that changes all five charts.
    def commit_in_between(conn, cursor, statement, *args):
        if "pg_export_snapshot" in statement and not committed:
            other = sa.create_engine(engine.url, poolclass=sa.pool.NullPool,
                                     connect_args={"options": "-c timezone=America/Sao_Paulo"})
            try:
                with other.begin() as c:
                    add(c, artista="Luna Ribeiro", album="Maré Alta", quando=datetime.now(UTC) - timedelta(hours=1),
                        categoria="SPAM", tags=["spam_link"], texto="ganhe dinheiro no meu canal")
            finally:
                other.dispose()
            committed.append(True)

    sa.event.listen(engine, "after_cursor_execute", commit_in_between)
    try:
        during = _charts(fetch_report(db, parallel=5))
    finally:
        sa.event.remove(engine, "after_cursor_execute", commit_in_between)
    assert committed
    assert during == before
    after = _charts(fetch_report(db, parallel=5))
    assert all(after[key] != before[key] for key in before), "the new comment shows in every chart afterwards"
