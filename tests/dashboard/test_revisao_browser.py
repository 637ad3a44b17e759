"""The review queue in the system Chromium: the keyboard drives it (screenshot in test-artifacts/dashboard/)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.support.dashboard import USER
from tests.support.factories import add_classified_comments

pytestmark = pytest.mark.browser

NOW = datetime.now(UTC).replace(microsecond=0)


seed = add_classified_comments  # classified ones as the pipeline leaves them: 'classificado'


def _manual(db) -> list[tuple]:
    with db.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT k.comentario_id::text, k.categoria, k.autor, (a.classificacao_id IS NOT NULL) AS anulada "
            "FROM classificacoes k LEFT JOIN classificacoes_anuladas a ON a.classificacao_id = k.id "
            "WHERE k.origem = 'manual' ORDER BY k.id"))]


def test_the_keyboard_reviews_the_queue(live, db, open_tab):
    with db.begin() as conn:
        rows = seed(conn, [
            {"texto": "o refrão gruda na cabeça", "categoria": "ELOGIO", "confianca": 0.61, "artista": "Luna Ribeiro",
             "album": "Maré Alta", "recebido_em": NOW - timedelta(days=1),
             "tags": [("musica_melodia", "elogia o refrão")]},
            {"texto": "quando sai a turnê no sul?", "categoria": "ELOGIO", "confianca": 0.35, "artista": "MC Trovão",
             "album": "Favela Digital", "recebido_em": NOW - timedelta(days=2)},
            {"texto": "autotune demais nessa faixa", "categoria": "ELOGIO", "confianca": 0.35,
             "artista": "Luna Ribeiro", "album": "Maré Alta", "recebido_em": NOW - timedelta(hours=3),
             "tags": [("feat_autotune", "reclama do autotune")]},
            {"texto": "a melhor do ano", "categoria": "ELOGIO", "confianca": 0.93, "artista": "Luna Ribeiro",
             "recebido_em": NOW - timedelta(hours=1)},
        ])
    # Queue order: 0.35 newest (autotune), 0.35 older (turnê), 0.61, 0.93.
    autotune, turne, refrao, melhor = rows[2], rows[1], rows[0], rows[3]
    tab = open_tab()
    page = tab.page
    assert page.goto(live + "/dashboard/revisao").status == 200
    texto, progresso = page.locator("#revisao-texto"), page.locator("#revisao-progresso")
    expect(page.locator("a.nav-link", has_text="Revisão")).to_have_attribute("href", "/dashboard/revisao")
    expect(texto).to_have_text(autotune["texto"])
    expect(progresso).to_have_text("0 revisados hoje, 4 na fila")
    expect(page.locator("#revisao-confianca")).to_have_text("0,35")
    expect(page.locator("#revisao-tags")).to_contain_text("Autotune (feat_autotune): reclama do autotune")
    expect(page.locator("#revisao-origem")).to_have_text("Luna Ribeiro — Maré Alta")
    expect(page.locator("#revisao-legenda")).to_contain_text("desfaz a sua última revisão")
    tab.screenshot("revisao")

    page.keyboard.press("c")  # confirm ELOGIO for the autotune comment
    expect(progresso).to_have_text("1 revisado hoje, 3 na fila")
    expect(texto).to_have_text(turne["texto"])
    expect(page.locator("#revisao-msg")).to_contain_text("Confirmado: Elogio.")
    assert _manual(db) == [(autotune["id"], "ELOGIO", USER, False)]

    page.keyboard.press("4")  # DÚVIDA
    expect(progresso).to_have_text("2 revisados hoje, 2 na fila")
    expect(texto).to_have_text(refrao["texto"])
    assert _manual(db)[-1] == (turne["id"], "DÚVIDA", USER, False)

    page.keyboard.press("2")  # CRÍTICA, tags kept
    expect(progresso).to_have_text("3 revisados hoje, 1 na fila")
    expect(texto).to_have_text(melhor["texto"])
    assert _manual(db)[-1] == (refrao["id"], "CRÍTICA", USER, False)

    page.keyboard.press("u")  # the CRÍTICA is taken back: the comment is back, ELOGIO again
    expect(progresso).to_have_text("2 revisados hoje, 2 na fila")
    expect(texto).to_have_text(refrao["texto"])
    expect(page.locator("#revisao-categoria-atual")).to_have_text("Elogio")
    expect(page.locator("#revisao-msg")).to_contain_text("Revisão desfeita")
    assert _manual(db)[-1] == (refrao["id"], "CRÍTICA", USER, True)

    page.keyboard.press("j")
    expect(texto).to_have_text(melhor["texto"])
    page.keyboard.press("k")
    expect(texto).to_have_text(refrao["texto"])
    page.keyboard.press("ArrowRight")
    expect(texto).to_have_text(melhor["texto"])
    page.keyboard.press("ArrowLeft")
    expect(texto).to_have_text(refrao["texto"])
    page.click("#revisao-proximo")  # the buttons work with the mouse too
    expect(texto).to_have_text(melhor["texto"])
    expect(progresso).to_have_text("2 revisados hoje, 2 na fila")

    # In a field the keys are the field's: nothing is recorded; Esc gives them back to the page.
    page.click("#revisao-desde")
    page.keyboard.press("c")
    page.keyboard.press("1")
    page.keyboard.press("Escape")
    page.keyboard.press("k")
    expect(texto).to_have_text(refrao["texto"])
    assert len(_manual(db)) == 3
    page.keyboard.press("Enter")  # focus on no button: Enter confirms, as c does
    expect(progresso).to_have_text("3 revisados hoje, 1 na fila")
    expect(texto).to_have_text(melhor["texto"])
    assert _manual(db)[-1] == (refrao["id"], "ELOGIO", USER, False)
    assert tab.errors == []


def test_a_filter_narrows_the_queue(live, db, open_tab):
    with db.begin() as conn:
        seed(conn, [
            {"texto": "primeiro de todos", "categoria": "SPAM", "confianca": 0.1, "artista": "MC Trovão"},
            {"texto": "só da Luna", "categoria": "CRÍTICA", "confianca": 0.5, "artista": "Luna Ribeiro"},
        ])
    tab = open_tab()
    page = tab.page
    page.goto(live + "/dashboard/revisao")
    texto = page.locator("#revisao-texto")
    expect(texto).to_have_text("primeiro de todos")
    page.click("#revisao-artista")
    page.locator(".dash-dropdown-content .dash-dropdown-option").filter(has_text="Luna Ribeiro").first.click()
    page.keyboard.press("Escape")
    expect(texto).to_have_text("só da Luna")
    expect(page.locator("#revisao-progresso")).to_have_text("0 revisados hoje, 1 na fila")
    assert tab.errors == []


def test_the_period_filter_reads_dd_mm_aaaa_and_one_esc_gives_the_keys_back(live, db, open_tab):
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/Sao_Paulo")
    old = NOW - timedelta(days=20)
    with db.begin() as conn:
        seed(conn, [
            {"texto": "antigo e duvidoso", "categoria": "OUTRO", "confianca": 0.1, "recebido_em": old},
            {"texto": "recente e duvidoso", "categoria": "ELOGIO", "confianca": 0.4, "recebido_em": NOW},
        ])
    tab = open_tab()
    page = tab.page
    page.goto(live + "/dashboard/revisao")
    texto = page.locator("#revisao-texto")
    expect(texto).to_have_text("antigo e duvidoso")
    field = page.locator("#revisao-desde")
    assert field.get_attribute("placeholder") == "dd/mm/aaaa"  # the curator's format, whatever the browser's
    # A day first date: the day after the old comment, typed as a curator writes it.
    desde = (old + timedelta(days=1)).astimezone(tz).date()
    field.click()
    field.fill(f"{desde:%d/%m/%Y}")
    page.keyboard.press("Escape")  # one Esc: the date counts, the calendar closes, the keys are the page's again
    expect(texto).to_have_text("recente e duvidoso")
    expect(page.locator("#revisao-progresso")).to_have_text("0 revisados hoje, 1 na fila")
    expect(field).to_have_value(f"{desde:%d/%m/%Y}")
    assert not page.evaluate("() => document.activeElement && document.activeElement.id === 'revisao-desde'")
    page.keyboard.press("c")
    expect(page.locator("#revisao-progresso")).to_have_text("1 revisado hoje, 0 na fila")
    assert [r[1:] for r in _manual(db)] == [("ELOGIO", USER, False)]
    assert tab.errors == []
