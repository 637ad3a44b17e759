"""Threat: changing the release catalog without the right, or crashing it with crafted input.

The catalog decides what the public report's "criticism after release" chart shows, so a client
that may only post or read comments must not change it, and a hostile body (wrong types, NUL,
lone surrogates, absurd dates and ids, unknown fields, nesting, huge text) must get a 4xx in the
API's JSON error shape and leave the table exactly as it was. A duplicate is a 409, never a
second row; nothing here may be a 500.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api import assert_error

JSON = {"Content-Type": "application/json"}
GOOD = {"artista": "Luna Ribeiro", "titulo": "Maré Alta", "tipo": "album", "lancado_em": "2026-11-20"}


def _catalog(db) -> list[tuple]:
    with db.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT id, artista, album, tipo, lancado_em, atualizado_em, autor FROM lancamentos ORDER BY id"))]


@pytest.fixture
def writer(access_headers):
    return access_headers("gravadora", ("catalogo",))


@pytest.fixture
def existing(client, writer):
    resp = client.post("/api/lancamentos", json=GOOD, headers=writer)
    assert resp.status_code == 201
    return resp.get_json()


@pytest.mark.parametrize("papeis", [("ingest",), ("read",), ("ingest", "read")])
def test_a_token_without_the_role_cannot_change_the_catalog(client, access_headers, db, existing, papeis):
    h = access_headers("intruso", papeis)
    before = _catalog(db)
    rid = existing["id"]
    for method, path, body in [("post", "/api/lancamentos", {**GOOD, "titulo": "Outro"}),
                               ("put", f"/api/lancamentos/{rid}", {**GOOD, "lancado_em": "2020-01-01"}),
                               ("delete", f"/api/lancamentos/{rid}", None)]:
        body_kw = {"json": body} if body is not None else {}
        data = assert_error(getattr(client, method)(path, headers=h, **body_kw), 403)
        assert "catalogo" in data["erro"]["mensagem"]
    if "read" not in papeis:
        assert_error(client.get("/api/lancamentos", headers=h), 403)
        assert_error(client.get(f"/api/lancamentos/{rid}", headers=h), 403)
    assert _catalog(db) == before


def test_a_role_claimed_in_the_token_but_not_granted_is_refused(client, app, db, _one_hash, existing):
    from flask_jwt_extended import create_access_token

    with db.begin() as conn:
        cid = conn.execute(sa.text("INSERT INTO api_clientes (nome, segredo_hash, papeis) "
                                   "VALUES ('poster', :h, '{ingest}') RETURNING id"), {"h": _one_hash}).scalar_one()
    with app.app_context():
        token = create_access_token("poster", additional_claims={"cid": cid, "papeis": ["ingest", "catalogo"]})
    before = _catalog(db)
    assert_error(client.delete(f"/api/lancamentos/{existing['id']}", headers={"Authorization": f"Bearer {token}"}), 403)
    assert _catalog(db) == before


def test_no_token_is_401(client, db, existing):
    before = _catalog(db)
    assert_error(client.post("/api/lancamentos", json=GOOD), 401)
    assert_error(client.delete(f"/api/lancamentos/{existing['id']}", headers={"Authorization": "Bearer x.y.z"}), 401)
    assert _catalog(db) == before


HOSTILE_BODIES = [
    ('{"artista": "A", "titulo": "B", "lancado_em": "2026-11-20", "admin": true}', 422),  # unknown field
    ('{"artista": 1, "titulo": "B", "lancado_em": "2026-11-20"}', 422),
    ('{"artista": ["A"], "titulo": {"x": 1}, "lancado_em": 20261120}', 422),
    ('{"artista": "A\\u0000", "titulo": "B", "lancado_em": "2026-11-20"}', 422),
    ('{"artista": "A\\ud800", "titulo": "B", "lancado_em": "2026-11-20"}', 422),
    ('{"artista": "A", "titulo": "B\\u0007", "lancado_em": "2026-11-20"}', 422),
    ('{"\\ud800": 1, "artista": "A", "titulo": "B", "lancado_em": "2026-11-20"}', 422),
    ('{"artista": "   ", "titulo": "B", "lancado_em": "2026-11-20"}', 422),
    ('{"artista": "' + "x" * 301 + '", "titulo": "B", "lancado_em": "2026-11-20"}', 422),
    ('{"artista": "A", "titulo": "B", "lancado_em": "2026-02-30"}', 422),
    ('{"artista": "A", "titulo": "B", "lancado_em": "99999-01-01"}', 422),
    ('{"artista": "A", "titulo": "B", "lancado_em": "0001-01-01"}', 422),
    ('{"artista": "A", "titulo": "B", "lancado_em": "2026-11-20T10:00:00"}', 422),
    ('{"artista": "A", "titulo": "B", "lancado_em": 1e308}', 422),
    ('{"artista": "A", "titulo": "B", "tipo": "show", "lancado_em": "2026-11-20"}', 422),
    ('{"artista": "A", "titulo": "B", "tipo": null, "lancado_em": "2026-11-20"}', 422),
    ('[]', 422), ('"texto"', 422), ("null", 400), ("{", 400), ("", 400),
    ("[" * 10_000 + "]" * 10_000, 400),
]


@pytest.mark.parametrize(("body", "code"), HOSTILE_BODIES)
def test_hostile_bodies_are_4xx_json_and_change_nothing(client, writer, db, existing, body, code):
    before = _catalog(db)
    assert_error(client.post("/api/lancamentos", data=body, headers={**writer, **JSON}), code)
    assert_error(client.put(f"/api/lancamentos/{existing['id']}", data=body, headers={**writer, **JSON}), code)
    assert _catalog(db) == before


def test_not_json_and_too_big_are_refused(app, client, writer, db, existing):
    before = _catalog(db)
    assert_error(client.post("/api/lancamentos", data=json.dumps(GOOD), headers={**writer, "Content-Type": "text/plain"}),
                 415)
    huge = json.dumps({**GOOD, "titulo": "x" * app.config["MAX_CONTENT_LENGTH"]})
    assert_error(client.post("/api/lancamentos", data=huge, headers={**writer, **JSON}), 413)
    assert _catalog(db) == before


@pytest.mark.parametrize("path", ["/api/lancamentos/99999999999999999999", "/api/lancamentos/-1",
                                  "/api/lancamentos/2147483648", "/api/lancamentos/0", "/api/lancamentos/abc",
                                  "/api/lancamentos/1e3", "/api/lancamentos/%00"])
def test_absurd_ids_are_404(client, writer, db, existing, path):
    before = _catalog(db)
    for method in ("get", "delete"):
        assert_error(getattr(client, method)(path, headers=writer), 404)
    assert_error(client.put(path, json=GOOD, headers=writer), 404)
    assert _catalog(db) == before


@pytest.mark.parametrize("query", ["limite=0", "limite=501", "pagina=0", "pagina=10001", "desde=ontem",
                                   "ate=99999-01-01", "tipo=show", "artista=%00", "x=1", "tipo=album&tipo=musica",
                                   "pagina=1e3", "limite=-5", "desde=2026-02-30"])
def test_hostile_filters_are_422(client, writer, query):
    assert_error(client.get(f"/api/lancamentos?{query}", headers=writer), 422)


def test_duplicates_are_409_even_when_written_differently(client, writer, db, existing):
    before = _catalog(db)
    for body in (GOOD, {**GOOD, "artista": " Luna Ribeiro  "}, {**GOOD, "titulo": "Mare\u0301 Alta"},
                 {**GOOD, "lancado_em": "20/11/2026"}, {k: v for k, v in GOOD.items() if k != "tipo"}):
        assert_error(client.post("/api/lancamentos", json=body, headers=writer), 409)
    assert _catalog(db) == before


_text = st.one_of(st.text(max_size=20), st.integers(), st.none(), st.lists(st.integers(), max_size=2),
                  st.booleans(), st.floats(allow_nan=True))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.fixed_dictionaries({"artista": _text, "titulo": _text, "lancado_em": st.one_of(_text, st.dates().map(str))},
                                  optional={"tipo": st.one_of(st.sampled_from(["album", "musica", "ALBUM", ""]), _text),
                                            "extra": _text}))
def test_fuzzed_bodies_never_500(client, writer, body):
    resp = client.post("/api/lancamentos", data=json.dumps(body), headers={**writer, **JSON})
    assert resp.status_code in (201, 409, 422), resp.get_data(as_text=True)[:300]
    if resp.status_code != 201:
        assert_error(resp, resp.status_code)
