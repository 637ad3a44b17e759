"""Authentication attacks and the token life cycle, against the real clients table."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask_jwt_extended import create_access_token

from alumusic.repositories import clients as clients_repo
from tests.support.api import bearer


def _post_one(client, headers):
    return client.post("/api/comentarios", json={"id": str(uuid.uuid4()), "texto": "ótimo show"}, headers=headers)


def _assert_error(resp, code):
    assert resp.status_code == code, resp.get_data(as_text=True)
    assert resp.is_json
    body = resp.get_json()
    assert body["erro"]["codigo"] == code and body["erro"]["mensagem"]


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_token_then_post_and_refresh(client, tokens):
    t = tokens()
    assert t["token_type"] == "Bearer" and t["expires_in"] > 0
    assert _post_one(client, bearer(t["access_token"])).status_code == 201
    resp = client.post("/api/auth/refresh", headers=bearer(t["refresh_token"]))
    assert resp.status_code == 200
    assert _post_one(client, bearer(resp.get_json()["access_token"])).status_code == 201


@pytest.mark.parametrize("body", [{"cliente": "poster", "segredo": "errado"}, {"cliente": "ninguem", "segredo": "x"}])
def test_wrong_credentials_are_401(client, make_api_client, body):
    make_api_client()
    _assert_error(client.post("/api/auth/token", json=body), 401)


def test_malformed_credentials_are_422(client):
    _assert_error(client.post("/api/auth/token", json={"cliente": 3}), 422)


def test_secret_is_stored_hashed(db, make_api_client):
    _, secret = make_api_client()
    with db.connect() as conn:
        stored = conn.exec_driver_sql("SELECT segredo_hash FROM api_clientes").scalar_one()
    assert secret not in stored and stored.startswith("$argon2id$")


def test_no_token_is_401(client):
    _assert_error(_post_one(client, {}), 401)


@pytest.mark.parametrize("header", ["Bearer", "Bearer abc.def", "Bearer a.b.c", "Token xyz", "Basic dXNlcjpwYXNz"])
def test_malformed_token_is_401(client, header):
    _assert_error(_post_one(client, {"Authorization": header}), 401)


def test_expired_token_is_401(app, client, tokens):
    tokens()
    with app.app_context():
        expired = create_access_token("poster", additional_claims={"cid": 1, "papeis": ["ingest"]},
                                      expires_delta=timedelta(seconds=-5))
    resp = _post_one(client, bearer(expired))
    _assert_error(resp, 401)
    assert "expirado" in resp.get_json()["erro"]["mensagem"]


def test_token_that_expires_after_use_is_refused_then(app, client, tokens):
    tokens()
    with app.app_context():
        short = create_access_token("poster", additional_claims={"cid": 1, "papeis": ["ingest"]},
                                    expires_delta=timedelta(seconds=1))
    assert _post_one(client, bearer(short)).status_code == 201  # verified claims now memoised
    time.sleep(1.2)
    _assert_error(_post_one(client, bearer(short)), 401)


def test_verified_claims_are_memoised_until_exp(client, tokens):
    """The memo hooks flask-jwt-extended's decoder (api.security): a renamed hook would fail here."""
    from api.security import verified_tokens

    access = tokens()["access_token"]
    verified_tokens.clear()
    assert _post_one(client, bearer(access)).status_code == 201
    assert [token for _key, token in verified_tokens] == [access]


def test_tampered_signature_and_payload_are_401(client, tokens):
    access = tokens()["access_token"]
    header, payload, signature = access.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    _assert_error(_post_one(client, bearer(f"{header}.{payload}.{flipped}")), 401)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["papeis"] = ["admin", "ingest", "read"]
    _assert_error(_post_one(client, bearer(f"{header}.{_b64(claims)}.{signature}")), 401)


def test_alg_none_is_401(client, tokens):
    access = tokens()["access_token"]
    payload = access.split(".")[1]
    for alg in ("none", "None", "NONE"):
        forged = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{payload}."
        _assert_error(_post_one(client, bearer(forged)), 401)


def test_token_signed_with_other_key_is_401(app, client, tokens):
    tokens()
    from api import create_app

    other = create_app({"JWT_SECRET_KEY": "another-secret-key-of-sufficient-length-123"})
    with other.app_context():
        forged = create_access_token("poster", additional_claims={"cid": 1, "papeis": ["ingest"]})
    other_client = other.test_client()
    other.config["DATABASE_URL"] = app.config["DATABASE_URL"]
    assert _post_one(other_client, bearer(forged)).status_code == 201  # valid there (and memoised)
    _assert_error(_post_one(client, bearer(forged)), 401)  # never trusted here


def test_refresh_token_is_not_an_access_token(client, tokens):
    t = tokens()
    _assert_error(_post_one(client, bearer(t["refresh_token"])), 401)
    _assert_error(client.post("/api/auth/refresh", headers=bearer(t["access_token"])), 401)


def test_wrong_role_is_403(client, tokens):
    reader = tokens("leitor", "read")["access_token"]
    _assert_error(_post_one(client, bearer(reader)), 403)
    assert client.get("/api/comentarios", headers=bearer(reader)).status_code == 200
    ingester = tokens("coletor", "ingest")["access_token"]
    _assert_error(client.get("/api/comentarios", headers=bearer(ingester)), 403)
    admin = tokens("chefe", "admin")["access_token"]
    assert _post_one(client, bearer(admin)).status_code == 201
    assert client.get("/api/comentarios", headers=bearer(admin)).status_code == 200


def test_role_removed_in_database_is_403_with_old_token(client, db, tokens):
    access = tokens("poster", "ingest,read")["access_token"]
    with db.begin() as conn:
        conn.exec_driver_sql("UPDATE api_clientes SET papeis = '{read}' WHERE nome = 'poster'")
    _assert_error(_post_one(client, bearer(access)), 403)


def test_revoked_client_tokens_stop_working(client, db, tokens):
    t = tokens()
    assert _post_one(client, bearer(t["access_token"])).status_code == 201
    with db.begin() as conn:
        assert clients_repo.revoke_client(conn, "poster")
    _assert_error(_post_one(client, bearer(t["access_token"])), 401)
    _assert_error(client.post("/api/auth/refresh", headers=bearer(t["refresh_token"])), 401)


def test_revocation_takes_effect_within_the_cache_time(app, client, db, tokens):
    app.config["CLIENT_CACHE_SECONDS"] = 0.5
    access = tokens()["access_token"]
    assert _post_one(client, bearer(access)).status_code == 201  # client now cached
    with db.begin() as conn:
        clients_repo.revoke_client(conn, "poster")
    time.sleep(0.6)
    _assert_error(_post_one(client, bearer(access)), 401)


def test_revoked_client_cannot_get_a_token(client, db, make_api_client):
    nome, secret = make_api_client()
    with db.begin() as conn:
        clients_repo.revoke_client(conn, nome)
    _assert_error(client.post("/api/auth/token", json={"cliente": nome, "segredo": secret}), 401)


def test_token_endpoint_is_rate_limited(db, db_url, make_api_client):
    from api import create_app

    app = create_app({"DATABASE_URL": db_url, "TOKEN_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    for _ in range(3):
        assert client.post("/api/auth/token", json={"cliente": "x", "segredo": "y"}).status_code == 401
    resp = client.post("/api/auth/token", json={"cliente": "x", "segredo": "y"})
    _assert_error(resp, 429)
    assert int(resp.headers["Retry-After"]) > 0


def test_app_refuses_to_start_without_jwt_secret(monkeypatch):
    from alumusic.settings import MissingSecretError, get_settings
    from api import create_app

    monkeypatch.setenv("JWT_SECRET_KEY", "")
    get_settings.cache_clear()
    try:
        with pytest.raises(MissingSecretError, match="JWT_SECRET_KEY"):
            create_app()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_cli_create_list_revoke(client, db):
    from alumusic.cli import cli

    runner = CliRunner()
    created = runner.invoke(cli, ["clients", "create", "parceiro", "--roles", "ingest,read"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1].split()[-1]
    assert client.post("/api/auth/token", json={"cliente": "parceiro", "segredo": secret}).status_code == 200

    again = runner.invoke(cli, ["clients", "create", "parceiro"])
    assert again.exit_code != 0 and "já existe" in again.output
    bad_role = runner.invoke(cli, ["clients", "create", "outro", "--roles", "root"])
    assert bad_role.exit_code != 0 and "papel desconhecido" in bad_role.output

    listed = runner.invoke(cli, ["clients", "list"])
    assert "parceiro" in listed.output and "ativo" in listed.output and secret not in listed.output
    assert runner.invoke(cli, ["clients", "revoke", "parceiro"]).exit_code == 0
    assert "revogado" in runner.invoke(cli, ["clients", "list"]).output
    assert runner.invoke(cli, ["clients", "revoke", "parceiro"]).exit_code != 0
    assert client.post("/api/auth/token", json={"cliente": "parceiro", "segredo": secret}).status_code == 401
