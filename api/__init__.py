"""Comments API (Flask). ``create_app`` builds it; blueprints per concern live beside it.

Blueprints: errors (one JSON error shape), health, auth (tokens), comments (ingest and read),
openapi (the document), insights (Q&A, owned by the weekly-summary work), lancamentos (the release
catalog), docs (Swagger UI at ``/api/docs``). ``api.headers`` adds
the security headers; ``api.gunicorn_worker`` makes gunicorn's own errors JSON too.
"""

from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

import alumusic.ratelimit_storage  # noqa: F401 - registers the alumusic+postgresql:// limits storage
from alumusic.db import database_url
from alumusic.settings import get_settings


class JSONProvider(DefaultJSONProvider):
    """pt-BR text and emoji as they are, keys in order. Text UTF-8 cannot carry (a lone surrogate
    a client sent and an answer echoes) is written as \\u escapes instead of failing the response."""

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj, **kwargs) -> str:
        text = super().dumps(obj, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return super().dumps(obj, **{**kwargs, "ensure_ascii": True})
        return text


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.json = JSONProvider(app)
    settings = get_settings()
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,  # 413 beyond it (chunked bodies: api.requests)
        MAX_TEXT_LENGTH=settings.max_text_length,
        MAX_BATCH_SIZE=settings.max_batch_size,
        TOKEN_RATE_LIMIT=settings.token_rate_limit,
        TOKEN_RATE_LIMIT_CLIENT=settings.token_rate_limit_client,
        INSIGHTS_RATE_LIMIT=settings.insights_rate_limit,
        PROXY_HOPS=settings.proxy_hops,
        METRICS_TOKEN=settings.metrics_token.get_secret_value() if settings.metrics_token else None,
        # Counters in the product database: one budget shared by every gunicorn worker and host.
        RATELIMIT_STORAGE_URI="alumusic+postgresql://",
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("DATABASE_URL"):
        # No configured database, no API: it refuses to start (services never start a server).
        app.config["DATABASE_URL"] = database_url()
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"url": app.config.get("DATABASE_URL")})
    if app.config["PROXY_HOPS"]:
        # Only behind that many trusted proxies is X-Forwarded-For the client's IP (rate limits key
        # on it); otherwise the header is ignored and the IP is the connection's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"])

    from api import auth, comments, errors, headers, health, insights, metrics, openapi, ratelimit, security

    metrics.init_app(app)  # first: it times every request, refused ones included
    headers.init_app(app)
    security.init_app(app)
    ratelimit.init_app(app)

    app.register_blueprint(errors.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(insights.bp)
    app.register_blueprint(metrics.bp)
    from api import docs, lancamentos  # the release catalog; the interactive API docs (/api/docs)

    app.register_blueprint(lancamentos.bp)
    app.register_blueprint(docs.bp)
    return app
