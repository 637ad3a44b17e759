"""JWT authentication and role checks for every protected endpoint, on flask-jwt-extended.

- Tokens: HS256 only (``alg: none`` and any other algorithm are refused by the decoder), signed
  with ``JWT_SECRET_KEY`` from settings; short-lived access tokens, longer refresh tokens, sent as
  ``Authorization: Bearer <token>`` (flask-jwt-extended reads the header and checks the type).
- Claims: ``sub`` = client name, ``cid`` = client id, ``papeis`` = roles at issue time.
- Verification: flask-jwt-extended (PyJWT) checks signature, algorithm, expiry and token type; a
  token without ``exp`` is refused (it would never expire: ``token_verification_loader``). Verified
  claims are memoised per exact token string until the token's ``exp`` (PyJWT decodes each token
  three times, ~30 % of a request's CPU: ``_MemoisingJWTManager``). A changed byte is another key,
  so a tampered token is always verified in full; the key includes the signing key, so a token
  verified by one app is not trusted by another.
- Refresh tokens are good once (``alumusic.repositories.refresh_tokens``: rotation with reuse
  detection, in ``api.auth``); ``@jwt_required(refresh=True)`` only verifies the token itself.
- Revocation: every request re-checks that the client still exists, is active and is the token's
  client (``cid``): the ``user_lookup_loader``. The lookup is cached per process for
  ``CLIENT_CACHE_SECONDS`` (default 2 s) so load does not hit the clients table on every call: a
  revoked client's tokens stop working within that time on every worker.

Use ``@require_role("ingest")`` (any of the given roles; ``admin`` passes every check) on a view;
``current_client()`` (flask-jwt-extended's ``current_user``) returns the authenticated
:class:`ApiClient` inside it.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from functools import wraps

from cachetools import TLRUCache, cached
from flask import Flask, current_app
from flask_jwt_extended import JWTManager, get_current_user, get_jwt, verify_jwt_in_request
from jwt.exceptions import MissingRequiredClaimError

from alumusic.repositories import clients as clients_repo
from alumusic.repositories.clients import ApiClient
from alumusic.settings import get_settings
from api import database
from api.errors import ApiError, error_response

DEFAULT_CLIENT_CACHE_SECONDS = 2.0
_INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}

# (signing key, token) -> verified claims, each until the token's own ``exp`` (wall clock, as PyJWT).
verified_tokens: TLRUCache = TLRUCache(maxsize=4096, ttu=lambda _key, claims, now: claims.get("exp", now),
                                       timer=time.time)
_verified_lock = threading.Lock()


class _MemoisingJWTManager(JWTManager):
    """flask-jwt-extended's manager, with verified claims memoised until ``exp``.

    ``_decode_jwt_from_config`` is the one place the extension decodes a token (``decode_token``,
    ``verify_jwt_in_request``); ``tests/api/test_auth.py`` checks that the memo is used, so an
    upgrade that renames it fails a test instead of silently costing the CPU again.
    """

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        if csrf_value is not None or allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        key = (current_app.config["JWT_SECRET_KEY"], encoded_token)
        with _verified_lock:
            claims = verified_tokens.get(key)
        if claims is None:
            claims = super()._decode_jwt_from_config(encoded_token)  # raises the errors answered as 401
            with _verified_lock:
                verified_tokens[key] = claims  # not kept without exp (ttu) or once expired
        return claims


jwt = _MemoisingJWTManager()


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
        JWT_EXEMPT_METHODS=[],  # no method skips the token check
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
    return error_response(401, "token inválido", [reason], headers=_INVALID_TOKEN)


@jwt.expired_token_loader
def _expired_token(_header: dict, _payload: dict):
    return error_response(401, "token expirado: obtenha outro em /api/auth/token ou /api/auth/refresh",
                          headers=_INVALID_TOKEN)


@jwt.token_verification_loader
def _has_expiry(_header: dict, payload: dict) -> bool:
    return "exp" in payload  # a token without exp would never expire


@jwt.token_verification_failed_loader
def _verification_failed(_header: dict, payload: dict):
    detalhes = [] if "exp" in payload else [str(MissingRequiredClaimError("exp"))]
    return error_response(401, "token inválido", detalhes, headers=_INVALID_TOKEN)


# --- active-client check, briefly cached -------------------------------------------------------
# (database URL, client name, TTL) -> client or None, each for its TTL (0: not cached). The TTL is
# part of the key because it is app config, read on every request.
client_cache: TLRUCache = TLRUCache(maxsize=1024, ttu=lambda key, _client, now: now + key[-1])


@cached(client_cache, key=lambda database_url, nome, ttl: (database_url, nome, ttl), lock=threading.Lock())
def _client(database_url: str, nome: str, ttl: float) -> ApiClient | None:
    return database.run(lambda conn: clients_repo.get_client(conn, nome))


@jwt.user_lookup_loader
def _active_client(_header: dict, payload: dict) -> ApiClient | None:
    """The token's client if it still exists, is active and is the same client (id); else 401."""
    client = _client(str(database.engine().url), str(payload.get("sub")),
                     float(current_app.config["CLIENT_CACHE_SECONDS"]))
    if client is None or not client.ativo or client.id != payload.get("cid"):
        return None
    return client


@jwt.user_lookup_error_loader
def _lookup_failed(_header: dict, _payload: dict):
    return error_response(401, "cliente inexistente ou revogado", headers=_INVALID_TOKEN)


def require_role(*roles: str):
    """Decorator: valid access token of an active client holding one of ``roles`` (401/403 JSON).

    With no roles, any active client passes. A role must be both in the token (issued with it)
    and still granted to the client now.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request()  # access tokens only; loads the active client
            effective = effective_roles()
            if roles and not ("admin" in effective or any(r in effective for r in roles)):
                raise ApiError(403, f"este cliente não tem o papel exigido ({' ou '.join(roles)})")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def effective_roles() -> tuple[str, ...]:
    """The request's roles: those both in its token (issued with it) and still granted now."""
    token_roles = set(get_jwt().get("papeis") or ())
    return tuple(r for r in current_client().papeis if r in token_roles)


def current_client() -> ApiClient:
    """The client authenticated for this request (``require_role`` / ``jwt_required``)."""
    return get_current_user()
