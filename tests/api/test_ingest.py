"""POST /api/comentarios: validation, limits, per-item batch results, idempotency, verbatim storage."""

from __future__ import annotations

import json
import unicodedata
import uuid

import pytest


@pytest.fixture
def auth(access_headers):
    return access_headers()


def _count(db) -> int:
    with db.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM comentarios").scalar_one()


def _stored(db, comment_id) -> dict:
    with db.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT texto, artista, tipo, publicado_em, status, enviado_por FROM comentarios WHERE id = %s",
            (str(comment_id),),
        ).mappings().first()
    return dict(row) if row else None


def _error(resp, code):
    assert resp.status_code == code, resp.get_data(as_text=True)
    assert resp.is_json, resp.get_data(as_text=True)
    assert resp.get_json()["erro"]["codigo"] == code
    return resp.get_json()["erro"]


def _c(texto="música boa", **extra):
    return {"id": str(uuid.uuid4()), "texto": texto, **extra}


def test_single_comment_created_pending_with_all_fields(client, db, auth):
    c = _c("  Que clipe lindo!  ", artista="Anitta", album="Kisses", musica="Envolver", tipo="clipe",
           publicado_em="2026-11-20T10:00:00-03:00", fonte="youtube")
    resp = client.post("/api/comentarios", json=c, headers=auth)
    assert resp.status_code == 201
    assert resp.get_json() == {"id": c["id"], "resultado": "criado", "status": "pendente"}
    row = _stored(db, c["id"])
    assert row["texto"] == "Que clipe lindo!"  # trimmed
    assert row["artista"] == "Anitta" and row["tipo"] == "clipe" and row["status"] == "pendente"
    assert row["publicado_em"].isoformat().startswith("2026-11-20")
    assert row["enviado_por"] == "poster"


def test_same_id_same_text_is_duplicate_other_text_is_409(client, db, auth):
    c = _c("primeira versão")
    assert client.post("/api/comentarios", json=c, headers=auth).status_code == 201
    again = client.post("/api/comentarios", json=c, headers=auth)
    assert again.status_code == 200 and again.get_json()["resultado"] == "duplicado"
    err = _error(client.post("/api/comentarios", json={**c, "texto": "outra"}, headers=auth), 409)
    assert err["detalhes"][0]["resultado"] == "conflito"
    assert _count(db) == 1 and _stored(db, c["id"])["texto"] == "primeira versão"


@pytest.mark.parametrize(
    ("body", "campo"),
    [
        ({"texto": "sem id"}, "id"),
        ({"id": str(uuid.uuid4())}, "texto"),
        ({"id": "not-a-uuid", "texto": "x"}, "id"),
        ({"id": 123, "texto": "x"}, "id"),
        ({"id": str(uuid.uuid4()), "texto": ""}, "texto"),
        ({"id": str(uuid.uuid4()), "texto": "   \n\t "}, "texto"),
        ({"id": str(uuid.uuid4()), "texto": 42}, "texto"),
        ({"id": str(uuid.uuid4()), "texto": ["a"]}, "texto"),
        ({"id": str(uuid.uuid4()), "texto": "a\x00b"}, "texto"),
        ({"id": str(uuid.uuid4()), "texto": "ok", "artista": "a\x00"}, "artista"),
        ({"id": str(uuid.uuid4()), "texto": "ok", "tipo": "podcast"}, "tipo"),
        ({"id": str(uuid.uuid4()), "texto": "ok", "publicado_em": "ontem"}, "publicado_em"),
        ({"id": str(uuid.uuid4()), "texto": "ok", "artist": "typo"}, "artist"),
        ({"id": str(uuid.uuid4()), "texto": "ok", "artista": 7}, "artista"),
    ],
)
def test_invalid_single_comment_is_422_and_nothing_stored(client, db, auth, body, campo):
    err = _error(client.post("/api/comentarios", json=body, headers=auth), 422)
    assert any(d["campo"].split(".")[0] == campo for d in err["detalhes"]), err
    assert _count(db) == 0


@pytest.mark.parametrize("body", [[], "texto", 5, None])
def test_body_that_is_not_an_object_is_rejected(client, db, auth, body):
    resp = client.post("/api/comentarios", data=json.dumps(body), content_type="application/json", headers=auth)
    assert resp.status_code in (400, 422) and resp.is_json
    assert _count(db) == 0


def test_text_over_the_limit_is_422(app, client, db, auth):
    app.config["MAX_TEXT_LENGTH"] = 10
    assert client.post("/api/comentarios", json=_c("x" * 10), headers=auth).status_code == 201
    assert client.post("/api/comentarios", json=_c("  " + "y" * 10 + "  "), headers=auth).status_code == 201
    err = _error(client.post("/api/comentarios", json=_c("z" * 11), headers=auth), 422)
    assert "máximo é 10" in err["detalhes"][0]["mensagem"]
    assert _count(db) == 2


def test_malformed_json_is_400(client, db, auth):
    resp = client.post("/api/comentarios", data='{"id": "x", "texto": ', content_type="application/json", headers=auth)
    _error(resp, 400)
    assert _count(db) == 0


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(client, db, auth, ctype):
    kwargs = {"content_type": ctype} if ctype else {}
    resp = client.post("/api/comentarios", data=json.dumps(_c()), headers=auth, **kwargs)
    _error(resp, 415)
    assert _count(db) == 0


def test_body_over_the_cap_is_413(app, client, db, auth):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    resp = client.post("/api/comentarios", json={"comentarios": [_c("a" * 500) for _ in range(5)]}, headers=auth)
    _error(resp, 413)
    assert _count(db) == 0


def test_batch_over_the_item_limit_is_413(app, client, db, auth):
    app.config["MAX_BATCH_SIZE"] = 3
    assert client.post("/api/comentarios", json={"comentarios": [_c() for _ in range(3)]}, headers=auth).status_code == 201
    err = _error(client.post("/api/comentarios", json={"comentarios": [_c() for _ in range(4)]}, headers=auth), 413)
    assert "máximo é 3" in err["mensagem"]
    assert _count(db) == 3


@pytest.mark.parametrize("body", [{"comentarios": []}, {"comentarios": "x"}, {"comentarios": [_c()], "extra": 1}])
def test_malformed_batch_is_422(client, db, auth, body):
    _error(client.post("/api/comentarios", json=body, headers=auth), 422)
    assert _count(db) == 0


def test_batch_answers_per_item_and_stores_only_valid_items(client, db, auth):
    existing = _c("já estava")
    assert client.post("/api/comentarios", json=existing, headers=auth).status_code == 201
    ok = _c("novo")
    items = [
        ok,
        existing,                                   # duplicado
        {**existing, "texto": "mudou"},             # conflito
        {"id": "nope", "texto": "x"},               # invalido
        _c("a\x00b"),                               # invalido (NUL)
        _c(" "),                                    # invalido (blank)
        {**ok},                                     # repeated in the batch: duplicado
    ]
    resp = client.post("/api/comentarios", json={"comentarios": items}, headers=auth)
    assert resp.status_code == 207
    body = resp.get_json()
    assert [r["resultado"] for r in body["resultados"]] == [
        "criado", "duplicado", "conflito", "invalido", "invalido", "invalido", "duplicado"]
    assert [r["indice"] for r in body["resultados"]] == list(range(7))
    assert body["resultados"][3]["id"] == "nope" and body["resultados"][3]["motivos"]
    assert "NUL" in body["resultados"][4]["motivos"][0]
    assert body["totais"] == {"criado": 1, "duplicado": 2, "conflito": 1, "invalido": 3}
    assert _count(db) == 2 and _stored(db, existing["id"])["texto"] == "já estava"


def test_batch_status_codes(client, db, auth):
    items = [_c() for _ in range(3)]
    assert client.post("/api/comentarios", json={"comentarios": items}, headers=auth).status_code == 201
    retry = client.post("/api/comentarios", json={"comentarios": items + [_c()]}, headers=auth)
    assert retry.status_code == 200 and retry.get_json()["totais"]["duplicado"] == 3
    all_bad = client.post("/api/comentarios", json={"comentarios": [{"id": "x"}, {"texto": "y"}]}, headers=auth)
    err = _error(all_bad, 422)
    assert [d["resultado"] for d in err["detalhes"]] == ["invalido", "invalido"]
    assert _count(db) == 4


TRICKY = [
    "Robert'); DROP TABLE comentarios;--",
    "' OR '1'='1",
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)> &amp; &lt;",
    "emoji 🎸🔥👏🏽 família 👨‍👩‍👧",
    "שיר יפה מאוד",  # Hebrew (RTL)
    "أغنية رائعة جدا",  # Arabic (RTL)
    "mixed \u202eRTL override\u202c text",
    "%s %(x)s {0} $1 \\ \\\\ ; --",
    "=HYPERLINK(\"http://x\")",
]


def test_hostile_and_unicode_text_is_stored_verbatim(client, db, auth):
    items = [_c(t) for t in TRICKY]
    resp = client.post("/api/comentarios", json={"comentarios": items}, headers=auth)
    assert resp.status_code == 201, resp.get_json()
    for item in items:
        assert _stored(db, item["id"])["texto"] == item["texto"]
    # and the read path returns the same text
    with db.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM comentarios").scalar_one() == len(TRICKY)


def test_text_is_normalised_to_nfc(client, db, auth):
    decomposed = unicodedata.normalize("NFD", "canção é ótima")
    assert decomposed != "canção é ótima"
    c = _c(decomposed)
    assert client.post("/api/comentarios", json=c, headers=auth).status_code == 201
    assert _stored(db, c["id"])["texto"] == "canção é ótima"
    # the same comment sent composed is the same comment (idempotency after normalisation)
    again = client.post("/api/comentarios", json={**c, "texto": "canção é ótima"}, headers=auth)
    assert again.status_code == 200 and again.get_json()["resultado"] == "duplicado"


def test_lone_surrogate_is_rejected_not_a_500(client, db, auth):
    raw = '{"id": "' + str(uuid.uuid4()) + '", "texto": "bad \\ud800 char"}'
    resp = client.post("/api/comentarios", data=raw, content_type="application/json", headers=auth)
    _error(resp, 422)
    assert _count(db) == 0


def test_naive_publication_time_is_utc(client, db, auth):
    c = _c(publicado_em="2026-11-20T10:00:00")
    assert client.post("/api/comentarios", json=c, headers=auth).status_code == 201
    with db.connect() as conn:
        hour = conn.exec_driver_sql(
            "SELECT extract(hour FROM publicado_em AT TIME ZONE 'UTC') FROM comentarios").scalar_one()
    assert int(hour) == 10
