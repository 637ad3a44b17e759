"""Dash application factory: public report, private dashboard and insights (Dash Pages in ``pages/``).

One app per process: Dash Pages registers page modules and callbacks globally.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import dash
import sqlalchemy as sa
from flask import Flask, jsonify, redirect, request

from alumusic.settings import Settings, get_settings
from dashboard import context, export_route
from dashboard.auth import protect
from dashboard.cache import SharedCache
from dashboard.layout import shell

HERE = Path(__file__).resolve().parent


def create_app(*, settings: Settings | None = None, engine: sa.Engine | None = None,
               cache_dir: Path | None = None) -> dash.Dash:
    """Build the app. Fails at once (MissingSecretError) without DASHBOARD_PASSWORD_HASH."""
    settings = settings or get_settings()
    settings.require("dashboard_password_hash")  # no default password: refuse to start
    if engine is None:
        from alumusic import db

        engine = db.get_engine()

    server = Flask(__name__)

    @server.get("/health")
    def health():
        return jsonify(status="ok")

    # Shared by the gunicorn workers of this host; namespaced by database so two deployments
    # (or test sessions) never read each other's report.
    namespace = engine.url.render_as_string(hide_password=True)
    cache_dir = cache_dir or settings.data_dir / "cache" / "dashboard" / hashlib.sha256(namespace.encode()).hexdigest()[:12]
    server.extensions[context.EXTENSION] = context.DashboardContext(
        settings=settings, engine=engine, cache=SharedCache(server, cache_dir, namespace)
    )

    @server.before_request
    def home_is_the_report():
        if request.path == "/":
            return redirect("/relatorio/semana")
        return None

    @server.get("/relatorio/semana.json")
    def relatorio_json():
        return jsonify(context.report())

    export_route.register(server)

    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="AluMusic Insights",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    app.layout = shell
    protect(app, settings)
    return app
