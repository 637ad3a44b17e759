"""Curator login and logout (``/entrar``, ``/sair``), and the optional OIDC login (``/entrar/oidc``).

A plain HTML form, not a Dash page: it must work before any private asset may be served.
Attempts are limited per client IP and failed ones per account (flask-limiter on the shared
PostgreSQL storage: every worker counts the same attempts). An attempt takes its place in the
account's budget when it starts, atomically, and a successful one gives it back: checked at the
start and counted after the ~0.1 s verification, concurrent guesses all passed the check (13
answered for a budget of 10 under gunicorn). A wrong user name costs the same argon2
verification as a wrong password. A successful login starts a new server-side session
(``curators.open_session``) in a fresh cookie, so a session id planted before login is useless.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, make_response, redirect, render_template, request, session
from flask_limiter import RequestLimit
from flask_login import current_user, login_user, logout_user

from alumusic.repositories import curators
from dashboard import context
from dashboard.security import LOGIN_PATH, PRIVATE_PREFIX, limiter, session_lifetime

bp = Blueprint("login", __name__)
log = logging.getLogger(__name__)
FAILED = 401


def safe_next(value: str | None) -> str:
    """Only a path of this site (no scheme, host, ``//`` or backslash tricks); else the private home."""
    value = (value or "").strip()
    parts = urlsplit(value)
    if (not value.startswith("/") or value.startswith("//") or "\\" in value or parts.scheme or parts.netloc
            or any(ord(ch) < 32 for ch in value) or len(value) > 2000):
        return PRIVATE_PREFIX
    return value


def _account_key() -> str:
    # NUL cannot be stored in the counters' text key; no account name holds one anyway.
    return "conta:" + (request.form.get("usuario") or "").replace("\x00", "\ufffd").strip().lower()[:64]


def _give_back_the_attempt() -> None:
    """A successful login returns the place it took in its account's budget: only failures count."""
    key = _account_key()
    for current in limiter.current_limits:
        if key in current.request_args:  # [key prefix, key, endpoint]
            current.limiter.hit(current.limit, *current.request_args, cost=-1)


def login_page(status: int = 200, aviso: str | None = None, tipo: str = "erro", usuario: str = ""):
    settings = context.settings()
    oidc_label = settings.oidc_button_label if current_app.extensions.get("alumusic_oidc") else None
    proximo = safe_next(request.values.get("proximo"))
    html = render_template("entrar.html", aviso=aviso, aviso_tipo=tipo, usuario=usuario[:64], proximo=proximo,
                           oidc_label=oidc_label)
    return html, status, {"Cache-Control": "no-store"}


def _too_many(_limit: RequestLimit):
    return make_response(login_page(429, "Muitas tentativas de entrar. Espere alguns minutos e tente de novo."))


@bp.get(LOGIN_PATH)
def entrar_form():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("proximo")))
    if request.args.get("saiu"):
        return login_page(aviso="Você saiu da área dos curadores.", tipo="ok")
    return login_page()


@bp.post(LOGIN_PATH)
@limiter.limit(lambda: context.settings().login_rate_limit_ip, on_breach=_too_many)
@limiter.limit(lambda: context.settings().login_rate_limit_account, key_func=_account_key, on_breach=_too_many)
def entrar():
    usuario = request.form.get("usuario") or ""
    senha = request.form.get("senha") or ""
    with context.engine().begin() as conn:
        curator = curators.authenticate(conn, usuario, senha)
        if curator is not None:
            curator = curators.open_session(conn, curator, session_lifetime())
    if curator is None:
        log.info("failed curator login for %r from %s", usuario[:64], request.remote_addr)
        return login_page(FAILED, "Usuário ou senha inválidos.", usuario=usuario)
    _give_back_the_attempt()
    start_session(curator)
    return redirect(safe_next(request.form.get("proximo")))


def start_session(curator: curators.Curator) -> None:
    session.clear()  # a fresh cookie: nothing from before the login survives
    session.permanent = True
    login_user(curator)


@bp.post("/sair")
def sair():
    if current_user.is_authenticated:
        with context.engine().begin() as conn:
            curators.close_session(conn, current_user.session_token)
    logout_user()
    session.clear()
    return redirect(f"{LOGIN_PATH}?saiu=1")


@bp.get("/sair")
def sair_get():
    # Logging out changes state, so it is a POST with a CSRF token (the button in the header).
    return redirect(PRIVATE_PREFIX if current_user.is_authenticated else LOGIN_PATH)
