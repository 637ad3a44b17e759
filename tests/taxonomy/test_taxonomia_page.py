"""The taxonomy page's callback over HTTP (Flask test client): a forged or hostile request changes
nothing, and a decision is always recorded in the session's curator's name."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.support.dashboard import USER, dash_csrf, find_callback, login
from tests.support.taxonomy import VINIL, VINIL_TEXTS, proposal_row, proposed

URL = "/dashboard/_dash-update-component"
ACTIONS = ("proposta-aprovar", "proposta-mesclar", "proposta-rejeitar")


@pytest.fixture
def client(live, dash_app, curator):
    client = dash_app.test_client()
    assert login(client).status_code == 302
    return client


@pytest.fixture
def private(dash_app):
    return dash_app.extensions["alumusic_dash_apps"][0]


def _sid(value: dict) -> str:
    """How the renderer names a pattern-matching id (dash._utils.stringify_id)."""
    return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(value[k])}" for k in sorted(value)) + "}"


def _post(client, private, action: str, codigo, alvo=None, csrf: bool = True, **extra):
    """The request the renderer sends after a click on ``action`` of the card ``codigo``."""
    clicked = {"type": action, "codigo": codigo}
    output = find_callback(private, "taxonomia-aviso.children")
    spec = private.callback_map[output]
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in output.strip(".").split("...")]
    inputs = [[{"id": clicked, "property": "n_clicks", "value": 1}] if a == action else [] for a in ACTIONS]
    state = [[{"id": {"type": "proposta-alvo", "codigo": codigo}, "property": "value", "value": alvo}]]
    assert len(spec["inputs"]) == 3 and len(spec["state"]) == 1
    body = {"output": output, "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": [f"{_sid(clicked)}.n_clicks"], **extra}
    return client.post(URL, json=body, headers={"X-CSRFToken": dash_csrf(client)} if csrf else {})


def _message(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]["taxonomia-aviso"]["children"]["props"]["children"]


def _states(db):
    with db.connect() as conn:
        return conn.execute(sa.text("SELECT codigo, estado, mesclada_em FROM propostas_tags ORDER BY codigo")).all()


def test_hostile_codes_actions_and_targets_change_nothing(client, private, db):
    proposed(db, VINIL, VINIL_TEXTS[:2])
    before = _states(db)
    for codigo in ("album_vinil' OR 1=1 --", "X" * 500, 7, None, ["album_vinil"], {"a": 1}, "album_vinil\n"):
        assert _message(_post(client, private, "proposta-aprovar", codigo)) == "Proposta inválida."
    for alvo in ("show_inexistente", "'; DROP TABLE taxonomia_tags; --", "album_vinil", 3):
        assert "tag de destino inválida" in _message(_post(client, private, "proposta-mesclar", "album_vinil", alvo))
    assert _message(_post(client, private, "proposta-mesclar", "album_vinil")) == (
        "Escolha a tag existente em que a proposta será mesclada.")
    assert _message(_post(client, private, "proposta-aprovar", "album_nunca_proposta")) == (
        "Essa proposta já foi decidida ou não existe.")
    assert _states(db) == before


def test_a_decision_is_in_the_session_curators_name(client, private, db):
    proposed(db, VINIL, VINIL_TEXTS[:1])
    # Nothing in the request names the curator; an extra field claiming one is ignored.
    response = _post(client, private, "proposta-aprovar", "album_vinil", autor="outra-pessoa")
    assert _message(response) == "Tag album_vinil aprovada: entrou na taxonomia."
    assert proposal_row(db, "album_vinil")["decidido_por"] == USER
    assert _message(_post(client, private, "proposta-rejeitar", "album_vinil")) == (
        "Essa proposta já foi decidida ou não existe.")


def test_without_a_session_the_page_and_its_callback_answer_nothing(dash_app, private, db):
    proposed(db, VINIL, VINIL_TEXTS[:1])
    anonymous = dash_app.test_client()
    page = anonymous.get("/dashboard/taxonomia", headers={"Accept": "text/html"})
    assert page.status_code == 302 and "/entrar" in page.headers["Location"]
    response = _post(anonymous, private, "proposta-aprovar", "album_vinil", csrf=False)
    assert response.status_code == 401 and "album_vinil" not in response.get_data(as_text=True)
    assert proposal_row(db, "album_vinil")["estado"] == "pendente"
