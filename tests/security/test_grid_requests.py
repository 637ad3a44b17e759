"""Threat: the comment grid's block request (``getRowsRequest``) comes from the browser — its
startRow/endRow, sortModel and filterModel may be anything. Each is checked
(``dashboard.comment_table.rows_request``): a hostile value gets an error message in the page,
never a 500, never a column or a size the server did not choose."""

from __future__ import annotations

import json

import pytest

from dashboard.comment_table import MAX_OFFSET, MAX_PAGE_SIZE, RELEVANCE, PedidoInvalido, rows_request
from tests.dashboard.seed import seed
from tests.support.dashboard import callback_body, dash_csrf, find_callback, login

GOOD = {"startRow": 0, "endRow": 50, "sortModel": [], "filterModel": {}}
HOSTILE = [
    None, [], "startRow=0", {"startRow": 0}, {**GOOD, "startRow": -1}, {**GOOD, "startRow": "0"},
    {**GOOD, "startRow": True, "endRow": 50}, {**GOOD, "startRow": 0.5}, {**GOOD, "endRow": 0},
    {**GOOD, "endRow": MAX_PAGE_SIZE + 1}, {**GOOD, "startRow": MAX_OFFSET + 1, "endRow": MAX_OFFSET + 51},
    {**GOOD, "startRow": 10**30, "endRow": 10**30 + 50}, {**GOOD, "endRow": 10**30},
    {**GOOD, "sortModel": [{"colId": "senha", "sort": "asc"}]},
    {**GOOD, "sortModel": [{"colId": "texto; DROP TABLE comentarios", "sort": "asc"}]},
    {**GOOD, "sortModel": [{"colId": "texto", "sort": "sideways"}]},
    {**GOOD, "sortModel": [{"colId": "texto", "sort": "asc"}, {"colId": "artista", "sort": "asc"}]},
    {**GOOD, "sortModel": [{"colId": ["texto"], "sort": "asc"}]}, {**GOOD, "sortModel": "texto"},
    {**GOOD, "sortModel": [{"colId": "tags", "sort": "asc"}]},  # not sortable
    {**GOOD, "filterModel": {"texto": {"filterType": "text", "type": "contains", "filter": "x"}}},
    {**GOOD, "filterModel": "x"},
]


@pytest.mark.parametrize("request_", HOSTILE)
def test_rows_request_refuses_hostile_values(request_):
    with pytest.raises(PedidoInvalido):
        rows_request(request_)


def test_rows_request_reads_a_good_request():
    assert rows_request(GOOD) == rows_request({"startRow": 0, "endRow": 50})
    block = rows_request(GOOD)
    assert (block.offset, block.limit, block.sort_by, block.descending) == (0, 50, RELEVANCE, True)
    block = rows_request({**GOOD, "startRow": 100, "endRow": 150, "sortModel": [{"colId": "artista", "sort": "asc"}]})
    assert (block.offset, block.limit, block.sort_by, block.descending) == (100, 50, "artista", False)


@pytest.fixture
def client(live, dash_app, curator):
    return dash_app.test_client()


@pytest.fixture
def private(dash_app):
    return dash_app.extensions["alumusic_dash_apps"][0]


def _post_block(client, private, request_, **filters):
    values = {"dash-tabela.getRowsRequest": request_} | {f"filtro-{k}.value": v for k, v in filters.items()}
    return client.post("/dashboard/_dash-update-component", headers={"X-CSRFToken": dash_csrf(client)},
                       json=callback_body(private, find_callback(private, "dash-tabela.getRowsResponse"), values))


def _block(client, private, request_, **filters) -> dict:
    response = _post_block(client, private, request_, **filters)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def test_hostile_block_requests_get_a_message_not_a_500(client, private, db):
    seed(db)
    assert login(client).status_code == 302
    for request_ in HOSTILE:
        if request_ is None:
            continue  # no request at all: see below
        answer = _block(client, private, request_)
        assert answer["dash-tabela"]["getRowsResponse"] == {"rowData": [], "rowCount": 0}, request_
        assert "Pedido inválido" in json.dumps(answer["dash-total"], ensure_ascii=False), request_


def test_a_null_block_request_is_answered_with_no_update(client, private, db):
    """The grid reports a null request when the page router rebuilds the page on back/forward: no
    block is pending, so nothing is written (an error there flashed "Pedido inválido" on back)."""
    seed(db)
    assert login(client).status_code == 302
    response = _post_block(client, private, None)
    assert response.status_code == 204, response.get_data(as_text=True)[:300]


def test_blocks_follow_the_filters_and_report_the_end(client, private, db):
    seeded = seed(db)
    assert login(client).status_code == 302
    luna = seeded.where(artista="Luna Ribeiro")
    answer = _block(client, private, {**GOOD, "endRow": 5, "sortModel": [{"colId": "texto", "sort": "asc"}]},
                    artista="Luna Ribeiro")
    first = answer["dash-tabela"]["getRowsResponse"]
    assert len(first["rowData"]) == 5 and first["rowCount"] == len(luna)  # the first block counts the matches
    assert [r["texto"] for r in first["rowData"]] == sorted(r["texto"] for r in first["rowData"])
    assert f"{len(luna)} comentários" in json.dumps(answer["dash-total"], ensure_ascii=False)
    last = _block(client, private, {"startRow": 5, "endRow": 55, "sortModel": [{"colId": "texto", "sort": "asc"}]},
                  artista="Luna Ribeiro")
    assert "dash-total" not in last  # later blocks leave the count alone
    rest = last["dash-tabela"]["getRowsResponse"]
    assert rest["rowCount"] == len(luna) and len(rest["rowData"]) == len(luna) - 5
    assert {r["id"] for r in first["rowData"] + rest["rowData"]} == {str(r["id"]) for r in luna}


@pytest.mark.parametrize("filters", [
    {"artista": "Luna Ribeiro"}, {"texto": "autotune"}, {"texto": "lindas"},  # stemmed: "linda voz 0", "Música LINDA…"
    {"categoria": "CRÍTICA", "tag": "feat_autotune"}, {},
])
def test_the_export_link_has_exactly_the_rows_of_the_grid(client, private, db, filters):
    """The grid's blocks (scrolled to the end) and the export of the same filters hold the same comments."""
    import csv
    import io

    from dashboard.export_route import url_for_filters

    seed(db)
    assert login(client).status_code == 302
    grid, start = [], 0
    while True:
        answer = _block(client, private, {"startRow": start, "endRow": start + 5}, **filters)
        response = answer["dash-tabela"]["getRowsResponse"]
        grid += [r["id"] for r in response["rowData"]]
        start += 5
        if "rowCount" in response and start >= response["rowCount"]:
            break
    export = client.get(url_for_filters("padrao", **filters))
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert grid and len(grid) == len(set(grid))
    assert sorted(grid) == sorted(r["id"] for r in rows)
