"""Curators log in through an OpenID Connect provider when one is configured (a real one on loopback).

The dashboard runs under gunicorn with OIDC_* settings, as a deployment would; the provider issues
RS256-signed ID tokens. What must hold: a verified e-mail of an active account logs in (and comes
back to the page asked for); an unknown, unverified or disabled one does not; a forged ID token
or a tampered state is refused; with OIDC_CREATE_ACCOUNTS a new account is a plain curador.
"""

from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa
from authlib.jose import JsonWebKey

from alumusic.repositories import curators
from tests.support.dashboard import gunicorn_dashboard
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider


@pytest.fixture
def provider():
    with Provider() as p:
        yield p


def _oidc_env(provider: Provider, **extra: str) -> dict:
    return {"OIDC_ISSUER": provider.url, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET, **extra}


def _login(base: str, provider: Provider, user: dict, proximo: str = "/dashboard/") -> tuple[requests.Session, requests.Response]:
    provider.user = user
    s = requests.Session()
    page = s.get(base + "/entrar", timeout=10)
    button = re.search(r'id="entrar-oidc" href="([^"]+)"', page.text)
    assert button, "no OIDC button on the login page"
    # /entrar/oidc -> provider /authorize -> back to /entrar/oidc/retorno -> the page asked for
    response = s.get(base + f"/entrar/oidc?proximo={proximo}", timeout=10)
    return s, response


def test_a_verified_email_of_an_active_account_logs_in(db, db_url, tmp_path, provider):
    with db.begin() as conn:
        curators.create(conn, "bia", "curador", email="bia@gravadora.com.br", with_password=False)
        curators.create(conn, "caio", "curador", email="caio@gravadora.com.br", with_password=False)
        curators.disable(conn, "caio")
    with gunicorn_dashboard(db_url, tmp_path, workers=1, **_oidc_env(provider)) as base:
        s, response = _login(base, provider, {"email": "bia@gravadora.com.br", "email_verified": True, "name": "Bia"},
                             proximo="/dashboard/insights")
        assert response.status_code == 200 and response.url == base + "/dashboard/insights"
        assert s.get(base + "/dashboard/_dash-layout", timeout=10).status_code == 200
        with db.connect() as conn:
            assert conn.execute(sa.text("SELECT metodo FROM curador_sessoes")).scalars().all() == ["oidc"]

        for user, status in (({"email": "ninguem@gravadora.com.br", "email_verified": True}, 403),
                             ({"email": "bia@gravadora.com.br", "email_verified": False}, 403),
                             ({"email": "caio@gravadora.com.br", "email_verified": True}, 403),
                             ({"name": "sem e-mail"}, 403)):
            s, response = _login(base, provider, user)
            assert response.status_code == status, user
            assert s.get(base + "/dashboard/_dash-layout", timeout=10).status_code == 401, user


def test_forged_tokens_and_tampered_state_are_refused(db, db_url, tmp_path, provider):
    with db.begin() as conn:
        curators.create(conn, "bia", "curador", email="bia@gravadora.com.br", with_password=False)
    with gunicorn_dashboard(db_url, tmp_path, workers=1, **_oidc_env(provider)) as base:
        provider.sign_with = JsonWebKey.generate_key("RSA", 2048, is_private=True)  # not the published key
        s, response = _login(base, provider, {"email": "bia@gravadora.com.br", "email_verified": True})
        assert response.status_code == 401
        assert s.get(base + "/dashboard/_dash-layout", timeout=10).status_code == 401
        provider.sign_with = provider.key

        provider.user = {"email": "bia@gravadora.com.br", "email_verified": True}
        s = requests.Session()
        to_provider = s.get(base + "/entrar/oidc", allow_redirects=False, timeout=10).headers["Location"]
        back = requests.get(to_provider, allow_redirects=False, timeout=10).headers["Location"]
        tampered = re.sub(r"state=[^&]+", "state=forjado", back)
        assert s.get(tampered, timeout=10).status_code == 401
        assert s.get(base + "/dashboard/_dash-layout", timeout=10).status_code == 401
        # A callback with a code but from another browser (no state in its session) is refused too.
        assert requests.get(back, timeout=10).status_code == 401


def test_accounts_can_be_created_on_first_login_as_plain_curators(db, db_url, tmp_path, provider):
    with gunicorn_dashboard(db_url, tmp_path, workers=1, **_oidc_env(provider, OIDC_CREATE_ACCOUNTS="true")) as base:
        s, response = _login(base, provider, {"email": "Davi.Souza@gravadora.com.br", "email_verified": True,
                                              "name": "Davi Souza", "role": "admin"})
        assert response.status_code == 200 and response.url == base + "/dashboard/"
    with db.connect() as conn:
        account = curators.find_by_email(conn, "davi.souza@gravadora.com.br")
    assert (account.usuario, account.papel, account.nome) == ("davi.souza", "curador", "Davi Souza")
