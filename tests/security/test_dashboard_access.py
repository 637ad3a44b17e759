"""Threat: reading or changing private data on the dashboard without a curator session.

The attacker has no account. They call every private Dash callback directly (with inputs
relabelled ``pathname`` — the dash-auth bypass — and every other trick), ask the public app
for private callbacks, fetch private layouts, dependencies, assets and the CSV export, and send
forged or malformed credentials. Every answer must be a refusal (302 to the login page for a
browser, 401 otherwise, 400 for what is not a callback of the app asked) that carries no private
byte, and nothing may be written.
"""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa

from tests.dashboard.seed import seed
from tests.support.dashboard import PASSWORD, USER, callback_body, csrf_from, dash_csrf, login

PRIVATE_MARKERS = ("Luna Ribeiro", "MC Trovão", "Garagem", "feat_autotune", "dash-tabela", "corr-salvar")


@pytest.fixture
def client(live, dash_app, curator):
    return dash_app.test_client()


def _apps(dash_app):
    private, public = dash_app.extensions["alumusic_dash_apps"]
    return private, public


def _counts(db) -> dict:
    with db.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("comentarios", "classificacoes", "classificacao_tags", "insights_perguntas", "curadores",
                          "curador_sessoes")}


def _assert_no_private_bytes(response) -> None:
    text = response.get_data(as_text=True)
    for marker in PRIVATE_MARKERS:
        assert marker not in text, f"{marker!r} leaked in a {response.status_code} answer"


def test_every_private_callback_is_refused_without_a_session(client, dash_app, db):
    """Derived from the private app's callback map: a callback added later is covered too."""
    seed(db)
    private, _ = _apps(dash_app)
    assert len(private.callback_map) >= 6  # the pages' callbacks and Pages' routing callback
    before = _counts(db)
    url = private.config.requests_pathname_prefix + "_dash-update-component"
    attempts = 0
    for output in private.callback_map:
        for relabel, value in ((None, 1), ("pathname", "/relatorio/semana"), ("pathname", "/"),
                               ("pathname", "/entrar")):
            for headers in ({}, {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()},
                            {"Authorization": "Bearer x"}):
                response = client.post(url, json=callback_body(private, output, relabel=relabel, default=value), headers=headers)
                attempts += 1
                assert response.status_code == 401, (output, relabel, response.status_code)
                assert response.get_json()["erro"]["codigo"] == 401
                _assert_no_private_bytes(response)
    assert attempts >= 6 * 4 * 3
    assert _counts(db) == before


def test_the_public_app_knows_no_private_callback(client, dash_app, db):
    seed(db)
    private, public = _apps(dash_app)
    assert all("relatorio-atualizado.children" in key for key in public.callback_map)
    url = public.config.requests_pathname_prefix + "_dash-update-component"
    before = _counts(db)
    for output in private.callback_map:
        for relabel in (None, "pathname"):
            response = client.post(url, json=callback_body(private, output, relabel=relabel, default="/relatorio/semana"))
            assert response.status_code == 400, output
            _assert_no_private_bytes(response)
    assert _counts(db) == before


@pytest.mark.parametrize("path", [
    "/dashboard/", "/dashboard/insights", "/dashboard/qualquer", "/dashboard/_dash-layout",
    "/dashboard/_dash-dependencies", "/dashboard/exportar.csv", "/dashboard/exportar.csv?categoria=SPAM",
    "/dashboard/assets/estilo.css", "/dashboard/_reload-hash", "/dashboard", "/insights", "/qualquer-coisa",
    "/dashboard/../dashboard/_dash-layout", "/DASHBOARD/", "/dashboard//_dash-layout",
])
def test_private_paths_answer_nothing_private_without_a_session(client, db, path):
    seed(db)
    for accept in ("text/html", "application/json", "*/*"):
        response = client.get(path, headers={"Accept": accept}, follow_redirects=True)
        assert response.status_code in (200, 401, 404), (path, response.status_code)
        if response.status_code == 200:  # only ever the login page, after redirects
            assert response.request.path == "/entrar" and 'name="senha"' in response.get_data(as_text=True)
        _assert_no_private_bytes(response)


@pytest.mark.parametrize("header", [
    "Bearer x", "Basic !!!!", "Basic " + base64.b64encode(b"sem-dois-pontos").decode(), "Basic",
    "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(), "Digest username=x", "\u00e9\u00e9",
    "Basic " + "A" * 10_000,
])
def test_malformed_or_basic_credentials_open_nothing(client, db, header):
    """The dashboard takes no credentials in headers at all: only a session cookie from /entrar."""
    seed(db)
    for path in ("/dashboard/", "/dashboard/_dash-layout", "/dashboard/exportar.csv"):
        response = client.get(path, headers={"Authorization": header})
        assert response.status_code in (302, 401)
        _assert_no_private_bytes(response)


def test_a_forged_or_tampered_session_cookie_opens_nothing(client, db, dash_app):
    seed(db)
    assert login(client).status_code == 302
    cookie = client.get_cookie("alumusic_sessao")
    assert client.get("/dashboard/_dash-layout").status_code == 200
    value = cookie.value
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    other = dash_app.test_client()
    other.set_cookie("alumusic_sessao", tampered)
    assert other.get("/dashboard/_dash-layout").status_code == 401
    # A cookie signed with another key (a default or leaked development key) is refused too.
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    forger = Flask("forger")
    forger.secret_key = "dev"
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    other.set_cookie("alumusic_sessao", serializer.dumps({"_user_id": "x" * 43, "_fresh": True}))
    assert other.get("/dashboard/_dash-layout").status_code == 401


def test_logout_and_disabling_end_the_session_even_for_a_copied_cookie(client, db, dash_app):
    from alumusic.repositories import curators

    assert login(client).status_code == 302
    stolen = client.get_cookie("alumusic_sessao").value
    thief = dash_app.test_client()
    thief.set_cookie("alumusic_sessao", stolen)
    assert thief.get("/dashboard/_dash-layout").status_code == 200
    assert client.post("/sair", data={"csrf_token": dash_csrf(client)}).status_code == 302
    assert thief.get("/dashboard/_dash-layout").status_code == 401  # the server-side session is gone

    assert login(client).status_code == 302
    assert client.get("/dashboard/_dash-layout").status_code == 200
    with db.begin() as conn:
        curators.disable(conn, USER)
    assert client.get("/dashboard/_dash-layout").status_code == 401
    assert login(client).status_code == 401  # and a disabled account cannot log in again


def test_login_rotates_the_session_cookie(client):
    """Session fixation: a cookie the attacker planted before the login is not the one that logs in."""
    client.get("/entrar")
    planted = client.get_cookie("alumusic_sessao").value
    assert login(client).status_code == 302
    assert client.get_cookie("alumusic_sessao").value != planted


def test_login_redirects_only_inside_the_site(client):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                   "http:/evil", "/dashboard/\r\nSet-Cookie: x=1"):
        response = login(client, proximo=target)
        assert response.status_code == 302 and response.headers["Location"] == "/dashboard/", target
        client.delete_cookie("alumusic_sessao")
    response = login(client, proximo="/dashboard/insights?x=1")
    assert response.headers["Location"] == "/dashboard/insights?x=1"


def test_session_cookie_flags(client, dash_app):
    http_client = dash_app.test_client()
    response = login(http_client)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("alumusic_sessao="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https_client = dash_app.test_client()
    page = https_client.get("/entrar", base_url="https://localhost")
    response = https_client.post("/entrar", base_url="https://localhost", headers={"Referer": "https://localhost/entrar"},
                                 data={"usuario": USER, "senha": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("alumusic_sessao="))
    assert "Secure" in cookie and "HttpOnly" in cookie
