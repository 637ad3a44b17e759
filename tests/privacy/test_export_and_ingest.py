"""Obligation (LGPD): personal data in comments is known where it is stored and masked where it leaves.

- At ingest the API stores typed spans of the personal data in the text, and the text as sent.
- A CSV export masks it by default; only an admin may include it (``pii=incluir``), and every
  export is recorded (who, how, filters, rows, whether personal data went out), listed to admins.
- Curators see which kinds a comment carries in its history panel.
"""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
import sqlalchemy as sa

from alumusic.domain import pii
from alumusic.repositories import curators
from tests.support.dashboard import PASSWORD, callback_body, dash_csrf, find_callback, login

EMAIL, PHONE = "fulana.tal+fas@hotmail.com", "(11) 98765-4321"
TEXT = f"Amei o show!! me chama no {EMAIL} ou no zap {PHONE}"


def _post(client, headers, texto: str, **extra) -> str:
    comment_id = str(uuid.uuid4())
    response = client.post("/api/comentarios", json={"id": comment_id, "texto": texto, "artista": "Luna Ribeiro",
                                                      **extra}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return comment_id


def test_ingest_stores_typed_spans_and_the_text_as_sent(client, access_headers, db):
    headers = access_headers()
    one = _post(client, headers, TEXT)
    batch = client.post("/api/comentarios", headers=headers, json={"comentarios": [
        {"id": str(uuid.uuid4()), "texto": "sem nada pessoal aqui, só amor pela banda"},
        {"id": str(uuid.uuid4()), "texto": f"CPF 529.982.247-25 {EMAIL}"}]})
    assert batch.status_code == 201
    with db.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT texto, dados_pessoais FROM comentarios")).all())
        stored = conn.execute(sa.text("SELECT texto FROM comentarios WHERE id = :id"), {"id": one}).scalar_one()
    assert stored == TEXT  # never altered by detection
    spans = pii.spans_from_json(rows[TEXT])
    assert [(s.kind, TEXT[s.start:s.end]) for s in spans] == [("email", EMAIL), ("telefone", PHONE)]
    assert rows["sem nada pessoal aqui, só amor pela banda"] == []
    assert {s["tipo"] for s in rows[f"CPF 529.982.247-25 {EMAIL}"]} == {"cpf", "email"}


@pytest.fixture
def seeded(db, access_headers, client):
    headers = access_headers()
    return [_post(client, headers, TEXT), _post(client, headers, "Que show incrível, Luna!")]


@pytest.fixture
def dash(dash_app, live, curator):
    return dash_app.test_client()


def _admin(db) -> None:
    with db.begin() as conn:
        curators.create(conn, "chefe", "admin", password=PASSWORD)


def _rows(text: str, delimiter: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def _exports(db) -> list[tuple]:
    with db.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT usuario, origem, filtros, formato, dados_pessoais, linhas FROM exportacoes ORDER BY id"))]


def test_exports_mask_personal_data_unless_an_admin_includes_it(seeded, dash, db):
    assert login(dash).status_code == 302
    response = dash.get("/dashboard/exportar.csv?artista=Luna+Ribeiro")
    body = response.get_data(as_text=True)
    assert EMAIL not in body and "98765-4321" not in body
    texts = sorted(r["texto"] for r in _rows(body))
    assert texts == ["Amei o show!! me chama no [e-mail] ou no zap [telefone]", "Que show incrível, Luna!"]
    refused = dash.get("/dashboard/exportar.csv?pii=incluir")
    assert refused.status_code == 403 and EMAIL not in refused.get_data(as_text=True)
    assert dash.get("/dashboard/exportar.csv?pii=tudo").status_code == 400

    _admin(db)
    admin = dash.application.test_client()
    assert login(admin, "chefe").status_code == 302
    raw = admin.get("/dashboard/exportar.csv?pii=incluir&formato=excel-br").get_data(as_text=True)
    assert TEXT in [r["texto"] for r in _rows(raw, ";")]
    assert _exports(db) == [
        ("curadora", "link", {"artista": "Luna Ribeiro"}, "padrao", "mascarar", 2),
        ("chefe", "link", {}, "excel-br", "incluir", 2),
    ]


def test_a_link_on_another_site_cannot_export_in_a_curator_s_name(seeded, dash, db):
    """The export is a GET (no CSRF token): an admin's browser sent there by another site would
    download personal data and fill the audit in the admin's name."""
    _admin(db)
    assert login(dash, "chefe").status_code == 302
    for query in ("pii=incluir", "artista=Luna+Ribeiro"):
        response = dash.get(f"/dashboard/exportar.csv?{query}", headers={"Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 403 and EMAIL not in response.get_data(as_text=True)
    assert _exports(db) == []
    for site in ("same-origin", "none"):  # the page's own link; a bookmark or a typed URL
        response = dash.get("/dashboard/exportar.csv?pii=incluir", headers={"Sec-Fetch-Site": site})
        assert response.status_code == 200 and EMAIL in response.get_data(as_text=True)
    assert [e[0] for e in _exports(db)] == ["chefe", "chefe"]


def test_the_pages_export_link_masks_and_is_recorded_too(seeded, dash, dash_app, db):
    private = dash_app.extensions["alumusic_dash_apps"][0]
    output = find_callback(private, "dash-export-link.href")
    assert login(dash).status_code == 302
    headers = {"X-CSRFToken": dash_csrf(dash)}

    def export(client, headers, pii_value):
        """Follow the page's "Exportar CSV" link as the page builds it for these choices."""
        body = callback_body(private, output, {"dash-formato.value": "padrao", "dash-pii.value": pii_value,
                                                "filtro-artista.value": "Luna Ribeiro"})
        href = client.post("/dashboard/_dash-update-component", json=body,
                           headers=headers).get_json()["response"]["dash-export-link"]["href"]
        return client.get(href)

    csv_text = export(dash, headers, []).get_data(as_text=True).removeprefix("\ufeff")
    assert EMAIL not in csv_text and "[e-mail]" in csv_text and len(_rows(csv_text)) == 2
    refused = export(dash, headers, ["incluir"])
    assert refused.status_code == 403 and "administradores" in refused.get_data(as_text=True)
    assert EMAIL not in refused.get_data(as_text=True)
    assert _exports(db) == [("curadora", "link", {"artista": "Luna Ribeiro"}, "padrao", "mascarar", 2)]


def test_the_history_panel_names_the_kinds_of_personal_data(seeded, dash, dash_app):
    private = dash_app.extensions["alumusic_dash_apps"][0]
    assert login(dash).status_code == 302
    headers = {"X-CSRFToken": dash_csrf(dash)}
    output = find_callback(private, "dash-dados-pessoais.children")
    shown = []
    for comment_id in seeded:
        body = callback_body(private, output, {"dash-tabela.selectedRows": [{"id": comment_id}], "dash-versao.data": 0})
        shown.append(json.dumps(dash.post("/dashboard/_dash-update-component", json=body, headers=headers).get_json(),
                                ensure_ascii=False))
    assert "e-mail, telefone" in shown[0] and EMAIL not in shown[0]
    assert "Nenhum dado pessoal" in shown[1]


def _page(client, private, path: str) -> str:
    """The private page at ``path`` as Dash Pages renders it for this client's session."""
    body = callback_body(private, find_callback(private, "_pages_content.children"),
                         {"_pages_location.pathname": path, "_pages_location.search": ""})
    response = client.post("/dashboard/_dash-update-component", json=body, headers={"X-CSRFToken": dash_csrf(client)})
    assert response.status_code == 200
    return json.dumps(response.get_json(), ensure_ascii=False)


def test_the_audit_page_is_for_admins(seeded, dash, dash_app, db):
    private = dash_app.extensions["alumusic_dash_apps"][0]
    assert login(dash).status_code == 302
    dash.get("/dashboard/exportar.csv").close()
    assert "/dashboard/auditoria" not in json.dumps(dash.get("/dashboard/_dash-layout").get_json())  # no link
    as_curator = _page(dash, private, "/dashboard/auditoria")
    assert "Acesso restrito a administradores" in as_curator and "mascarar" not in as_curator
    _admin(db)
    admin = dash.application.test_client()
    assert login(admin, "chefe").status_code == 302
    assert "/dashboard/auditoria" in json.dumps(admin.get("/dashboard/_dash-layout").get_json())
    as_admin = _page(admin, private, "/dashboard/auditoria")
    assert "curadora" in as_admin and "mascarar" in as_admin


def test_admins_erase_from_the_dashboard_and_curators_cannot(seeded, dash, dash_app, db):
    private = dash_app.extensions["alumusic_dash_apps"][0]
    output = find_callback(private, "apagar-msg.children")
    target = seeded[0]

    def erase(client, motivo="pedido da titular por e-mail"):
        body = callback_body(private, output, {"apagar-botao.n_clicks": 1, "dash-tabela.selectedRows": [{"id": target}],
                                               "apagar-motivo.value": motivo, "dash-versao.data": 0})
        response = client.post("/dashboard/_dash-update-component", json=body,
                               headers={"X-CSRFToken": dash_csrf(client)})
        assert response.status_code == 200
        return json.dumps(response.get_json(), ensure_ascii=False)

    def stored() -> str:
        with db.connect() as conn:
            return conn.execute(sa.text("SELECT texto FROM comentarios WHERE id = :id"), {"id": target}).scalar_one()

    assert login(dash).status_code == 302
    assert "só a administradores" in erase(dash) and stored() == TEXT  # a curador: refused, nothing changed
    _admin(db)
    admin = dash.application.test_client()
    assert login(admin, "chefe").status_code == 302
    assert "Informe o motivo" in erase(admin, "  ") and stored() == TEXT
    assert "apagados" in erase(admin) and stored() == "[comentário apagado]"
    assert "já estava apagado" in erase(admin)
    with db.connect() as conn:
        audit = conn.execute(sa.text("SELECT autor, origem, quantidade FROM apagamentos ORDER BY id")).all()
    assert [tuple(a) for a in audit][0] == ("chefe", "painel", 1)


def test_api_reads_mask_personal_data_except_for_admin_clients(client, access_headers, db):
    reader = access_headers()
    comment_id = _post(client, reader, TEXT)
    for url in ("/api/comentarios", f"/api/comentarios/{comment_id}"):
        body = json.dumps(client.get(url, headers=reader).get_json(), ensure_ascii=False)
        assert EMAIL not in body and "[e-mail]" in body and "[telefone]" in body, url
    admin = access_headers("chefe-api", ("admin",))
    assert client.get(f"/api/comentarios/{comment_id}", headers=admin).get_json()["texto"] == TEXT


def test_a_token_issued_before_the_client_became_admin_still_reads_masked_text(client, access_headers, db):
    """Unmasking follows the request's roles (in the token and still granted), like every check."""
    reader = access_headers("promovido", ("ingest", "read"))
    comment_id = _post(client, reader, TEXT)
    with db.begin() as conn:  # made admin after its token was issued
        conn.execute(sa.text("UPDATE api_clientes SET papeis = '{ingest,read,admin}' WHERE nome = 'promovido'"))
    from api.security import client_cache

    client_cache.clear()
    body = json.dumps(client.get(f"/api/comentarios/{comment_id}", headers=reader).get_json(), ensure_ascii=False)
    assert EMAIL not in body and "[e-mail]" in body


def test_the_history_s_tag_explanations_are_masked_for_non_admin_clients(client, access_headers, db, monkeypatch):
    """The offline rules quote the words that fired in a tag's explanation (the phone number itself
    for ``spam_venda``), so a reader without admin must get the history masked, not only the text."""
    from alumusic.pipeline import runs
    from alumusic.pipeline.run_plan import plan_run
    from alumusic.settings import get_settings

    monkeypatch.setenv("LLM_BACKEND", "offline")
    reader = access_headers("leitor-historico", ("ingest", "read"))
    comment_id = _post(client, reader, f"a voz dela tá desafinada, me liga {PHONE}")
    plan, owners = runs.prepare(db, plan_run({"backend": "offline"}, get_settings()), "pii-history")
    runs.summarize(runs.classify(db, plan, owner) for owner in owners)

    admin = access_headers("chefe-historico", ("admin",))
    raw = json.dumps(client.get(f"/api/comentarios/{comment_id}", headers=admin).get_json()["historico"],
                     ensure_ascii=False)
    assert PHONE in raw  # the explanation does quote it: what the reader must not get
    shown = client.get(f"/api/comentarios/{comment_id}", headers=reader).get_json()
    assert shown["historico"] and shown["historico"][0]["tags"], shown
    dumped = json.dumps(shown, ensure_ascii=False)
    assert PHONE not in dumped and "[telefone]" in json.dumps(shown["historico"], ensure_ascii=False)
