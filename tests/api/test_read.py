"""GET /api/comentarios (filters, keyset pages) and GET /api/comentarios/<id> (full history)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from alumusic.domain import Provenance
from alumusic.repositories import classifications
from tests.support.factories import add_comments

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def reader(access_headers):
    return access_headers("leitor", ("read",))


@pytest.fixture
def seeded(db):
    """Five comments received one hour apart; two classified."""
    auto = {"confianca": 0.7, "latencia_ms": 12.0, "provenance": Provenance(classificador="offline", versao="offline-1")}
    with db.begin() as conn:
        rows = add_comments(conn, [
            {"texto": "Canção linda demais", "artista": "Anitta", "recebido_em": T0},
            {"texto": "odiei o autotune", "artista": "Anitta", "recebido_em": T0 + timedelta(hours=1),
             "categoria": "CRÍTICA", "tags": [("feat_autotune", "reclama do autotune")], **auto},
            {"texto": "quando sai o álbum?", "artista": "Pitty", "recebido_em": T0 + timedelta(hours=2)},
            {"texto": "CANCAO boa", "artista": "Pitty", "album": "Admirável", "recebido_em": T0 + timedelta(hours=3)},
            {"texto": "sigam meu canal", "artista": "Pitty", "recebido_em": T0 + timedelta(hours=4),
             "categoria": "SPAM", "tags": [("spam_canal", "divulga canal")], **auto},
        ])
        classifications.record_manual_correction(conn, rows[1]["id"], "SUGESTÃO", [], autor="curadora")
    return [r["id"] for r in rows]


def _ids(resp):
    assert resp.status_code == 200, resp.get_json()
    return [item["id"] for item in resp.get_json()["itens"]]


def test_list_newest_first_with_keyset_pages(client, reader, seeded):
    seen, cursor, pages = [], None, 0
    while True:
        resp = client.get("/api/comentarios", query_string={"limite": 2, **({"cursor": cursor} if cursor else {})},
                          headers=reader)
        seen += _ids(resp)
        pages += 1
        cursor = resp.get_json()["proximo_cursor"]
        if not cursor:
            break
    assert pages == 3 and seen == list(reversed(seeded))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"artista": "Pitty"}, [4, 3, 2]),
        ({"album": "Admirável"}, [3]),
        ({"texto": "cancao"}, [3, 0]),  # case- and accent-insensitive
        ({"categoria": "SPAM"}, [4]),
        ({"categoria": "SUGESTÃO"}, [1]),  # the manual correction is current
        ({"tag": "feat_autotune"}, []),  # the tag belongs to the superseded classification
        ({"tag": "spam_canal"}, [4]),
        ({"tag": "spam_canal", "artista": "Anitta"}, []),
        ({"status": "classificado"}, [1]),  # a manual correction takes it out of the queue
        ({"desde": (T0 + timedelta(hours=1)).isoformat(), "ate": (T0 + timedelta(hours=3)).isoformat()}, [2, 1]),
    ],
)
def test_filters(client, reader, seeded, params, expected):
    assert _ids(client.get("/api/comentarios", query_string=params, headers=reader)) == [seeded[i] for i in expected]


@pytest.mark.parametrize(
    "params",
    [{"categoria": "BOM"}, {"status": "x"}, {"limite": 0}, {"limite": 1000}, {"limite": "dez"},
     {"desde": "ontem"}, {"cursor": "lixo"}, {"desconhecido": "1"}, {"artista": "a\x00b"}],
)
def test_bad_filters_are_422(client, reader, seeded, params):
    resp = client.get("/api/comentarios", query_string=params, headers=reader)
    assert resp.status_code == 422 and resp.get_json()["erro"]["codigo"] == 422


def test_get_one_with_full_history(client, reader, seeded):
    resp = client.get(f"/api/comentarios/{seeded[1]}", headers=reader)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["texto"] == "odiei o autotune" and body["categoria"] == "SUGESTÃO" and body["origem"] == "manual"
    hist = body["historico"]
    assert [h["categoria"] for h in hist] == ["SUGESTÃO", "CRÍTICA"]
    assert [h["atual"] for h in hist] == [True, False]
    assert hist[1]["tags"] == [{"codigo": "feat_autotune", "explicacao": "reclama do autotune"}]
    assert hist[1]["classificador"] == "offline" and hist[0]["autor"] == "curadora"

    pending = client.get(f"/api/comentarios/{seeded[0]}", headers=reader).get_json()
    assert pending["status"] == "pendente" and pending["historico"] == [] and pending["categoria"] is None


@pytest.mark.parametrize("path", [f"/api/comentarios/{uuid.uuid4()}", "/api/comentarios/not-a-uuid"])
def test_unknown_comment_is_404(client, reader, path):
    resp = client.get(path, headers=reader)
    assert resp.status_code == 404 and resp.get_json()["erro"]["codigo"] == 404
