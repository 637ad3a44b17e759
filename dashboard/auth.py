"""Curator login: HTTP Basic auth (dash-auth) checked against an argon2 hash from the settings.

Everything is private except the public report, its JSON and the health check. There is no
default password: without ``DASHBOARD_PASSWORD_HASH`` the app refuses to start.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading

import dash
import flask
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from dash_auth import BasicAuth

from alumusic.settings import MissingSecretError, Settings

PUBLIC_ROUTES = ["/", "/relatorio/semana", "/relatorio/semana.json", "/health"]


class PasswordCheck:
    """``(user, password) -> bool`` for dash-auth.

    The browser re-sends Basic credentials with every request (each Dash callback), and an argon2
    verification costs ~50 ms of CPU by design, so credentials already verified are remembered as
    a keyed digest (never the password itself) for the life of the process. Wrong passwords
    always pay the full argon2 cost.
    """

    def __init__(self, user: str, password_hash: str, max_remembered: int = 64):
        self._user = user
        self._hash = password_hash
        self._hasher = PasswordHasher()
        self._key = secrets.token_bytes(32)
        self._ok: set[bytes] = set()
        self._max = max_remembered
        self._lock = threading.Lock()

    def __call__(self, user: str, password: str) -> bool:
        digest = hmac.new(self._key, f"{user}\0{password}".encode(), hashlib.sha256).digest()
        with self._lock:
            if digest in self._ok:
                return True
        if not hmac.compare_digest(user.encode(), self._user.encode()):
            return False
        try:
            self._hasher.verify(self._hash, password)
        except (VerificationError, InvalidHashError):
            return False
        with self._lock:
            if len(self._ok) >= self._max:
                self._ok.clear()
            self._ok.add(digest)
        return True


def protect(app: dash.Dash, settings: Settings) -> BasicAuth:
    """Put every route but ``PUBLIC_ROUTES`` (and ``public_callback``s) behind the curator login."""
    password_hash = settings.require("dashboard_password_hash")
    try:
        extract_parameters(password_hash)
    except InvalidHashError as exc:
        raise MissingSecretError("DASHBOARD_PASSWORD_HASH is not an argon2 hash (make run generates one)") from exc
    secret_key = settings.dashboard_secret_key.get_secret_value() if settings.dashboard_secret_key else None
    return BasicAuth(
        app,
        auth_func=PasswordCheck(settings.dashboard_user, password_hash),
        public_routes=PUBLIC_ROUTES,
        secret_key=secret_key,
    )


def current_user() -> str | None:
    """The logged-in curator (from the request's Basic credentials)."""
    auth = flask.request.authorization
    return auth.username if auth else None
