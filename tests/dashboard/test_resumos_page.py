"""The admins' list of weekly summaries (``/dashboard/resumos``): generated, e-mailed, to whom, status."""

from __future__ import annotations

import json

import pytest

from alumusic.repositories import curators, summaries
from alumusic.summary.pipeline import build_and_store
from alumusic.summary.weeks import last_complete_week
from tests.support.dashboard import PASSWORD, callback_body, dash_csrf, find_callback, login

PATH = "/dashboard/resumos"


def _page(client, private) -> str:
    body = callback_body(private, find_callback(private, "_pages_content.children"),
                         {"_pages_location.pathname": PATH, "_pages_location.search": ""})
    response = client.post("/dashboard/_dash-update-component", json=body, headers={"X-CSRFToken": dash_csrf(client)})
    assert response.status_code == 200
    return json.dumps(response.get_json(), ensure_ascii=False)


@pytest.fixture
def weeks(db):
    """Three stored summaries: sent, failed (SMTP 451), never sent."""
    week = last_complete_week("America/Sao_Paulo")
    sent, failed, pending = week, week.shift(-1), week.shift(-2)
    for w in (sent, failed, pending):
        build_and_store(db, w, client=None, num_ctx=4096)
    with db.begin() as conn:
        summaries.mark_emailed(conn, sent.label, ["curadoria@exemplo.com", "chefe@exemplo.com"])
        summaries.mark_send_failed(conn, failed.label, ["curadoria@exemplo.com"],
                                   "SMTPDataError: (451, b'4.3.0 Temporary failure')")
    return sent, failed, pending


@pytest.fixture
def private(dash_app):
    return dash_app.extensions["alumusic_dash_apps"][0]


def test_admins_see_each_summary_with_recipients_and_status(live, dash_app, private, db, weeks):
    sent, failed, pending = weeks
    with db.begin() as conn:
        curators.create(conn, "chefe", "admin", password=PASSWORD)
    admin = dash_app.test_client()
    assert login(admin, "chefe").status_code == 302
    assert PATH in json.dumps(admin.get("/dashboard/_dash-layout").get_json())  # linked in the navigation
    page = _page(admin, private)
    rows = {r["semana"]: r for r in _table(page)}
    assert list(rows) == [sent.label, failed.label, pending.label]  # newest first
    assert rows[sent.label]["status"] == "enviado" and rows[sent.label]["enviado_em"] != "não enviado"
    assert rows[sent.label]["destinatarios"] == "curadoria@exemplo.com, chefe@exemplo.com"
    assert rows[failed.label]["status"].startswith("falhou em ") and "451" in rows[failed.label]["status"]
    assert rows[failed.label]["enviado_em"] == "não enviado" and rows[failed.label]["tentativas"] == 1
    assert rows[pending.label]["status"] == "pendente" and rows[pending.label]["destinatarios"] == "—"
    assert all(r["texto"] == "offline (sem LLM)" for r in rows.values())


def _table(page: str) -> list[dict]:
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == "resumos-tabela":
                found.extend(node["props"]["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(page))
    return found


def test_a_curator_is_refused_and_not_linked(live, dash_app, private, curator, weeks):
    client = dash_app.test_client()
    assert login(client).status_code == 302
    assert PATH not in json.dumps(client.get("/dashboard/_dash-layout").get_json())
    page = _page(client, private)
    assert "Acesso restrito a administradores" in page and weeks[0].label not in page


def test_without_a_session_the_page_redirects_to_login(live, dash_app):
    response = dash_app.test_client().get(PATH, headers={"Accept": "text/html"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/entrar?proximo=")


def test_approval_states_are_listed(live, dash_app, private, db, weeks):
    """SUMMARY_APPROVAL (migration 0017): waiting, rejected by a curator or by the deadline, approved and sent."""
    from datetime import UTC, datetime

    sent, failed, pending = weeks
    older = pending.shift(-1)
    build_and_store(db, older, client=None, num_ctx=4096)
    at = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 11:30 in São Paulo
    with db.begin() as conn:
        summaries.record_approval(conn, sent.label, aprovado=True, por="ana", em=at, prazo_esgotado=False)
        summaries.mark_awaiting_approval(conn, failed.label)
        summaries.record_approval(conn, pending.label, aprovado=False, por="ana", em=at, prazo_esgotado=False)
        summaries.record_approval(conn, older.label, aprovado=False, por=None, em=at, prazo_esgotado=True)
        curators.create(conn, "chefe", "admin", password=PASSWORD)
    admin = dash_app.test_client()
    assert login(admin, "chefe").status_code == 302
    rows = {r["semana"]: r["status"] for r in _table(_page(admin, private))}
    assert rows[sent.label] == "enviado (aprovado: ana, 23/11/2026 11:30)"
    assert rows[failed.label].startswith("aguardando aprovação desde ")
    assert rows[pending.label] == "rejeitado (ana, 23/11/2026 11:30)"
    assert rows[older.label] == "rejeitado (prazo esgotado, padrão aplicado, 23/11/2026 11:30)"
    # A rerun replaces the text and clears the decision (it was about the old text).
    build_and_store(db, pending, client=None, num_ctx=4096)
    assert {r["semana"]: r["status"] for r in _table(_page(admin, private))}[pending.label] == "pendente"
