"""Issue 14 in the system Chromium: a report chart's point opens the private table filtered like it,
through the login; the table's view (filters, sort) lives in the URL, so a reload keeps it and the
back button returns to the previous one; a selected comment shows similar comments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.dashboard.seed import SP, add, seed
from tests.dashboard.test_dash_browser import _FIVE_DRAWN_JS, first_cell, wait_grid_rows
from tests.support.dashboard import PASSWORD, USER

pytestmark = pytest.mark.browser


def _total(n: int) -> str:
    return f"{n} comentário{'s' if n != 1 else ''}"


def test_a_chart_point_opens_the_filtered_table_after_the_login(live, db, open_tab):
    seeded = seed(db)
    tab = open_tab(logged_in=False)
    page = tab.page
    page.goto(live + "/relatorio/semana")
    page.wait_for_function(_FIVE_DRAWN_JS)
    graph = "#grafico-categorias_por_artista"
    # The link of the first bar of the "Crítica" trace, as the server built it.
    trace, link = page.evaluate(f"""() => {{ const gd = document.querySelector('{graph} .js-plotly-plot');
        const i = gd.data.findIndex(t => t.name === 'Crítica');
        const j = gd.data[i].y.indexOf('Luna Ribeiro');
        return [i, gd.data[i].meta.links[j]]; }}""")
    query = parse_qs(urlsplit(link).query)
    assert {k: v[0] for k, v in query.items() if k in ("artista", "categoria")} == {
        "artista": "Luna Ribeiro", "categoria": "CRÍTICA"}
    # A real click on that bar (plotly's drag layer takes the mouse, so click at the bar's place).
    bar = page.locator(f"{graph} .trace.bars").nth(trace).locator(".point path")
    names = page.evaluate(f"() => Array.from(document.querySelector('{graph} .js-plotly-plot').data[{trace}].y)")
    box = bar.nth(names.index("Luna Ribeiro")).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"/entrar\?proximo="))
    page.fill("#usuario", USER)
    page.fill("#senha", PASSWORD)
    page.click("#entrar-botao")
    expect(page).to_have_url(live + link)  # every parameter survived the login
    desde = query["desde"][0]
    expected = [r for r in seeded.where(artista="Luna Ribeiro", categoria="CRÍTICA")
                if r["quando"].astimezone(SP).date().isoformat() >= desde]
    expect(page.locator("#dash-total")).to_have_text(_total(len(expected)))
    rows = wait_grid_rows(page, len(expected))
    assert sorted(r["texto"] for r in rows) == sorted(r["texto"] for r in expected)
    expect(page.locator("#filtro-artista")).to_contain_text("Luna Ribeiro")
    expect(page.locator("#filtro-categoria")).to_contain_text("Crítica")
    tab.screenshot("drilldown")
    assert [e for e in tab.errors if "401" not in e] == []


def test_the_keyboard_reaches_every_point_through_the_list_under_its_chart(live, db, open_tab):
    seeded = seed(db)
    tab = open_tab(logged_in=False)
    page = tab.page
    page.goto(live + "/relatorio/semana")
    page.wait_for_function(_FIVE_DRAWN_JS)
    # The list holds the links the chart's points carry, each named with its count.
    links = page.evaluate("""() => { const gd = document.querySelector('#grafico-categorias_por_artista .js-plotly-plot');
        return gd.data.flatMap(t => t.meta.links); }""")
    items = page.locator("#pontos-categorias_por_artista a")
    hrefs = [items.nth(i).get_attribute("href") for i in range(items.count())]
    assert hrefs and set(hrefs) <= set(links)
    wanted = next(i for i in range(items.count()) if items.nth(i).text_content().startswith("Luna Ribeiro: crítica"))
    label = items.nth(wanted).text_content()
    # Only the keyboard from here: Tab to the list's summary, open it, Tab to the item, Enter.
    summary = page.locator(".pontos summary").first
    for _ in range(40):
        page.keyboard.press("Tab")
        if summary.evaluate("e => e === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the first chart's list")
    page.keyboard.press("Enter")
    expect(page.locator(".pontos").first).to_have_attribute("open", "")
    tab.screenshot("drilldown_keyboard_list")
    for _ in range(wanted + 1):
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == hrefs[wanted]
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/entrar\?proximo="))
    page.fill("#usuario", USER)
    page.fill("#senha", PASSWORD)
    page.click("#entrar-botao")
    expect(page).to_have_url(live + hrefs[wanted])
    desde = parse_qs(urlsplit(hrefs[wanted]).query)["desde"][0]
    expected = [r for r in seeded.where(artista="Luna Ribeiro", categoria="CRÍTICA")
                if r["quando"].astimezone(SP).date().isoformat() >= desde]
    expect(page.locator("#dash-total")).to_have_text(_total(len(expected)))
    # The list's count is the report's rolling 7 days; the table opens the whole days they touch.
    said = int(re.search(r"\((\d+) comentários?\)$", label).group(1))
    assert 0 < said <= len(expected), label
    assert [e for e in tab.errors if "401" not in e] == []


def test_a_refresh_keeps_the_keyboard_s_place_in_the_list_until_the_data_changes(live, db, open_tab):
    """The report refreshes every REPORT_CACHE_SECONDS: a reader of the list must not lose the focus to it."""
    seed(db)
    tab = open_tab(logged_in=False)
    page = tab.page
    page.goto(live + "/relatorio/semana")
    page.wait_for_function(_FIVE_DRAWN_JS)
    lista = "#pontos-categorias_por_artista"
    page.wait_for_function(f"() => document.querySelector('{lista} a')")
    page.evaluate(f"""() => {{ window.focado = document.querySelector('{lista} a');
        window.focado.closest('details').open = true; window.focado.focus(); }}""")
    stamp = page.locator("#relatorio-atualizado").text_content()
    # Two recomputations of the report (its time moves on), the same data: the link keeps the focus.
    for _ in range(2):
        expect(page.locator("#relatorio-atualizado")).not_to_have_text(stamp, timeout=15_000)
        stamp = page.locator("#relatorio-atualizado").text_content()
    assert page.evaluate("() => window.focado.isConnected && document.activeElement === window.focado")
    # New data still reaches the list.
    with db.begin() as conn:
        add(conn, artista="Duda Sertaneja", album="Boiadeira", quando=datetime.now(UTC), categoria="ELOGIO",
            tags=[], texto="chegou agora")
    expect(page.locator(f"{lista} a").filter(has_text="Duda Sertaneja")).to_have_count(1, timeout=15_000)
    assert [e for e in tab.errors if "401" not in e] == []


def test_the_view_lives_in_the_url_reload_and_back_keep_it(live, db, open_tab):
    seeded = seed(db)
    luna = seeded.where(artista="Luna Ribeiro")
    tab = open_tab()
    page = tab.page
    # A bookmark: a filter and a sort.
    page.goto(f"{live}/dashboard/?artista=Luna+Ribeiro&ordem=texto&sentido=asc")
    expect(page.locator("#dash-total")).to_have_text(_total(len(luna)))
    with db.connect() as conn:
        ordered = list(conn.execute(sa.text("SELECT texto FROM comentarios WHERE artista = 'Luna Ribeiro' "
                                            "ORDER BY texto, recebido_em DESC, id DESC")).scalars())
    expect(first_cell(page, "texto")).to_have_text(ordered[0])
    expect(page.locator('#dash-tabela .ag-header-cell[col-id="texto"]')).to_have_attribute("aria-sort", "ascending")

    # A new filter is a new history entry, with the sort kept.
    page.click("#filtro-categoria")
    page.locator(".dash-dropdown-content .dash-dropdown-option").filter(has_text="Crítica").first.click()
    page.keyboard.press("Escape")
    criticas = seeded.where(artista="Luna Ribeiro", categoria="CRÍTICA")
    expect(page.locator("#dash-total")).to_have_text(_total(len(criticas)))
    expect(page).to_have_url(re.compile(r"categoria=CR%C3%8DTICA"))
    assert parse_qs(urlsplit(page.url).query) == {"artista": ["Luna Ribeiro"], "categoria": ["CRÍTICA"],
                                                  "ordem": ["texto"], "sentido": ["asc"]}
    # Reloading (or sending the link to a colleague) opens the same view.
    page.reload()
    expect(page.locator("#dash-total")).to_have_text(_total(len(criticas)))
    expect(page.locator("#filtro-categoria")).to_contain_text("Crítica")
    # Sorting the other way is an entry too.
    page.click('#dash-tabela .ag-header-cell[col-id="texto"] .ag-header-cell-label')
    expect(page).to_have_url(re.compile(r"sentido=desc"))
    # Back: the ascending sort again, then the view without the category.
    page.go_back()
    expect(page).to_have_url(re.compile(r"sentido=asc"))
    expect(page.locator('#dash-tabela .ag-header-cell[col-id="texto"]')).to_have_attribute("aria-sort", "ascending")
    page.go_back()
    expect(page.locator("#dash-total")).to_have_text(_total(len(luna)))
    expect(page).not_to_have_url(re.compile(r"categoria="))
    expect(first_cell(page, "texto")).to_have_text(ordered[0])
    page.go_forward()
    expect(page.locator("#dash-total")).to_have_text(_total(len(criticas)))
    assert tab.errors == []


def test_a_link_with_hostile_values_opens_the_page_without_them(live, db, open_tab):
    seeded = seed(db)
    tab = open_tab()
    page = tab.page
    page.goto(f"{live}/dashboard/?categoria=HACK&texto=a%00b&ordem=senha&sentido=x&linha=-5&artista=MC+Trov%C3%A3o")
    expect(page.locator("#dash-total")).to_have_text(_total(len(seeded.where(artista="MC Trovão"))))
    expect(page.locator("#filtro-texto")).to_have_value("")
    assert tab.errors == []


def test_selecting_a_comment_shows_similar_comments(live, db, open_tab):
    from alumusic.repositories.comment_search import similar_comments

    seeded = seed(db)
    target = next(r for r in seeded.rows if r["texto"] == "autotune demais 0")
    with db.connect() as conn:
        expected = similar_comments(conn, target["id"], limit=5)
    assert expected  # "autotune demais 1" at least
    tab = open_tab()
    page = tab.page
    page.goto(f"{live}/dashboard/?texto=autotune+demais+0")
    expect(page.locator("#dash-total")).to_contain_text("comentário")
    wait_grid_rows(page, 1)
    page.locator('#dash-tabela .ag-row .ag-cell[col-id="texto"]').filter(has_text="autotune demais 0").first.click()
    items = page.locator("#dash-parecidos-lista li")
    expect(items).to_have_count(len(expected))
    for item, row in zip(items.all(), expected, strict=True):
        expect(item).to_contain_text(row["texto"])
    expect(page.locator("#dash-historico-tabela")).to_be_visible()  # the same selection drives the history
    tab.screenshot("dashboard-parecidos")
    assert tab.errors == []


def test_scrolled_row_is_kept_in_the_url(live, db, open_tab):
    from tests.dashboard.seed import add

    seeded = seed(db)
    with db.begin() as conn:
        for i in range(120):
            add(conn, artista="Os Cometas", album="Órbita", quando=seeded.now - timedelta(minutes=i, seconds=30),
                categoria="OUTRO", tags=[], texto=f"cometa {i:03d}")
    tab = open_tab()
    page = tab.page
    page.goto(f"{live}/dashboard/?artista=Os+Cometas&linha=100")
    expect(page.locator('#dash-tabela .ag-row[row-index="100"] .ag-cell[col-id="texto"]')).to_have_text("cometa 100")
    assert tab.errors == []


# The renderer merges inputs that change while a call is queued into one call, with every changed
# prop in ``triggered`` (in no promised order). Under load a back/forward lands in the same call as
# the grid's block request; the view must still follow the URL. Called in the page, with the call
# context the renderer would give.
_CALL_MERGED_JS = """([source, triggered, args]) => {
    const fn = eval("(" + source + ")"), dc = window.dash_clientside, saved = dc.callback_context;
    dc.callback_context = {triggered: triggered.map(prop_id => ({prop_id}))};
    try {
        const out = fn(...args);
        return (Array.isArray(out) ? out : [out]).map(v => v === dc.no_update ? "<no_update>" : v);
    } finally { dc.callback_context = saved; }
}"""


def test_a_back_merged_with_a_block_request_still_applies_the_url(live, db, open_tab):
    from dashboard.pages.comentarios import URL_SYNC_JS

    seed(db)
    page = open_tab().page
    page.goto(f"{live}/dashboard/?artista=Luna+Ribeiro")
    expect(page.locator("#dash-total")).to_contain_text("comentário")
    filters = ["Luna Ribeiro", None, None, None, None, None, None]  # what the page shows before the back
    back_to = "?artista=Luna+Ribeiro&categoria=CR%C3%8DTICA"
    request = {"startRow": 0, "endRow": 50, "sortModel": []}
    for triggered in (["dash-tabela.getRowsRequest", "dash-url.search"],
                      ["dash-url.search", "dash-tabela.getRowsRequest"]):
        out = page.evaluate(_CALL_MERGED_JS, [URL_SYNC_JS, triggered, [back_to, request, *filters]])
        assert out[0] == "<no_update>"  # the URL is the source here: not written back
        assert out[1:] == ["Luna Ribeiro", None, None, "CRÍTICA", None, None, None], triggered


def test_a_rebuilt_grid_s_null_request_writes_nothing(live, db, open_tab):
    """On back/forward Dash Pages may rebuild the page; the new grid first reports a null request.
    Written as a sort-less view, that pushed an entry and dropped the forward history."""
    from dashboard.pages.comentarios import URL_SYNC_JS

    seed(db)
    page = open_tab().page
    page.goto(f"{live}/dashboard/?artista=Luna+Ribeiro&ordem=texto&sentido=asc")
    expect(page.locator("#dash-total")).to_contain_text("comentário")
    filters = ["Luna Ribeiro", None, None, None, None, None, None]
    out = page.evaluate(_CALL_MERGED_JS, [URL_SYNC_JS, ["dash-tabela.getRowsRequest"], [None, None, *filters]])
    assert out == ["<no_update>"] * 8
    # A real block request with another sort is still an entry of its own.
    request = {"startRow": 0, "endRow": 50, "sortModel": [{"colId": "texto", "sort": "desc"}]}
    out = page.evaluate(_CALL_MERGED_JS, [URL_SYNC_JS, ["dash-tabela.getRowsRequest"], [None, request, *filters]])
    assert out == ["?artista=Luna+Ribeiro&ordem=texto&sentido=desc"] + ["<no_update>"] * 7


def test_a_filter_merged_with_a_block_request_pushes_the_filter(live, db, open_tab):
    from dashboard.pages.comentarios import RELOAD_GRID_JS, URL_SYNC_JS

    seed(db)
    page = open_tab().page
    page.goto(f"{live}/dashboard/?artista=Luna+Ribeiro")
    expect(page.locator("#dash-total")).to_contain_text("comentário")
    filters = ["Luna Ribeiro", None, None, "CRÍTICA", None, None, None]  # the curator just picked Crítica
    request = {"startRow": 0, "endRow": 50, "sortModel": []}
    triggered = ["dash-tabela.getRowsRequest", "filtro-categoria.value"]
    out = page.evaluate(_CALL_MERGED_JS, [URL_SYNC_JS, triggered, [None, request, *filters]])
    assert out == ["?artista=Luna+Ribeiro&categoria=CR%C3%8DTICA"] + ["<no_update>"] * 7
    # The same merge in the reload script: a filter change with a correction purges (back to the
    # top, selection cleared) instead of refreshing in place.
    page.locator('#dash-tabela .ag-row .ag-cell[col-id="texto"]').first.click()
    expect(page.locator("#dash-tabela .ag-row-selected")).to_have_count(1)
    page.evaluate(_CALL_MERGED_JS, [RELOAD_GRID_JS, ["dash-versao.data", "filtro-categoria.value"], []])
    expect(page.locator("#dash-tabela .ag-row-selected")).to_have_count(0)
