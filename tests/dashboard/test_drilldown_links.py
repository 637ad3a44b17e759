"""Every point of the report's charts carries the link to the private table filtered like it (issue 14)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from dashboard import figures

REPORT = {
    "gerado_em": "2026-11-20T15:00:00+00:00",  # 12:00 in São Paulo
    "categorias_por_artista": [{"artista": "Luna", "categoria": "CRÍTICA", "total": 3},
                               {"artista": "MC", "categoria": "ELOGIO", "total": 2}],
    "critica_pos_lancamento": [{"artista": "Luna", "album": "Maré", "lancado_em": "2026-11-10",
                                "dias_desde_lancamento": 2, "total": 4, "criticas": 1, "pct_critica": 25.0,
                                "tipo": "album"}],
    "tags_48h": [{"codigo": "feat_autotune", "rotulo": "Autotune", "total": 2}],
    "mix_diario": [{"dia": "2026-11-19", "categoria": "SPAM", "total": 1}],
    "artistas_em_alta": [{"artista": "Luna", "total_7d": 10, "total_7d_anterior": 2, "variacao_pct": 400.0,
                          "pct_critica_7d": 10.0, "pct_spam_7d": 0.0}],
}


def _query(link: str) -> dict:
    parts = urlsplit(link)
    assert parts.path == "/dashboard/" and not parts.netloc
    return {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_each_point_links_to_the_table_with_its_filters():
    built = figures.build_all(REPORT, timezone="America/Sao_Paulo")
    for key, fig in built.items():
        for trace in fig.data:
            points = len(trace.y if trace.orientation == "h" else trace.x)
            assert len(trace.meta["links"]) == points, key
    [critica] = [t for t in built["categorias_por_artista"].data if t.name == "Crítica"]
    assert _query(critica.meta["links"][list(critica.y).index("Luna")]) == {"artista": "Luna", "categoria": "CRÍTICA", "desde": "2026-11-13",
                                                "ate": "2026-11-20"}
    assert _query(built["critica_pos_lancamento"].data[0].meta["links"][0]) == {
        "artista": "Luna", "album": "Maré", "categoria": "CRÍTICA", "desde": "2026-11-12", "ate": "2026-11-12"}
    assert _query(built["tags_48h"].data[0].meta["links"][0]) == {"tag": "feat_autotune", "desde": "2026-11-18",
                                                                  "ate": "2026-11-20"}
    assert _query(built["mix_diario"].data[0].meta["links"][0]) == {"categoria": "SPAM", "desde": "2026-11-19",
                                                                    "ate": "2026-11-19"}
    anterior, atual = built["artistas_em_alta"].data
    assert _query(atual.meta["links"][0]) == {"artista": "Luna", "desde": "2026-11-13", "ate": "2026-11-20"}
    assert _query(anterior.meta["links"][0]) == {"artista": "Luna", "desde": "2026-11-06", "ate": "2026-11-13"}


def test_without_a_timezone_or_data_there_are_no_links():
    assert all(t.meta is None for fig in figures.build_all(REPORT).values() for t in fig.data)
    empty = figures.build_all({"gerado_em": REPORT["gerado_em"]}, timezone="America/Sao_Paulo")
    assert all(not fig.data for fig in empty.values())


def test_every_point_with_comments_is_listed_with_its_count_and_the_same_link():
    built = figures.build_all(REPORT, timezone="America/Sao_Paulo")
    points = {key: dict(figures.drilldown_points(fig)) for key, fig in built.items()}
    assert points["categorias_por_artista"] == {  # no item for a zero bar (MC has no criticism)
        "Luna: crítica nos últimos 7 dias (3 comentários)": built["categorias_por_artista"].data[
            [t.name for t in built["categorias_por_artista"].data].index("Crítica")].meta["links"][
            list(built["categorias_por_artista"].data[0].y).index("Luna")],
        "MC: elogio nos últimos 7 dias (2 comentários)": next(
            t.meta["links"][list(t.y).index("MC")] for t in built["categorias_por_artista"].data if t.name == "Elogio"),
    }
    assert _query(points["tags_48h"]["Autotune nas últimas 48 horas (2 citações)"]) == {
        "tag": "feat_autotune", "desde": "2026-11-18", "ate": "2026-11-20"}
    assert _query(points["mix_diario"]["SPAM em 19/11 (1 comentário)"]) == {
        "categoria": "SPAM", "desde": "2026-11-19", "ate": "2026-11-19"}
    assert list(points["critica_pos_lancamento"]) == ["Luna — Maré, 2 dia(s) após o lançamento (1 crítica)"]
    assert set(points["artistas_em_alta"]) == {"Luna: 7 dias anteriores (2 comentários)",
                                               "Luna: últimos 7 dias (10 comentários)"}
    # Every listed link is one a click on some point follows.
    for key, fig in built.items():
        assert set(points[key].values()) <= {link for t in fig.data for link in t.meta["links"]}, key
