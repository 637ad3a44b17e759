"""Comments API (Flask). ``create_app`` builds it; blueprints per concern live beside it.

Blueprints: errors (one JSON error shape), health, auth (tokens), comments (ingest and read),
openapi (the document), insights (Q&A, owned by the weekly-summary work).
"""

from __future__ import annotations

from flask import Flask

from alumusic.settings import get_settings


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    settings = get_settings()
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,  # Werkzeug answers 413 beyond it
        MAX_TEXT_LENGTH=settings.max_text_length,
        MAX_BATCH_SIZE=settings.max_batch_size,
        TOKEN_RATE_LIMIT=settings.token_rate_limit,
        RATELIMIT_STORAGE_URI="memory://",
    )
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False  # pt-BR text and emoji as they are
    app.json.sort_keys = False

    from api import auth, comments, errors, health, insights, openapi, ratelimit, security

    security.init_app(app)
    ratelimit.init_app(app)

    app.register_blueprint(errors.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(insights.bp)
    return app
