"""Threat: dodging the token endpoint's per-IP limit by changing address without changing client.

An IPv6 client is given at least a /64 and can send every attempt from a fresh address in it; a
dual-stack socket reports an IPv4 client as ``::ffff:a.b.c.d``, a second name for the same
address. The per-IP key (``alumusic.client_addresses``, used by ``api.ratelimit.client_ip_key`` and
the dashboard's login, last test) must count an IPv6 /64 as one client
and a mapped address as its IPv4 address, directly or behind a trusted proxy, and must not fail
on an address it cannot parse.
"""

from __future__ import annotations

import pytest
from flask import Flask

from api.ratelimit import client_ip_key
from tests.support.api import assert_error

IP_LIMIT = 3


@pytest.fixture
def client(db, db_url):
    from api import create_app

    # The name limit is out of the way: each attempt uses its own name anyway.
    app = create_app({"DATABASE_URL": db_url, "TOKEN_RATE_LIMIT": f"{IP_LIMIT} per minute",
                      "TOKEN_RATE_LIMIT_CLIENT": "100 per minute"})
    return app.test_client()


def _login(client, ip: str, nome: str, **kwargs):
    return client.post("/api/auth/token", json={"cliente": nome, "segredo": "x"},
                       environ_base={"REMOTE_ADDR": ip}, **kwargs)


def test_addresses_of_one_ipv6_64_share_one_limit(client):
    # Both ends of 2001:db8:1:2::/64 and an expanded spelling of an address inside it.
    rotating = ["2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:0db8:0001:0002:0000:0000:0000:0abc"]
    for i, ip in enumerate(rotating):
        assert_error(_login(client, ip, f"ninguem-{i}"), 401)
    resp = _login(client, "2001:db8:1:2:dead:beef:0:1", "ninguem-novo")
    body = assert_error(resp, 429)
    assert "endereço" in " ".join(body["erro"]["detalhes"]) and int(resp.headers["Retry-After"]) > 0
    # The neighbouring /64 (same /48) is another subscriber with its own budget.
    assert_error(_login(client, "2001:db8:1:3::1", "ninguem-vizinho"), 401)


def test_ipv6_64_shares_one_limit_behind_a_trusted_proxy(db, db_url):
    from api import create_app

    app = create_app({"DATABASE_URL": db_url, "TOKEN_RATE_LIMIT": f"{IP_LIMIT} per minute",
                      "TOKEN_RATE_LIMIT_CLIENT": "100 per minute", "PROXY_HOPS": 1})
    client = app.test_client()

    def via_proxy(forwarded: str, nome: str):
        return _login(client, "10.0.0.1", nome, headers={"X-Forwarded-For": forwarded})

    for i in range(IP_LIMIT):
        assert_error(via_proxy(f"2001:db8:5:6::{i + 1:x}", f"ninguem-{i}"), 401)
    assert_error(via_proxy("2001:db8:5:6::ffff", "ninguem-novo"), 429)
    assert_error(via_proxy("2001:db8:5:7::1", "ninguem-vizinho"), 401)


def test_ipv4_mapped_address_shares_the_ipv4_bucket(client):
    for i, ip in enumerate(["::ffff:203.0.113.7", "203.0.113.7", "::ffff:cb00:7107"]):  # the last: hex spelling
        assert_error(_login(client, ip, f"ninguem-{i}"), 401)
    assert_error(_login(client, "203.0.113.7", "ninguem-3"), 429)
    assert_error(_login(client, "::ffff:203.0.113.7", "ninguem-4"), 429)
    assert_error(_login(client, "203.0.113.8", "ninguem-5"), 401)  # the next address is another client


def test_unparsable_remote_address_is_limited_by_its_text_not_refused(client):
    for i in range(IP_LIMIT):
        assert_error(_login(client, "unix:/run/gunicorn.sock", f"ninguem-{i}"), 401)
    assert_error(_login(client, "unix:/run/gunicorn.sock", "ninguem-novo"), 429)


def _key(remote_addr: str) -> str:
    with Flask(__name__).test_request_context(environ_base={"REMOTE_ADDR": remote_addr}):
        return client_ip_key()


@pytest.mark.parametrize(("remote_addr", "key"), [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:0db8:0001:0002:0000:0000:0000:0001", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2:AAAA:BBBB:CCCC:DDDD", "2001:db8:1:2::/64"),
    ("2001:db8::1", "2001:db8::/64"),
    ("fe80::1%eth0", "fe80::/64"),
    ("::1", "::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("::ffff:cb00:7107", "203.0.113.7"),
    ("0:0:0:0:0:ffff:203.0.113.7", "203.0.113.7"),
    # Not addresses: their own text, never an exception (a 500).
    ("unix:/run/gunicorn.sock", "unix:/run/gunicorn.sock"),
    ("203.0.113.7:5678", "203.0.113.7:5678"),
    ("[2001:db8::1]", "[2001:db8::1]"),
    ("2001:db8::1/64", "2001:db8::1/64"),
    ("010.000.000.001", "010.000.000.001"),
    ("não é ip", "não é ip"),
])
def test_client_ip_key(remote_addr, key):
    assert _key(remote_addr) == key


def test_client_ip_key_without_remote_address_is_flask_limiters_default():
    assert _key("") == "127.0.0.1"  # e.g. gunicorn on a unix socket


def test_the_dashboard_login_counts_an_ipv6_64_as_one_address(live, dash_app, db):
    """The curators' login form shares the bucket rule: its per-IP budget (20 a minute) holds
    against a script that takes a fresh address of its /64 for every attempt."""
    from dashboard import context
    from tests.support.dashboard import csrf_from

    client = dash_app.test_client()
    with dash_app.app_context():
        budget = int(context.settings().login_rate_limit_ip.split()[0])

    def attempt(ip: str, i: int) -> int:
        env = {"REMOTE_ADDR": ip}
        token = csrf_from(client.get("/entrar", environ_base=env).get_data(as_text=True))
        return client.post("/entrar", data={"usuario": f"ninguem{i}", "senha": "x", "csrf_token": token},
                           environ_base=env).status_code

    assert [attempt(f"2001:db8:9:9::{i + 1:x}", i) for i in range(budget)] == [401] * budget
    assert attempt("2001:db8:9:9:abcd::1", budget) == 429
    assert attempt("2001:db8:9:a::1", budget + 1) == 401  # the next /64
