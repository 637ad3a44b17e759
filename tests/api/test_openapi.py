"""The OpenAPI document is generated from the real schemas, and a bounded schemathesis run over it
(with a valid token, positive and negative cases) finds no 500 and no response off the document."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import create_app


def test_document_describes_the_api(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/health", "/api/auth/token", "/api/auth/refresh", "/api/comentarios", "/api/comentarios/{comentario_id}"} <= set(doc["paths"])
    entrada = doc["components"]["schemas"]["ComentarioEntrada"]
    assert entrada["required"] == ["id", "texto"]
    assert entrada["properties"]["tipo"]["anyOf"][0]["enum"] == ["musica", "album", "clipe", "show"]
    assert entrada["properties"]["texto"]["maxLength"] == 5000
    assert doc["paths"]["/api/comentarios"]["post"]["security"] == [{"bearerAuth": []}]
    assert "413" in doc["paths"]["/api/comentarios"]["post"]["responses"]
    for path, ops in doc["paths"].items():  # every error status documents the single error shape
        if path == "/api/health":  # a status report, 503 included
            continue
        for method, op in ops.items():
            for status, resp in op["responses"].items():
                if int(status) >= 400:
                    ref = resp["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/Erro"), (method, path, status, ref)


@pytest.fixture
def admin_headers(access_headers):
    return access_headers("admin", ("admin",))


# Built at import (no database access then); the app reads the session's DATABASE_URL, and the
# `db`-based fixtures migrate and empty that database before each generated test.
_app = create_app({"TESTING": True, "CLIENT_CACHE_SECONDS": 0})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _app).include(path_regex="^/api/")


@schema.parametrize()
@settings(max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "8")), deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case, admin_headers):
    case.call_and_validate(
        headers=admin_headers,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance],
    )
