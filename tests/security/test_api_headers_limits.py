"""Threat: abusing the HTTP layer around the API rather than its endpoints.

An attacker frames or sniffs API answers in a browser (clickjacking, MIME sniffing, referrer
leaks), smuggles a body over ``MAX_BODY_BYTES`` with ``Transfer-Encoding: chunked`` (no
Content-Length, so it used to be cut at the limit and the truncated prefix parsed and even
stored), and sends what the HTTP server itself refuses (request line too long, too many or too
large headers, garbage), whose answers used to be gunicorn's HTML pages. Checked here, against a
real gunicorn with the deployments' worker class: security headers on every answer, errors
included; 413 for chunked bodies over the limit (and chunked bodies under it still work);
gunicorn's own refusals in the API's JSON error shape; nothing stored by a refused request.
"""

from __future__ import annotations

import http.client
import json
import socket
import uuid

import pytest

from tests.support.api import assert_http_error, bearer

LIMIT = 64 * 1024
JSON = {"Content-Type": "application/json"}
EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _assert_security_headers(headers) -> None:
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (name, dict(headers))
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "Strict-Transport-Security" not in headers  # no HTTPS policy forced on loopback/proxy setups


@pytest.fixture(scope="module")
def server(gunicorn):
    return gunicorn(workers=2, MAX_BODY_BYTES=str(LIMIT))


@pytest.fixture
def token(server, db, _one_hash):
    """An access token of an ingest+read client, minted with the server's key."""
    import sqlalchemy as sa
    from flask_jwt_extended import create_access_token

    from api import create_app

    with db.begin() as conn:
        cid = conn.execute(sa.text("INSERT INTO api_clientes (nome, segredo_hash, papeis) "
                                   "VALUES ('poster', :h, '{ingest,read}') RETURNING id"), {"h": _one_hash}).scalar_one()
    with create_app().app_context():  # same JWT_SECRET_KEY as the server (from the environment)
        return create_access_token("poster", additional_claims={"cid": cid, "papeis": ["ingest", "read"]})


# --- security headers ------------------------------------------------------------------------------
def test_security_headers_on_every_answer_of_the_app(app, client, access_headers):
    headers = access_headers()

    def boom():
        raise RuntimeError("falha")

    app.add_url_rule("/api/boom", "boom", boom)
    answers = [
        client.get("/api/health"), client.get("/api/openapi.json"),
        client.get("/api/comentarios", headers=headers),
        client.post("/api/auth/token", json={"cliente": "x", "segredo": "y"}),  # 401
        client.get("/api/comentarios", headers=bearer("x")),  # 401 from the JWT layer
        client.post("/api/comentarios", json={"id": "x"}, headers={"Authorization": headers["Authorization"]}),  # 422
        client.get("/nada"), client.delete("/api/comentarios"),  # 404, 405
        client.post("/api/comentarios", data="x", headers=headers),  # 415
        client.post("/api/comentarios", data=b"x" * (5 * 1024 * 1024), headers={**headers, **JSON}),  # 413
        client.get("/api/boom"),  # 500
    ]
    assert sorted({r.status_code for r in answers}) == [200, 401, 404, 405, 413, 415, 422, 500]
    for resp in answers:
        _assert_security_headers(resp.headers)
    token_resp = client.post("/api/auth/token", json={"cliente": "x", "segredo": "y"})
    assert token_resp.headers["Cache-Control"] == "no-store"


def test_no_cache_keeps_an_authenticated_answer(client, access_headers):
    """A shared proxy or the browser's disk must not keep what one client was allowed to read."""
    headers = access_headers()
    for resp in (client.get("/api/comentarios", headers=headers),
                 client.get("/api/comentarios/00000000-0000-0000-0000-000000000000", headers=headers),  # 404
                 client.get("/api/comentarios", headers=bearer("x"))):  # 401
        assert resp.headers["Cache-Control"] == "no-store", (resp.status_code, resp.headers.get("Cache-Control"))
    assert "no-store" not in client.get("/api/openapi.json").headers.get("Cache-Control", "")  # public, cacheable


def test_plain_http_is_served_not_redirected(server):
    status, headers, raw = server.request("GET", "/api/health")
    assert status == 200 and json.loads(raw)["status"] == "ok"
    _assert_security_headers(headers)
    status, headers, raw = server.request("GET", "/api/nada")
    assert_http_error(status, headers, raw, 404)
    _assert_security_headers(headers)


# --- chunked bodies ------------------------------------------------------------------------------------
def _chunked(server, path, body: bytes, headers, chunk=8192, attempts: int = 3):
    """POST ``body`` with Transfer-Encoding: chunked and no Content-Length, on a raw socket.

    A server that refuses the body answers before reading all of it and closes; the client's
    remaining writes then fail (broken pipe) and, when unread bytes were left behind, the kernel
    may reset the connection before the answer is read. That race is TCP's, not the server's
    behaviour under test, so such an attempt is repeated; the answer must be the same each time.
    """
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    for attempt in range(attempts):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        try:
            try:
                sock.sendall(head.encode("latin-1"))
                for i in range(0, len(body), chunk):
                    part = body[i:i + chunk]
                    sock.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused mid-body: its answer is already on the way
            try:
                resp = http.client.HTTPResponse(sock)
                resp.begin()
                return resp.status, resp.headers, resp.read()
            except (ConnectionResetError, http.client.RemoteDisconnected):
                if attempt == attempts - 1:
                    raise
        finally:
            sock.close()
    raise AssertionError("unreachable")


def test_chunked_body_over_the_limit_is_413_and_not_parsed(server, token, counts):
    headers = {**JSON, **bearer(token)}
    before = counts()
    # A valid comment followed by padding: cut at the limit, its prefix would parse and be stored.
    comment = json.dumps({"id": str(uuid.uuid4()), "texto": "contrabando"}).encode()
    for body in (comment + b" " * LIMIT, b"x" * (LIMIT + 1), comment + b" " * (4 * LIMIT)):
        status, resp_headers, raw = _chunked(server, "/api/comentarios", body, headers)
        assert_http_error(status, resp_headers, raw, 413)
        _assert_security_headers(resp_headers)
    # the unauthenticated endpoint too, whose rate limiter reads the body first (one byte over:
    # the check must not be fooled by reading it twice)
    login = b'{"cliente": "x", "segredo": "y"}'
    for body in (login + b" " * LIMIT, login + b" " * (LIMIT - len(login) + 1)):
        status, resp_headers, raw = _chunked(server, "/api/auth/token", body, JSON)
        assert_http_error(status, resp_headers, raw, 413)
    assert counts() == before


def test_chunked_body_under_the_limit_still_works(server, token, counts):
    headers = {**JSON, **bearer(token)}
    before = counts()
    comment = json.dumps({"id": str(uuid.uuid4()), "texto": "em pedaços"}).encode()
    status, _, raw = _chunked(server, "/api/comentarios", comment, headers, chunk=7)
    assert status == 201, raw
    comment2 = json.dumps({"id": str(uuid.uuid4()), "texto": "no limite"}).encode()
    exactly = comment2 + b" " * (LIMIT - len(comment2))  # the limit itself is allowed
    status, _, raw = _chunked(server, "/api/comentarios", exactly, headers)
    assert status == 201, raw
    assert counts()["comentarios"] == before["comentarios"] + 2


def test_content_length_over_the_limit_is_413_too(server, token, counts):
    before = counts()
    status, headers, raw = server.request("POST", "/api/comentarios", b"x" * (LIMIT + 1), {**JSON, **bearer(token)})
    assert_http_error(status, headers, raw, 413)
    assert counts() == before


# --- what gunicorn answers by itself --------------------------------------------------------------
@pytest.mark.parametrize(("request_bytes", "code"), [
    (b"GET /api/" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),  # request line too long
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n", 431),
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 9000 + b"\r\n\r\n", 431),  # one header too large
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /api/health HTTP/9.9\r\nHost: x\r\n\r\n", 400),
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n", 400),
    (b"POST /api/auth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
     b"Content-Type: application/json\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n", 400),  # invalid chunk size (read by the app)
    (b"POST /api/auth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    (b"POST /api/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n", 400),  # request smuggling shape: both framings
])
def test_gunicorn_refusals_are_json_with_security_headers(server, request_bytes, code):
    resp = server.raw(request_bytes)
    assert_http_error(resp.status, resp.headers, resp.body, code)
    _assert_security_headers(resp.headers)
    assert "gunicorn" not in resp.body.decode() and "<html" not in resp.body.decode()
