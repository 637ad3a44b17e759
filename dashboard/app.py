"""Dashboard server factory: one Flask app, a public and a private Dash app (see ``dashboard.security``).

- ``/relatorio/`` public Dash app (``dashboard.relatorio``) and ``/relatorio/semana.json``;
- ``/dashboard/`` private Dash app (Dash Pages in ``pages/``) and ``/dashboard/exportar.csv``;
- ``/entrar`` and ``/sair`` (``dashboard.login``), ``/health``.

One server per process: Dash Pages registers page modules and callbacks globally.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import dash
import sqlalchemy as sa
from dash import set_props
from flask import Flask, jsonify, redirect, request

from alumusic.settings import Settings, get_settings
from dashboard import context, export_route, login, metrics, relatorio, report_route, security
from dashboard.cache import SharedCache
from dashboard.layout import message, private_shell

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def create_app(*, settings: Settings | None = None, engine: sa.Engine | None = None,
               cache_dir: Path | None = None) -> Flask:
    """Build the server. Fails at once (MissingSecretError) without DASHBOARD_SECRET_KEY."""
    settings = settings or get_settings()
    settings.require("dashboard_secret_key")  # signs sessions and CSRF tokens: refuse to start without
    if engine is None:
        from alumusic import db

        engine = db.get_engine()

    server = Flask(__name__, template_folder=str(HERE / "templates"))

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
    security.init_app(server, settings, engine.url.render_as_string(hide_password=False))
    server.register_blueprint(login.bp)
    if settings.oidc_issuer:
        from dashboard import oidc

        oidc.init_app(server, settings)

    @server.before_request
    def old_addresses():
        # Bookmarks from before the private app moved under /dashboard/ (redirects carry no data).
        if request.path == "/":
            return redirect("/relatorio/semana")
        if request.path == "/insights":
            return redirect("/dashboard/insights", 308)
        return None

    report_route.register(server)
    export_route.register(server)
    metrics.init_app(server, settings)

    # The private app first: its set-up takes the callbacks the pages registered with
    # ``dash.callback`` (Dash hands global callbacks to the first app set up).
    private = dash.Dash(
        "privado",
        server=server,
        url_base_pathname=security.PRIVATE_PREFIX,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="AluMusic Insights",
        update_title=None,
        suppress_callback_exceptions=True,
        on_error=_callback_failed,
        use_async=False,  # gunicorn's sync threads: no event loop per callback
    )
    public = dash.Dash(
        "publico",
        server=server,
        url_base_pathname=security.PUBLIC_PREFIX,
        assets_folder=str(HERE / "assets"),
        assets_ignore=r"sessao\.js|revisao\.js",  # private pages' scripts
        title=relatorio.TITLE,
        update_title=None,
        use_async=False,
    )
    # Layouts are functions of the request (the logged-in curator, the settings); Dash calls them
    # once when they are set and again when set up, so both happen inside a request context.
    with server.test_request_context():
        private.layout = private_shell
        public.layout = relatorio.layout
        private._setup_server()
        relatorio.register_callbacks(public)
        public._setup_server()
    server.extensions[security.DASH_APPS] = (private, public)
    # Dash Pages adds its routing callback on the server's first request: make that request now,
    # so the callback map that guard() checks bodies against is complete from the start.
    server.test_client().get("/health")
    _check_public_callbacks(public)
    return server


def _callback_failed(err: Exception) -> None:
    """A private callback raised: log it, tell the curator, leave the outputs as they were."""
    log.error("dashboard callback failed", exc_info=err)
    set_props("aviso-erro", {"children": message("Algo deu errado nesta ação; tente de novo. "
                                                 "Se persistir, avise a equipe técnica.", "erro")})


def _check_public_callbacks(public: dash.Dash) -> None:
    """Refuse to start if anything but the report's refresh became a callback of the public app."""
    for key in public.callback_map:
        if "relatorio-atualizado.children" not in key:
            raise RuntimeError(f"callback {key!r} registered on the public app: private callbacks must stay private")
