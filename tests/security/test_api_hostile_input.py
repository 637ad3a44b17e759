"""Threat: input crafted to crash the API (500s with tracebacks in the logs, half-done work).

A fuzzing outsider (no token: ``POST /api/auth/token``, any bad ``Authorization``) or a client
with a valid token sends what parsers and databases choke on: JSON nested 10,000 deep (the
parser's RecursionError is not the ValueError Flask silences), lone UTF-16 surrogates that
cannot be written back as UTF-8, NUL characters PostgreSQL text cannot hold, forged pagination
cursors whose time offsets PostgreSQL rejects, absurd numbers, unknown parameters and garbled
tokens. Every such request must get a 4xx in the JSON error shape (never a 5xx), nothing may be
stored or logged, and the LLM must not be called for a question that cannot be logged.
"""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api import assert_error, assert_http_error

DEEP_ARRAY = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def reader(access_headers):
    return access_headers("poster", ("ingest", "read"))


def _json_endpoints(headers):
    return [("/api/auth/token", {}), ("/api/comentarios", headers), ("/insights/perguntar", headers)]


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, '{"comentarios": ' + DEEP_ARRAY + "}",
                                  '{"cliente": "x", "segredo": ' + DEEP_OBJECT + "}"])
def test_json_nested_10000_deep_is_400_on_every_json_endpoint(client, reader, counts, body):
    before = counts()
    for path, headers in _json_endpoints(reader):
        assert_error(client.post(path, data=body, headers={**headers, **JSON}), 400)
    assert counts() == before


def test_json_nested_just_parseable_is_refused_cleanly(client, reader, counts):
    deep = "[" * 900 + "]" * 900
    before = counts()
    for path, headers in _json_endpoints(reader):
        resp = client.post(path, data=json.dumps({"x": 1})[:-1] + f', "y": {deep}' + "}", headers={**headers, **JSON})
        assert_error(resp, 422)
        resp = client.post(path, data=deep, headers={**headers, **JSON})
        assert_error(resp, 422)
    assert counts() == before


def test_lone_surrogate_id_in_a_batch_is_null_in_the_207(client, reader, counts):
    good = str(uuid.uuid4())
    body = '{"comentarios": [{"id": "\\ud800", "texto": "x"}, {"id": "ID", "texto": "ok"}]}'.replace("ID", good)
    resp = client.post("/api/comentarios", data=body, headers={**reader, **JSON})
    assert resp.status_code == 207, resp.get_data(as_text=True)
    results = json.loads(resp.get_data().decode("utf-8"))["resultados"]
    assert results[0] == {"indice": 0, "id": None, "resultado": "invalido", "motivos": results[0]["motivos"]}
    assert results[1]["id"] == good and results[1]["resultado"] == "criado"
    assert counts()["comentarios"] == 1


def test_lone_surrogates_anywhere_are_422_never_500(client, reader, counts):
    before = counts()
    bodies = [
        '{"comentarios": [{"id": "\\udfff", "texto": "x"}]}',  # no valid item: 422 with id null
        '{"comentarios": [{"id": "ID", "texto": "x", "\\ud800": 1}]}'.replace("ID", str(uuid.uuid4())),  # echoed field name
        '{"comentarios": [{"id": "ID", "texto": "x"}], "\\ud800": 1}'.replace("ID", str(uuid.uuid4())),
        '{"id": "ID", "texto": "a\\ud800b"}'.replace("ID", str(uuid.uuid4())),
        '{"id": "ID", "texto": "x", "\\udbff\\u0000": 1}'.replace("ID", str(uuid.uuid4())),
        '{"id": "ID", "texto": "a\\u0000b"}'.replace("ID", str(uuid.uuid4())),
    ]
    for body in bodies:
        data = assert_error(client.post("/api/comentarios", data=body, headers={**reader, **JSON}), 422)
        for item in data["erro"]["detalhes"]:
            if "resultado" in item:  # a batch item: its id echoed only when it is printable text
                assert item["id"] is None or uuid.UUID(item["id"])
    for body in ('{"cliente": "\\ud800", "segredo": "x"}', '{"cliente": "x", "segredo": "\\ud800"}',
                 '{"cliente": "x", "segredo": "y", "\\ud800": 1}'):
        assert_error(client.post("/api/auth/token", data=body, headers=JSON), 422)
    assert counts() == before


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    _cursor(f"2026-01-01T00:00:00+23:59|{uuid.uuid4()}"),  # Python accepts, PostgreSQL does not
    _cursor(f"2026-01-01T00:00:00-23:59|{uuid.uuid4()}"),
    _cursor(f"0001-01-01T00:00:00+23:59|{uuid.uuid4()}"),  # before year 1 in UTC
    _cursor(f"9999-12-31T23:59:59-23:59|{uuid.uuid4()}"),  # after year 9999 in UTC
    _cursor(f"2026-01-01T00:00:00|{uuid.uuid4()}"),  # no offset
    _cursor("2026-01-01T00:00:00+00:00|not-a-uuid"),
    _cursor("2026-01-01T00:00:00+00:00"),
    _cursor("nada"),
    base64.urlsafe_b64encode(b"\xff\xfe\x00|").decode(),
    "!!!!", "A", "====", "é", "%00", "a" * 200,
])
def test_forged_or_garbage_cursor_is_422(client, reader, counts, cursor):
    before = counts()
    body = assert_error(client.get("/api/comentarios", query_string={"cursor": cursor}, headers=reader), 422)
    assert body["erro"]["detalhes"][0]["campo"] == "cursor"
    assert counts() == before


def test_real_cursors_still_page(client, reader):
    for i in range(3):
        assert client.post("/api/comentarios", json={"id": str(uuid.uuid4()), "texto": f"c{i}"},
                           headers=reader).status_code == 201
    first = client.get("/api/comentarios?limite=2", headers=reader).get_json()
    second = client.get("/api/comentarios", query_string={"limite": 2, "cursor": first["proximo_cursor"]},
                        headers=reader).get_json()
    assert len(first["itens"]) == 2 and len(second["itens"]) == 1 and second["proximo_cursor"] is None


@pytest.mark.parametrize("query", [
    {"limite": "1e309"}, {"limite": "9" * 5000}, {"limite": "-1"}, {"limite": "NaN"}, {"limite": "0x10"},
    {"desde": "9999-12-31T23:59:59-23:59"}, {"ate": "0001-01-01T00:00:00+23:59"}, {"desde": "1e309"},
    {"desde": "99999999999999999999"}, {"texto": "a\x00b"}, {"artista": "x" * 10_000}, {"status": "\x00"},
    {"nao_existe": "1"}, {"\x00": "1"}, {"categoria": "' OR 1=1 --"},
])
def test_hostile_query_parameters_are_422(client, reader, counts, query):
    before = counts()
    assert_error(client.get("/api/comentarios", query_string=query, headers=reader), 422)
    assert counts() == before


def test_hostile_query_bytes_are_not_500(client, reader):
    # Invalid UTF-8 in the query string (a lone surrogate's bytes): replaced, then validated.
    resp = client.get("/api/comentarios?texto=%ED%A0%80&%ED%A0%80=1", headers=reader)
    assert_error(resp, 422)
    resp = client.get("/api/comentarios?texto=%ED%A0%80", headers=reader)
    assert resp.status_code == 200


@pytest.mark.parametrize(("field", "value"), [
    ("id", 1e309), ("id", 10**30), ("texto", 1e309), ("tipo", 10**30), ("artista", -1e309),
    ("publicado_em", 1e309), ("publicado_em", -1e309), ("publicado_em", float("nan")), ("publicado_em", 10**30),
    ("publicado_em", "9999-12-31T23:59:59+23:59"), ("publicado_em", "0001-01-01T00:00:00+23:59"),
    ("publicado_em", "0000-01-01"), ("publicado_em", "2026-01-01T00:00:00+24:00"),
    # 300 characters that NFC turns into 900 (U+1D160 is a composition exclusion): the limit is the stored length
    ("artista", "\U0001D160" * 300), ("fonte", "\U0001D160" * 300),
])
def test_absurd_numbers_and_dates_in_a_comment_are_422(client, reader, counts, field, value):
    before = counts()
    body = {"id": str(uuid.uuid4()), "texto": "x", field: value}
    assert_error(client.post("/api/comentarios", json=body, headers=reader), 422)
    assert_error(client.post("/api/comentarios", json={"comentarios": [body]}, headers=reader), 422)
    assert counts() == before


def test_integer_with_10000_digits_is_400(client, reader, counts):
    before = counts()
    body = '{"id": %s, "texto": "x"}' % ("1" * 10_000)  # beyond Python's int-from-text limit
    assert_error(client.post("/api/comentarios", data=body, headers={**reader, **JSON}), 400)
    assert_error(client.post("/api/auth/token", data='{"cliente": %s}' % ("1" * 10_000), headers=JSON), 400)
    assert counts() == before


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MALFORMED_AUTH = [
    "Bearer", "Bearer ", "Bearer x y", "Bearer  x", "Basic !!!", "Basic dXNlcjpwYXNz", "bearer abc.def.ghi",
    "Bearer " + "a" * 10_000, "Bearer \xff\xfe\xfd", "Bearer " + "é".encode().decode("latin-1"),
    "Bearer a.b.c", "Bearer ...", "Bearer " + _b64(b"[]") + "." + _b64(b"{}") + ".x",
    "Bearer " + _b64(b'{"alg":"HS256"}') + "." + _b64(b"[1]") + ".x",
    "Bearer " + _b64(b'{"alg":"none"}') + "." + _b64(b'{"sub":"poster","type":"access"}') + ".",
    "Bearer " + _b64(b'{"alg":"HS256","crit":5}') + "." + _b64(b"{}") + ".x",
    "Bearer " + _b64(b'{"alg":"HS256","kid":{}}') + "." + _b64(b"{}") + ".x",
    "Bearer " + _b64(b'{"alg":["HS256"]}') + "." + _b64(b"{}") + ".x",
    "Bearer " + _b64(b'{"alg":"HS256","b64":false}') + "." + _b64(b"{}") + ".x",
    "Bearer " + _b64(b"[" * 5000 + b"]" * 5000) + "." + _b64(b"{}") + ".x",  # nested header
    "Bearer " + _b64(b'{"alg":"HS256"}') + "." + _b64(b'{"a":' * 3000 + b"1" + b"}" * 3000) + ".x",
    "Bearer " + _b64(b'{"alg":"HS256","x":"\\ud800"}') + "." + _b64(b"{}") + ".x",
    "Bearer " + _b64(b'{"alg":"HS256"}') + "." + _b64(b'{"exp":1e400}') + ".x",
    "Bearer " + _b64(b'{"alg":"HS256"}') + "." + _b64(b'{"exp":' + b"9" * 5000 + b"}") + ".x",
]


@pytest.mark.parametrize("header", MALFORMED_AUTH)
def test_malformed_authorization_headers_are_401(client, counts, header):
    before = counts()
    for method, path in (("POST", "/api/comentarios"), ("GET", "/api/comentarios"), ("POST", "/api/auth/refresh"),
                         ("POST", "/insights/perguntar"), ("GET", f"/api/comentarios/{uuid.uuid4()}")):
        resp = client.open(path, method=method, json={"id": str(uuid.uuid4()), "texto": "x"},
                           headers={"Authorization": header})
        assert_error(resp, 401)
    assert counts() == before


# --- insights: what cannot be logged is refused before the LLM is called ----------------------------
@pytest.fixture
def summaries(db):
    """Three recent weekly summaries, so a valid question would go to the LLM."""
    from alumusic.repositories.summaries import upsert_summary
    from alumusic.summary.weeks import last_complete_week

    newest = last_complete_week("America/Sao_Paulo")
    with db.begin() as conn:
        for i in range(3):
            week = newest.shift(-i)
            upsert_summary(conn, week, texto=f"Destaques\n- semana {week.label}", estatisticas={},
                           classificador="offline", modelo=None, versao_prompt="teste")
    return db


@pytest.mark.parametrize("pergunta", ["a\\u0000b", "\\ud800", "ok \\udc00 ok", "\\u0000"])
def test_question_with_nul_or_surrogate_is_422_before_the_llm(client, reader, summaries, ollama, counts, pergunta):
    before = counts()
    body = '{"pergunta": "' + pergunta + '"}'
    resp = client.post("/insights/perguntar", data=body, headers={**reader, **JSON})
    data = assert_error(resp, 422)
    assert data["erro"]["detalhes"][0]["campo"] == "pergunta"
    assert ollama.stats["requests"] == 0  # the LLM was never asked
    assert counts() == before  # nothing in insights_perguntas
    # the same question without the bad character is answered (and logged): the LLM path is live
    assert client.post("/insights/perguntar", json={"pergunta": "O que gerou hype?"}, headers=reader).status_code == 200
    assert ollama.stats["requests"] > 0 and counts()["insights_perguntas"] == 1


@pytest.mark.parametrize("pergunta", ["a\x00b", "\ud800", "ok \udc00 ok"])
def test_insights_service_refuses_nul_and_surrogates_for_every_caller(engine, summaries, pergunta, counts):
    """The dashboard calls ``answer_question`` directly: the check is in the service too."""
    from alumusic.insights import PerguntaInvalida, answer_question

    class NeverCalled:
        model = "nunca"

        def chat(self, *args, **kwargs):
            raise AssertionError("the LLM must not be called")

    before = counts()
    with pytest.raises(PerguntaInvalida):
        answer_question(engine, pergunta, origem="dashboard", autor="curador", client=NeverCalled())
    assert counts() == before


# --- fuzzing: no input an outsider can send gets a 5xx ---------------------------------------------
# Any code point, with the ones that break parsers, encoders and PostgreSQL drawn often (joined
# by hand: st.text() avoids lone surrogates).
_text = st.lists(st.characters(codec=None) | st.sampled_from(["\x00", "\ud800", "\udfff", "\udbff"]),
                 max_size=30).map("".join)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=20,
)
_nasty = st.sampled_from(["\ud800", "\udfff", "a\udbff", "\x00", "a\x00b", "1e309", "-0", "9" * 400, "\u202e", "'--"])
_value = _nasty | _text | _json | st.uuids().map(str) | st.datetimes().map(lambda d: d.isoformat() + "+23:59")
# Bodies shaped like each endpoint's (every field optional, any value), or anything at all.
_comment = st.fixed_dictionaries({}, optional={f: _value for f in (
    "id", "texto", "artista", "album", "musica", "tipo", "publicado_em", "fonte")})
BODIES = {
    "/api/comentarios": _comment | st.builds(lambda items: {"comentarios": items}, st.lists(_comment, max_size=4))
    | st.dictionaries(_text, _value, max_size=4) | _json,
    "/api/auth/token": st.fixed_dictionaries({}, optional={"cliente": _value, "segredo": _value}) | _json,
    "/insights/perguntar": st.fixed_dictionaries({}, optional={"pergunta": _value}) | _json,
}


FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _no_server_error(resp) -> None:
    assert resp.status_code < 500, resp.get_data(as_text=True)[:500]
    if resp.status_code >= 400:
        assert_error(resp, resp.status_code)
    else:
        json.loads(resp.get_data().decode("utf-8"))


@pytest.mark.parametrize("path", list(BODIES))
def test_fuzzed_json_bodies_never_get_a_5xx(client, reader, path):
    @FUZZ
    @given(body=BODIES[path])
    def post(body):
        # json.dumps writes lone surrogates as \\u escapes: they reach the parser as an attacker sends them
        _no_server_error(client.post(path, data=json.dumps(body), headers={**reader, **JSON}))

    post()


_query_keys = st.sampled_from(["categoria", "tag", "artista", "album", "texto", "desde", "ate", "status", "limite",
                               "cursor"]) | _text
_query_values = _text | st.integers().map(str) | st.floats().map(str) | st.datetimes().map(lambda d: d.isoformat() + "+23:59")


@FUZZ
@given(query=st.lists(st.tuples(_query_keys, _query_values), max_size=4))
def test_fuzzed_query_strings_never_get_a_5xx(client, reader, query):
    from urllib.parse import quote

    qs = "&".join(f"{quote(k.encode('utf-8', 'surrogatepass'))}={quote(v.encode('utf-8', 'surrogatepass'))}"
                  for k, v in query)
    _no_server_error(client.get(f"/api/comentarios?{qs}", headers=reader))


@FUZZ
@given(header=st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=200)
       | st.builds(lambda h, p, s: f"Bearer {h}.{p}.{s}", *(st.binary(max_size=60).map(_b64),) * 3)
       | st.builds(lambda h, p: f"Bearer {_b64(json.dumps(h).encode())}.{_b64(json.dumps(p).encode())}.sig",
                   _json, _json))
def test_fuzzed_authorization_headers_never_get_a_5xx(client, header):
    for path in ("/api/comentarios", "/api/auth/refresh"):
        resp = client.post(path, json={}, headers={"Authorization": header})
        _no_server_error(resp)
        assert resp.status_code == 401


def test_hostile_input_through_a_real_gunicorn(gunicorn, db, counts):
    """The unauthenticated endpoint behind the real server (its threads, its body handling)."""
    server = gunicorn(workers=1)
    before = counts()
    for body in (DEEP_ARRAY, DEEP_OBJECT):
        status, headers, raw = server.request("POST", "/api/auth/token", body, JSON)
        assert_http_error(status, headers, raw, 400)
    status, headers, raw = server.request("POST", "/api/auth/token", '{"cliente": "\\ud800", "segredo": "x"}', JSON)
    assert_http_error(status, headers, raw, 422)
    nested = "Bearer " + _b64(b"[" * 3000 + b"]" * 3000) + "." + _b64(b"{}") + ".x"  # fits gunicorn's 8190 bytes
    status, headers, raw = server.request("GET", "/api/comentarios", headers={"Authorization": nested})
    assert_http_error(status, headers, raw, 401)
    assert counts() == before

