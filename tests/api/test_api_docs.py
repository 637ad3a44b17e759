"""``/api/docs``: Swagger UI for API posters, from the same OpenAPI document the API serves, with
every asset served by the API itself (the product runs without internet) under a CSP that allows
only the API's own origin; every operation documents an example and the error shape.

The browser test drives the system Chromium with every request outside the API's origin blocked,
and saves test-artifacts/api/docs.png.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from api.headers import DOCS_CSP
from tests.support.api import assert_error

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "api"


def test_the_page_is_public_and_strict(client):
    resp = client.get("/api/docs")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    csp = resp.headers["Content-Security-Policy"]
    assert csp == DOCS_CSP
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'" and directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'" and directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["form-action"] == "'none'"
    assert "unsafe" not in csp and "http" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["X-Content-Type-Options"] == "nosniff"
    html = resp.get_data(as_text=True)
    assert "<script>" not in html  # no inline script: the CSP would block it
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(not u.startswith(("http:", "https:", "//")) for u in urls), urls
    assert client.get("/api/docs/").status_code == 308


@pytest.mark.parametrize(("asset", "mimetype"), [("swagger-ui-bundle.js", "text/javascript"),
                                                 ("swagger-ui.css", "text/css"), ("iniciar.js", "text/javascript"),
                                                 ("favicon-32x32.png", "image/png")])
def test_assets_come_from_the_api(client, asset, mimetype):
    resp = client.get(f"/api/docs/{asset}")
    assert resp.status_code == 200 and resp.mimetype == mimetype and resp.content_length > 0
    assert resp.headers["Content-Security-Policy"] == DOCS_CSP and resp.headers["X-Content-Type-Options"] == "nosniff"
    resp.close()


@pytest.mark.parametrize("path", ["/api/docs/LICENSE", "/api/docs/oauth2-redirect.html", "/api/docs/..%2F__init__.py",
                                  "/api/docs/../openapi.json/x", "/api/docs/%00", "/api/docs/index.html"])
def test_nothing_else_is_served_from_the_package(client, path):
    assert_error(client.get(path), 404)


def test_the_start_script_uses_the_apis_own_document_and_no_online_validator(client):
    script = client.get("/api/docs/iniciar.js").get_data(as_text=True)
    assert '"openapi.json"' in script and "validatorUrl: null" in script
    assert "http" not in script.replace("window.location.href", "")


def test_the_json_api_keeps_its_stricter_policy(client):
    assert client.get("/api/health").headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert client.get("/api/openapi.json").headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def _validator(doc: dict, schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": doc["components"]})


def test_every_operation_has_examples_that_match_its_schemas(client):
    doc = client.get("/api/openapi.json").get_json()
    checked = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                assert "example" in body, (method, path, "request")
                errors = list(_validator(doc, body["schema"]).iter_errors(body["example"]))
                assert not errors, (method, path, [e.message for e in errors])
                checked += 1
            for status, resp in op["responses"].items():
                media = resp["content"]["application/json"]
                assert "example" in media, (method, path, status)
                errors = list(_validator(doc, media["schema"]).iter_errors(media["example"]))
                assert not errors, (method, path, status, [e.message for e in errors])
                if media["schema"].get("$ref", "").endswith("/Erro"):  # every error but health's 503 report
                    assert media["example"]["erro"]["codigo"] == int(status)
                checked += 1
    assert checked > 60
    assert doc["components"]["schemas"]["Erro"]["examples"][0]["erro"]["codigo"] == 422
    assert "/api/docs" in doc["info"]["description"] and "Erro" in doc["info"]["description"]


# --- in the browser ---------------------------------------------------------------------------
@pytest.fixture
def api_server(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="api-docs-live", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.browser
def test_the_docs_render_every_endpoint_offline(browser, api_server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="pt-BR")
    context.set_default_timeout(20_000)
    outside: list[str] = []

    def only_the_api(route):
        if route.request.url.startswith(api_server + "/"):
            route.continue_()
        else:  # the product runs without internet: nothing may be fetched elsewhere
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_api)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        resp = page.goto(api_server + "/api/docs")
        assert resp.status == 200
        page.wait_for_selector(".opblock")
        page.wait_for_selector(".info .title")
        assert "AluMusic Insights API" in page.locator(".info .title").inner_text()
        page.screenshot(path=str(_artifact("docs")), full_page=True)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        for expected in ("/api/auth/token", "/api/comentarios", "/api/comentarios/{comentario_id}",
                         "/api/lancamentos", "/api/lancamentos/{lancamento_id}", "/api/health"):
            assert any(p.replace("\u200b", "") == expected for p in paths), (expected, paths)
        assert page.locator(".opblock-post").count() >= 3 and page.locator(".opblock-delete").count() == 2

        # Open "POST /api/lancamentos": its example body and the error shape are shown.
        op = page.locator("#operations-lancamentos-post__api_lancamentos")
        op.locator(".opblock-summary").click()
        expect_text = op.locator(".opblock-body")
        expect_text.wait_for()
        body = expect_text.inner_text()
        assert "Funk Generation" in body and "2026-11-20" in body
        assert '"erro"' in body and '"codigo": 409' in body  # the error shape, with this route's 409
        op.screenshot(path=str(_artifact("docs-post-lancamentos")))
    finally:
        context.close()
    assert outside == []
    assert problems == [], problems  # a CSP violation is a console error


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
