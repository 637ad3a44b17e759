"""Comments API (Flask). ``create_app`` builds it; blueprints per concern live beside it."""

from __future__ import annotations

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    if test_config:
        app.config.update(test_config)

    from api import health, insights

    app.register_blueprint(health.bp)
    app.register_blueprint(insights.bp)
    return app
