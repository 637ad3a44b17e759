"""The release catalog API: ``/api/lancamentos`` (create, list, read, replace, delete) with the
role ``catalogo``, on the real database; the rows are the ones the report's view reads."""

from __future__ import annotations

import sqlalchemy as sa

from tests.support.api import assert_error

ALBUM = {"artista": "Luna Ribeiro", "titulo": "Maré Alta", "tipo": "album", "lancado_em": "2026-11-20"}
SINGLE = {"artista": "Luna Ribeiro", "titulo": "Onda", "tipo": "musica", "lancado_em": "2026-10-02"}


def _rows(db) -> list[dict]:
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT artista, album, tipo, lancado_em::text AS lancado_em, autor FROM lancamentos ORDER BY id")).mappings()]


def test_create_read_list_replace_delete(client, access_headers, db):
    h = access_headers("gravadora", ("catalogo",))
    resp = client.post("/api/lancamentos", json=ALBUM, headers=h)
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()
    assert {k: created[k] for k in ALBUM} == ALBUM
    assert created["autor"] == "api:gravadora" and isinstance(created["id"], int)
    assert _rows(db) == [{"artista": "Luna Ribeiro", "album": "Maré Alta", "tipo": "album",
                          "lancado_em": "2026-11-20", "autor": "api:gravadora"}]

    assert client.get(f"/api/lancamentos/{created['id']}", headers=h).get_json() == created
    second = client.post("/api/lancamentos", json=SINGLE, headers=h).get_json()
    page = client.get("/api/lancamentos", headers=h).get_json()
    assert [i["titulo"] for i in page["itens"]] == ["Maré Alta", "Onda"]  # newest release first
    assert (page["total"], page["pagina"], page["limite"]) == (2, 1, 100)

    fixed = {**ALBUM, "lancado_em": "21/11/2026"}  # the pt-BR date format is accepted too
    resp = client.put(f"/api/lancamentos/{created['id']}", json=fixed, headers=h)
    assert resp.status_code == 200 and resp.get_json()["lancado_em"] == "2026-11-21"
    assert resp.get_json()["atualizado_em"] >= created["atualizado_em"]

    resp = client.delete(f"/api/lancamentos/{second['id']}", headers=h)
    assert resp.status_code == 200 and resp.get_json() == {"id": second["id"], "apagado": True}
    assert [r["album"] for r in _rows(db)] == ["Maré Alta"]
    assert_error(client.delete(f"/api/lancamentos/{second['id']}", headers=h), 404)
    assert_error(client.get(f"/api/lancamentos/{second['id']}", headers=h), 404)
    assert_error(client.put(f"/api/lancamentos/{second['id']}", json=SINGLE, headers=h), 404)


def test_text_is_trimmed_and_normalised_as_comments_are(client, access_headers, db):
    h = access_headers("gravadora", ("catalogo",))
    body = {"artista": "  Luna Ribeiro ", "titulo": "Mare\u0301 Alta", "lancado_em": "2026-11-20"}  # tipo: album
    assert client.post("/api/lancamentos", json=body, headers=h).status_code == 201
    assert _rows(db)[0]["artista"] == "Luna Ribeiro" and _rows(db)[0]["album"] == "Maré Alta"
    assert _rows(db)[0]["tipo"] == "album"


def test_same_release_twice_is_409_and_nothing_changes(client, access_headers, db):
    h = access_headers("gravadora", ("catalogo",))
    first = client.post("/api/lancamentos", json=ALBUM, headers=h).get_json()
    body = assert_error(client.post("/api/lancamentos", json={**ALBUM, "lancado_em": "2026-01-01"}, headers=h), 409)
    assert body["erro"]["detalhes"][0]["id"] == first["id"]  # where to PUT the fix
    # The same title as a song of the same artist is another release (a title track).
    assert client.post("/api/lancamentos", json={**ALBUM, "tipo": "musica"}, headers=h).status_code == 201
    assert [r["lancado_em"] for r in _rows(db)] == ["2026-11-20", "2026-11-20"]


def test_replacing_onto_another_release_is_409(client, access_headers, db):
    h = access_headers("gravadora", ("catalogo",))
    client.post("/api/lancamentos", json=ALBUM, headers=h)
    other = client.post("/api/lancamentos", json=SINGLE, headers=h).get_json()
    before = _rows(db)
    assert_error(client.put(f"/api/lancamentos/{other['id']}", json=ALBUM, headers=h), 409)
    assert _rows(db) == before
    # Replacing with its own state is fine and changes nothing.
    same = {k: other[k] for k in SINGLE}
    resp = client.put(f"/api/lancamentos/{other['id']}", json=same, headers=h)
    assert resp.status_code == 200 and resp.get_json() == other


def test_filters_and_pages(client, access_headers):
    h = access_headers("gravadora", ("catalogo",))
    for i in range(5):
        client.post("/api/lancamentos", json={"artista": f"Artista_{i}%", "titulo": "Disco", "tipo": "album",
                                              "lancado_em": f"2026-0{i + 1}-10"}, headers=h)
    client.post("/api/lancamentos", json=SINGLE, headers=h)
    get = lambda q: client.get(f"/api/lancamentos?{q}", headers=h).get_json()  # noqa: E731
    assert [i["artista"] for i in get("tipo=musica")["itens"]] == ["Luna Ribeiro"]
    assert get("artista=artista_3%25")["total"] == 1  # case-insensitive part; % is a character, not a wildcard
    assert get("artista=_")["total"] == 5
    assert [i["lancado_em"] for i in get("desde=2026-02-10&ate=2026-04-10")["itens"]] == [
        "2026-04-10", "2026-03-10", "2026-02-10"]
    p2 = get("limite=2&pagina=2")
    assert p2["total"] == 6 and [i["lancado_em"] for i in p2["itens"]] == ["2026-04-10", "2026-03-10"]
    assert get("pagina=99")["itens"] == [] and get("pagina=99")["total"] == 6


def test_read_role_reads_but_cannot_change(client, access_headers, db):
    writer = access_headers("gravadora", ("catalogo",))
    created = client.post("/api/lancamentos", json=ALBUM, headers=writer).get_json()
    reader = access_headers("leitor", ("read",))
    assert client.get("/api/lancamentos", headers=reader).status_code == 200
    assert client.get(f"/api/lancamentos/{created['id']}", headers=reader).status_code == 200
    before = _rows(db)
    assert_error(client.post("/api/lancamentos", json=SINGLE, headers=reader), 403)
    assert_error(client.put(f"/api/lancamentos/{created['id']}", json=SINGLE, headers=reader), 403)
    assert_error(client.delete(f"/api/lancamentos/{created['id']}", headers=reader), 403)
    assert _rows(db) == before


def test_catalogo_is_a_role_clients_can_be_created_with(db):
    from alumusic.repositories import clients

    with db.begin() as conn:
        client, _ = clients.create_client(conn, "gravadora", "catalogo,read")
    assert client.papeis == ("catalogo", "read")


def test_documented_in_openapi(client):
    doc = client.get("/api/openapi.json").get_json()
    ops = doc["paths"]["/api/lancamentos"]
    assert set(ops) == {"get", "post"}
    assert set(doc["paths"]["/api/lancamentos/{lancamento_id}"]) == {"get", "put", "delete"}
    assert "409" in ops["post"]["responses"] and ops["post"]["security"] == [{"bearerAuth": []}]
    entrada = doc["components"]["schemas"]["LancamentoEntrada"]
    assert entrada["required"] == ["artista", "titulo", "lancado_em"]
    assert entrada["properties"]["tipo"]["enum"] == ["album", "musica"]
    assert entrada["additionalProperties"] is False
