"""Threat: forged, never-expiring and stolen tokens.

An attacker who learns the signing key's output format crafts tokens without ``exp`` (valid
forever if accepted); one who steals a refresh token (log, proxy, backup) replays it to keep
minting access tokens after the owner has moved on. Defences checked here: a token without
``exp`` is refused (access and refresh), refresh tokens are single-use and rotate within a
family stored in ``api_refresh_tokens``, presenting a spent one revokes the whole family (thief
and owner both lose it, so the theft cannot go on unnoticed), concurrent replays get one answer
at most, and a revoked client cannot refresh. Each refused attempt answers 401 in the JSON error
shape and stores no new token.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import jwt
import sqlalchemy as sa

from alumusic.repositories import clients as clients_repo
from tests.support.api import assert_error, bearer

REFRESH = "/api/auth/refresh"


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _rows(db, where: str = "TRUE", **params) -> list:
    with db.connect() as conn:
        return conn.execute(sa.text(f"SELECT jti, familia, cliente_id, usado_em, revogado_em, expira_em "
                                    f"FROM api_refresh_tokens WHERE {where} ORDER BY criado_em"), params).all()


def _forge(app, cid: int, token_type: str, **extra) -> str:
    """A token signed with the app's own key, shaped like the app's but without ``exp``."""
    claims = {"sub": "poster", "cid": cid, "papeis": ["ingest", "read"], "type": token_type, "fresh": False,
              "iat": int(time.time()), "jti": str(uuid.uuid4()), **extra}
    return jwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")


def _post_one(client, token: str):
    return client.post("/api/comentarios", json={"id": str(uuid.uuid4()), "texto": "ataque"}, headers=bearer(token))


def test_access_token_without_exp_is_refused(app, client, tokens, counts):
    cid = _claims(tokens()["access_token"])["cid"]
    forged = _forge(app, cid, "access")
    before = counts()
    for resp in (_post_one(client, forged), client.get("/api/comentarios", headers=bearer(forged))):
        body = assert_error(resp, 401)
        assert "exp" in " ".join(body["erro"]["detalhes"])
    assert _post_one(client, forged).status_code == 401  # not memoised as valid either
    assert counts() == before


def test_refresh_token_without_exp_is_refused(app, client, tokens, db, counts):
    t = tokens()
    claims = _claims(t["refresh_token"])
    # Even with the jti of a real, unspent refresh token: the signature is fine, exp is missing.
    forged = _forge(app, claims["cid"], "refresh", jti=claims["jti"])
    before = counts()
    body = assert_error(client.post(REFRESH, headers=bearer(forged)), 401)
    assert "exp" in " ".join(body["erro"]["detalhes"])
    assert counts() == before
    assert _rows(db, "usado_em IS NOT NULL") == []  # the real token was not spent


def test_login_starts_a_family_and_refresh_rotates_within_it(client, tokens, db):
    t = tokens()
    (first,) = _rows(db)
    assert str(first.jti) == _claims(t["refresh_token"])["jti"] and first.usado_em is None
    days = (first.expira_em - _now(db)).total_seconds() / 86400
    assert 6.9 < days <= 7.0

    resp = client.post(REFRESH, headers=bearer(t["refresh_token"]))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    nxt = resp.get_json()
    assert set(nxt) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert nxt["refresh_token"] != t["refresh_token"] and nxt["access_token"] != t["access_token"]
    assert _post_one(client, nxt["access_token"]).status_code == 201
    spent, fresh = _rows(db)
    assert spent.jti == first.jti and spent.usado_em is not None and fresh.usado_em is None
    assert fresh.familia == first.familia and str(fresh.jti) == _claims(nxt["refresh_token"])["jti"]
    assert resp.headers["Cache-Control"] == "no-store"

    # and again: a chain of single-use tokens
    third = client.post(REFRESH, headers=bearer(nxt["refresh_token"]))
    assert third.status_code == 200 and len(_rows(db)) == 3


def _now(db):
    with db.connect() as conn:
        return conn.execute(sa.text("SELECT now()")).scalar_one()


def test_replayed_refresh_token_revokes_the_whole_family(client, tokens, make_api_client, db, counts):
    stolen = tokens()["refresh_token"]
    # The thief uses the stolen token first and gets a fresh pair...
    thief = client.post(REFRESH, headers=bearer(stolen)).get_json()
    # ...then the owner (or the thief again) presents the spent one: reuse detected.
    other_nome, other_secret = make_api_client("outro")
    other = client.post("/api/auth/token", json={"cliente": other_nome, "segredo": other_secret}).get_json()
    before = counts()
    body = assert_error(client.post(REFRESH, headers=bearer(stolen)), 401)
    assert "já usado" in body["erro"]["mensagem"]
    assert counts() == before  # nothing issued
    # Every token of that family is dead now, the thief's new one included.
    assert_error(client.post(REFRESH, headers=bearer(thief["refresh_token"])), 401)
    assert_error(client.post(REFRESH, headers=bearer(stolen)), 401)
    family = _rows(db, "cliente_id = :cid", cid=_claims(stolen)["cid"])
    assert len(family) == 2 and all(r.revogado_em is not None for r in family)
    # Another session (another family) is untouched.
    assert client.post(REFRESH, headers=bearer(other["refresh_token"])).status_code == 200
    assert counts()["api_refresh_tokens"] == before["api_refresh_tokens"] + 1


def test_concurrent_replays_of_one_refresh_token_get_one_answer_at_most(app, tokens, db):
    refresh = tokens()["refresh_token"]
    barrier = threading.Barrier(8)

    def attempt(_):
        client = app.test_client()
        barrier.wait()
        return client.post(REFRESH, headers=bearer(refresh))

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(attempt, range(8)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [401] * 7, [r.get_json() for r in responses]
    for r in responses:
        if r.status_code == 401:
            assert_error(r, 401)
    # The replays revoked the family: the one token handed out is dead too.
    winner = next(r for r in responses if r.status_code == 200).get_json()
    assert_error(app.test_client().post(REFRESH, headers=bearer(winner["refresh_token"])), 401)
    assert all(r.revogado_em is not None for r in _rows(db))


def test_refresh_token_unknown_to_the_database_is_refused(app, client, tokens, counts):
    """Signed with the key and unexpired, but never issued by a login (e.g. minted before
    rotation existed, or from a leaked key with a made-up jti)."""
    from flask_jwt_extended import create_refresh_token

    cid = _claims(tokens()["refresh_token"])["cid"]
    with app.app_context():
        orphan = create_refresh_token("poster", additional_claims={"cid": cid, "papeis": ["ingest", "read"]})
    before = counts()
    assert_error(client.post(REFRESH, headers=bearer(orphan)), 401)
    assert counts() == before


def test_expired_family_row_is_refused(client, tokens, db, counts):
    refresh = tokens()["refresh_token"]
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE api_refresh_tokens SET expira_em = now() - interval '1 second'"))
    before = counts()
    assert_error(client.post(REFRESH, headers=bearer(refresh)), 401)
    assert counts() == before


def test_revoked_client_cannot_refresh_and_spends_nothing(client, tokens, db, counts):
    refresh = tokens()["refresh_token"]
    with db.begin() as conn:
        assert clients_repo.revoke_client(conn, "poster")
    before = counts()
    body = assert_error(client.post(REFRESH, headers=bearer(refresh)), 401)
    assert "revogado" in body["erro"]["mensagem"]
    assert counts() == before and _rows(db, "usado_em IS NOT NULL") == []


def test_refresh_needs_a_refresh_token(client, tokens, counts):
    t = tokens()
    before = counts()
    for headers in ({}, bearer(t["access_token"]), {"Authorization": "Bearer"}, {"Authorization": t["refresh_token"]},
                    bearer(t["refresh_token"][:-3] + "abc")):
        assert_error(client.post(REFRESH, headers=headers), 401)
    assert counts() == before
    assert client.post(REFRESH, headers=bearer(t["refresh_token"])).status_code == 200  # still unspent
