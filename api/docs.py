"""``/api/docs``: the interactive API documentation (Swagger UI) for API posters, public like
``/api/openapi.json``, which it renders.

The product runs without internet, so every asset comes from the API itself: Swagger UI's files
are those shipped in the pinned ``flask-swagger-ui`` package (only its ``dist`` folder is used,
not its blueprint, whose page has an inline script). The page's own start-up script is served
here too, so the page's Content-Security-Policy allows scripts, styles and requests from the
API's own origin only (``api.headers.DOCS_CSP``). Swagger UI's online validator is switched off.
"""

from __future__ import annotations

from importlib.metadata import version
from importlib.resources import files

from flask import Blueprint, Response, redirect, send_from_directory

from api.errors import ApiError

bp = Blueprint("docs", __name__)

DOCS_PATH = "/api/docs"
SWAGGER_UI_VERSION = version("flask-swagger-ui")  # the package ships Swagger UI of the same version
_DIST = files("flask_swagger_ui") / "dist"
# The only files served: a whitelist, not the package folder.
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"})
ASSET_MAX_AGE = 24 * 3600

# Relative URLs: the page works behind a proxy that mounts the API under a prefix.
PAGE = f"""<!DOCTYPE html>
<html lang="pt-BR">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="swagger-ui-version" content="{SWAGGER_UI_VERSION}">
  <title>Documentação da API — AluMusic Insights</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <noscript>Esta página precisa de JavaScript. O documento OpenAPI está em
    <a href="openapi.json">/api/openapi.json</a>.</noscript>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/iniciar.js"></script>
</body>
</html>
"""

START_SCRIPT = """// Starts Swagger UI on the API's own OpenAPI document (served by the API; no external request).
window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", window.location.href).toString(),
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  validatorUrl: null,
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  persistAuthorization: false
});
"""


@bp.get(DOCS_PATH)
def docs_page():
    resp = Response(PAGE, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get(DOCS_PATH + "/")
def docs_slash():
    return redirect(DOCS_PATH, code=308)


@bp.get(DOCS_PATH + "/iniciar.js")
def docs_start_script():
    resp = Response(START_SCRIPT, mimetype="text/javascript")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get(DOCS_PATH + "/<string:asset>")
def docs_asset(asset: str):
    if asset not in ASSETS:
        raise ApiError(404, "arquivo da documentação não encontrado")
    return send_from_directory(str(_DIST), asset, max_age=ASSET_MAX_AGE)
