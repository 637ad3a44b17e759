"""Threat: a crafted link to a private page, sent to a logged-in curator (the query is the attacker's).

The Comments page (``/dashboard/?artista=…&ordem=…&linha=…``) and the Alerts page
(``/dashboard/alertas?alerta=ID``) build their view from the query (Dash Pages hands a repeated
parameter to ``layout`` as a list). Whatever the query, the page opens: a repeated parameter counts
with its first value (as the browser's ``URLSearchParams.get`` reads it), and a value the page
cannot use (Unicode digits such as '²', numbers out of range, thousands of digits, NUL, lone
surrogates, an unknown column) leaves that part of the view at its default, or, for an alert id,
"Alerta não encontrado." above the list. Checked through the real routing callback of the private app.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from alumusic.alerts import service
from tests.dashboard.seed import seed
from tests.support.alerts import AGORA, stream
from tests.support.dashboard import callback_body, components_by_id, dash_csrf, find_callback, login

NOT_FOUND = "Alerta não encontrado."
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")  # str.isdigit() and int() take these


@pytest.fixture
def client(live, dash_app, curator):
    client = dash_app.test_client()
    assert login(client).status_code == 302
    return client


@pytest.fixture
def private(dash_app):
    return dash_app.extensions["alumusic_dash_apps"][0]


def _open(client, private, path: str, search: str) -> tuple[dict, str]:
    """The page the router builds for ``path`` + ``search``: (its components by id, its JSON text).
    Fails if the layout raised (the app then only shows its generic error notice, no page)."""
    body = callback_body(private, find_callback(private, "_pages_content.children"),
                         {"_pages_location.pathname": path, "_pages_location.search": search})
    response = client.post("/dashboard/_dash-update-component", json=body, headers={"X-CSRFToken": dash_csrf(client)})
    assert response.status_code == 200
    data = response.get_json()
    text = json.dumps(data, ensure_ascii=False)
    assert "Algo deu errado" not in text, (path, search)
    page = data["response"]["_pages_content"]["children"]
    return components_by_id(page), text


# --- Comments ---------------------------------------------------------------------------------------

def _comments_view(client, private, search: str) -> dict:
    ids, _ = _open(client, private, "/dashboard/", search)
    grid = ids["dash-tabela"]
    return {
        "filters": {k: ids[f"filtro-{k}"].get("value") for k in ("artista", "album", "tag", "categoria")}
        | {k: ids[f"filtro-{k}"].get("date") for k in ("desde", "ate")}
        | {"texto": ids["filtro-texto"]["value"] or None},
        "sort": [(c["field"], c["sort"]) for c in grid["columnDefs"] if c.get("sort")],
        "row": grid.get("scrollTo", {}).get("rowIndex", 0),
        "search": ids["dash-url"]["search"],
        "export": ids["dash-export-link"]["href"],
    }


DEFAULT_FILTERS = {"artista": None, "album": None, "tag": None, "categoria": None, "desde": None, "ate": None,
                   "texto": None}


def test_a_repeated_comments_parameter_counts_with_its_first_value(client, private, db):
    seed(db)  # the artists, albums and tags the dropdowns offer
    # The audit's link: the layout raised TypeError (a list is no sort column), the page never showed.
    view = _comments_view(client, private, "?ordem=a&ordem=b")
    assert view["sort"] == [] and view["search"] == "" and view["filters"] == DEFAULT_FILTERS

    view = _comments_view(client, private, "?ordem=texto&ordem=artista&sentido=asc&sentido=desc&linha=100&linha=7"
                                           "&artista=Luna+Ribeiro&artista=MC+Trov%C3%A3o&album=Mar%C3%A9+Alta"
                                           "&album=Garagem&tag=feat_autotune&tag=show_agenda&categoria=SPAM"
                                           "&categoria=ELOGIO&desde=2026-01-01&desde=2025-01-01&ate=2026-02-01"
                                           "&ate=2026-03-01&texto=autotune&texto=x")
    assert view["sort"] == [("texto", "asc")] and view["row"] == 100
    assert view["filters"] == {"artista": "Luna Ribeiro", "album": "Maré Alta", "tag": "feat_autotune",
                               "categoria": "SPAM", "desde": "2026-01-01", "ate": "2026-02-01", "texto": "autotune"}
    assert view["search"] == ("?artista=Luna+Ribeiro&album=Mar%C3%A9+Alta&tag=feat_autotune&categoria=SPAM"
                              "&desde=2026-01-01&ate=2026-02-01&texto=autotune&ordem=texto&sentido=asc&linha=100")
    assert "artista=Luna+Ribeiro" in view["export"] and "Trov" not in view["export"]

    # The first value decides even when it is the unusable one (no fallback to a later one).
    view = _comments_view(client, private, "?artista=a%00b&artista=Luna+Ribeiro&ordem=%00&ordem=texto&sentido=asc")
    assert view["filters"] == DEFAULT_FILTERS and view["sort"] == []


@pytest.mark.parametrize("search", ["?artista=Ningu%C3%A9m", "?album=Luna+Ribeiro", "?tag=nao_existe",
                                    "?tag=Autotune", "?artista=luna+ribeiro"])
def test_a_value_no_dropdown_offers_is_left_out(client, private, db, search):
    # The dropdown cleared it on mount, a filter change racing the grid's start ("no grid found"
    # in the browser console); the view and the export link briefly kept it.
    seed(db)
    view = _comments_view(client, private, search)
    assert view["filters"] == DEFAULT_FILTERS and view["search"] == ""
    assert view["export"] == "/dashboard/exportar.csv?formato=excel-br"


@pytest.mark.parametrize("search", [
    "?linha=%C2%B2", "?linha=%D9%A1%D9%A0%D9%A0", "?linha=-1", "?linha=100001", "?linha=1e3", "?linha=%00",
    "?linha=" + "1" * 5000,  # int() refuses more than 4300 digits: ValueError
    "?linha=" + "0" * 5000 + "1" * 10,
    "?ordem=%00&sentido=asc", "?ordem=texto&sentido=%ED%A0%80", "?ordem=texto&sentido=ASC",
    "?artista=a%00b", "?tag=%00", "?album=" + "x" * 600, "?categoria=HACK",
    "?desde=%D9%A2%D9%A0%D9%A2%D9%A4-01-01", "?desde=2024-01-0%C2%B2", "?ate=9999-12-31",
    "?artista=\ud800&texto=\ud800&ordem=\ud800&sentido=asc&linha=\ud800",  # a forged body (a browser encodes)
], ids=lambda search: ascii(search)[1:41])
def test_an_unusable_comments_parameter_opens_the_default_view(client, private, search):
    view = _comments_view(client, private, search)
    assert view == {"filters": DEFAULT_FILTERS, "sort": [], "row": 0, "search": "",
                    "export": "/dashboard/exportar.csv?formato=excel-br"}


def test_usable_comments_values_still_make_the_view(client, private):
    view = _comments_view(client, private, "?linha=" + "0" * 5000 + "150&ordem=confianca&sentido=desc"
                                           "&categoria=CRI%CC%81TICA&texto=%ED%A0%80")
    assert view["row"] == 150 and view["sort"] == [("confianca", "desc")]
    # A decomposed 'Í' is the dropdown's own option value (left decomposed, the dropdown cleared it
    # on mount while the grid was starting); an invalid UTF-8 escape decodes to U+FFFD, searchable text.
    assert view["filters"] == DEFAULT_FILTERS | {"categoria": "CRÍTICA", "texto": "\ufffd\ufffd\ufffd"}
    assert view["search"].startswith("?categoria=CR%C3%8DTICA&texto=")


# --- Alerts ------------------------------------------------------------------------------------------

@pytest.fixture
def alert_id(db) -> int:
    stream(db, "Banda Pico", [(60, 33)] + [(60, 6)] * 6)
    service.detect(db, AGORA)
    with db.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM alertas")).scalar_one()


def _alerts_page(client, private, search: str) -> tuple[dict, str]:
    ids, text = _open(client, private, "/dashboard/alertas", search)
    assert "alertas-lista" in ids  # the list is there whatever the query
    return ids, text


def test_a_repeated_alert_id_counts_with_its_first_value(client, private, alert_id):
    # The audit's link: the layout raised AttributeError (a list has no isdigit), the page never showed.
    ids, text = _alerts_page(client, private, f"?alerta={alert_id}&alerta=999999")
    assert "alerta-detalhe" in ids and "Comentários por trás do alerta" in text and NOT_FOUND not in text
    ids, text = _alerts_page(client, private, f"?alerta=999999&alerta={alert_id}")
    assert "alerta-detalhe" not in ids and NOT_FOUND in text
    assert f"alerta-{alert_id}" in ids  # its card is still listed


def test_a_repeated_fechados_counts_with_its_first_value(client, private, alert_id):
    ids, _ = _alerts_page(client, private, "?fechados=1&fechados=0")
    assert ids["alertas-fechados"]["children"] == "Mostrar só os abertos"
    ids, _ = _alerts_page(client, private, "?fechados=0&fechados=1")
    assert ids["alertas-fechados"]["children"] == "Mostrar também os fechados"


@pytest.mark.parametrize("value", [
    "%C2%B2",  # '²': str.isdigit() is True, int() raised ValueError
    "ARABIC",  # the alert's own id in Arabic-Indic digits: int() reads it, it looked that alert up
    "0", "-1", "+1", " 1", "1.0", "9223372036854775808", "9" * 5000, "%00", "%ED%A0%80", "\ud800",
])
def test_an_alert_id_that_is_not_an_ascii_bigint_is_not_looked_up(client, private, alert_id, value):
    if value == "ARABIC":
        value = str(alert_id).translate(ARABIC_INDIC)
    ids, text = _alerts_page(client, private, f"?alerta={value}")
    assert "alerta-detalhe" not in ids and NOT_FOUND in text
    assert f"alerta-{alert_id}" in ids


def test_an_empty_alert_id_is_the_plain_list(client, private, alert_id):
    ids, text = _alerts_page(client, private, "?alerta=")
    assert "alerta-detalhe" not in ids and NOT_FOUND not in text and f"alerta-{alert_id}" in ids


def test_a_valid_alert_id_still_opens_its_comments(client, private, alert_id):
    for value in (str(alert_id), "0" * 5000 + str(alert_id)):
        ids, text = _alerts_page(client, private, f"?alerta={value}")
        assert "alerta-detalhe" in ids and NOT_FOUND not in text
    ids, text = _alerts_page(client, private, "?alerta=9223372036854775807")  # the largest bigint: no such alert
    assert "alerta-detalhe" not in ids and NOT_FOUND in text
