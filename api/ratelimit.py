"""Rate limiting (flask-limiter), used on the token endpoint against credential guessing.

Storage is in memory per process by default (``RATELIMIT_STORAGE_URI``), so with N gunicorn
workers a client may get up to N times the limit; point it at Redis/Memcached to share it.
"""

from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def token_limit() -> str:
    return current_app.config["TOKEN_RATE_LIMIT"]
