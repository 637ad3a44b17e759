"""Threat: guessing curator passwords and discovering which user names exist.

The attacker scripts the login form: many passwords for one account (per-account limit), many
accounts from one address (per-IP limit), spread over every gunicorn worker (the counters live in
PostgreSQL, so each worker sees them all), and times the answers to tell existing accounts from
missing ones (each failed login costs one argon2 verification, whatever was wrong).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from alumusic.repositories import curators
from tests.support.dashboard import PASSWORD, USER, gunicorn_dashboard, login


@pytest.fixture
def dashboard_gunicorn(db, db_url, curator, tmp_path):
    """The dashboard under gunicorn with two workers and small login limits."""
    with db.begin() as conn:
        curators.create(conn, "outra.pessoa", "curador", password=PASSWORD)
    with gunicorn_dashboard(db_url, tmp_path, LOGIN_RATE_LIMIT_ACCOUNT="3 per minute",
                            LOGIN_RATE_LIMIT_IP="8 per minute") as base:
        yield base


def _attempt(base: str, user: str, password: str) -> int:
    """One login attempt on a fresh connection (so the workers take turns), as a script would."""
    with requests.Session() as s:
        page = s.get(base + "/entrar", headers={"Connection": "close"}, timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = s.post(base + "/entrar", data={"usuario": user, "senha": password, "csrf_token": token},
                          headers={"Connection": "close"}, allow_redirects=False, timeout=10)
        if response.status_code == 429:
            assert "Muitas tentativas" in response.text
        return response.status_code


def test_login_limits_hold_across_gunicorn_workers(dashboard_gunicorn):
    base = dashboard_gunicorn
    # Per account: three wrong passwords, then even the right one is refused for the window.
    assert [_attempt(base, USER, f"chute-{i}") for i in range(3)] == [401, 401, 401]
    assert _attempt(base, USER, PASSWORD) == 429
    # Another account from the same address still logs in: the account limit is per account...
    assert _attempt(base, "outra.pessoa", PASSWORD) == 302
    # ...until the address itself has made 8 attempts in the minute.
    # (The attempt refused at the account limit was not answered, so it is not counted.)
    statuses = [_attempt(base, f"inexistente{i}", "x") for i in range(6)]
    assert statuses == [401, 401, 401, 401, 429, 429]  # answered attempts 5..8, then refused


def test_a_wrong_user_costs_the_same_argon2_verification_as_a_wrong_password(live, dash_app, curator, db,
                                                                             monkeypatch):
    calls: list[str] = []
    real = curators.hasher

    class CountingHasher:
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, stored, password):
            calls.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(curators, "hasher", CountingHasher())
    with db.begin() as conn:
        curators.create(conn, "desativada", "curador", password=PASSWORD)
        curators.create(conn, "so.oidc", "curador", with_password=False)
        curators.disable(conn, "desativada")
    cases = {"wrong password": (USER, "errada"), "no such user": ("ninguem", "errada"),
             "disabled": ("desativada", PASSWORD), "no password (OIDC only)": ("so.oidc", "x"),
             "over-long user": ("u" * 500, "x"), "over-long password": (USER, "p" * 5000)}
    for name, (user, password) in cases.items():
        calls.clear()
        response = login(dash_app.test_client(), user, password)
        assert response.status_code == 401, name
        assert len(calls) == 1, f"{name}: {len(calls)} argon2 verifications"
        assert calls[0].startswith("$argon2id$v=19$m=65536,t=3,p=4$"), name  # the same cost parameters


@pytest.fixture
def dashboard_gunicorn_busy(db, db_url, curator, tmp_path):
    """The dashboard under gunicorn, a small account budget and room for many attempts per address."""
    with gunicorn_dashboard(db_url, tmp_path, LOGIN_RATE_LIMIT_ACCOUNT="4 per minute",
                            LOGIN_RATE_LIMIT_IP="500 per minute") as base:
        yield base


def test_concurrent_guesses_get_exactly_the_account_s_budget(dashboard_gunicorn_busy):
    """A script fires its guesses at once: each takes its place in the budget before the ~0.1 s
    argon2 verification, so no more of them are answered than the budget allows."""
    base = dashboard_gunicorn_busy
    # Successful logins give their place back: five of them leave the whole budget to failures.
    assert [_attempt(base, USER, PASSWORD) for _ in range(5)] == [302] * 5
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda i: _attempt(base, USER, f"chute-{i}"), range(24)))
    assert sorted(statuses) == [401] * 4 + [429] * 20, statuses
    assert _attempt(base, USER, PASSWORD) == 429  # the window is spent, the right password too
