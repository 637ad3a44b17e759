"""Threat: online guessing of an API client's secret on ``POST /api/auth/token`` (unauthenticated).

The attacker tries many secrets for one client name, from one address or spread over many
(botnet), spoofs X-Forwarded-For to look like many addresses, and counts on the API's several
gunicorn workers each keeping its own counters. Defences checked here, against a real gunicorn
with 2 workers sharing their counters through PostgreSQL: a per-IP limit on every attempt, a
per-client-name limit on failed attempts from any IP, X-Forwarded-For ignored unless proxies are
configured as trusted, 429 in the JSON error shape with Retry-After, nothing stored on a failure,
and a wrong client name costing the server the same argon2 work as a wrong secret (no name
enumeration by cost), while a rate-limited or malformed attempt costs none.
"""

from __future__ import annotations

import json

import pytest

from alumusic.repositories import clients as clients_repo
from tests.support.api import assert_error, assert_http_error

CLIENT_LIMIT = 3
IP_LIMIT = 6
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def server(gunicorn):
    return gunicorn(workers=2, TOKEN_RATE_LIMIT=f"{IP_LIMIT} per minute",
                    TOKEN_RATE_LIMIT_CLIENT=f"{CLIENT_LIMIT} per minute")


def _login(server, nome, segredo, ip, **headers):
    return server.request("POST", "/api/auth/token", json.dumps({"cliente": nome, "segredo": segredo}),
                          {**JSON, **headers}, source_ip=ip)


def test_guessing_one_client_from_many_ips_is_stopped_whatever_worker_answers(server, make_api_client, counts):
    nome, secret = make_api_client("alvo")
    other, other_secret = make_api_client("outro")
    server.reset_log()
    before = counts()
    answers = [_login(server, nome, f"chute-{i}", f"127.0.0.{11 + i}", **{"X-Forwarded-For": f"203.0.113.{i}"})
               for i in range(CLIENT_LIMIT + 1)]
    assert [status for status, _, _ in answers] == [401] * CLIENT_LIMIT + [429]
    for status, headers, raw in answers[:-1]:
        assert_http_error(status, headers, raw, 401)
    status, headers, raw = answers[-1]
    body = assert_http_error(status, headers, raw, 429)
    assert "cliente" in " ".join(body["erro"]["detalhes"]) and int(headers["Retry-After"]) > 0
    # The name stays locked for the window on every worker, even with the right secret and from
    # fresh addresses (20 tries: both workers answer some of them).
    for i in range(20):
        status, headers, raw = _login(server, nome, secret if i % 2 else "chute", f"127.0.0.{30 + i}")
        assert_http_error(status, headers, raw, 429)
    assert len(server.worker_pids()) == 2, "both workers should have answered"
    assert counts() == before  # no token family, nothing else written
    # Another client, from another address, is not blocked.
    status, _, raw = _login(server, other, other_secret, "127.0.0.60")
    assert status == 200 and json.loads(raw)["refresh_token"]


def test_one_ip_is_limited_however_many_names_and_forwarded_for_headers_it_sends(server, db, counts):
    server.reset_log()
    before = counts()
    codes = []
    for i in range(IP_LIMIT + 20):
        status, headers, raw = _login(server, f"ninguem-{i}", "x", "127.0.0.70", **{"X-Forwarded-For": f"198.51.100.{i}"})
        codes.append(status)
    assert codes == [401] * IP_LIMIT + [429] * 20
    assert len(server.worker_pids()) == 2, "both workers should have answered"
    assert_http_error(status, headers, raw, 429)
    assert int(headers["Retry-After"]) > 0
    status, headers, raw = _login(server, "ninguem-novo", "x", "127.0.0.71")
    assert_http_error(status, headers, raw, 401)  # another address still has its own budget
    assert counts() == before


def test_successful_logins_do_not_spend_the_client_budget(db, db_url, make_api_client, counts):
    from api import create_app

    app = create_app({"DATABASE_URL": db_url, "TOKEN_RATE_LIMIT": "100 per minute",
                      "TOKEN_RATE_LIMIT_CLIENT": "2 per minute"})
    client = app.test_client()
    nome, secret = make_api_client("alvo")
    for _ in range(5):
        assert client.post("/api/auth/token", json={"cliente": nome, "segredo": secret}).status_code == 200
    before = counts()
    for _ in range(2):
        assert_error(client.post("/api/auth/token", json={"cliente": nome, "segredo": "errado"}), 401)
    assert_error(client.post("/api/auth/token", json={"cliente": nome, "segredo": secret}), 429)
    assert counts() == before


class _CountingHasher:
    """Wraps the clients module's argon2 hasher and counts verifications."""

    def __init__(self, real) -> None:
        self.real, self.verifications = real, 0

    def verify(self, stored, secret):
        self.verifications += 1
        return self.real.verify(stored, secret)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_wrong_name_costs_the_same_argon2_work_as_wrong_secret(db, db_url, make_api_client, monkeypatch):
    from api import create_app

    nome, secret = make_api_client("alvo")
    app = create_app({"DATABASE_URL": db_url, "TOKEN_RATE_LIMIT": "100 per minute",
                      "TOKEN_RATE_LIMIT_CLIENT": "3 per minute"})
    client = app.test_client()
    hasher = _CountingHasher(clients_repo._hasher)
    monkeypatch.setattr(clients_repo, "_hasher", hasher)

    def cost(body) -> tuple[int, int]:
        start = hasher.verifications
        resp = client.post("/api/auth/token", json=body)
        return resp.status_code, hasher.verifications - start

    assert cost({"cliente": "nao-existe", "segredo": "x"}) == (401, 1)
    assert cost({"cliente": nome, "segredo": "errado"}) == (401, 1)
    assert cost({"cliente": nome, "segredo": secret}) == (200, 1)
    assert cost({"cliente": nome, "segredo": 3}) == (422, 0)
    assert cost({"cliente": nome, "segredo": "errado"}) == (401, 1)
    assert cost({"cliente": nome, "segredo": "errado"}) == (401, 1)
    assert cost({"cliente": nome, "segredo": "errado"}) == (429, 0)  # refused before any hashing
    assert cost({"cliente": "outro-nome", "segredo": "x"}) == (401, 1)


def test_forwarded_for_counts_only_behind_a_trusted_proxy(db, db_url):
    from api import create_app

    def attempts(trusted: int) -> list[int]:
        app = create_app({"DATABASE_URL": db_url, "TOKEN_RATE_LIMIT": "2 per minute", "PROXY_HOPS": trusted})
        client = app.test_client()
        return [client.post("/api/auth/token", json={"cliente": f"n-{trusted}-{i}", "segredo": "x"},
                            headers={"X-Forwarded-For": f"192.0.2.{i}"},
                            environ_base={"REMOTE_ADDR": f"10.0.{trusted}.1"}).status_code for i in range(3)]

    assert attempts(0) == [401, 401, 429]  # spoofed header ignored: one address
    assert attempts(1) == [401, 401, 401]  # behind one trusted proxy: each forwarded address counts alone


def test_invalid_names_share_one_bucket_and_cannot_reach_the_database_key(db, db_url, counts):
    """Names no client can have (spaces, NUL, 10 kB) neither break the counter storage nor get
    their own budgets."""
    from api import create_app

    app = create_app({"DATABASE_URL": db_url, "TOKEN_RATE_LIMIT": "100 per minute",
                      "TOKEN_RATE_LIMIT_CLIENT": "2 per minute"})
    client = app.test_client()
    before = counts()
    assert_error(client.post("/api/auth/token", json={"cliente": "a\x00b", "segredo": "x"}), 422)
    assert_error(client.post("/api/auth/token", json={"cliente": "x" * 10_000, "segredo": "x"}), 422)
    assert_error(client.post("/api/auth/token", json={"cliente": "com espaço", "segredo": "x"}), 401)
    assert_error(client.post("/api/auth/token", json={"cliente": "outro espaço", "segredo": "x"}), 401)
    assert_error(client.post("/api/auth/token", json={"cliente": "mais um", "segredo": "x"}), 429)
    assert_error(client.post("/api/auth/token", json={"cliente": "valido", "segredo": "x"}), 401)
    assert counts() == before


def test_a_locked_name_cannot_be_guessed_through_its_nfc_alias(db, db_url, make_api_client):
    """U+212A KELVIN SIGN normalises (NFC) to "K": the login reads "\\u212aiosk-..." as "Kiosk-...",
    so the lockout must count it in that name's budget, not in the shared bucket of odd names."""
    from api import create_app

    app = create_app({"DATABASE_URL": db_url, "TOKEN_RATE_LIMIT": "100 per minute",
                      "TOKEN_RATE_LIMIT_CLIENT": "2 per minute"})
    client = app.test_client()
    nome, secret = make_api_client("Kiosk-parceiro")
    for _ in range(2):
        assert_error(client.post("/api/auth/token", json={"cliente": nome, "segredo": "errado"}), 401)
    alias = "\u212a" + nome[1:]
    assert_error(client.post("/api/auth/token", json={"cliente": alias, "segredo": "errado-3"}), 429)
    assert_error(client.post("/api/auth/token", json={"cliente": alias, "segredo": secret}), 429)
