"""The release catalog in the system Chromium: a curator adds and fixes a release on
/dashboard/lancamentos; a file imported with the real command shows in the public report's
"críticas depois de cada lançamento" chart, whose empty state says how to add one.
Screenshots in test-artifacts/dashboard/ (lancamentos*.png, relatorio-lancamento-*.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.catalog import catalog, run_import, seed_comments
from tests.support.dashboard import USER

pytestmark = pytest.mark.browser

_TRACES_JS = """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    return gd && gd.data ? gd.data.map(t => ({name: t.name || null, x: Array.from(t.x || []), y: Array.from(t.y || [])}))
                         : null; }"""
_ANNOTATION_JS = """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    return gd && gd.layout && gd.layout.annotations && gd.layout.annotations.length ? gd.layout.annotations[0].text : null; }"""
CHART = "grafico-critica_pos_lancamento"


def test_a_curator_adds_and_fixes_a_release(open_tab, live, db):
    tab = open_tab()
    page = tab.page
    page.goto(live + "/dashboard/")
    page.locator("a.nav-link", has_text="Lançamentos").click()  # in the private navigation
    page.wait_for_url("**/dashboard/lancamentos")
    expect(page.locator("#lanc-total")).to_have_text("Nenhum lançamento cadastrado.")
    page.fill("#lanc-artista", "Luna Ribeiro")
    page.fill("#lanc-titulo", "Onda")
    page.click("#lanc-tipo")
    page.locator(".dash-dropdown-option", has_text="Música (single)").click()
    page.fill("#lanc-data", "02/10/2026")
    page.click("#lanc-salvar")
    expect(page.locator("#lanc-msg")).to_contain_text("Lançamento cadastrado: Luna Ribeiro — Onda")
    expect(page.locator("#lanc-total")).to_have_text("1 lançamento(s).")
    expect(page.locator("#lanc-tabela")).to_contain_text("02/10/2026")

    # A typo in the date: select the row, fix it, save.
    page.locator("#lanc-tabela input[type=radio]").first.check()
    expect(page.locator("#lanc-editando")).to_have_text("Corrigindo: Luna Ribeiro — Onda.")
    expect(page.locator("#lanc-data")).to_have_value("02/10/2026")
    page.fill("#lanc-data", "03/10/2026")
    page.click("#lanc-salvar")
    expect(page.locator("#lanc-msg")).to_contain_text("Lançamento corrigido")
    expect(page.locator("#lanc-tabela")).to_contain_text("03/10/2026")
    assert [r[:5] for r in catalog(db)] == [("Luna Ribeiro", "Onda", "musica", "2026-10-03", f"curador:{USER}")]

    # An invalid date is explained, nothing stored.
    page.click("#lanc-novo")
    page.fill("#lanc-artista", "MC Trovão")
    page.fill("#lanc-titulo", "Baile")
    page.fill("#lanc-data", "31/02/2026")
    page.click("#lanc-salvar")
    expect(page.locator("#lanc-msg")).to_contain_text("Data de lançamento: data inválida")
    assert len(catalog(db)) == 1
    tab.screenshot("lancamentos")
    assert tab.errors == []


def test_an_imported_release_shows_in_the_public_chart(open_tab, live, db, tmp_path, dash_app):
    from dashboard.context import EXTENSION

    days = seed_comments(db)
    tab = open_tab(logged_in=False)
    page = tab.page
    page.goto(live + "/relatorio/semana")
    page.wait_for_function(f"() => !!({_ANNOTATION_JS})('{CHART}')")
    empty = page.evaluate(_ANNOTATION_JS, CHART)
    assert "/dashboard/lancamentos" in empty and "lancamentos importar" in empty
    page.locator(f"#{CHART}").screenshot(path=str(_artifact("relatorio-lancamento-vazio")))

    path = tmp_path / "lancamentos.csv"
    path.write_text(f"artista,titulo,tipo,lancado_em\nLuna Ribeiro,Maré Alta,album,{days['album']:%d/%m/%Y}\n"
                    f"Luna Ribeiro,Onda,musica,{days['single']:%Y-%m-%d}\n", encoding="utf-8")
    out = run_import(path)
    assert out.returncode == 0, out.stdout + out.stderr
    dash_app.extensions[EXTENSION].cache.clear()  # as if the report's TTL had passed

    page.reload()
    page.wait_for_function(f"() => {{ const t = ({_TRACES_JS})('{CHART}'); return t && t.length === 2; }}")
    series = {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in page.evaluate(_TRACES_JS, CHART)}
    assert series == {"Luna Ribeiro — Maré Alta": {1: 66.7, 3: 0.0}, "Luna Ribeiro — Onda": {0: 50.0}}
    page.locator(f"#{CHART}").screenshot(path=str(_artifact("relatorio-lancamento-importado")))
    tab.screenshot("relatorio-lancamento-importado-pagina")


def _artifact(name: str):
    from tests.support.dashboard import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
