"""The private header in the system Chromium: at every width a curator or an admin (ten links, a
long name) may use, it wraps between whole items, never inside a link or a name, and nothing runs
off the screen. Screenshots: test-artifacts/dashboard/cabecalho-{largura}.png."""

from __future__ import annotations

import pytest

from dashboard.layout import PRIVATE_NAV
from tests.support.dashboard import Tab

pytestmark = pytest.mark.browser

ADMIN, ADMIN_PASSWORD, ADMIN_NAME = "admin-cabecalho", "senha-de-teste-456", "Maria Aparecida dos Santos Oliveira"

# Each header item as laid out: its text, how many lines the text took, and its box.
_ITEMS_JS = """() => [...document.querySelectorAll('.cabecalho .marca, .cabecalho a.nav-link, #sessao-usuario, #sessao-sair')]
    .map(e => { const r = document.createRange(); r.selectNodeContents(e);
        const lines = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
        const b = e.getBoundingClientRect();
        return {text: e.textContent.trim(), lines: lines.size, left: b.left, right: b.right}; })"""


@pytest.fixture
def admin(db):
    from alumusic.repositories import curators

    with db.begin() as conn:
        curators.create(conn, ADMIN, "admin", nome=ADMIN_NAME, password=ADMIN_PASSWORD)


@pytest.mark.parametrize("width", [1600, 1400, 1024, 768])
def test_the_header_wraps_between_items_never_inside_one(live, admin, browser, width):
    tab = Tab(browser)
    try:
        tab.login(live, ADMIN, ADMIN_PASSWORD)
        page = tab.page
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_selector("#sessao-usuario")  # the private shell is drawn by Dash after the load
        items = page.evaluate(_ITEMS_JS)
        texts = [i["text"] for i in items]
        # Every page of the navigation, the admin's two and the session are there.
        assert {label for label, _ in PRIVATE_NAV} | {"Auditoria", "Resumos enviados"} <= set(texts)
        assert any(ADMIN_NAME in t for t in texts) and "Sair" in texts
        for item in items:
            assert item["lines"] == 1, f"{item['text']!r} wraps at {width} px"
            assert 0 <= item["left"] and item["right"] <= width, f"{item['text']!r} off screen at {width} px"
        tab.screenshot(f"cabecalho-{width}")
        assert tab.errors == []
    finally:
        tab.context.close()
