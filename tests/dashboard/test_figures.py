"""The report's figures without a browser (issue 16): one palette shared with the e-mail, cut labels
with whole names kept in the data, heights that grow with the rows, descriptions from the data."""

from __future__ import annotations

import io

import matplotlib.image as mpimg

from alumusic.domain import CATEGORIAS
from alumusic.domain.palette import CORES_CATEGORIA, ROTULOS_CATEGORIA
from alumusic.summary import charts
from dashboard import figures

LONG = "Orquestra Sinfônica Brasileira de Música Popular e Convidados Especiais"


def _por_artista(artists: list[str]) -> list[dict]:
    return [{"artista": a, "categoria": c, "total": 1 + i % 3} for i, a in enumerate(artists) for c in CATEGORIAS]


def _alta(artists: list[str]) -> list[dict]:
    return [{"artista": a, "total_7d": 10 - i % 5, "total_7d_anterior": 2, "variacao_pct": 400.0 - i,
             "pct_critica_7d": 12.5, "pct_spam_7d": 0.0} for i, a in enumerate(artists)]


def test_every_category_has_one_colour_in_the_dashboard_and_the_email():
    assert figures.CORES is CORES_CATEGORIA and figures.ROTULOS is ROTULOS_CATEGORIA
    assert len(set(CORES_CATEGORIA.values())) == len(CATEGORIAS)
    fig = figures.categorias_por_artista(_por_artista(["A", "B"]))
    assert {t.name: t.marker.color for t in fig.data} == {ROTULOS_CATEGORIA[c]: CORES_CATEGORIA[c] for c in CATEGORIAS}
    mix = figures.mix_diario([{"dia": "2026-11-16", "categoria": c, "total": 1} for c in CATEGORIAS])
    assert [t.marker.color for t in mix.data] == [CORES_CATEGORIA[c] for c in CATEGORIAS]
    # The e-mail's stacked bars are drawn with the same colours (read back from the PNG's pixels).
    stats = {"inicio": "2026-11-16", "volume": {"semana_anterior": 0}, "top_tags": [],
             "categorias_por_dia": [{"dia": "2026-11-16", "categoria": "CRÍTICA", "total": 5}]}
    [chart] = charts.charts(stats)
    pixels = mpimg.imread(io.BytesIO(chart.png))[..., :3]
    r, g, b = (int(CORES_CATEGORIA["CRÍTICA"][i:i + 2], 16) / 255 for i in (1, 3, 5))
    close = (abs(pixels[..., 0] - r) < 0.01) & (abs(pixels[..., 1] - g) < 0.01) & (abs(pixels[..., 2] - b) < 0.01)
    assert close.sum() > 1000  # a bar's worth of vermilion


def test_long_names_are_cut_on_the_axis_and_whole_in_the_data_and_hover():
    fig = figures.artistas_em_alta(_alta([LONG, "MC"]))
    axis = fig.layout.yaxis
    assert list(axis.tickvals) == ["MC", LONG]  # the one rising most on top
    assert list(axis.ticktext) == ["MC", figures.curto(LONG)] and len(axis.ticktext[1]) == figures.MAX_ROTULO
    assert axis.ticktext[1].endswith("…")
    assert all(t.orientation == "h" for t in fig.data)
    assert [row[3] for row in fig.data[0].customdata] == ["MC", LONG] and "customdata[3]" in fig.data[0].hovertemplate


def test_many_rows_make_taller_charts_and_many_releases_are_capped():
    ten = [f"Artista {n}" for n in range(10)]
    assert figures.artistas_em_alta(_alta(ten)).layout.height > figures.artistas_em_alta(_alta(ten[:2])).layout.height
    releases = [{"artista": f"A{n}", "album": "X", "lancado_em": "2026-11-01", "dias_desde_lancamento": d,
                 "total": 4, "criticas": 1, "pct_critica": 25.0} for n in range(50) for d in (0, 1)]
    fig = figures.critica_pos_lancamento(releases)
    assert len(fig.data) == figures.MAX_LANCAMENTOS
    assert len({t.line.color for t in fig.data}) == figures.MAX_LANCAMENTOS
    assert "mais recentes de 50" in fig.layout.title.subtitle.text


def test_descriptions_come_from_the_rows():
    text = figures.describe("artistas_em_alta", _alta(["Luna Ribeiro"]))
    assert text.startswith(figures.TITULOS["artistas_em_alta"])
    assert "Luna Ribeiro, 10 contra 2 (+400%)" in text
    assert figures.describe("tags_48h", []).endswith(figures.VAZIO["tags_48h"])
    mix = figures.describe("mix_diario", [{"dia": "2026-11-16", "categoria": "ELOGIO", "total": 3},
                                          {"dia": "2026-11-17", "categoria": "CRÍTICA", "total": 1}])
    assert "de 16/11 a 17/11: 4 comentários classificados (Elogio 75%, Crítica 25%)" in mix
    assert set(figures.describe_all({})) == set(figures.TITULOS)
