"""JWT authentication and role checks for every protected endpoint.

- Tokens: HS256 only (``alg: none`` and any other algorithm are refused by the decoder), signed
  with ``JWT_SECRET_KEY`` from settings; short-lived access tokens, longer refresh tokens.
- Claims: ``sub`` = client name, ``cid`` = client id, ``papeis`` = roles at issue time.
- Verification: flask-jwt-extended's ``decode_token`` (PyJWT) checks signature, algorithm and
  expiry; a token without ``exp`` is refused (it would never expire). Verified claims are
  memoised per exact token string until the token's ``exp`` (PyJWT decodes each token three
  times, ~30 % of a request's CPU). A changed byte is another key, so a tampered token is always
  verified in full.
- Refresh tokens are good once (``alumusic.repositories.refresh_tokens``: rotation with reuse
  detection); ``refresh_claims()`` only verifies the token itself.
- Revocation: every request re-checks that the client still exists and is active. The lookup is
  cached per process for ``CLIENT_CACHE_SECONDS`` (default 2 s) so load does not hit the clients
  table on every call: a revoked client's tokens stop working within that time on every worker.

Use ``@require_role("ingest")`` (any of the given roles; ``admin`` passes every check) on a view;
``current_client()`` returns the authenticated :class:`ApiClient` inside it.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from functools import wraps

from flask import Flask, current_app, g, request
from flask_jwt_extended import JWTManager, decode_token
from flask_jwt_extended.exceptions import NoAuthorizationError, WrongTokenError
from jwt.exceptions import MissingRequiredClaimError

from alumusic.repositories import clients as clients_repo
from alumusic.repositories.clients import ApiClient
from alumusic.settings import get_settings
from api import database
from api.errors import ApiError, error_response

jwt = JWTManager()

DEFAULT_CLIENT_CACHE_SECONDS = 2.0


def init_app(app: Flask) -> None:
    """Configure flask-jwt-extended; fails clearly when JWT_SECRET_KEY is not configured."""
    settings = get_settings()
    if not app.config.get("JWT_SECRET_KEY"):
        app.config["JWT_SECRET_KEY"] = settings.require("jwt_secret_key")
    app.config.setdefault("JWT_ACCESS_TOKEN_EXPIRES", timedelta(minutes=settings.jwt_access_minutes))
    app.config.setdefault("JWT_REFRESH_TOKEN_EXPIRES", timedelta(days=settings.jwt_refresh_days))
    app.config.setdefault("CLIENT_CACHE_SECONDS", DEFAULT_CLIENT_CACHE_SECONDS)
    app.config.update(
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],
        JWT_TOKEN_LOCATION=["headers"],
        JWT_HEADER_TYPE="Bearer",
        JWT_COOKIE_CSRF_PROTECT=False,  # headers only: no csrf claim in every token
    )
    jwt.init_app(app)


# --- error callbacks: the API's JSON error shape, 401 for every bad token --------------------
@jwt.unauthorized_loader
def _missing_token(reason: str):
    return error_response(401, "token de acesso ausente: envie 'Authorization: Bearer <token>'",
                          headers={"WWW-Authenticate": "Bearer"})


@jwt.invalid_token_loader
def _invalid_token(reason: str):
    return error_response(401, "token inválido", [reason],
                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


@jwt.expired_token_loader
def _expired_token(_header: dict, _payload: dict):
    return error_response(401, "token expirado: obtenha outro em /api/auth/token ou /api/auth/refresh",
                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


@jwt.revoked_token_loader
def _revoked_token(_header: dict, _payload: dict):
    return error_response(401, "token revogado", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


@jwt.token_verification_failed_loader
def _verification_failed(_header: dict, _payload: dict):
    return error_response(401, "token inválido", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


@jwt.user_lookup_error_loader
def _lookup_failed(_header: dict, _payload: dict):
    return error_response(401, "cliente inexistente ou revogado")


# --- active-client check, briefly cached -------------------------------------------------------
class _ClientCache:
    def __init__(self) -> None:
        self._items: dict[tuple[str, str], tuple[float, ApiClient | None]] = {}
        self._lock = threading.Lock()

    def get(self, nome: str, ttl: float) -> ApiClient | None:
        key = (str(database.engine().url), nome)
        now = time.monotonic()
        hit = self._items.get(key)
        if hit and hit[0] > now:
            return hit[1]
        client = database.run(lambda conn: clients_repo.get_client(conn, nome))
        if ttl > 0:
            with self._lock:
                self._items[key] = (now + ttl, client)
        return client

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


client_cache = _ClientCache()


def active_client_for_token(claims: dict) -> ApiClient:
    """The token's client if it still exists, is active and is the same client (id)."""
    client = client_cache.get(str(claims.get("sub")), float(current_app.config["CLIENT_CACHE_SECONDS"]))
    if client is None or not client.ativo or client.id != claims.get("cid"):
        raise ApiError(401, "cliente inexistente ou revogado", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return client


class _VerifiedTokens:
    """Claims of tokens that passed full verification, by exact token string, until they expire."""

    MAX = 4096

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], dict] = {}

    def claims(self, token: str) -> dict:
        # Keyed by the signing key too: a token verified by one app is not trusted by another.
        key = (current_app.config["JWT_SECRET_KEY"], token)
        claims = self._items.get(key)
        if claims is not None and claims["exp"] > time.time():
            return claims
        claims = decode_token(token)  # raises the JWT errors the manager turns into 401s
        if "exp" not in claims:
            raise MissingRequiredClaimError("exp")
        if len(self._items) >= self.MAX:
            self._items.clear()  # crude bound; verified tokens are cheap to re-verify
        self._items[key] = claims
        return claims

    def clear(self) -> None:
        self._items.clear()


verified_tokens = _VerifiedTokens()


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or not token.strip() or " " in token.strip():
        raise NoAuthorizationError("Missing 'Bearer <JWT>' Authorization header")
    return token.strip()


def access_claims() -> dict:
    """Verified claims of the request's access token (401 when absent, invalid, expired or refresh)."""
    claims = verified_tokens.claims(_bearer_token())
    if claims.get("type") != "access":
        raise WrongTokenError("Only access tokens are allowed")
    return claims


def refresh_claims() -> dict:
    """Verified claims of the request's refresh token (401 when absent, invalid, expired or access)."""
    claims = verified_tokens.claims(_bearer_token())
    if claims.get("type") != "refresh" or not claims.get("jti"):
        raise WrongTokenError("Only refresh tokens are allowed")
    return claims


def require_role(*roles: str):
    """Decorator: valid access token of an active client holding one of ``roles`` (401/403 JSON).

    With no roles, any active client passes. A role must be both in the token (issued with it)
    and still granted to the client now.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            claims = access_claims()  # a refresh token is refused here
            client = active_client_for_token(claims)
            token_roles = set(claims.get("papeis") or ())
            effective = tuple(r for r in client.papeis if r in token_roles)
            if roles and not ("admin" in effective or any(r in effective for r in roles)):
                raise ApiError(403, f"este cliente não tem o papel exigido ({' ou '.join(roles)})")
            g.api_client = client
            return view(*args, **kwargs)

        return wrapper

    return decorator


def current_client() -> ApiClient:
    """The client authenticated by ``require_role`` for this request."""
    return g.api_client
