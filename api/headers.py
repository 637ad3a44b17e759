"""Security headers on every API response, errors included (the API serves JSON, so nothing may
frame it, load resources for it, sniff it as another type or receive its URL as a referrer; the
one HTML page, the docs at ``/api/docs``, may load its own scripts and styles from the API only). No HTTPS redirect or HSTS here: the API
runs on loopback or behind a TLS proxy.

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


# The one HTML page, /api/docs (Swagger UI, api.docs): scripts, styles, images and requests from the
# API's own origin only; no inline script, no framing, no plugin, no form posting elsewhere.
# Swagger UI's stylesheet draws its icons as data: SVG images.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _add_headers(resp: Response) -> Response:
    resp.headers.update(SECURITY_HEADERS)
    if request.path == "/api/docs" or request.path.startswith("/api/docs/"):
        resp.headers["Content-Security-Policy"] = DOCS_CSP
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.path.startswith("/api/auth/"):
        resp.headers["Cache-Control"] = "no-store"  # token responses (RFC 6749 §5.1)
    elif "Authorization" in request.headers:
        # An authenticated answer holds what that client may read (comments, raw text for admins):
        # no shared or browser cache may keep it.
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
