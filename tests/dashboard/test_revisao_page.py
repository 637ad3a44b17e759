"""The review page's callback over HTTP (Flask test client): what a request may and may not make it do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alumusic.repositories import classifications, review
from tests.support.dashboard import USER, callback_body, dash_csrf, find_callback, login
from tests.support.factories import add_classified_comments

URL = "/dashboard/_dash-update-component"
NOW = datetime.now(UTC).replace(microsecond=0)


seed = add_classified_comments  # classified ones as the pipeline leaves them: 'classificado'


@pytest.fixture
def client(live, dash_app, curator):
    client = dash_app.test_client()
    assert login(client).status_code == 302
    return client


@pytest.fixture
def private(dash_app):
    return dash_app.extensions["alumusic_dash_apps"][0]


@pytest.fixture
def rows(db):
    with db.begin() as conn:
        return seed(conn, [
            {"texto": "segundo da fila", "categoria": "ELOGIO", "confianca": 0.4, "artista": "Luna",
             "recebido_em": NOW - timedelta(days=1), "tags": [("musica_melodia", "fala do refrão")]},
            {"texto": "primeiro da fila", "categoria": "CRÍTICA", "confianca": 0.2, "artista": "Luna",
             "recebido_em": NOW - timedelta(days=2)},
            {"texto": "terceiro da fila", "categoria": "DÚVIDA", "confianca": 0.9, "artista": "Trovão",
             "recebido_em": NOW - timedelta(hours=1)},
        ])


def _texts(node) -> list[str]:
    """Every string in a serialized Dash component tree."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [t for n in node for t in _texts(n)]
    if isinstance(node, dict):
        return _texts(node.get("props", {}).get("children")) if "props" in node else []
    return []


def _links(node) -> list[tuple]:
    """(text, href) of every link in a serialized Dash component tree."""
    if isinstance(node, list):
        return [link for n in node for link in _links(n)]
    if not isinstance(node, dict) or "props" not in node:
        return []
    props = node["props"]
    own = [(props.get("children"), props["href"])] if node.get("type") == "A" and "href" in props else []
    return own + _links(props.get("children"))


def _call(client, private, trigger: str | None = None, **values) -> dict:
    """Run the page's callback as the browser would after ``trigger`` (a button id) was clicked."""
    output = find_callback(private, "revisao-item.children")
    body = callback_body(private, output, {k.replace("__", "."): v for k, v in values.items()})
    body["changedPropIds"] = [f"{trigger}.n_clicks"] if trigger else []
    response = client.post(URL, json=body, headers={"X-CSRFToken": dash_csrf(client)})
    assert response.status_code == 200, response.get_data(as_text=True)
    out = response.get_json()["response"]
    return {
        "item": " ".join(_texts(out["revisao-item"]["children"])),
        "atual": out["revisao-atual"]["data"],
        "progresso": out.get("revisao-progresso", {}).get("children"),
        "msg": " ".join(_texts(out["revisao-msg"]["children"])),
        "feitas": out.get("revisao-feitas", {}).get("data", "unchanged"),
    }


def _manual(db) -> list[tuple]:
    with db.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT comentario_id::text, categoria, autor FROM classificacoes WHERE origem = 'manual' ORDER BY id"))]


def test_the_page_is_private_and_in_the_navigation(live, dash_app, curator):
    visitor = dash_app.test_client()
    denied = visitor.get("/dashboard/revisao", headers={"Accept": "text/html"})
    assert denied.status_code == 302 and denied.headers["Location"] == "/entrar?proximo=/dashboard/revisao"
    assert login(visitor).status_code == 302
    assert visitor.get("/dashboard/revisao", headers={"Accept": "text/html"}).status_code == 200
    links = _links(visitor.get("/dashboard/_dash-layout").get_json())
    assert ("Revisão", "/dashboard/revisao") in links


def test_opening_shows_the_lowest_confidence_first_and_the_counter(client, private, rows):
    got = _call(client, private)
    assert "primeiro da fila" in got["item"] and "Crítica" in got["item"]
    assert got["atual"]["id"] == rows[1]["id"] and got["atual"]["classificacao_id"] == rows[1]["classificacao_id"]
    assert got["progresso"] == "0 revisados hoje, 3 na fila"
    assert got["msg"] == "" and got["feitas"] == []


def test_confirm_records_the_label_in_the_sessions_name_and_shows_the_next(client, private, rows, db):
    first = _call(client, private)
    got = _call(client, private, "revisao-confirmar", **{"revisao-atual__data": first["atual"],
                                                         "revisao-feitas__data": []})
    assert _manual(db) == [(rows[1]["id"], "CRÍTICA", USER)]
    assert got["progresso"] == "1 revisado hoje, 2 na fila"
    assert "Confirmado: Crítica." in got["msg"]
    assert "segundo da fila" in got["item"] and "fala do refrão" in got["item"]
    with db.connect() as conn:
        assert got["feitas"] == [review.last_undoable(conn, USER)["id"]]


def test_a_digit_records_that_category_and_keeps_the_tags(client, private, rows, db):
    second = {"id": rows[0]["id"], "classificacao_id": rows[0]["classificacao_id"], "confianca": 0.4,
              "recebido_em": rows[0]["recebido_em"].isoformat()}
    got = _call(client, private, "revisao-cat-5", **{"revisao-atual__data": second, "revisao-feitas__data": []})
    assert _manual(db) == [(rows[0]["id"], "SPAM", USER)]
    assert "Registrado como SPAM." in got["msg"] and "terceiro da fila" in got["item"]
    with db.connect() as conn:
        tags = classifications.history(conn, rows[0]["id"])[0]["tags"]
    assert tags == [{"codigo": "musica_melodia", "explicacao": "fala do refrão"}]


def test_undo_takes_back_only_the_curators_own_review(client, private, rows, db):
    first = _call(client, private)
    done = _call(client, private, "revisao-confirmar", **{"revisao-atual__data": first["atual"]})
    with db.begin() as conn:  # another curator's review, its id slipped into this page's list
        other = classifications.record_manual_correction(conn, rows[2]["id"], "OUTRO", [], autor="outra")
    got = _call(client, private, "revisao-desfazer", **{"revisao-atual__data": done["atual"],
                                                        "revisao-feitas__data": [other]})
    assert "Nada para desfazer" in got["msg"] and got["feitas"] == []
    got = _call(client, private, "revisao-desfazer", **{"revisao-atual__data": done["atual"],
                                                        "revisao-feitas__data": done["feitas"] + [other]})
    assert "Revisão desfeita" in got["msg"] and got["feitas"] == []
    assert "primeiro da fila" in got["item"] and got["atual"]["id"] == rows[1]["id"]
    assert got["progresso"] == "1 revisado hoje, 2 na fila"  # the other curator's review still counts
    with db.connect() as conn:
        withdrawn = conn.execute(sa.text("SELECT classificacao_id, anulada_por FROM classificacoes_anuladas")).all()
    assert [tuple(w) for w in withdrawn] == [(done["feitas"][0], USER)]


def test_an_item_that_changed_since_it_was_shown_is_not_recorded(client, private, rows, db):
    first = _call(client, private)
    with db.begin() as conn:
        classifications.record_manual_correction(conn, rows[1]["id"], "ELOGIO", [], autor="outra")
    got = _call(client, private, "revisao-cat-2", **{"revisao-atual__data": first["atual"]})
    assert "nada foi registrado" in got["msg"] and "segundo da fila" in got["item"]
    assert _manual(db) == [(rows[1]["id"], "ELOGIO", "outra")]


def test_next_and_previous_record_nothing_and_keep_the_counter(client, private, rows, db):
    first = _call(client, private)
    nxt = _call(client, private, "revisao-proximo", **{"revisao-atual__data": first["atual"]})
    assert "segundo da fila" in nxt["item"] and nxt["progresso"] is None  # counter left as it was
    last = _call(client, private, "revisao-proximo",
                 **{"revisao-atual__data": _call(client, private, "revisao-proximo",
                                                 **{"revisao-atual__data": nxt["atual"]})["atual"]})
    assert "terceiro da fila" in last["item"] and "Fim da fila" in last["msg"]
    back = _call(client, private, "revisao-anterior", **{"revisao-atual__data": nxt["atual"]})
    assert "primeiro da fila" in back["item"]
    top = _call(client, private, "revisao-anterior", **{"revisao-atual__data": back["atual"]})
    assert "primeiro da fila" in top["item"] and "primeiro comentário da fila" in top["msg"]
    assert _manual(db) == []


def test_filters_narrow_the_queue_and_bad_filters_are_refused(client, private, rows):
    got = _call(client, private, **{"revisao-artista.value": "Trovão"})
    assert "terceiro da fila" in got["item"] and got["progresso"] == "0 revisados hoje, 1 na fila"
    got = _call(client, private, **{"revisao-categoria.value": "SPAM"})
    assert "fila está vazia" in got["item"] and got["atual"] is None
    got = _call(client, private, **{"revisao-desde.date": "2024-13-01"})
    assert "Filtro inválido" in got["item"] and got["atual"] is None and got["feitas"] == "unchanged"


@pytest.mark.parametrize("atual, feitas", [
    ("x", "y"), ({"id": 1}, [True]), ({"id": "não-uuid", "confianca": 0.1, "recebido_em": "ontem",
                                        "classificacao_id": 1}, [{"a": 1}]),
    ({"id": "00000000-0000-0000-0000-000000000000", "confianca": 2, "recebido_em": "2024-01-01T00:00:00+00:00",
      "classificacao_id": 1}, [2**70]),
    ({"id": "00000000-0000-0000-0000-000000000000", "confianca": 0.1, "recebido_em": "2024-01-01T00:00:00",
      "classificacao_id": True}, None),
])
def test_malformed_state_is_answered_not_a_server_error(client, private, rows, db, atual, feitas):
    for trigger in ("revisao-confirmar", "revisao-cat-3", "revisao-proximo", "revisao-anterior", "revisao-desfazer"):
        got = _call(client, private, trigger, **{"revisao-atual__data": atual, "revisao-feitas__data": feitas})
        assert "primeiro da fila" in got["item"]
    assert _manual(db) == []
