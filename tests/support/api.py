"""API test fixtures (a pytest plugin, see tests/conftest.py): the Flask app built by the factory (as in Flask's tutorial) on the session's
real PostgreSQL database, API clients created through the repository, and token helpers."""

from __future__ import annotations

import json

import pytest

from alumusic.repositories import clients as clients_repo


@pytest.fixture
def app(db, db_url):
    from api import create_app
    from api.security import client_cache, verified_tokens

    client_cache.clear()
    verified_tokens.clear()
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "CLIENT_CACHE_SECONDS": 0})
    yield app
    client_cache.clear()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_api_client(db):
    """Create an API client in the database; returns (name, secret)."""

    def make(nome: str = "poster", papeis: str = "ingest,read") -> tuple[str, str]:
        with db.begin() as conn:
            _, secret = clients_repo.create_client(conn, nome, papeis)
        return nome, secret

    return make


@pytest.fixture
def tokens(client, make_api_client):
    """Log a new client in; returns the token response (access_token, refresh_token)."""

    def login(nome: str = "poster", papeis: str = "ingest,read") -> dict:
        nome, secret = make_api_client(nome, papeis)
        resp = client.post("/api/auth/token", json={"cliente": nome, "segredo": secret})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    return login


@pytest.fixture(scope="session")
def _one_hash() -> str:
    # argon2 is deliberately slow (~0.5 s here); tests that only need *a* client share one hash.
    return clients_repo._hasher.hash("segredo-de-teste")


@pytest.fixture
def access_headers(app, db, _one_hash):
    """Authorization headers of a fresh client with ``papeis`` (token minted as the endpoint does)."""
    import sqlalchemy as sa
    from flask_jwt_extended import create_access_token

    def make(nome: str = "poster", papeis: tuple[str, ...] = ("ingest", "read")) -> dict:
        with db.begin() as conn:
            cid = conn.execute(
                sa.text("INSERT INTO api_clientes (nome, segredo_hash, papeis) VALUES (:n, :h, :p) RETURNING id"),
                {"n": nome, "h": _one_hash, "p": list(papeis)},
            ).scalar_one()
        with app.app_context():
            token = create_access_token(nome, additional_claims={"cid": cid, "papeis": list(papeis)})
        return bearer(token)

    return make


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_error(resp, code: int) -> dict:
    """``resp`` (Flask test response) is ``code`` in the API's JSON error shape; returns the body."""
    assert resp.status_code == code, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/json"
    body = json.loads(resp.get_data().decode("utf-8"))  # valid UTF-8 JSON, whatever was sent
    assert set(body) == {"erro"} and set(body["erro"]) == {"codigo", "mensagem", "detalhes"}
    assert body["erro"]["codigo"] == code and body["erro"]["mensagem"]
    return body


def assert_http_error(status: int, headers, raw: bytes, code: int) -> dict:
    """The same check for an answer read off a socket (status, headers mapping, body bytes)."""
    assert status == code, raw[:500]
    assert headers.get("Content-Type", "").startswith("application/json"), headers
    body = json.loads(raw.decode("utf-8"))
    assert set(body) == {"erro"} and set(body["erro"]) == {"codigo", "mensagem", "detalhes"}
    assert body["erro"]["codigo"] == code and body["erro"]["mensagem"]
    return body
