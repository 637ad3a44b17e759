"""Optional curator login through an OpenID Connect provider (Keycloak, Google Workspace, Entra ID…).

On when ``OIDC_ISSUER`` is set (with ``OIDC_CLIENT_ID``/``OIDC_CLIENT_SECRET``): the login page
shows a button that starts the authorization-code flow (Authlib: state, nonce, ID-token signature,
issuer, audience and expiry are checked by the library). The provider proves an e-mail address;
the account is the active curator account with that e-mail (``users create … --email``), or, with
``OIDC_CREATE_ACCOUNTS=true``, a new ``curador`` account created on the first login. Roles stay in
this product's database: the provider never grants ``admin``.
"""

from __future__ import annotations

import logging
import re
import secrets

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.jose.errors import JoseError
from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from joserfc.errors import JoseError as JoseRfcError  # Authlib 1.9 verifies ID tokens with joserfc

from alumusic.repositories import curators
from alumusic.settings import Settings
from dashboard import context
from dashboard.login import login_page, safe_next, start_session
from dashboard.security import session_lifetime

bp = Blueprint("oidc", __name__)
log = logging.getLogger(__name__)
oauth = OAuth()
EXTENSION = "alumusic_oidc"
NEXT_KEY = "oidc_proximo"


def init_app(server: Flask, settings: Settings) -> None:
    if not settings.oidc_client_id or not settings.oidc_client_secret:
        raise RuntimeError("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are required too")
    oauth.init_app(server)
    client = oauth.register(
        "oidc",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes},
    )
    server.extensions[EXTENSION] = client
    server.register_blueprint(bp)


@bp.get("/entrar/oidc")
def start():
    session[NEXT_KEY] = safe_next(request.args.get("proximo"))
    client = current_app.extensions[EXTENSION]
    return client.authorize_redirect(url_for("oidc.callback", _external=True))


@bp.get("/entrar/oidc/retorno")
def callback():
    client = current_app.extensions[EXTENSION]
    proximo = safe_next(session.get(NEXT_KEY))
    try:
        token = client.authorize_access_token()
    except (OAuthError, JoseError, JoseRfcError, ValueError, KeyError) as exc:  # bad state, code, signature, nonce, issuer…
        log.warning("OIDC login refused: %r", exc)
        return login_page(401, "Não foi possível entrar pelo provedor de identidade. Tente de novo.")
    except requests.RequestException as exc:
        log.warning("OIDC provider unreachable: %r", exc)
        return login_page(503, "O provedor de identidade não respondeu. Tente de novo em instantes.")
    info = token.get("userinfo") or {}
    email = info.get("email")
    if not isinstance(email, str) or not email or info.get("email_verified") is False:
        return login_page(403, "O provedor não confirmou um e-mail para esta conta.")
    settings = context.settings()
    with context.engine().begin() as conn:
        account = curators.find_by_email(conn, email)
        if account is None and settings.oidc_create_accounts:
            account, _ = curators.create(conn, _username_for(conn, email), "curador", nome=info.get("name"),
                                         email=email, with_password=False)
        if account is None or not account.ativo:
            log.info("OIDC login without an active account for %s", email)
            return login_page(403, "Não há conta ativa de curador(a) para este e-mail. Peça acesso a um administrador.")
        account = curators.open_session(conn, account, session_lifetime(), metodo="oidc")
    start_session(account)
    return redirect(proximo)


def _username_for(conn, email: str) -> str:
    base = re.sub(r"[^a-z0-9_.-]", "", email.split("@", 1)[0].lower())[:40] or "curador"
    base = base if len(base) >= 3 and base[0].isalnum() else f"u{base}".ljust(3, "0")
    candidate = base
    while curators.get(conn, candidate) is not None:
        candidate = f"{base}-{secrets.token_hex(2)}"
    return candidate
