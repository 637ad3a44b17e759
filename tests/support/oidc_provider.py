"""A minimal OpenID Connect provider on loopback, for testing the dashboard's OIDC login for real.

Discovery, an authorization endpoint that logs in whoever the test names (``provider.user``), a
token endpoint that checks the client's secret and the code, RS256-signed ID tokens, and JWKS.
"""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlencode

from authlib.jose import JsonWebKey, jwt
from flask import Flask, abort, jsonify, redirect, request
from werkzeug.serving import make_server

CLIENT_ID, CLIENT_SECRET = "alumusic-painel", "segredo-do-cliente-oidc"


class Provider:
    def __init__(self) -> None:
        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True)
        self.kid = secrets.token_hex(4)
        self.user: dict = {}
        self.codes: dict[str, dict] = {}
        self.app = self._build()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.sign_with = self.key  # a test may swap in another key (forged ID token)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()

    def _build(self) -> Flask:
        app = Flask("fake-oidc")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(issuer=self.url, authorization_endpoint=f"{self.url}/authorize",
                           token_endpoint=f"{self.url}/token", jwks_uri=f"{self.url}/jwks",
                           response_types_supported=["code"], subject_types_supported=["public"],
                           id_token_signing_alg_values_supported=["RS256"],
                           token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"])

        @app.get("/authorize")
        def authorize():
            if request.args.get("client_id") != CLIENT_ID:
                abort(400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": request.args.get("nonce"), "redirect_uri": request.args["redirect_uri"],
                                "user": dict(self.user)}
            query = urlencode({"code": code, "state": request.args.get("state", "")})
            return redirect(f"{request.args['redirect_uri']}?{query}")

        @app.post("/token")
        def token():
            auth = request.authorization
            client_id = auth.username if auth else request.form.get("client_id")
            client_secret = auth.password if auth else request.form.get("client_secret")
            grant = self.codes.pop(request.form.get("code", ""), None)
            if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET) or grant is None:
                return jsonify(error="invalid_grant"), 400
            now = int(time.time())
            claims = {"iss": self.url, "sub": grant["user"].get("email", "x"), "aud": CLIENT_ID, "iat": now,
                      "exp": now + 300, "nonce": grant["nonce"], **grant["user"]}
            id_token = jwt.encode({"alg": "RS256", "kid": self.kid}, claims, self.sign_with).decode()
            return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer", expires_in=300,
                           id_token=id_token)

        @app.get("/jwks")
        def jwks():
            public = self.key.as_dict(is_private=False)
            return jsonify(keys=[{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}])

        return app
