"""Rate limiting (flask-limiter), used on the token endpoint against credential guessing.

Storage is in memory per process by default (``RATELIMIT_STORAGE_URI``), so with N gunicorn
workers a client may get up to N times the limit; point it at Redis/Memcached to share it.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def token_limit() -> str:
    return current_app.config["TOKEN_RATE_LIMIT"]


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    # The API has no default or application-wide limits: the route decorator on the token endpoint
    # enforces its limit by itself. Flask-Limiter's global before_request hook would only run its
    # bookkeeping on every other request (~0.3 ms each in the worker profile), so it is removed.
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [f for f in hooks if f != limiter._check_request_limit]
