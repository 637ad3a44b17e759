"""Rate limiting (flask-limiter) on the token endpoint, against credential guessing.

Two limits on ``POST /api/auth/token``:

- per client IP (``TOKEN_RATE_LIMIT``): every attempt counts. The IP is the connection's
  (``REMOTE_ADDR``); X-Forwarded-For is trusted only behind ``PROXY_HOPS`` proxies. An IPv6
  client counts as its /64 (``client_ip_key``), since it can pick any address in it.
- per client name (``TOKEN_RATE_LIMIT_CLIENT``, the ``cliente`` of the body): only failed
  attempts (401) count, from any IP, so guessing one client's secret from many addresses is
  bounded too. While a name is over its limit every attempt for it gets 429, even with the right
  secret, until the window ends. Successful logins never count. The budget is checked when a
  request starts and spent when it fails, so concurrent attempts may overshoot it by at most the
  number of requests the server handles at once.

And ``POST /insights/perguntar`` per API client (``INSIGHTS_RATE_LIMIT``): every question may
run the LLM, which answers one at a time; one client's script must not hold it for everyone.

Counters live in the product database (``alumusic.ratelimit_storage``), shared by every gunicorn
worker: the limits are the same whichever worker answers.
"""

from __future__ import annotations

import re
import unicodedata

from flask import Flask, Response, current_app
from flask_jwt_extended import get_jwt
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from alumusic.client_addresses import rate_limit_bucket
from api.errors import ApiError
from api.requests import json_body


def client_ip_key() -> str:
    """The per-IP bucket of the request's address (``alumusic.client_addresses``: an IPv6 /64)."""
    return rate_limit_bucket(get_remote_address())


limiter = Limiter(key_func=client_ip_key, default_limits=[], headers_enabled=True)

_CLIENT_NAME = re.compile(r"[A-Za-z0-9_.-]{3,64}")  # what a client name can be (alumusic.repositories.clients)
_OTHER_NAMES = "~"  # one bucket for names no client can have (still answered 401)


def token_limit() -> str:
    return current_app.config["TOKEN_RATE_LIMIT"]


def token_client_limit() -> str:
    return current_app.config["TOKEN_RATE_LIMIT_CLIENT"]


def client_name_key() -> str:
    """The ``cliente`` of the token request; empty (limit skipped) when the body is not a JSON
    object with a text ``cliente``: such requests are refused (4xx, not 401) before any check."""
    try:
        body = json_body()
    except (ApiError, HTTPException):
        return ""
    nome = body.get("cliente") if isinstance(body, dict) else None
    if not isinstance(nome, str) or not nome:
        return ""
    # The name the login checks (PedidoToken normalises to NFC): "\u212aiosk" is "Kiosk"'s bucket.
    nome = unicodedata.normalize("NFC", nome)
    return nome if _CLIENT_NAME.fullmatch(nome) else _OTHER_NAMES


def insights_limit() -> str:
    return current_app.config["INSIGHTS_RATE_LIMIT"]


def api_client_key() -> str:
    """The authenticated API client (under ``require_role``, so the token was verified first)."""
    return f"cliente:{get_jwt()['cid']}"


def failed_login(resp: Response) -> bool:
    return resp.status_code == 401


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    # The API has no default or application-wide limits: the route decorator on the token endpoint
    # enforces its limit by itself. Flask-Limiter's global before_request hook would only run its
    # bookkeeping on every other request (~0.3 ms each in the worker profile), so it is removed.
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [f for f in hooks if f != limiter._check_request_limit]
