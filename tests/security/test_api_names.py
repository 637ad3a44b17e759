"""Threat: a line break in a name (artist, album, song, source, release) posted through the API.

Names are drawn into e-mail headers and lines, summaries, the approval view and LLM prompts: a CR/LF
broke the alert's Subject (the e-mail was never sent) and faked lines ("Destaques", another alert).
A name with a control character or a line/paragraph separator is refused (422), nothing stored;
the comment's text may still hold line breaks.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.support.api import assert_error


@pytest.mark.parametrize("campo", ["artista", "album", "musica", "fonte"])
@pytest.mark.parametrize("valor", ["Banda\r\nBcc: evil@x.com", "Banda\n\nDestaques", "Ban\tda", "Banda\u2028Falsa",
                                   "Banda\u2029Falsa", "Banda\x07", "Banda\x85Falsa"])
def test_a_name_that_breaks_lines_is_refused_and_nothing_is_stored(client, access_headers, db, campo, valor):
    resp = client.post("/api/comentarios", json={"id": str(uuid.uuid4()), "texto": "bom demais", campo: valor},
                       headers=access_headers())
    body = assert_error(resp, 422)
    assert "quebra de linha" in str(body)
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM comentarios")).scalar_one() == 0


def test_the_text_may_keep_its_line_breaks_and_names_their_edge_spaces(client, access_headers, db):
    resp = client.post("/api/comentarios", json={"id": str(uuid.uuid4()), "texto": "amei\n\no refrão\r\nde novo",
                                                 "artista": "  Luna Ribeiro \n"}, headers=access_headers())
    assert resp.status_code == 201, resp.get_json()
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT texto, artista FROM comentarios")).one() == (
            "amei\n\no refrão\r\nde novo", "Luna Ribeiro")


@pytest.mark.parametrize("campo", ["artista", "titulo"])
def test_a_release_name_that_breaks_lines_is_refused(client, access_headers, db, campo):
    release = {"artista": "Luna Ribeiro", "titulo": "Maré Alta", "tipo": "album", "lancado_em": "2026-10-01"}
    resp = client.post("/api/lancamentos", json={**release, campo: "Maré\u2028Alta"},
                       headers=access_headers("catalogador", ("catalogo",)))
    assert_error(resp, 422)
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lancamentos")).scalar_one() == 0


def test_invisible_characters_leave_names_so_one_artist_stays_one(client, access_headers, db):
    headers = access_headers()
    for artista in ("Anitta", "Anitta\u200b", "Anit\u00adta", "\ufeffAnitta", "Ani\u2060tta"):
        resp = client.post("/api/comentarios", json={"id": str(uuid.uuid4()), "texto": "bom", "artista": artista},
                           headers=headers)
        assert resp.status_code == 201, resp.get_json()
    resp = client.post("/api/comentarios", json={"id": str(uuid.uuid4()), "texto": "bom", "artista": "\u200b\u2800"},
                       headers=headers)
    assert resp.status_code == 201
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT artista, count(*) FROM comentarios GROUP BY artista ORDER BY 1")).all() == [
            ("Anitta", 5), (None, 1)]


@pytest.mark.parametrize("texto", ["\u200b", "\u200b\u2060\ufeff", "\u00ad", "\u2800", "\u115f", " \u200b ",
                                   "\x01\x02", "\u202e", "\u0301"])
def test_a_text_with_nothing_to_read_is_refused(client, access_headers, db, texto):
    resp = client.post("/api/comentarios", json={"id": str(uuid.uuid4()), "texto": texto}, headers=access_headers())
    body = assert_error(resp, 422)
    assert "visível" in str(body) or "vazio" in str(body)
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM comentarios")).scalar_one() == 0
