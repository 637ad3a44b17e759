"""Weekly statistics from the v_semana_* views on a known dataset."""

from __future__ import annotations

from alumusic.summary.stats import weekly_stats


def test_weekly_stats_of_a_known_week(known_week, db):
    with db.connect() as conn:
        s = weekly_stats(conn, known_week)

    assert s["semana"] == known_week.label and s["semana_anterior"] == known_week.shift(-1).label
    assert s["volume"] == {"total": 13, "classificados": 12, "nao_classificados": 1,
                           "semana_anterior": 4, "variacao_pct": 225.0}
    cats = {c["categoria"]: (c["total"], c["pct"], c["semana_anterior"], c["variacao"]) for c in s["categorias"]}
    assert cats == {
        "ELOGIO": (4, 33.3, 2, 2), "CRÍTICA": (3, 25.0, 1, 2), "SUGESTÃO": (1, 8.3, 0, 1),
        "DÚVIDA": (1, 8.3, 0, 1), "SPAM": (2, 16.7, 1, 1), "OUTRO": (1, 8.3, 0, 1),
    }
    assert s["spam"] == {"total": 2, "pct": 16.7, "pct_semana_anterior": 25.0}
    assert [(t["codigo"], t["total"], t["semana_anterior"]) for t in s["top_tags"]] == [
        ("feat_autotune", 2, 0), ("spam_link", 2, 1), ("voz_timbre", 2, 0),
        ("album_lancamento", 1, 0), ("show_agenda", 1, 0), ("show_som", 1, 0),
    ]
    assert [(a["artista"], a["elogios"], a["total"]) for a in s["artistas_mais_elogiados"]] == [
        ("Luna Ribeiro", 3, 6), ("MC Trovão", 1, 3)]
    assert [(a["artista"], a["criticas"]) for a in s["artistas_mais_criticados"]] == [
        ("MC Trovão", 2), ("Luna Ribeiro", 1)]
    assert [(a["album"], a["elogios"]) for a in s["albuns_mais_elogiados"]] == [
        ("Maré Alta", 3), ("Favela Digital", 1)]
    assert [(a["album"], a["criticas"]) for a in s["albuns_mais_criticados"]] == [
        ("Favela Digital", 2), ("Maré Alta", 1)]


def test_a_week_without_comments_has_zeros(db, week):
    with db.connect() as conn:
        s = weekly_stats(conn, week)
    assert s["volume"]["total"] == 0 and s["volume"]["variacao_pct"] is None
    assert all(c["total"] == 0 for c in s["categorias"]) and s["top_tags"] == []
