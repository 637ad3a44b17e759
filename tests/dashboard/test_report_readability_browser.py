"""The public report stays readable with real names, one artist and 50 artists (issue 16), checked
in the system Chromium on what plotly drew: no rotated or overlapping labels, long names cut
with "…" and whole in the hover text, every chart with a text description for screen readers.
Screenshots: test-artifacts/dashboard/relatorio-{nomes-longos,um-artista,50-artistas}.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from alumusic.domain.palette import CORES_CATEGORIA
from dashboard.figures import MAX_LANCAMENTOS, MAX_ROTULO
from tests.dashboard.seed import SP
from tests.support.dashboard import ARTIFACTS
from tests.support.factories import add_comments

pytestmark = pytest.mark.browser

CHARTS = ("categorias_por_artista", "critica_pos_lancamento", "tags_48h", "mix_diario", "artistas_em_alta")
LONG_NAMES = [
    "Orquestra Sinfônica Brasileira de Música Popular e Convidados Especiais",
    "Banda do Zé Pretinho e os Cavaleiros do Forró Pé de Serra Universitário",
    "Os Incríveis Tocadores de Viola Caipira do Vale do Paraíba Paulista",
    "MC",
]
CATEGORY_CYCLE = ("ELOGIO", "CRÍTICA", "DÚVIDA", "SUGESTÃO", "SPAM", "OUTRO")
TAGS = ("feat_autotune", "show_agenda", "musica_melodia", "spam_link")

_DRAWN_JS = """() => { const g = [...document.querySelectorAll('div[id^="grafico-"] .js-plotly-plot')];
    return g.length === 5 && g.every(d => d.data && d.data.length > 0); }"""

# For each chart: its tick and legend labels as drawn (text, box, transform) and the graph's box.
_LABELS_JS = """() => Object.fromEntries([...document.querySelectorAll('div[id^="grafico-"]')].map(g => {
    const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const labels = sel => [...g.querySelectorAll(sel)].filter(e => e.textContent.trim() !== '').map(e => ({
        text: e.textContent, box: box(e), transform: (e.getAttribute('transform') || '') +
            ' ' + (e.parentNode.getAttribute('transform') || '')}));
    return [g.id.replace('grafico-', ''), {graph: box(g), y: labels('.ytick text'), x: labels('.xtick text'),
                                           legend: labels('.legend .traces text'),
                                           titles: labels('.xtitle, .ytitle, .gtitle, .gtitle-subtitle, .annotation-text')}];
}))"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def _assert_readable(labels: dict) -> None:
    for chart, found in labels.items():
        for kind in ("x", "y", "legend"):
            items = found[kind]
            for item in items:
                assert "rotate" not in item["transform"], (chart, kind, item)
                assert len(item["text"]) <= max(MAX_ROTULO, 40), (chart, kind, item["text"])
                g = found["graph"]
                assert g[0] - 1 <= item["box"][0] and item["box"][2] <= g[2] + 1, (chart, kind, item, "cut off")
            for i, a in enumerate(items):
                for b in items[i + 1:]:
                    assert not _overlap(a["box"], b["box"]), (chart, kind, a, b)
        # Nothing written collides with anything else written: ticks, legend, titles, notes.
        everything = [(kind, item) for kind in ("x", "y", "legend", "titles") for item in found[kind]]
        for i, (ka, a) in enumerate(everything):
            for kb, b in everything[i + 1:]:
                if ka != kb:
                    assert not _overlap(a["box"], b["box"]), (chart, ka, a, kb, b)


def _item(texto, artista, album, categoria, quando, tags=()):
    return {"texto": texto, "categoria": categoria, "tags": list(tags), "artista": artista, "album": album,
            "recebido_em": quando, "publicado_em": quando, "fonte": "teste", "enviado_por": "teste"}


def _seed(db, artists: list[str], *, per_artist: int = 6, previous: int = 2) -> datetime:
    """``per_artist`` classified comments of each artist in the last days (all categories, tags),
    ``previous`` of them the week before, and a release of each artist 5 days ago."""
    now = datetime.now(UTC)
    today = now.astimezone(SP).date()
    items, releases = [], []
    for a, artista in enumerate(artists):
        album = f"{artista}: Ao Vivo no Theatro Municipal" if len(artista) > 20 else "Estreia"
        for i in range(per_artist):
            quando = now - timedelta(hours=3 + 13 * i, minutes=a)  # spread over the last ~3 days
            items.append(_item(f"comentário {i} sobre {artista}", artista, album,
                               CATEGORY_CYCLE[(a + i) % len(CATEGORY_CYCLE)], quando, [TAGS[(a + i) % len(TAGS)]]))
        for i in range(previous):
            items.append(_item(f"antigo {i} de {artista}", artista, album, "ELOGIO",
                               now - timedelta(days=9, minutes=a + i)))
        releases.append({"a": artista, "b": album, "d": today - timedelta(days=5)})
    add_comments(db, items)
    with db.begin() as conn:
        conn.execute(sa.text("INSERT INTO lancamentos (artista, album, lancado_em) VALUES (:a, :b, :d)"), releases)
    return now


def _open_report(open_tab, live):
    tab = open_tab(logged_in=False)
    tab.page.goto(live + "/relatorio/semana")
    tab.page.wait_for_function(_DRAWN_JS)
    return tab


def _descriptions(page) -> dict[str, str]:
    for key in CHARTS:
        expect(page.locator(f"#descricao-{key}")).not_to_be_empty()
    return {key: page.locator(f"#descricao-{key}").text_content() for key in CHARTS}


def test_long_names_are_cut_on_the_axes_and_whole_in_the_hover_and_the_descriptions(live, db, open_tab):
    _seed(db, LONG_NAMES)
    tab = _open_report(open_tab, live)
    page = tab.page
    labels = page.evaluate(_LABELS_JS)
    _assert_readable(labels)
    # Horizontal bars: the artists are on the vertical axis, cut with an ellipsis, never rotated.
    for chart in ("categorias_por_artista", "artistas_em_alta"):
        shown = [t["text"] for t in labels[chart]["y"]]
        assert "MC" in shown and len(shown) == len(LONG_NAMES)
        assert all(t.endswith("…") for t in shown if t != "MC"), shown
    # The bars carry the whole names: hovering the top bar shows it.
    data = page.evaluate("""() => document.querySelector('#grafico-artistas_em_alta .js-plotly-plot').data
                                  .map(t => Array.from(t.y))""")
    assert all(sorted(ys) == sorted(LONG_NAMES) for ys in data)
    bar = page.locator("#grafico-artistas_em_alta .trace.bars .point path").last
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()  # plotly's drag layer lies on top: move the mouse there, as a user does
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    hover = page.locator("#grafico-artistas_em_alta .hoverlayer .hovertext").first
    expect(hover).to_be_visible()
    assert any(name in hover.text_content() for name in LONG_NAMES), hover.text_content()
    # Screen-reader text: each chart is a labelled figure with a description from the data.
    described = _descriptions(page)
    assert any(name in described["categorias_por_artista"] for name in LONG_NAMES), described
    assert "Maiores altas" in described["artistas_em_alta"]
    for key in CHARTS:
        fig = page.locator(f"figure:has(#grafico-{key})")
        assert fig.get_attribute("aria-describedby") == f"descricao-{key}"
        assert page.locator(f"#{fig.get_attribute('aria-labelledby')}").text_content()
    # The palette: each category's bars in its one colour.
    colours = page.evaluate("""() => document.querySelector('#grafico-categorias_por_artista .js-plotly-plot').data
                                    .map(t => [t.name, t.marker.color])""")
    labels_pt = {"Elogio": "ELOGIO", "Crítica": "CRÍTICA", "Dúvida": "DÚVIDA", "Sugestão": "SUGESTÃO", "SPAM": "SPAM",
                 "Outro": "OUTRO"}
    assert {name: colour for name, colour in colours} == {k: CORES_CATEGORIA[v] for k, v in labels_pt.items()}
    tab.screenshot("relatorio-nomes-longos")
    assert tab.errors == []


def test_one_artist(live, db, open_tab):
    _seed(db, ["Luna Ribeiro"], per_artist=8)
    tab = _open_report(open_tab, live)
    _assert_readable(tab.page.evaluate(_LABELS_JS))
    described = _descriptions(tab.page)
    assert "de 1 artista." in described["categorias_por_artista"]
    assert "Luna Ribeiro, 8 contra 2 (+300%)" in described["artistas_em_alta"]
    tab.screenshot("relatorio-um-artista")
    assert tab.errors == []


def test_fifty_artists(live, db, open_tab):
    artists = [f"Artista Número {n:02d} da Cena Independente de Belo Horizonte" if n % 3 == 0 else f"Artista {n:02d}"
               for n in range(50)]
    _seed(db, artists, per_artist=5, previous=1)
    tab = _open_report(open_tab, live)
    page = tab.page
    labels = page.evaluate(_LABELS_JS)
    _assert_readable(labels)
    assert len(labels["categorias_por_artista"]["y"]) == 10  # the view's top 10
    assert len(labels["artistas_em_alta"]["y"]) == 10
    # 50 releases: the most recent ones, one colour each, and a note saying how many there are.
    traces = page.evaluate("""() => document.querySelector('#grafico-critica_pos_lancamento .js-plotly-plot').data
                                   .map(t => t.line.color)""")
    assert len(traces) == MAX_LANCAMENTOS and len(set(traces)) == MAX_LANCAMENTOS
    expect(page.locator("#grafico-critica_pos_lancamento .gtitle-subtitle")).to_contain_text(f"mais recentes de {len(artists)}")
    assert "50 lançamentos" in _descriptions(page)["critica_pos_lancamento"]
    tab.screenshot("relatorio-50-artistas")
    print(f"\nscreenshots: {ARTIFACTS}/relatorio-{{nomes-longos,um-artista,50-artistas}}.png")
    assert tab.errors == []
