"""The pages in the system Chromium against the seeded database (screenshots in test-artifacts/dashboard/)."""

from __future__ import annotations

import csv
import io
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.dashboard.seed import FORMULA_TEXT, SP, add, seed
from tests.support.dashboard import NAME, PASSWORD, USER

pytestmark = pytest.mark.browser

# Traces of every plotly graph on the page: {graph id: [{name, x, y}]}
_TRACES_JS = """() => Object.fromEntries([...document.querySelectorAll('div[id^="grafico-"]')].map(g => {
    const gd = g.querySelector('.js-plotly-plot');
    return [g.id, gd && gd.data ? gd.data.map(t => ({name: t.name || null, x: Array.from(t.x || []),
                                                        y: Array.from(t.y || [])})) : null];
}))"""
_FIVE_DRAWN_JS = """() => { const g = [...document.querySelectorAll('div[id^="grafico-"] .js-plotly-plot')];
    return g.length === 5 && g.every(d => d.data && d.data.length > 0); }"""


def _bars(traces: list[dict], horizontal: bool = True) -> dict:
    """{(trace name, category): value} of bar traces."""
    out = {}
    for t in traces:
        cats, vals = (t["y"], t["x"]) if horizontal else (t["x"], t["y"])
        out.update({(t["name"], c): v for c, v in zip(cats, vals, strict=True)})
    return out


def test_public_report_shows_five_charts_and_refreshes_after_the_ttl(live, db, open_tab):
    seeded = seed(db)
    tab = open_tab(logged_in=False)
    page = tab.page
    response = page.goto(live + "/relatorio/semana")
    assert response.status == 200
    page.wait_for_function(_FIVE_DRAWN_JS)
    traces = page.evaluate(_TRACES_JS)

    por_artista = _bars(traces["grafico-categorias_por_artista"])
    assert por_artista[("Elogio", "Luna Ribeiro")] == 6
    assert por_artista[("Crítica", "Luna Ribeiro")] == 3
    assert por_artista[("Dúvida", "MC Trovão")] == 3
    assert ("Elogio", "Rock Paraná") not in por_artista
    critica = {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in traces["grafico-critica_pos_lancamento"]}
    day1 = ((seeded.now - timedelta(days=1)).astimezone(SP).date() - seeded.luna_release).days
    assert critica == {"Luna Ribeiro — Maré Alta": pytest.approx(critica["Luna Ribeiro — Maré Alta"])}
    assert critica["Luna Ribeiro — Maré Alta"][day1] == 28.6
    tags = _bars(traces["grafico-tags_48h"])
    assert tags[(None, "Autotune")] == 2 and tags[(None, "Link externo")] == 1 and len(tags) == 4
    mix = _bars(traces["grafico-mix_diario"], horizontal=False)
    assert sum(mix.values()) == 16
    alta = _bars(traces["grafico-artistas_em_alta"])
    assert alta[("Últimos 7 dias", "Luna Ribeiro")] == 10 and alta[("7 dias anteriores", "Luna Ribeiro")] == 2
    expect(page.locator("#relatorio-atualizado")).to_contain_text("Dados de")
    tab.screenshot("relatorio-semana")

    # New comments show up on the open page once the cache TTL has passed (dcc.Interval refresh).
    with db.begin() as conn:
        for i in range(5):
            add(conn, artista="Duda Sertaneja", album="Boiadeira", quando=datetime.now(UTC), categoria="ELOGIO",
                tags=[], texto=f"chegou agora {i}")
    page.wait_for_function(
        """() => { const gd = document.querySelector('#grafico-categorias_por_artista .js-plotly-plot');
                   return gd.data.some(t => Array.from(t.y).includes('Duda Sertaneja')); }""",
        timeout=15_000,
    )
    assert tab.errors == []


def test_report_shows_empty_states_without_data(live, open_tab):
    tab = open_tab(logged_in=False)
    tab.page.goto(live + "/relatorio/semana")
    notes = tab.page.wait_for_function(
        """() => { const g = [...document.querySelectorAll('div[id^="grafico-"] .js-plotly-plot')];
                   const notes = g.map(d => d.layout && d.layout.annotations && d.layout.annotations[0]);
                   return g.length === 5 && notes.every(Boolean) && notes.map(a => a.text); }"""
    ).json_value()
    assert "Nenhuma tag citada nas últimas 48 horas." in notes
    assert "Nenhum artista com ao menos 5 comentários nos últimos 7 dias." in notes
    assert tab.errors == []


def test_private_pages_send_visitors_to_the_login_page_and_back(live, db, open_tab):
    seed(db)
    with pytest.raises(urllib.error.HTTPError) as err:  # a script (no HTML accepted) gets a plain 401
        urllib.request.urlopen(urllib.request.Request(live + "/dashboard/_dash-layout"), timeout=10)
    assert err.value.code == 401
    tab = open_tab(logged_in=False)
    page = tab.page
    page.goto(live + "/dashboard/?artista=MC+Trov%C3%A3o")
    expect(page).to_have_url(re.compile(r"/entrar\?proximo="))
    expect(page.locator("h1")).to_have_text("Área dos curadores")
    tab.screenshot("entrar")
    page.fill("#usuario", USER)
    page.fill("#senha", "senha errada")
    page.click("#entrar-botao")
    expect(page.locator("#entrar-aviso")).to_have_text("Usuário ou senha inválidos.")
    assert [e for e in tab.errors if "401" not in e] == []  # the refused login answers 401, as it should
    tab.errors.clear()
    page.fill("#senha", PASSWORD)
    page.click("#entrar-botao")
    expect(page).to_have_url(live + "/dashboard/?artista=MC+Trov%C3%A3o")  # back to the view asked for
    expect(page.locator("#sessao-usuario")).to_contain_text(NAME)
    expect(page.locator("#dash-total")).to_contain_text("comentários")
    page.click("#sessao-sair")
    expect(page.locator("#entrar-aviso")).to_have_text("Você saiu da área dos curadores.")
    page.goto(live + "/dashboard/")
    expect(page).to_have_url(re.compile(r"/entrar\?proximo=/dashboard/"))
    assert tab.errors == []


def test_an_ended_session_sends_the_open_page_to_the_login(live, db, open_tab):
    """Logged out elsewhere (or disabled): the next action of an open page leads to the login page."""
    from alumusic.repositories import curators

    seed(db)
    tab = open_tab()
    page = tab.page
    _open_dashboard(tab, live, 24)
    with db.begin() as conn:
        curators.disable(conn, USER)
    _choose(page, "filtro-artista", "MC Trovão")
    expect(page).to_have_url(re.compile(r"/entrar\?proximo=%2Fdashboard%2F"))


def _choose(page, dropdown_id: str, label: str) -> None:
    page.click(f"#{dropdown_id}")
    page.locator(".dash-dropdown-content .dash-dropdown-option").filter(has_text=label).first.click()
    page.keyboard.press("Escape")


# The rows the grid holds (its loaded blocks), in order: {field: value} of each.
_GRID_ROWS_JS = """() => { const api = dash_ag_grid.getApi("dash-tabela"); const out = [];
    api.forEachNode(n => { if (n.data) { out.push(n.data); } }); return out; }"""


def grid_rows(page) -> list[dict]:
    return page.evaluate(_GRID_ROWS_JS)


def wait_grid_rows(page, count: int) -> list[dict]:
    """The grid's loaded rows once it holds ``count`` of them."""
    page.wait_for_function(f"() => {{ try {{ return ({_GRID_ROWS_JS})().length === {count}; }} "
                           "catch (e) { return false; } }")
    return grid_rows(page)


def _column(page, column: str) -> list[str]:
    return [r[column] for r in grid_rows(page)]


def first_cell(page, column: str):
    """The visible cell of ``column`` in the grid's first row."""
    return page.locator(f'#dash-tabela .ag-row[row-index="0"] .ag-cell[col-id="{column}"]')


def _open_dashboard(tab, live: str, total: int) -> None:
    assert tab.page.goto(live + "/dashboard/").status == 200
    expect(tab.page.locator("#dash-total")).to_have_text(f"{total} comentários")


def test_each_filter_narrows_the_rows(live, db, open_tab):
    seeded = seed(db)
    tab = open_tab()
    page = tab.page
    everything = len(seeded.rows)
    _open_dashboard(tab, live, everything)
    wait_grid_rows(page, everything)  # one block holds them all
    tab.screenshot("dashboard")

    def check(expected_rows: list[dict]) -> None:
        expect(page.locator("#dash-total")).to_have_text(
            f"{len(expected_rows)} comentário{'s' if len(expected_rows) != 1 else ''}")
        rows = wait_grid_rows(page, len(expected_rows))
        assert sorted(r["texto"] for r in rows) == sorted(r["texto"] for r in expected_rows)

    _choose(page, "filtro-artista", "MC Trovão")
    check(seeded.where(artista="MC Trovão"))

    _open_dashboard(tab, live, everything)
    _choose(page, "filtro-album", "Garagem")
    check(seeded.where(album="Garagem"))

    _open_dashboard(tab, live, everything)
    _choose(page, "filtro-tag", "feat_autotune")
    check(seeded.where(tags=lambda r: "feat_autotune" in r["tags"]))

    _open_dashboard(tab, live, everything)
    _choose(page, "filtro-categoria", "Dúvida")
    check(seeded.where(categoria="DÚVIDA"))

    _open_dashboard(tab, live, everything)
    since = (seeded.now - timedelta(days=5)).astimezone(SP).date()
    page.fill("#filtro-desde", f"{since:%d/%m/%Y}")  # typed as a pt-BR curator does; Tab confirms
    page.press("#filtro-desde", "Tab")
    check([r for r in seeded.rows if r["quando"].astimezone(SP).date() >= since])
    until = (seeded.now - timedelta(days=9)).astimezone(SP).date()
    page.fill("#filtro-desde", "")
    page.press("#filtro-desde", "Tab")
    page.fill("#filtro-ate", f"{until:%d/%m/%Y}")
    page.press("#filtro-ate", "Tab")
    check([r for r in seeded.rows if r["quando"].astimezone(SP).date() <= until])

    _open_dashboard(tab, live, everything)
    page.fill("#filtro-texto", "MUSICA linda")  # accents and case do not matter
    page.press("#filtro-texto", "Enter")
    check(seeded.where(texto=lambda r: r["texto"].startswith("Música LINDA")))

    # filters combine
    _choose(page, "filtro-artista", "MC Trovão")
    expect(page.locator("#dash-total")).to_have_text("0 comentários")
    assert tab.errors == []


def test_grid_loads_blocks_as_it_scrolls_and_sorts_on_the_server(live, db, open_tab):
    from dashboard.pages.comentarios import BLOCK, MAX_BLOCKS

    seeded = seed(db)
    with db.begin() as conn:  # 130 more (the newest): 154 rows, four blocks of 50
        for i in range(130):
            add(conn, artista="Os Cometas", album="Órbita", quando=seeded.now - timedelta(minutes=i, seconds=30),
                categoria="OUTRO", tags=[], texto=f"cometa {i:03d}")
    tab = open_tab()
    page = tab.page
    blocks: list[str] = []
    page.on("request", lambda r: blocks.append(r.post_data) if "_dash-update-component" in r.url
            and "getRowsRequest" in (r.post_data or "") and "dash-total" in (r.post_data or "") else None)
    _open_dashboard(tab, live, 154)
    rows = wait_grid_rows(page, BLOCK)  # only the first block is in the browser
    assert [r["texto"] for r in rows[:3]] == ["cometa 000", "cometa 001", "cometa 002"]  # newest first
    expect(first_cell(page, "texto")).to_have_text("cometa 000")
    assert len(blocks) == 1
    # Scrolling to the end asks the server for the blocks on the way; the grid keeps at most MAX_BLOCKS.
    page.evaluate('() => dash_ag_grid.getApi("dash-tabela").ensureIndexVisible(153, "bottom")')
    expect(page.locator('#dash-tabela .ag-row[row-index="153"] .ag-cell[col-id="texto"]')).to_have_text(
        seeded.rows[-1]["texto"])  # the oldest comment (the seed's last) is the last row
    held = grid_rows(page)
    assert 0 < len(held) <= MAX_BLOCKS * BLOCK and len(blocks) >= 2
    # Sort by text ascending: the server orders all 154 rows, not the held blocks.
    page.click('#dash-tabela .ag-header-cell[col-id="texto"] .ag-header-cell-label')
    with db.connect() as conn:  # the database's collation decides the order
        ordered = list(conn.execute(sa.text("SELECT texto FROM comentarios ORDER BY texto, recebido_em DESC, id DESC"))
                       .scalars())
    page.evaluate('() => dash_ag_grid.getApi("dash-tabela").ensureIndexVisible(0, "top")')
    expect(first_cell(page, "texto")).to_have_text(ordered[0])
    assert '"colId":"texto"' in blocks[-1] and '"sort":"asc"' in blocks[-1]  # the request the server sorted
    # Columns resize (the grid's own handle), and the page never errs.
    handle = page.locator('#dash-tabela .ag-header-cell[col-id="artista"] .ag-header-cell-resize')
    before = page.locator('#dash-tabela .ag-header-cell[col-id="artista"]').bounding_box()["width"]
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 80, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    after = page.locator('#dash-tabela .ag-header-cell[col-id="artista"]').bounding_box()["width"]
    assert after > before + 40
    tab.screenshot("dashboard-grade")
    assert tab.errors == []


def test_csv_export_equals_the_filtered_rows_and_neutralises_formulas(live, db, open_tab):
    seeded = seed(db)
    tab = open_tab()
    page = tab.page
    _open_dashboard(tab, live, len(seeded.rows))
    _choose(page, "filtro-artista", "Luna Ribeiro")
    expected = seeded.where(artista="Luna Ribeiro")
    expect(page.locator("#dash-total")).to_have_text(f"{len(expected)} comentários")
    # "Exportar CSV" is a link to the streamed export, its query following the filters and the format
    export = page.locator("#dash-export-link")
    expect(export).to_have_text("Exportar CSV")
    expect(export).to_have_attribute("href", "/dashboard/exportar.csv?artista=Luna+Ribeiro&formato=excel-br")
    with page.expect_download() as info:
        export.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.startswith("comentarios-") and download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))  # the default: Excel in pt-BR
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in expected)
    spam = next(r for r in rows if r["categoria"] == "SPAM")
    assert spam["texto"] == "'" + FORMULA_TEXT
    expect(page.locator("#dash-total")).to_have_text(f"{len(expected)} comentários")  # still on the page
    page.locator("#dash-formato label").filter(has_text="CSV padrão").click()
    expect(export).to_have_attribute("href", "/dashboard/exportar.csv?artista=Luna+Ribeiro")
    with page.expect_download() as info:
        export.click()
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8-sig").read())))
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in expected)
    assert tab.errors == []


def test_correction_is_recorded_with_the_curator_and_shown_in_the_history(live, db, open_tab):
    seeded = seed(db)
    target = seeded.where(artista="MC Trovão", categoria="OUTRO")[0]
    tab = open_tab()
    page = tab.page
    _open_dashboard(tab, live, len(seeded.rows))
    page.fill("#filtro-texto", target["texto"])
    page.press("#filtro-texto", "Enter")
    expect(page.locator("#dash-total")).to_have_text("1 comentário")
    wait_grid_rows(page, 1)
    first_cell(page, "texto").click()  # a click selects the row
    history = page.locator("#dash-historico-tabela")
    expect(history.locator('td[data-dash-column="categoria"]')).to_have_text(["OUTRO"])

    _choose(page, "corr-categoria", "Sugestão")
    _choose(page, "corr-tags", "show_agenda")
    expect(page.locator("#corr-autor")).to_have_text(NAME)  # shown, not editable: the session decides
    page.fill("#corr-motivo", "pede show na cidade")
    page.click("#corr-salvar")
    expect(page.locator("#corr-msg")).to_contain_text("Correção salva")
    expect(history.locator('td[data-dash-column="categoria"]')).to_have_text(["SUGESTÃO", "OUTRO"])
    expect(history.locator('td[data-dash-column="autor"]').first).to_have_text(USER)
    expect(history.locator('td[data-dash-column="origem"]').first).to_have_text("manual")
    expect(first_cell(page, "categoria")).to_have_text("SUGESTÃO")  # the grid reloaded its block
    tab.screenshot("dashboard-correcao")

    from alumusic.repositories.classifications import history as stored_history

    with db.connect() as conn:
        newest = stored_history(conn, target["id"])[0]
    assert (newest["origem"], newest["autor"], newest["categoria"], newest["atual"]) == (
        "manual", USER, "SUGESTÃO", True)
    assert newest["tags"] == [{"codigo": "show_agenda", "explicacao": "pede show na cidade"}]
    assert tab.errors == []


def test_insights_form_shows_an_answer_and_its_weeks(live, db, open_tab):
    from alumusic.repositories.summaries import upsert_summary
    from alumusic.summary.weeks import IsoWeek

    this_week = IsoWeek.of(datetime.now(SP).date())
    weeks = [this_week.shift(-1), this_week.shift(-2)]
    with db.begin() as conn:
        for week, text in zip(weeks, ["Luna Ribeiro recebeu muitas críticas ao autotune nesta semana.",
                                      "MC Trovão cresceu com pedidos de show em Recife."], strict=True):
            upsert_summary(conn, week, texto=text, estatisticas={}, classificador="teste", modelo=None,
                           versao_prompt=None)
    tab = open_tab()
    page = tab.page
    assert page.goto(live + "/dashboard/insights").status == 200
    page.fill("#insights-pergunta", "Quem recebeu críticas ao autotune?")
    page.click("#insights-perguntar")
    expect(page.locator("#insights-resposta")).not_to_be_empty(timeout=30_000)
    expect(page.locator("#insights-semanas li").first).to_be_visible()
    shown = page.locator("#insights-semanas li").all_inner_texts()
    assert weeks[0].label in shown and set(shown) <= {w.label for w in weeks}  # the autotune week is cited
    with db.connect() as conn:  # the question was logged as coming from the dashboard, by the curator
        logged = conn.execute(sa.text("SELECT origem, autor, semanas FROM insights_perguntas")).one()
    assert logged == ("dashboard", USER, shown)
    assert "autotune" in page.inner_text("#insights-resposta").lower()
    tab.screenshot("insights")
    assert tab.errors == []
