"""The release catalog page's callbacks over HTTP (Flask test client): list, add, fix, remove, and
what a hostile request may not make them do. The browser half: test_lancamentos_browser.py."""

from __future__ import annotations

from datetime import date

import pytest

from alumusic.domain.releases import Release
from alumusic.repositories import releases as repo
from tests.support.catalog import catalog
from tests.support.dashboard import USER, callback_body, dash_csrf, find_callback, login

URL = "/dashboard/_dash-update-component"


@pytest.fixture
def client(live, dash_app, curator):
    client = dash_app.test_client()
    assert login(client).status_code == 302
    return client


@pytest.fixture
def private(dash_app):
    return dash_app.extensions["alumusic_dash_apps"][0]


@pytest.fixture
def existing(db):
    with db.begin() as conn:
        return repo.create_release(conn, Release("Luna Ribeiro", "Maré Alta", "album", date(2026, 11, 20)), "api:gravadora")


def _texts(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [t for n in node for t in _texts(n)]
    if isinstance(node, dict):
        return _texts(node.get("props", {}).get("children")) if "props" in node else []
    return []


def _call(client, private, output_id: str, values: dict, trigger: str | None = None, csrf: bool = True):
    body = callback_body(private, find_callback(private, output_id), values)
    if trigger:
        body["changedPropIds"] = [trigger]
    headers = {"X-CSRFToken": dash_csrf(client)} if csrf else {}
    return client.post(URL, json=body, headers=headers)


def _save(client, private, **form):
    values = {f"lanc-{k}.{'data' if k in ('id', 'versao') else 'value'}": v for k, v in form.items()}
    values.setdefault("lanc-versao.data", 0)
    resp = _call(client, private, "lanc-msg.children", {"lanc-salvar.n_clicks": 1, **values})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    out = resp.get_json()["response"]
    return " ".join(_texts(out["lanc-msg"]["children"])), out.get("lanc-versao", {}).get("data", "sem mudança")


def test_the_page_is_private_and_in_the_navigation(live, dash_app, curator):
    visitor = dash_app.test_client()
    denied = visitor.get("/dashboard/lancamentos", headers={"Accept": "text/html"})
    assert denied.status_code == 302 and denied.headers["Location"] == "/entrar?proximo=/dashboard/lancamentos"
    assert login(visitor).status_code == 302
    assert visitor.get("/dashboard/lancamentos", headers={"Accept": "text/html"}).status_code == 200
    layout = str(visitor.get("/dashboard/_dash-layout").get_json())
    assert "/dashboard/lancamentos" in layout and "Lançamentos" in layout


def test_without_a_session_no_callback_answers(live, dash_app, private, curator, db, existing):
    visitor = dash_app.test_client()
    body = callback_body(private, find_callback(private, "lanc-tabela.data"), {"lanc-versao.data": 0})
    assert visitor.post(URL, json=body).status_code in (302, 401, 403)
    before = catalog(db)
    body = callback_body(private, find_callback(private, "lanc-msg.children"),
                         {"lanc-salvar.n_clicks": 1, "lanc-artista.value": "X", "lanc-titulo.value": "Y",
                          "lanc-tipo.value": "album", "lanc-data.value": "01/01/2026"})
    assert visitor.post(URL, json=body).status_code in (302, 401, 403)
    assert catalog(db) == before


def test_the_table_lists_the_catalog(client, private, existing):
    resp = _call(client, private, "lanc-tabela.data", {"lanc-versao.data": 0})
    out = resp.get_json()["response"]
    assert out["lanc-total"]["children"] == "1 lançamento(s)."
    (row,) = out["lanc-tabela"]["data"]
    assert (row["id"], row["artista"], row["titulo"], row["tipo_rotulo"], row["lancado_em"], row["autor"]) == (
        existing.id, "Luna Ribeiro", "Maré Alta", "Álbum", "20/11/2026", "api:gravadora")


def test_add_a_release_in_the_sessions_name(client, private, db):
    msg, versao = _save(client, private, artista=" Luna Ribeiro ", titulo="Onda", tipo="musica", data="02/10/2026")
    assert msg == "Lançamento cadastrado: Luna Ribeiro — Onda (Música (single)), 02/10/2026." and versao == 1
    assert [r[:5] for r in catalog(db)] == [("Luna Ribeiro", "Onda", "musica", "2026-10-02", f"curador:{USER}")]


def test_a_duplicate_is_refused_and_nothing_changes(client, private, db, existing):
    before = catalog(db)
    msg, versao = _save(client, private, artista="Luna Ribeiro", titulo="Maré Alta", tipo="album", data="2026-01-01")
    assert "já está no catálogo" in msg and versao == "sem mudança"
    assert catalog(db) == before


def test_selecting_a_row_loads_it_and_saving_fixes_it(client, private, db, existing):
    resp = _call(client, private, "lanc-id.data", {"lanc-tabela.selected_row_ids": [existing.id]},
                 trigger="lanc-tabela.selected_row_ids")
    out = resp.get_json()["response"]
    assert out["lanc-id"]["data"] == existing.id and out["lanc-data"]["value"] == "20/11/2026"
    assert out["lanc-excluir"]["disabled"] is False
    msg, _ = _save(client, private, id=existing.id, artista="Luna Ribeiro", titulo="Maré Alta", tipo="album",
                   data="21/11/2026")
    assert msg.startswith("Lançamento corrigido")
    assert [r[:5] for r in catalog(db)] == [("Luna Ribeiro", "Maré Alta", "album", "2026-11-21", f"curador:{USER}")]


def test_remove_the_selected_release(client, private, db, existing):
    resp = _call(client, private, "lanc-msg.children@", {"lanc-excluir.n_clicks": 1, "lanc-id.data": existing.id,
                                                         "lanc-versao.data": 3})
    out = resp.get_json()["response"]
    assert " ".join(_texts(out["lanc-msg"]["children"])) == "Lançamento excluído: Luna Ribeiro — Maré Alta."
    assert out["lanc-versao"]["data"] == 4 and catalog(db) == []


@pytest.mark.parametrize("form", [
    {"artista": "", "titulo": "X", "tipo": "album", "data": "01/01/2026"},
    {"artista": None, "titulo": None, "tipo": None, "data": None},
    {"artista": {"$gt": ""}, "titulo": ["x"], "tipo": 1, "data": 20260101},
    {"artista": "A\x00", "titulo": "B", "tipo": "album", "data": "01/01/2026"},
    {"artista": "A\ud800", "titulo": "B", "tipo": "album", "data": "01/01/2026"},
    {"artista": "A" * 301, "titulo": "B", "tipo": "album", "data": "01/01/2026"},
    {"artista": "A", "titulo": "B", "tipo": "show", "data": "01/01/2026"},
    {"artista": "A", "titulo": "B", "tipo": "album", "data": "31/02/2026"},
    {"artista": "A", "titulo": "B", "tipo": "album", "data": "01/01/2026", "id": "1; DROP TABLE lancamentos"},
    {"artista": "A", "titulo": "B", "tipo": "album", "data": "01/01/2026", "id": 2**40},
    {"artista": "A", "titulo": "B", "tipo": "album", "data": "01/01/2026", "id": True},
])
def test_hostile_form_values_are_refused_with_a_message(client, private, db, existing, form):
    before = catalog(db)
    msg, versao = _save(client, private, **form)
    assert msg.startswith("Lançamento não salvo") and versao == "sem mudança"
    assert catalog(db) == before


def test_a_callback_without_the_csrf_token_is_refused(client, private, db):
    resp = _call(client, private, "lanc-msg.children",
                 {"lanc-salvar.n_clicks": 1, "lanc-artista.value": "A", "lanc-titulo.value": "B",
                  "lanc-tipo.value": "album", "lanc-data.value": "01/01/2026", "lanc-versao.data": 0}, csrf=False)
    assert resp.status_code in (400, 403)
    assert catalog(db) == []
