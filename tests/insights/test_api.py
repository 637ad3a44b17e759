"""``POST /insights/perguntar``: contract, JWT role ``read``, validation, empty case, LLM failure."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from alumusic.repositories import clients as clients_repo

URL = "/insights/perguntar"


@pytest.fixture
def api(db, db_url):
    from api import create_app
    from api.security import client_cache

    client_cache.clear()
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "CLIENT_CACHE_SECONDS": 0})
    yield app.test_client()
    client_cache.clear()


def login(api, db, nome: str, papeis: str) -> dict:
    """Create an API client through the repository and log it in through the API."""
    with db.begin() as conn:
        _, secret = clients_repo.create_client(conn, nome, papeis)
    resp = api.post("/api/auth/token", json={"cliente": nome, "segredo": secret})
    assert resp.status_code == 200, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['access_token']}"}


def recent_weeks(n: int) -> list[str]:
    from alumusic.summary.weeks import last_complete_week

    newest = last_complete_week("America/Sao_Paulo")
    return [newest.shift(-i).label for i in range(n)]


def test_answer_contract_and_log(api, seed_weeks):
    db = seed_weeks(recent_weeks(5))
    headers = login(api, db, "app-leitura", "read")
    resp = api.post(URL, json={"pergunta": "Quais artistas receberam críticas ao som do show?"}, headers=headers)
    assert resp.status_code == 200
    body = resp.get_json()
    assert list(body) == ["resposta", "semanas", "modelo"]
    assert body["modelo"] == "offline-extrativo-v1" and body["resposta"]
    assert body["semanas"] and set(body["semanas"]) <= set(recent_weeks(3))
    with db.connect() as conn:
        row = conn.execute(sa.text("SELECT origem, autor, semanas FROM insights_perguntas")).one()
    assert row.origem == "api" and row.autor == "app-leitura" and list(row.semanas) == body["semanas"]


def test_auth_is_required_and_role_read_checked(api, db):
    resp = api.post(URL, json={"pergunta": "Como foi a semana?"})
    assert resp.status_code == 401 and resp.get_json()["erro"]["codigo"] == 401
    headers = login(api, db, "so-ingestao", "ingest")
    resp = api.post(URL, json={"pergunta": "Como foi a semana?"}, headers=headers)
    assert resp.status_code == 403 and "read" in resp.get_json()["erro"]["mensagem"]
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM insights_perguntas")).scalar() == 0


def test_validation_and_empty_case(api, db):
    headers = login(api, db, "app-leitura", "read")
    for payload in ({"pergunta": ""}, {"pergunta": "x" * 501}, {"pergunta": 3}, {}, {"pergunta": "ok", "extra": 1}):
        resp = api.post(URL, json=payload, headers=headers)
        assert resp.status_code == 422, payload
        assert resp.get_json()["erro"]["codigo"] == 422
    resp = api.post(URL, data="pergunta", headers={**headers, "Content-Type": "text/plain"})
    assert resp.status_code == 415

    resp = api.post(URL, json={"pergunta": "x" * 500}, headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["semanas"] == [] and "não há resumos" in resp.get_json()["resposta"]


def test_llm_answer_and_llm_failure(api, seed_weeks, ollama):
    db = seed_weeks(recent_weeks(5))
    headers = login(api, db, "app-leitura", "read")
    resp = api.post(URL, json={"pergunta": "O que gerou hype?"}, headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["semanas"] == recent_weeks(3) and resp.get_json()["modelo"] == "qwen2.5:3b"

    ollama.set_failure("http_500")
    resp = api.post(URL, json={"pergunta": "O que gerou hype?"}, headers=headers)
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    body = resp.get_json()
    assert set(body) == {"erro"} and "tente novamente" in body["erro"]["mensagem"]
    with db.connect() as conn:
        last = conn.execute(sa.text("SELECT resposta, semanas, erro FROM insights_perguntas ORDER BY id DESC")).first()
    assert last.resposta is None and list(last.semanas) == [] and "500" in last.erro


def test_one_client_s_questions_are_limited_and_others_still_ask(db, db_url):
    """Each question may run the LLM: a script of one client must not hold it for everyone."""
    from api import create_app
    from api.security import client_cache

    client_cache.clear()
    api = create_app({"TESTING": True, "DATABASE_URL": db_url, "CLIENT_CACHE_SECONDS": 0,
                      "INSIGHTS_RATE_LIMIT": "3 per minute"}).test_client()
    script, other = login(api, db, "app-curiosa", "read"), login(api, db, "app-outra", "read")
    statuses = [api.post(URL, json={"pergunta": f"Como foi a semana {i}?"}, headers=script).status_code
                for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api.post(URL, json={"pergunta": "E agora?"}, headers=script)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["erro"]["codigo"] == 429 and "perguntas" in json.dumps(refused.get_json(),
                                                                                     ensure_ascii=False)
    assert api.post(URL, json={"pergunta": "Como foi a semana?"}, headers=other).status_code == 200
    with db.connect() as conn:  # the refused questions were neither answered nor logged
        assert conn.execute(sa.text("SELECT count(*) FROM insights_perguntas WHERE autor = 'app-curiosa'")).scalar_one() == 3
    client_cache.clear()
