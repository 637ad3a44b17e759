"""Threats: cross-site request forgery, forged authorship, hostile request bodies and missing headers.

- A page on another site makes a logged-in curator's browser post a correction (CSRF): refused
  without the token the private app handed that session.
- A curator (or a forged body) tries to record a correction under someone else's name: the
  author is always the session's account.
- Hostile bodies (deep JSON, ``{}``, ``[]``, wrong arity, NUL, impossible dates, junk types) on the
  callback endpoints and the CSV export: a clear 4xx or an error message, never a 500, nothing written.
- Framing, MIME sniffing and referrer leaks: headers on every answer of both apps.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.dashboard.seed import seed
from tests.support.dashboard import USER, callback_body, csrf_from, dash_csrf, find_callback, login


@pytest.fixture
def client(live, dash_app, curator):
    return dash_app.test_client()


@pytest.fixture
def private(dash_app):
    return dash_app.extensions["alumusic_dash_apps"][0]


def _manual(db) -> list[tuple]:
    with db.connect() as conn:
        return conn.execute(sa.text("SELECT comentario_id::text, autor FROM classificacoes WHERE origem = 'manual'")).all()


def _correction(private, comment_id: str, extra_state: list | None = None) -> dict:
    output = find_callback(private, "corr-msg.children")
    body = callback_body(private, output, {
        "corr-salvar.n_clicks": 1, "dash-tabela.selectedRows": [{"id": comment_id}],
        "corr-categoria.value": "SUGESTÃO", "corr-tags.value": [], "corr-motivo.value": "teste", "dash-versao.data": 0,
    })
    if extra_state:
        body["state"] += extra_state
    return body


def test_a_correction_needs_the_sessions_csrf_token(client, private, db):
    seeded = seed(db)
    target = seeded.rows[0]["id"]
    assert login(client).status_code == 302
    token = dash_csrf(client)
    url = "/dashboard/_dash-update-component"
    for headers in ({}, {"X-CSRFToken": "forjado"}, {"X-CSRFToken": token[:-3] + "abc"}):
        response = client.post(url, json=_correction(private, str(target)), headers=headers)
        assert response.status_code == 400 and "CSRF" in response.get_json()["erro"]["mensagem"]
    assert _manual(db) == []
    # Another session's token is no good either.
    other = client.application.test_client()
    assert login(other).status_code == 302
    response = client.post(url, json=_correction(private, str(target)), headers={"X-CSRFToken": dash_csrf(other)})
    assert response.status_code == 400 and _manual(db) == []
    response = client.post(url, json=_correction(private, str(target)), headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert _manual(db) == [(str(target), USER)]


def test_the_author_of_a_correction_is_the_logged_in_curator(client, private, db):
    seeded = seed(db)
    target = str(seeded.rows[1]["id"])
    assert login(client).status_code == 302
    token = dash_csrf(client)
    forged = _correction(private, target, [{"id": "corr-autor", "property": "value", "value": "Outra Pessoa"}])
    response = client.post("/dashboard/_dash-update-component", json=forged, headers={"X-CSRFToken": token})
    assert response.status_code == 400  # a state the callback does not have: not a call of it
    response = client.post("/dashboard/_dash-update-component", json=_correction(private, target),
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200 and f"por {USER}" in json.dumps(response.get_json(), ensure_ascii=False)
    assert _manual(db) == [(target, USER)]


def test_login_and_logout_forms_need_their_csrf_token(client, db):
    response = client.post("/entrar", data={"usuario": USER, "senha": "x"})
    assert response.status_code == 400
    assert login(client).status_code == 302
    assert client.post("/sair").status_code == 400
    assert client.get("/dashboard/_dash-layout").status_code == 200  # still logged in


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


@pytest.mark.parametrize("raw", [
    _deep(10_000), b'{"output": ' + _deep(10_000) + b"}", b"{}", b"[]", b"null", b"1", b'"x"', b"{", b"\xff\xfe",
    b'{"output": "nao-existe.children", "inputs": [], "state": []}',
    b'{"output": 5, "inputs": {}}', json.dumps({"output": "x", "inputs": "y"}).encode(),
    b'{"output": [], "inputs": [], "state": []}', b'{"output": {"a": 1}, "inputs": [], "state": []}',
])
def test_malformed_callback_bodies_get_400_on_both_apps(client, raw):
    assert login(client).status_code == 302
    token = dash_csrf(client)
    for url in ("/dashboard/_dash-update-component", "/relatorio/_dash-update-component"):
        response = client.post(url, data=raw, content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 400, (url, raw[:40], response.status_code)
        assert response.get_json()["erro"]["codigo"] == 400


@pytest.mark.parametrize("output", [[], ["x"], {}, {"a": 1}])
def test_an_unhashable_output_without_a_session_is_a_400(client, output):
    """The public app answers callbacks to anyone: the guard's lookup must not crash on a list."""
    response = client.post("/relatorio/_dash-update-component", json={"output": output, "inputs": [], "state": []})
    assert response.status_code == 400 and response.get_json()["erro"]["codigo"] == 400


def test_wrong_arity_and_wrong_types_never_500(client, private, db):
    seed(db)
    assert login(client).status_code == 302
    headers = {"X-CSRFToken": dash_csrf(client)}
    url = "/dashboard/_dash-update-component"
    for output, spec in private.callback_map.items():
        good = callback_body(private, output)
        if "callback" not in spec:  # clientside only: there is nothing on the server to call
            assert client.post(url, json=good, headers=headers).status_code == 400
            continue
        short = {**good, "inputs": good["inputs"][:-1]}
        assert client.post(url, json=short, headers=headers).status_code == 400
        for junk in ({"a": 1}, [1, [2]], "\u0000", "\ud800", 10**30, -1, "2024-02-30", True):
            response = client.post(url, json=callback_body(private, output, default=junk), headers=headers)
            assert response.status_code in (200, 204), (output, junk, response.status_code)


@pytest.mark.parametrize("values", [
    {"filtro-desde.date": "2024-02-30"}, {"filtro-ate.date": "9999-12-31"}, {"filtro-desde.date": "0001-01-01"},
    {"filtro-texto.value": "a\u0000b"}, {"filtro-artista.value": "\ud800"}, {"filtro-categoria.value": "HACK"},
    {"filtro-desde.date": "2026-12-01", "filtro-ate.date": "2026-01-01"}, {"filtro-texto.value": ["lista"]},
])
def test_hostile_filters_show_a_message_not_a_500(client, private, db, values):
    seed(db)
    assert login(client).status_code == 302
    response = client.post("/dashboard/_dash-update-component", headers={"X-CSRFToken": dash_csrf(client)},
                           json=callback_body(private, find_callback(private, "dash-total.children"),
                                              {"dash-tabela.getRowsRequest": {"startRow": 0, "endRow": 50}} | values))
    assert response.status_code == 200
    assert "Filtro inválido" in json.dumps(response.get_json(), ensure_ascii=False)


@pytest.mark.parametrize("query", [
    "desde=2024-02-30", "ate=9999-12-31", "texto=%00", "artista=" + "x" * 600, "desde=abc", "categoria=HACK",
    "desde=2026-12-01&ate=2026-01-01",
])
def test_hostile_export_filters_get_400(client, db, query):
    seed(db)
    assert login(client).status_code == 302
    response = client.get(f"/dashboard/exportar.csv?{query}")
    response.close()  # a streamed answer holds its database cursor until closed
    assert response.status_code == 400 and "filtro inválido" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/relatorio/semana", "/relatorio/semana.json", "/entrar", "/dashboard/",
                                  "/dashboard/_dash-layout", "/health", "/nao-existe"])
def test_security_headers_on_every_answer(client, path):
    for logged_in in (False, True):
        if logged_in:
            login(client)
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_private_app_s_answers_are_never_cached(client, dash_app, db):
    seeded = seed(db)
    assert login(client).status_code == 302
    private = dash_app.extensions["alumusic_dash_apps"][0]
    answers = {"page": client.get("/dashboard/"), "layout": client.get("/dashboard/_dash-layout"),
               "callback": client.post("/dashboard/_dash-update-component",
                                       json=_correction(private, str(seeded.rows[0]["id"])),
                                       headers={"X-CSRFToken": dash_csrf(client)})}
    for name, response in answers.items():
        assert response.status_code == 200, name
        assert response.headers["Cache-Control"] == "no-store", name
    script = client.get("/dashboard/_dash-component-suites/dash/dcc/dash_core_components.js")
    assert script.status_code == 200 and "no-store" not in script.headers.get("Cache-Control", "")


def test_report_json_tells_caches_what_the_server_does(client, dash_app):
    from tests.support.dashboard import CACHE_SECONDS

    first = client.get("/relatorio/semana.json")
    assert first.status_code == 200 and first.cache_control.public
    assert 0 <= first.cache_control.max_age <= CACHE_SECONDS
    etag = first.headers["ETag"]
    again = client.get("/relatorio/semana.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def _public_refresh(client, dash_app, shown):
    public = dash_app.extensions["alumusic_dash_apps"][1]
    (output,) = public.callback_map
    body = callback_body(public, output, {"relatorio-intervalo.n_intervals": 1, "relatorio-mostrado.data": shown})
    return client.post("/relatorio/_dash-update-component", json=body)


@pytest.mark.parametrize("shown", [None, "x", [], [1, {"a": 2}], {"grafico-categorias_por_artista": 5},
                                   {"pontos-categorias_por_artista": ["x"]}, 10**30, "\u0000"])
def test_the_public_refresh_takes_any_shown_digests_from_an_outsider(client, dash_app, db, shown):
    """The page's copy of what it shows comes back from the browser: junk there means "send it all"."""
    seed(db)
    response = _public_refresh(client, dash_app, shown)
    assert response.status_code == 200
    sent = response.get_json()["response"]
    assert {"grafico-categorias_por_artista", "pontos-categorias_por_artista", "relatorio-mostrado"} <= set(sent)


def test_a_refresh_resends_only_what_changed(client, dash_app, db):
    seed(db)
    first = _public_refresh(client, dash_app, {}).get_json()["response"]
    shown = first["relatorio-mostrado"]["data"]
    assert len(shown) == 15  # five charts, their descriptions and their lists
    again = _public_refresh(client, dash_app, shown).get_json()["response"]
    assert set(again) == {"relatorio-atualizado", "relatorio-mostrado"}  # nothing new: the page keeps its DOM
    stale = {**shown, "pontos-categorias_por_artista": "0" * 64}
    resent = _public_refresh(client, dash_app, stale).get_json()["response"]
    assert set(resent) == {"relatorio-atualizado", "relatorio-mostrado", "pontos-categorias_por_artista"}
    assert resent["pontos-categorias_por_artista"] == first["pontos-categorias_por_artista"]


def _public_body(dash_app) -> dict:
    public = dash_app.extensions["alumusic_dash_apps"][1]
    (output,) = public.callback_map
    return callback_body(public, output, {"relatorio-intervalo.n_intervals": 1})


def _outputs_cases():
    yield "none", []
    yield "one of many", [{"id": "grafico-categorias_por_artista", "property": "figure"}]
    yield "junk items", [1] * 17
    yield "an object for a list", {"id": "relatorio-atualizado", "property": "children"}
    yield "lists for plain ids", "NESTED"
    yield "other ids", "RENAMED"


@pytest.mark.parametrize(("case", "outputs"), list(_outputs_cases()))
def test_outputs_that_do_not_name_the_callback_s_own_get_400(client, dash_app, db, case, outputs):
    """Dash indexes ``outputs`` by the callback's outputs: a short or foreign list was a 500."""
    good = _public_body(dash_app)
    assert client.post("/relatorio/_dash-update-component", json=good).status_code == 200
    if outputs == "NESTED":
        outputs = [[o] for o in good["outputs"]]
    elif outputs == "RENAMED":
        outputs = [{**o, "id": "x" + o["id"]} for o in good["outputs"]]
    response = client.post("/relatorio/_dash-update-component", json={**good, "outputs": outputs})
    assert response.status_code == 400, case
    assert response.get_json()["erro"]["codigo"] == 400


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_a_callback_body_not_in_utf8_gets_400(client, dash_app, db, encoding):
    """Flask would read it, but the nesting scan reads bytes: in UTF-16-LE, U+2262 holds a quote
    byte (0x62 0x22) that hid the deep array after it from the scan."""
    body = json.dumps({**_public_body(dash_app), "x": "\u2262", "y": "DEEP"}).replace('"DEEP"', _deep(500).decode())
    assert client.post("/relatorio/_dash-update-component", data=body.encode("utf-8"),
                       content_type="application/json").status_code == 400  # too deep, seen as such
    plain = json.dumps(_public_body(dash_app))
    for raw in (body.encode(encoding), plain.encode(encoding)):
        response = client.post("/relatorio/_dash-update-component", data=raw, content_type="application/json")
        assert response.status_code == 400, (encoding, response.status_code)


@pytest.mark.parametrize("path", ["naoexiste/x.js", "dash/naoexiste.js", "dash/dcc/../../x.js", "dash/dash-renderer/nao.js"])
def test_an_unknown_component_suite_file_is_a_404(client, path):
    for prefix in ("/relatorio/", "/dashboard/"):
        if prefix == "/dashboard/":
            assert login(client).status_code == 302
        response = client.get(f"{prefix}_dash-component-suites/{path}")
        assert response.status_code == 404, (prefix, path, response.status_code)
        assert "Registered" not in response.get_data(as_text=True)  # Dash's message lists every path


def test_a_login_name_with_nul_is_a_failed_login_not_a_500(client, db):
    page = client.get("/entrar").get_data(as_text=True)
    token = csrf_from(page)
    for usuario in ("a\x00b", f"{USER}\x00", "\x00"):
        response = client.post("/entrar", data={"usuario": usuario, "senha": "x", "csrf_token": token})
        assert response.status_code == 401, repr(usuario)
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM curador_sessoes")).scalar_one() == 0
