"""bench.scale's pure parts (the time plan, the generated rows, the markdown) and the
weekly views before migration 0020, which must give the shipped views' statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bench import scale

ANCHOR = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_every_size_keeps_a_constant_week_and_only_the_history_grows():
    steps = scale.plan([10_000_000, 1_000_000, 3_000_000])
    assert [s["size"] for s in steps] == [1_000_000, 3_000_000, 10_000_000]
    assert [s["increment"] for s in steps] == [[0, 1_000_000], [1_000_000, 3_000_000], [3_000_000, 10_000_000]]
    assert [round(s["days"]) for s in steps] == [73, 219, 730]
    assert {s["per_week"] for s in steps} == {95_890}


def test_each_increment_fills_the_days_before_the_previous_one_in_row_order():
    per_day = 1_000
    newest = [scale.moment(i, 0, 3_000, ANCHOR, per_day, 0.5) for i in range(3_000)]
    older = [scale.moment(i, 3_000, 10_000, ANCHOR, per_day, 0.5) for i in range(3_000, 10_000)]
    assert newest == sorted(newest) and older == sorted(older)  # time order inside an increment
    assert ANCHOR - timedelta(days=3) < newest[0] and newest[-1] < ANCHOR
    assert ANCHOR - timedelta(days=10) < older[0] and older[-1] < newest[0]
    week = [t for t in newest + older if t >= ANCHOR - timedelta(days=1)]
    assert len(week) == per_day  # one day's worth, whatever the size
    with pytest.raises(ValueError):
        scale.moment(3_000, 0, 3_000, ANCHOR, per_day, 0.5)


def test_generated_rows_are_deterministic_and_never_precede_their_album():
    from alumusic import demo_data

    released = {(r.artista, r.album): r.lancado_em for r in demo_data.releases(ANCHOR.date(), scale.RELEASE_DAYS)}
    rows = list(scale.comments_for(2_000, 4_000, 0, 10_000, ANCHOR, 20.0, pool=None))
    again = list(scale.comments_for(2_000, 4_000, 0, 10_000, ANCHOR, 20.0, pool=None))
    assert rows == again and len({r.id for r in rows}) == 2_000
    times = [r.recebido_em for r in rows]
    assert times == sorted(times) and ANCHOR - timedelta(days=500) < times[0] and times[-1] < ANCHOR - timedelta(days=300)
    assert all(r.recebido_em.date() >= released[(r.artista, r.album)] for r in rows)
    assert all(r.publicado_em <= r.recebido_em for r in rows)
    # The artists' second albums (released in the last 77 days) are not commented on 300+ days back.
    assert {r.album for r in rows} <= {albums[0] for albums in demo_data.ARTISTAS.values()}


def _result(n: int, cold_ms: float, ratio: float) -> dict:
    return {
        "comentarios": n, "disk": {"database_mb": 1024.0},
        "report": {"cold": {"p50_ms": cold_ms / 2, "max_ms": cold_ms}, "cached": {"p95_ms": 5.0},
                   "quando": "2026-12-01 17:00 UTC", "load": [1.0, 1.0, 1.0]},
        "ingest": {"ratio": ratio, "raw_rate": 10_000.0, "api_rate": 10_000.0 * ratio, "load": [2.0, 1.0, 1.0]},
    }


def test_the_section_marks_the_largest_size_against_the_targets(tmp_path, monkeypatch):
    from bench import dashboard

    results = [_result(1_000_000, 400, 0.7), _result(10_000_000, 1_500, 0.65)]
    section = scale.render_markdown(results, {"per_day": scale.PER_DAY, "loads": {"10000000": {"started": "2026-12-01T16:00:00+00:00", "finished": "2026-12-01T16:30:00+00:00"}}})
    lines = section.splitlines()
    assert lines[0] == scale.TITLE
    cold = next(line for line in lines if line.startswith("| report JSON, cold (max"))
    assert "400 ms | 1,500 ms | **missed** |" in cold
    ingest = next(line for line in lines if line.startswith("| API batch ingest"))
    assert "0.70× | 0.65× | met |" in ingest
    assert "| — | 1,800 s |" in next(line for line in lines if line.startswith("| load of the increment"))

    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text("# Benchmarks\n\n## Dashboard\n\nkept\n\n## Scale curve\n\nstale figures\n\n## Later\n\nkept too\n")
    monkeypatch.setattr(dashboard, "BENCHMARKS_MD", doc)
    dashboard.update_benchmarks_md(section)
    text = doc.read_text()
    assert "stale figures" not in text and "kept\n" in text and text.endswith("## Later\n\nkept too\n")
    assert text.count(scale.TITLE) == 1


def test_the_0020_weekly_views_give_the_statistics_of_the_views_before_them(db):
    """Migration 0020's views (shipped) and the 0004/0006 ones (bench.scale.PREVIOUS_WEEKLY_VIEWS) on the
    summary's known dataset, week boundaries in São Paulo included, and on a week without comments."""
    from alumusic.summary.stats import weekly_stats
    from alumusic.summary.weeks import last_complete_week
    from tests.support.factories import add_comments
    from tests.support.weeks import known_week_items

    week = last_complete_week("America/Sao_Paulo")
    add_comments(db, known_week_items(week))
    with db.connect() as conn:
        shipped = [weekly_stats(conn, w) for w in (week, week.shift(-1), week.shift(-5))]
        conn.rollback()
        try:
            conn.exec_driver_sql(scale.PREVIOUS_WEEKLY_VIEWS)
            previous = [weekly_stats(conn, w) for w in (week, week.shift(-1), week.shift(-5))]
        finally:
            conn.rollback()
            conn.exec_driver_sql("DISCARD TEMP")
            conn.invalidate()
    assert shipped[0]["volume"]["total"] == 13  # the dataset is there
    assert previous == shipped
