"""The first start of the local stack: demo data only into an empty database, and only unless DEMO=0."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alumusic import demo_data
from alumusic.classification.offline import OfflineClassifier

CATEGORIES = {"ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA", "SPAM", "OUTRO"}


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM comentarios")).scalar()


def test_an_empty_database_gets_the_demo_stream(db, monkeypatch):
    monkeypatch.delenv("DEMO", raising=False)
    assert demo_data.first_start(db, 1200) == 1200
    with db.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT count(DISTINCT artista), count(DISTINCT album), min(recebido_em), max(recebido_em),"
            " count(*) FILTER (WHERE status = 'pendente'), count(*) FILTER (WHERE fonte = 'demo')"
            " FROM comentarios")).one()
        releases = conn.execute(sa.text("SELECT count(*) FROM lancamentos")).scalar()
    artistas, albums, first, last, pending, demo = row
    assert artistas >= 10 and albums >= 20 and releases == albums
    assert pending == demo == 1200  # waiting for classify_comments
    assert last - first > timedelta(days=55)  # ~10 weeks for the weekly_summary backfill
    assert last <= datetime.now(UTC)


def test_a_database_with_data_is_never_touched(db, monkeypatch):
    monkeypatch.delenv("DEMO", raising=False)
    assert demo_data.load(db, 5, seed=1, progress=False) == 5
    assert demo_data.first_start(db, 500) == 0
    assert _count(db) == 5
    # The second start of the stack (data loaded by the first) adds nothing either.
    assert demo_data.first_start(db, 500, seed=77) == 0
    assert _count(db) == 5


def test_demo_0_opts_out(db, monkeypatch):
    monkeypatch.setenv("DEMO", "0")
    assert demo_data.first_start(db, 500) == 0
    assert demo_data.first_start(db, 500, enabled=False) == 0
    assert _count(db) == 0
    assert demo_data.demo_enabled({"DEMO": "false"}) is False
    assert demo_data.demo_enabled({"DEMO": "1"}) is demo_data.demo_enabled({}) is True


def test_the_demo_stream_has_spam_and_all_six_categories():
    """As the offline classifier (what the local stack runs without Ollama) sees the generated texts."""
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    comments = list(demo_data.generate(demo_data.FIRST_START_COUNT, days=demo_data.FIRST_START_DAYS,
                                       seed=demo_data.FIRST_START_SEED, now=now))
    classifier = OfflineClassifier()
    mix = Counter(classifier.classify(c.texto).categoria for c in comments)
    assert set(mix) == CATEGORIES, mix
    assert all(mix[c] >= 0.02 * len(comments) for c in CATEGORIES), mix  # each visible on the charts
    weeks = {c.recebido_em.isocalendar()[:2] for c in comments}
    assert len(weeks) >= 10
