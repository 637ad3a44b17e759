"""The five report views, read through repositories.report, on a known dataset."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

import pytest

from alumusic.repositories.report import CHARTS, fetch_report
from tests.dashboard.seed import SP, seed


@pytest.fixture
def seeded(db):
    return seed(db)


def test_categories_by_artist_counts_last_7_days_current_classifications(db, seeded):
    rows = fetch_report(db)["categorias_por_artista"]
    got = {(r["artista"], r["categoria"]): r["total"] for r in rows}
    assert got == {
        ("Luna Ribeiro", "ELOGIO"): 6, ("Luna Ribeiro", "CRÍTICA"): 3, ("Luna Ribeiro", "SPAM"): 1,
        ("MC Trovão", "DÚVIDA"): 3, ("MC Trovão", "OUTRO"): 2, ("MC Trovão", "SUGESTÃO"): 1,
    }  # Rock Paraná only commented 10 days ago; the pending comment has no category


def test_criticism_after_release_by_day_since_release(db, seeded):
    rows = fetch_report(db)["critica_pos_lancamento"]
    # MC Trovão's release is 40 days old: its comments fall outside the 30-day window.
    assert {(r["artista"], r["album"]) for r in rows} == {("Luna Ribeiro", "Maré Alta")}
    by_day = {r["dias_desde_lancamento"]: (r["total"], r["criticas"], r["pct_critica"]) for r in rows}

    def day(days_ago: float) -> int:
        return ((seeded.now - timedelta(days=days_ago)).astimezone(SP).date() - seeded.luna_release).days

    assert by_day == {day(1): (7, 2, 28.6), day(3): (3, 1, 33.3), day(9): (2, 0, 0.0)}
    assert all(r["lancado_em"] == seeded.luna_release.isoformat() for r in rows)


def test_tags_of_the_last_48_hours_ranked(db, seeded):
    rows = fetch_report(db)["tags_48h"]
    assert [(r["codigo"], r["total"]) for r in rows] == [
        ("feat_autotune", 2), ("musica_melodia", 2), ("show_agenda", 2), ("spam_link", 1),
    ]  # the 3-day-old autotune and the 2.5-day-old show_agenda are out of the window
    assert rows[0]["rotulo"] == "Autotune"


def test_daily_category_mix_of_the_last_7_days(db, seeded):
    rows = fetch_report(db)["mix_diario"]
    today = seeded.now.astimezone(SP).date()
    expected = Counter()
    for r in seeded.rows:
        dia = r["quando"].astimezone(SP).date()
        if r["categoria"] and (today - dia).days <= 6:
            expected[(dia.isoformat(), r["categoria"])] += 1
    assert {(r["dia"], r["categoria"]): r["total"] for r in rows} == dict(expected)
    assert sum(expected.values()) == 16


def test_rising_artists_compare_last_7_days_with_the_7_before(db, seeded):
    rows = fetch_report(db)["artistas_em_alta"]
    assert rows == [
        {"artista": "MC Trovão", "total_7d": 6, "total_7d_anterior": 0, "variacao_pct": 600.0,
         "pct_critica_7d": 0.0, "pct_spam_7d": 0.0},
        {"artista": "Luna Ribeiro", "total_7d": 10, "total_7d_anterior": 2, "variacao_pct": 400.0,
         "pct_critica_7d": 30.0, "pct_spam_7d": 10.0},
    ]


def test_manual_correction_changes_the_report(db, seeded):
    from alumusic.repositories.classifications import record_manual_correction

    spam = seeded.where(categoria="SPAM")[0]
    with db.begin() as conn:
        record_manual_correction(conn, spam["id"], "ELOGIO", [], "Ana")
    got = {(r["artista"], r["categoria"]): r["total"] for r in fetch_report(db)["categorias_por_artista"]}
    assert got[("Luna Ribeiro", "ELOGIO")] == 7 and ("Luna Ribeiro", "SPAM") not in got


def test_report_is_json_ready_and_empty_without_data(db):
    report = fetch_report(db)
    assert set(report) == {"gerado_em", *CHARTS}
    assert all(report[key] == [] for key in CHARTS)
    datetime.fromisoformat(report["gerado_em"])
    json.dumps(report)  # no Decimal / date objects left
