"""Security headers on every API response, errors included (the API serves JSON only, so
nothing may frame it, load resources for it, sniff it as another type or receive its URL as a
referrer). No HTTPS redirect or HSTS here: the API runs on loopback or behind a TLS proxy.

The same headers are on the errors gunicorn answers by itself (``api.gunicorn_worker``).
"""

from __future__ import annotations

from flask import Flask, Response, request

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _add_headers(resp: Response) -> Response:
    resp.headers.update(SECURITY_HEADERS)
    if request.path.startswith("/api/auth/"):
        resp.headers["Cache-Control"] = "no-store"  # token responses (RFC 6749 §5.1)
    return resp


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
