"""Who may reach what on the dashboard's server — read this before adding a route or a page.

The server is one Flask app carrying two Dash apps:

- ``/relatorio/`` — the **public** Dash app: the weekly report and its one callback. It has no
  other callback, so nothing private can be asked of it, whatever a request says.
- ``/dashboard/`` — the **private** Dash app (Dash Pages: comments, review queue, insights, audit, sent summaries), its
  ``_dash-layout``, ``_dash-dependencies``, ``_dash-update-component``, assets and the CSV export.

:func:`guard` runs before every request and is **default-deny**: a path is public only when it is
listed in ``PUBLIC_PATHS`` or lies under ``PUBLIC_PREFIXES``; everything else needs a curator
session, whatever its method, headers or body. A new route or page is therefore private unless
someone adds it to those lists on purpose. (Per-callback whitelisting — dash-auth's
``public_callback`` — was bypassable by relabelling an input ``pathname``; nothing here looks
at what a callback request claims to be.)

Sessions: flask-login on a signed cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) that carries
a random token of a server-side session (``alumusic.repositories.curators``). State-changing
requests of a session (every private POST, login, logout) must carry a CSRF token: forms send
the ``csrf_token`` field, and the Dash renderer sends the ``_csrf_token`` cookie back as the
``X-CSRFToken`` header (a double submit that a cross-site page cannot forge).

Callback bodies are checked against the target app's callback map before Dash sees them, so a
malformed or hostile body is a 400, never a 500.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import quote

import dash
from dash.exceptions import DependencyException
from flask import Flask, Response, current_app, jsonify, redirect, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

import alumusic.ratelimit_storage
from alumusic.client_addresses import rate_limit_bucket
from alumusic.repositories import curators
from alumusic.settings import Settings

log = logging.getLogger(__name__)

PRIVATE_PREFIX = "/dashboard/"
PUBLIC_PREFIX = "/relatorio/"
LOGIN_PATH = "/entrar"
# Exact paths anyone may request. Everything else is private (see the module docstring).
# /metrics: Prometheus has no session; dashboard.metrics checks METRICS_TOKEN or loopback itself.
PUBLIC_PATHS = frozenset({"/", "/health", "/favicon.ico", LOGIN_PATH, "/sair", "/insights", "/metrics"})
PUBLIC_PREFIXES = (PUBLIC_PREFIX, "/entrar/oidc")
CSRF_COOKIE = "_csrf_token"  # the name the Dash renderer reads
SESSION_COOKIE = "alumusic_sessao"
DASH_APPS = "alumusic_dash_apps"  # server.extensions key: the (private, public) Dash apps
MAX_CALLBACK_BODY = 1024 * 1024  # a callback body is a few KB; the CSV export is a GET
MAX_JSON_DEPTH = 64

login_manager = LoginManager()
csrf = CSRFProtect()
def client_ip_key() -> str:
    """The per-IP bucket of the request's address (``alumusic.client_addresses``: an IPv6 /64)."""
    return rate_limit_bucket(get_remote_address())


limiter = Limiter(key_func=client_ip_key, default_limits=[], headers_enabled=True)


class _SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, with the Secure flag decided per request when not configured."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = app.config.get("ALUMUSIC_COOKIE_SECURE")
        return bool(configured) if configured is not None else request.is_secure


def init_app(server: Flask, settings: Settings, engine_url: str) -> None:
    server.secret_key = settings.require("dashboard_secret_key")
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # top-level links (e-mail, bookmarks) keep the session
        ALUMUSIC_COOKIE_SECURE=settings.dashboard_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.dashboard_session_hours),
        WTF_CSRF_CHECK_DEFAULT=False,  # guard() decides which requests are checked
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session that holds it
        RATELIMIT_STORAGE_URI=f"{alumusic.ratelimit_storage.SCHEME}://",
        RATELIMIT_STORAGE_OPTIONS={"url": engine_url},
        RATELIMIT_KEY_PREFIX="painel",
        MAX_CONTENT_LENGTH=MAX_CALLBACK_BODY,
    )
    server.session_interface = _SessionInterface()
    if settings.proxy_hops:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops,
                                   x_host=settings.proxy_hops)
    Talisman(
        server,
        force_https=False,  # TLS ends at the proxy, or the stack runs on loopback
        frame_options="DENY",
        # Dash's renderer runs inline scripts and styles, so the policy restricts what does not
        # break it: framing (clickjacking), plugins, <base> and where forms may post.
        content_security_policy={"default-src": "'self'", "script-src": "'self' 'unsafe-inline' 'unsafe-eval'",
                                 "style-src": "'self' 'unsafe-inline'", "img-src": "'self' data: blob:",
                                 "font-src": "'self' data:", "frame-ancestors": "'none'", "object-src": "'none'",
                                 "base-uri": "'self'", "form-action": "'self'"},
        referrer_policy="same-origin",
        session_cookie_secure=False,  # _SessionInterface decides
        session_cookie_http_only=True,
    )
    csrf.init_app(server)
    limiter.init_app(server)
    login_manager.init_app(server)
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(token: str):
        from dashboard import context

        with context.engine().connect() as conn:
            return curators.from_session(conn, token)

    server.before_request(guard)
    server.after_request(_csrf_cookie)

    @server.errorhandler(CSRFError)
    def _csrf_failed(exc: CSRFError):
        return _error(400, "token CSRF ausente ou inválido: recarregue a página")

    @server.errorhandler(DependencyException)
    def _no_such_asset(exc: DependencyException):
        # Dash raises it for a component-suite path it does not serve (a 500, listing every path).
        return _error(404, "arquivo não encontrado")


def session_lifetime() -> timedelta:
    return current_app.config["PERMANENT_SESSION_LIFETIME"]


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def guard() -> Response | None:
    """Default-deny: public paths pass; everything else needs a session (and CSRF when it changes state)."""
    path = request.path
    if is_public(path):
        if request.method == "POST" and path in (LOGIN_PATH, "/sair"):
            csrf.protect()
        if path.startswith(PUBLIC_PREFIX):
            return check_callback_body()
        return None
    if not current_user.is_authenticated:
        return _login_required()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return check_callback_body()


def _login_required() -> Response:
    wants_page = request.method == "GET" and "/_dash-" not in request.path and "/_reload-hash" not in request.path
    if wants_page and request.accept_mimetypes.accept_html:
        target = request.full_path if request.query_string else request.path
        return redirect(f"{LOGIN_PATH}?proximo={quote(target, safe='/')}")
    return _error(401, "sessão necessária: entre em /entrar", {"WWW-Authenticate": 'FormBased realm="AluMusic"'})


def _error(code: int, mensagem: str, headers: dict | None = None) -> Response:
    resp = jsonify(erro={"codigo": code, "mensagem": mensagem, "detalhes": []})
    resp.status_code = code
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _csrf_cookie(response: Response) -> Response:
    """Hand the private Dash app its CSRF token (read by the renderer, sent back as a header); and
    keep its answers (layouts, callback results: comment texts) out of every cache. Its scripts and
    assets are the same for everyone and may be cached."""
    path = request.path
    if path.startswith(PRIVATE_PREFIX) and current_user.is_authenticated:
        response.set_cookie(CSRF_COOKIE, generate_csrf(), path=PRIVATE_PREFIX, samesite="Strict",
                            secure=current_app.session_interface.get_cookie_secure(current_app), httponly=False)
        if "/_dash-component-suites/" not in path and "/assets/" not in path:
            response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- callback bodies ------------------------------------------------------------------------------
def _depth_ok(raw: bytes) -> bool:
    """Cheap bound on JSON nesting before parsing (json would recurse and raise RecursionError)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def _dash_app_for(path: str) -> dash.Dash | None:
    for app in current_app.extensions.get(DASH_APPS, ()):
        if path == app.config.requests_pathname_prefix + "_dash-update-component":
            return app
    return None


def _is_prop(item: object) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), str | dict) and isinstance(item.get("property"), str)


def _is_arg(item: object) -> bool:
    return _is_prop(item) or (isinstance(item, list) and all(_is_prop(i) for i in item))


def check_callback_body() -> Response | None:
    """400 for a ``_dash-update-component`` body that is not a well-formed call of a known callback."""
    app = _dash_app_for(request.path)
    if app is None or request.method != "POST":
        return None
    try:
        raw = request.get_data(cache=True)
        # Flask (and so Dash) would also read UTF-16 and UTF-32 bodies, where a byte scan of the
        # nesting can be fooled (U+2262 is 0x62 0x22 in UTF-16-LE: a quote to the scan).
        if json.detect_encoding(raw) != "utf-8" or not _depth_ok(raw):
            raise ValueError("JSON aninhado demais ou fora de UTF-8")
        body = json.loads(raw)
    except HTTPException:
        raise
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _error(400, "corpo de callback malformado")
    output = body.get("output") if isinstance(body, dict) else None
    spec = app.callback_map.get(output) if isinstance(output, str) else None  # a list is unhashable
    if spec is None or "callback" not in spec:  # unknown, or clientside only (runs in the browser)
        return _error(400, "callback desconhecido")
    inputs, state = body.get("inputs"), body.get("state", [])
    if (not isinstance(inputs, list) or not isinstance(state, list)
            or len(inputs) != len(spec["inputs"]) or len(state) != len(spec.get("state", []))
            or not all(_is_arg(i) for i in inputs + state)
            or not isinstance(body.get("changedPropIds", []), list)
            or not all(isinstance(p, str) for p in body.get("changedPropIds", []))
            or not _outputs_ok(output, body.get("outputs"))):
        return _error(400, "corpo de callback não corresponde ao callback")
    return None


def _outputs_ok(output: str, outputs: object) -> bool:
    """``outputs`` names the properties the callback writes, as the renderer sends them: one object
    for a single output, a list for ``..a.b...c.d..``, each the callback's own id and property
    (a pattern-matching id: any list of properties). Dash indexes them by the callback's outputs."""
    multi = output.startswith("..")
    expected = output.strip(".").split("...") if multi else [output]
    sent = outputs if multi else [outputs]
    if not isinstance(sent, list) or len(sent) != len(expected):
        return False
    for name, item in zip(expected, sent, strict=True):
        component, _, prop = name.rpartition(".")
        if component.startswith("{"):
            if not _is_arg(item):
                return False
        elif not (_is_prop(item) and item["id"] == component and item["property"] == prop):
            return False
    return True


def current_curator() -> curators.Curator:
    """The logged-in curator (every private callback runs behind :func:`guard`)."""
    return current_user._get_current_object()
