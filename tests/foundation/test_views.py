"""The report views return the right aggregates on a small dataset whose answers we know."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tests.support.factories import add_comment

NOW = datetime.now(timezone.utc)


def _add(conn, *, artista, categoria, horas_atras, album=None, tags=(), texto="comentário"):
    return add_comment(conn, texto, artista=artista, album=album, recebido_em=NOW - timedelta(hours=horas_atras),
                       categoria=categoria, tags=tags, explicacao="porque sim")["id"]


@pytest.fixture
def seeded(db):
    with db.begin() as conn:
        # Artist A: 3 praise + 1 criticism this week; 1 praise 10 days ago (previous week).
        for h in (1, 2, 30):
            _add(conn, artista="A", categoria="ELOGIO", horas_atras=h, tags=("voz_timbre",))
        _add(conn, artista="A", categoria="CRÍTICA", horas_atras=50, tags=("feat_autotune", "voz_timbre"))
        _add(conn, artista="A", categoria="ELOGIO", horas_atras=24 * 10)
        # Artist B: 2 SPAM this week, 1 unclassified (must not count anywhere).
        _add(conn, artista="B", categoria="SPAM", horas_atras=3, tags=("spam_link",))
        _add(conn, artista="B", categoria="SPAM", horas_atras=4)
        _add(conn, artista="B", categoria=None, horas_atras=5)
        # Release of album X by C five days ago: day 0 one criticism, day 2 one praise + one criticism.
        conn.execute(sa.text("INSERT INTO lancamentos (artista, album, lancado_em) VALUES ('C', 'X', :d)"),
                     {"d": (NOW - timedelta(days=5)).astimezone(timezone(timedelta(hours=-3))).date()})
    return db


def _rows(engine, sql, **params):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def test_categories_by_artist_last_7_days(seeded):
    rows = _rows(seeded, "SELECT artista, categoria, total FROM v_relatorio_categorias_por_artista ORDER BY 1, 2")
    assert rows == [("A", "CRÍTICA", 1), ("A", "ELOGIO", 3), ("B", "SPAM", 2)]


def test_tags_of_the_last_48_hours(seeded):
    rows = _rows(seeded, "SELECT codigo, total FROM v_relatorio_tags_48h ORDER BY total DESC, codigo")
    # The criticism (50 h ago) is outside the window: its tags don't count.
    assert rows == [("voz_timbre", 3), ("spam_link", 1)]


def test_daily_mix_counts_each_classified_comment_once(seeded):
    rows = _rows(seeded, "SELECT categoria, sum(total)::int FROM v_relatorio_mix_diario GROUP BY 1 ORDER BY 1")
    assert rows == [("CRÍTICA", 1), ("ELOGIO", 3), ("SPAM", 2)]


def test_rising_artists_compare_with_previous_week(seeded):
    with seeded.begin() as conn:
        for h in range(6):  # make B reach the minimum volume of 5 this week
            _add(conn, artista="B", categoria="ELOGIO", horas_atras=6 + h)
    rows = _rows(seeded, "SELECT artista, total_7d, total_7d_anterior, variacao_pct, pct_spam_7d "
                         "FROM v_relatorio_artistas_em_alta ORDER BY artista")
    # A has 4 this week (< 5) and is left out; B: 8 now, 0 before; 2 of 8 are SPAM.
    assert rows == [("B", 8, 0, 800.0, 25.0)]


def test_criticism_after_release_by_day(seeded):
    release_day = (NOW - timedelta(days=5)).astimezone(timezone(timedelta(hours=-3))).date()
    with seeded.begin() as conn:
        start = datetime.combine(release_day, datetime.min.time(), timezone(timedelta(hours=-3)))
        for offset_h, cat in ((2, "CRÍTICA"), (50, "ELOGIO"), (51, "CRÍTICA")):
            when = start + timedelta(hours=offset_h)
            _add(conn, artista="C", album="X", categoria=cat, horas_atras=(NOW - when).total_seconds() / 3600)
    rows = _rows(seeded, "SELECT dias_desde_lancamento, total, criticas, pct_critica::float "
                         "FROM v_relatorio_critica_pos_lancamento WHERE artista = 'C' ORDER BY 1")
    assert rows == [(0, 1, 1, 100.0), (2, 2, 1, 50.0)]
