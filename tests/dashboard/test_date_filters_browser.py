"""The comments page's period filters in the curator's format (issue 16): dd/mm/aaaa in the fields,
Portuguese month names in the calendar, a link with ``?desde=&ate=`` (the weekly e-mail's) opening
the page on that period. Screenshot: test-artifacts/dashboard/dashboard-datas.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.dashboard.seed import SP, seed

pytestmark = pytest.mark.browser

MESES = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
         "novembro", "dezembro")


def test_period_filters_show_dd_mm_aaaa_and_portuguese_month_names(live, db, open_tab):
    seeded = seed(db)
    desde = (seeded.now - timedelta(days=5)).astimezone(SP).date()
    ate = (seeded.now - timedelta(days=2)).astimezone(SP).date()
    expected = [r for r in seeded.rows if desde <= r["quando"].astimezone(SP).date() <= ate]
    assert 0 < len(expected) < len(seeded.rows)
    tab = open_tab()
    page = tab.page
    page.goto(f"{live}/dashboard/?desde={desde.isoformat()}&ate={ate.isoformat()}")
    expect(page.locator("#filtro-desde")).to_have_value(f"{desde:%d/%m/%Y}")
    expect(page.locator("#filtro-ate")).to_have_value(f"{ate:%d/%m/%Y}")
    expect(page.locator("#dash-total")).to_have_text(f"{len(expected)} comentário{'s' if len(expected) != 1 else ''}")
    assert page.locator("#filtro-desde").get_attribute("placeholder") == "dd/mm/aaaa"

    # The calendar speaks Portuguese: the month's name and the days of the week.
    page.click("#filtro-desde")
    calendar = page.get_by_role("dialog")
    expect(calendar).to_be_visible()
    expect(calendar).to_contain_text(MESES[desde.month - 1])
    assert "January" not in calendar.inner_text() and "Su" not in calendar.inner_text().split()
    tab.screenshot("dashboard-datas")
    page.keyboard.press("Escape")

    # A date typed as dd/mm/aaaa is read as such (day first): the 1st of the month, not January.
    primeiro = ate.replace(day=1)
    page.fill("#filtro-desde", f"{primeiro:%d/%m/%Y}")
    page.press("#filtro-desde", "Tab")
    expect(page.locator("#filtro-desde")).to_have_value(f"{primeiro:%d/%m/%Y}")
    wanted = [r for r in seeded.rows if primeiro <= r["quando"].astimezone(SP).date() <= ate]
    expect(page.locator("#dash-total")).to_have_text(f"{len(wanted)} comentário{'s' if len(wanted) != 1 else ''}")
    assert tab.errors == []


def test_a_link_with_malformed_dates_opens_the_page_without_them(live, db, open_tab):
    seed(db)
    tab = open_tab()
    page = tab.page
    page.goto(f"{live}/dashboard/?desde=2026-02-30&ate=amanh%C3%A3")
    expect(page.locator("#dash-total")).to_contain_text("comentários")
    expect(page.locator("#filtro-desde")).to_have_value("")
    expect(page.locator("#filtro-ate")).to_have_value("")
    assert tab.errors == []


def test_a_typed_date_counts_when_the_curator_clicks_elsewhere(live, db, open_tab):
    seeded = seed(db)
    desde = (seeded.now - timedelta(days=2)).astimezone(SP).date()
    wanted = [r for r in seeded.rows if r["quando"].astimezone(SP).date() >= desde]
    assert 0 < len(wanted) < len(seeded.rows)
    tab = open_tab()
    page = tab.page
    page.goto(f"{live}/dashboard/")
    expect(page.locator("#dash-total")).to_have_text(f"{len(seeded.rows)} comentários")
    page.fill("#filtro-desde", f"{desde:%d/%m/%Y}")
    page.click("h1")  # no Enter, no Tab: the mouse leaves the field
    expect(page.locator("#dash-total")).to_have_text(f"{len(wanted)} comentário{'s' if len(wanted) != 1 else ''}")
    # Text that is no date is not kept: the field shows the filter that holds.
    page.fill("#filtro-desde", "32/13/2026")
    page.click("h1")
    expect(page.locator("#filtro-desde")).to_have_value(f"{desde:%d/%m/%Y}")
    expect(page.locator("#dash-total")).to_have_text(f"{len(wanted)} comentário{'s' if len(wanted) != 1 else ''}")
    assert tab.errors == []
