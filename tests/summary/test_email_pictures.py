"""The weekly e-mail with pictures (issue 16): inline PNG charts as CID parts with alt texts, a link to
the week on the dashboard, a table-based layout with inline styles. The message is the one a real
SMTP server (aiosmtpd, ``tests.support.smtp``) received through ``pipeline.deliver``; its HTML is
rendered in the system Chromium with the cid: pictures as data: URIs, and the screenshots are
saved in test-artifacts/summary/ (paths printed)."""

from __future__ import annotations

import base64
import dataclasses
import email
import re
import smtplib
from email import policy
from email.message import EmailMessage

import pytest

from alumusic.domain.palette import CORES_CATEGORIA
from alumusic.repositories.summaries import get_summary
from alumusic.summary import charts
from alumusic.summary.message import LINK_TEXTO, build_message
from alumusic.summary.pipeline import build_and_store, deliver
from tests.support.dashboard import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "summary"
BASE = "https://insights.exemplo.com.br"
RECIPIENTS = ["curadoria@exemplo.com"]


def _sender(port: int):
    def send(msg: EmailMessage, recipients: list[str]) -> None:
        msg["From"] = "insights@exemplo.com"
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(msg, to_addrs=recipients)
    return send


@pytest.fixture
def received(db, known_week, smtp):
    """The e-mail of the known week as the SMTP server received it (parsed)."""
    smtp.envelopes.clear()
    build_and_store(db, known_week, client=None, num_ctx=4096)
    deliver(db, known_week, recipients=RECIPIENTS, reenviar=False, automatic=True, send=_sender(smtp.port),
            public_base_url=BASE)
    [envelope] = smtp.envelopes
    return email.message_from_bytes(envelope.content, policy=policy.default)


def _parts(msg) -> tuple[str, str, dict[str, email.message.EmailMessage]]:
    plain, related = msg.get_payload()
    html_part, *images = related.get_payload()
    return plain.get_content(), html_part.get_content(), {str(p["Content-ID"]).strip().strip("<>"): p for p in images}


def test_the_received_message_carries_the_charts_as_cid_parts_with_alt_texts(received, known_week):
    assert received.get_content_type() == "multipart/alternative"
    plain_part, related = received.get_payload()
    assert plain_part.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    plain, html, images = _parts(received)
    assert len(images) == 2
    for cid, part in images.items():
        assert part.get_content_type() == "image/png" and part.get_content_disposition() == "inline"
        png = part.get_content()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and 5_000 < len(png) < 150_000
        assert f"src='cid:{cid}'" in html  # each part is shown, and by the HTML's own reference
    referenced = re.findall(r"src='cid:([^']+)'", html)
    assert sorted(referenced) == sorted(images)
    alts = dict(re.findall(r"src='cid:([^']+)'[^>]*alt='([^']+)'", html))
    assert len(alts) == 2 and all(len(a) > 40 for a in alts.values())
    by_name = {images[cid].get_filename(): alt for cid, alt in alts.items()}
    # The alt texts say what the pictures show, from the week's numbers (12 classified comments).
    assert by_name["categorias-por-dia.png"].startswith("Gráfico de barras empilhadas")
    assert "Total 12 (Elogio 4, Crítica 3, Sugestão 1, Dúvida 1, SPAM 2, Outro 1)" in by_name["categorias-por-dia.png"]
    assert "Autotune" in by_name["tags-da-semana.png"] and "semana anterior" in by_name["tags-da-semana.png"]
    # The link to the week on the dashboard, in both parts.
    url = f"{BASE}/dashboard/?desde={known_week.inicio.isoformat()}&ate={known_week.fim.isoformat()}"
    assert f"href='{url.replace('&', '&amp;')}'" in html and LINK_TEXTO in html
    assert f"{LINK_TEXTO}: {url}" in plain
    # What mail clients render: nested tables and inline styles, no <style>, <div> or script.
    assert "<style" not in html and "<div" not in html and "<script" not in html
    assert html.count("<table") >= 3 and "role='presentation'" in html
    # The categories' colours are the palette's (the same as the dashboard's).
    for categoria in ("ELOGIO", "CRÍTICA"):
        assert f"border-left:6px solid {CORES_CATEGORIA[categoria]}" in html


def test_no_link_without_a_public_base_url_and_no_pictures_for_an_empty_week(db, week, known_week):
    build_and_store(db, known_week, client=None, num_ctx=4096)
    with db.connect() as conn:
        stored = get_summary(conn, known_week.label)
    msg = build_message(stored, recipients=RECIPIENTS)
    assert LINK_TEXTO not in msg.get_body(("html",)).get_content()
    # A summary stored before the day-by-day numbers existed still gets its tags picture.
    old = dataclasses.replace(stored, estatisticas={k: v for k, v in stored.estatisticas.items()
                                                    if k != "categorias_por_dia"})
    assert [c.name for c in charts.charts(old.estatisticas)] == ["tags-da-semana"]
    assert len(build_message(old, recipients=RECIPIENTS).get_payload()[1].get_payload()) == 2
    # A week without comments: no picture, a plain HTML part.
    empty_week = known_week.shift(-5)
    build_and_store(db, empty_week, client=None, num_ctx=4096)
    with db.connect() as conn:
        empty = get_summary(conn, empty_week.label)
    assert charts.charts(empty.estatisticas) == []
    assert build_message(empty, recipients=RECIPIENTS).get_payload()[1].get_content_type() == "text/html"


@pytest.mark.browser
def test_the_received_html_renders_in_chromium(received, browser, capsys):
    _plain, html, images = _parts(received)
    for cid, part in images.items():  # what a mail client does with the related parts
        html = html.replace(f"cid:{cid}", "data:image/png;base64," + base64.b64encode(part.get_content()).decode())
    assert "cid:" not in html
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = []
    for name, width in (("email-semana", 800), ("email-semana-celular", 375)):
        page = browser.new_page(viewport={"width": width, "height": 900})  # the system Chromium (tests.support.dashboard)
        try:
            page.set_content(html, wait_until="load")
            loaded = page.evaluate("() => [...document.images].map(i => [i.complete && i.naturalWidth > 0, "
                                   "i.getBoundingClientRect().width, i.alt])")
            assert len(loaded) == 2 and all(ok and alt for ok, _w, alt in loaded), loaded
            assert all(w <= min(560, width) + 1 for _ok, w, _alt in loaded), loaded  # shrink on a phone
            # Nothing wider than the window: no sideways scrolling on a phone.
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width
            path = ARTIFACTS / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            shots.append(path)
        finally:
            page.close()
    with capsys.disabled():
        print("\ne-mail screenshots: " + ", ".join(str(p) for p in shots))
