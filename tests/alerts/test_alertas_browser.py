"""The alerts page in the system Chromium: the alert says why, links to the comments behind it (a
shareable URL that survives the login), and a curator acknowledges it (screenshot in test-artifacts/dashboard/)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from alumusic.alerts import service
from tests.support.alerts import AGORA, stream
from tests.support.dashboard import PASSWORD, USER

pytestmark = pytest.mark.browser


def test_a_curator_reads_acknowledges_and_drills_into_an_alert(live, db, open_tab):
    stream(db, "Banda Pico", [(60, 33)] + [(60, 6)] * 6)
    stream(db, "Banda Calma", [(60, 6)] * 7)
    service.detect(db, AGORA)
    with db.connect() as conn:
        alert_id = conn.execute(sa.text("SELECT id FROM alertas")).scalar_one()

    # A colleague's link, opened before logging in: the login comes first, then the same view.
    tab = open_tab(logged_in=False)
    page = tab.page
    page.goto(f"{live}/dashboard/alertas?alerta={alert_id}")
    page.wait_for_url("**/entrar**")
    page.fill("#usuario", USER)
    page.fill("#senha", PASSWORD)
    page.click("#entrar-botao")
    page.wait_for_url(f"**/dashboard/alertas?alerta={alert_id}")
    detail = page.locator("#alerta-detalhe")
    expect(detail).to_contain_text("Comentários por trás do alerta: alta de críticas — Banda Pico")
    expect(page.locator("#alerta-comentarios tbody tr:has(td)")).to_have_count(33)
    expect(page.locator("#alerta-comentarios")).not_to_contain_text("Banda Calma")

    card = page.locator(f"#alerta-{alert_id}")
    expect(card).to_contain_text("55% de críticas em 60 comentários dos últimos 7 dias")
    expect(card).to_have_attribute("data-estado", "aberto")
    expect(page.locator("a.nav-link", has_text="Alertas")).to_have_attribute("href", "/dashboard/alertas")
    tab.screenshot("alertas")

    card.get_by_role("button", name="Reconhecer").click()
    expect(page.locator("#alertas-aviso")).to_have_text("Alerta reconhecido.")
    expect(card).to_have_attribute("data-estado", "reconhecido")
    expect(card).to_contain_text(f"reconhecido por {USER}")
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT reconhecido_por FROM alertas")).scalar_one() == USER
    assert tab.errors == []


def test_an_unknown_or_hostile_alert_id_is_a_notice_not_an_error(live, db, open_tab):
    tab = open_tab()
    for value in ("999", "abc", "1;DROP TABLE alertas", "99999999999999999999999"):
        assert tab.page.goto(f"{live}/dashboard/alertas?alerta={value}").status == 200
        expect(tab.page.locator("#_pages_content")).to_contain_text("Alerta não encontrado.")
    expect(tab.page.locator("#alertas-lista")).to_contain_text("Nenhum alerta aberto.")
    assert tab.errors == []
