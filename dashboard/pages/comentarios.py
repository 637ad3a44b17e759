"""Private page ``/dashboard/``: search and filter comments, see a comment's history and similar
comments, correct it, export CSV.

The table is a ``dash-ag-grid`` with the infinite row model: the grid asks for blocks of BLOCK rows
as the curator scrolls (``getRowsRequest``), ``carregar_bloco`` checks the request
(``comment_table.rows_request``) and answers one block sorted and filtered in PostgreSQL; the
grid keeps at most MAX_BLOCKS blocks, so the browser never holds more than what is on screen and
around it. Columns resize; selecting a row opens its history, correction and similar comments.

The view lives in the URL (``?artista=…&texto=…&ordem=texto&sentido=asc&linha=150``):
``layout(**query)`` builds the page from it (a bookmark, a colleague's link, the report's
drill-down, the login's return), and a clientside callback pushes a history entry
whenever a filter or the sort changes (the scrolled row only replaces the current entry), and
applies an entry again on back/forward. "Exportar CSV" is a link to ``dashboard.export_route``
(streamed, audited, personal data for admins only) whose query follows the same filters.

A link may be crafted (anyone can send a curator one; ``dashboard.url_query``): a repeated
parameter counts with its first value, and a value the page cannot use (unknown column, NUL, a row
that is not an ASCII number up to MAX_OFFSET, ...) is left out: the page opens with that part of
the view at its default.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, clientside_callback, dash_table, dcc, html
from dash.exceptions import PreventUpdate

from alumusic.domain import CATEGORIAS
from alumusic.repositories import classifications, comment_search, comments
from dashboard import context, url_query
from dashboard.comment_table import (
    MAX_OFFSET,
    SORTABLE,
    FiltroInvalido,
    PedidoInvalido,
    make_filter,
    page,
    rows_request,
)
from dashboard.export_route import url_for_filters as export_url_for_filters
from dashboard.figures import CORES, ROTULOS
from dashboard.layout import DROPDOWN_LABELS, date_picker, message
from dashboard.security import current_curator

dash.register_page(__name__, path="/", name="Comentários", title="Comentários — AluMusic Insights")

BLOCK = 50  # rows per grid request
MAX_BLOCKS = 2  # blocks the grid keeps; scrolling further drops the oldest
FILTERS = ("filtro-artista", "filtro-album", "filtro-tag", "filtro-categoria", "filtro-desde", "filtro-ate",
           "filtro-texto")
# The period filters are date pickers (their value is ``date``, 'YYYY-MM-DD'); the rest are ``value``.
FILTER_PROPS = tuple("date" if f in ("filtro-desde", "filtro-ate") else "value" for f in FILTERS)
# Query parameters of the view (the export's names for the filters), in FILTERS order.
URL_FILTERS = ("artista", "album", "tag", "categoria", "desde", "ate", "texto")
URL_SORT, URL_DIRECTION, URL_ROW = "ordem", "sentido", "linha"
COLUMNS = [
    {"field": "recebido_em", "headerName": "Recebido em", "width": 150},
    {"field": "artista", "headerName": "Artista", "width": 150},
    {"field": "album", "headerName": "Álbum", "width": 140},
    {"field": "texto", "headerName": "Comentário", "flex": 1, "minWidth": 280, "tooltipField": "texto"},
    {"field": "categoria", "headerName": "Categoria", "width": 125},
    {"field": "tags", "headerName": "Tags", "width": 170, "sortable": False, "tooltipField": "tags"},
    {"field": "confianca", "headerName": "Confiança", "width": 110},
    {"field": "origem", "headerName": "Origem", "width": 105},
]
HISTORY_COLUMNS = [
    {"id": "criado_em", "name": "Quando"},
    {"id": "categoria", "name": "Categoria"},
    {"id": "tags", "name": "Tags"},
    {"id": "confianca", "name": "Confiança"},
    {"id": "origem", "name": "Origem"},
    {"id": "classificador", "name": "Classificador"},
    {"id": "autor", "name": "Autor"},
    {"id": "atual", "name": "Atual"},
]


def _dropdown(id_: str, label: str, options: list, placeholder: str = "Todos", value: str | None = None) -> html.Div:
    return html.Div([html.Label(label, htmlFor=id_), dcc.Dropdown(id=id_, options=options, placeholder=placeholder,
                                                                  labels=DROPDOWN_LABELS, value=value)])


def _iso_date(value) -> str | None:
    """A query parameter's 'YYYY-MM-DD' (a link to a week, e.g. from the summary e-mail), else None."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _view_from_query(query: dict, offered: dict[str, set] | None = None) -> dict:
    """The filters of a URL's query that ``make_filter`` accepts (a hostile or stale one is dropped,
    not an error: the page still opens), and its sort and scrolled row if valid. A repeated
    parameter counts with its first value. ``offered`` (filter name -> the values its dropdown
    offers) drops a value its dropdown does not offer: the dropdown would clear it on mount, a
    filter change racing the grid's start."""
    values = {k: url_query.first(query.get(k)) for k in URL_FILTERS}
    for k, allowed in (offered or {}).items():
        if values[k] not in allowed:
            values[k] = None
    values["desde"], values["ate"] = _iso_date(values["desde"]), _iso_date(values["ate"])
    for _ in URL_FILTERS:
        try:
            _filter(*(values[k] for k in URL_FILTERS))
            break
        except FiltroInvalido as exc:
            values[exc.campo] = None
    if values["categoria"]:  # as the dropdown's option (make_filter accepted its NFC form)
        values["categoria"] = unicodedata.normalize("NFC", values["categoria"])
    column, direction = url_query.first(query.get(URL_SORT)), url_query.first(query.get(URL_DIRECTION))
    sort = (column, direction) if column in SORTABLE and direction in ("asc", "desc") else None
    return {"filters": values, "sort": sort, "row": url_query.ascii_int(url_query.first(query.get(URL_ROW)), MAX_OFFSET) or 0}


def _search(view: dict) -> str:
    """The URL query of ``view`` (``_view_from_query``), as the clientside URL callback writes it."""
    params = {k: v for k, v in view["filters"].items() if v}
    if view["sort"]:
        params |= {URL_SORT: view["sort"][0], URL_DIRECTION: view["sort"][1]}
    if view["row"]:
        params[URL_ROW] = str(view["row"])
    return "?" + urlencode(params) if params else ""


def _grid(sort: tuple[str, str] | None, row: int) -> dag.AgGrid:
    columns = [{**c, "sort": sort[1]} if sort and c["field"] == sort[0] else c for c in COLUMNS]
    # The category's colour of every chart and e-mail (alumusic.domain.palette), as a bar beside it.
    for c in columns:
        if c["field"] == "categoria":
            c["cellStyle"] = {"styleConditions": [
                {"condition": f"params.value === {cat!r}", "style": {"borderLeft": f"6px solid {CORES[cat]}"}}
                for cat in CATEGORIAS]}
    options = {
        "rowSelection": {"mode": "singleRow", "checkboxes": True, "enableClickSelection": True},
        "cacheBlockSize": BLOCK, "maxBlocksInCache": MAX_BLOCKS, "maxConcurrentDatasourceRequests": 1,
        # A link to a scrolled view: the grid starts as long as that row, so it can scroll there.
        "infiniteInitialRowCount": row + BLOCK if row else 1,
        "tooltipShowDelay": 400, "suppressMultiSort": True, "localeText": GRID_TEXTS,
    }
    extra = {"scrollTo": {"rowIndex": row, "rowPosition": "top"}} if row else {}
    return dag.AgGrid(
        id="dash-tabela", rowModelType="infinite", columnDefs=columns,
        defaultColDef={"resizable": True, "sortable": True, "filter": False,
                       "sortingOrder": ["asc", "desc", None]},
        getRowId="params.data.id", dashGridOptions=options, style={"height": "560px"}, **extra,
    )


# pt-BR for the grid's own texts (AG Grid's defaults are English).
GRID_TEXTS = {"loadingOoo": "Carregando…", "noRowsToShow": "Nenhum comentário", "page": "Página", "of": "de",
              "to": "a", "more": "mais", "ariaRowSelect": "Selecionar a linha", "ariaRowDeselect": "Desmarcar a linha",
              "ariaChecked": "marcado", "ariaUnchecked": "desmarcado"}


def layout(**query) -> html.Div:
    opts = context.filter_options()
    view = _view_from_query(query, offered={"artista": set(opts["artistas"]), "album": set(opts["albuns"]),
                                            "tag": {t["codigo"] for t in opts["tags"]}})
    first = view["filters"]
    admin = current_curator().papel == "admin"
    tag_options = [{"label": f"{t['rotulo']} ({t['codigo']})", "value": t["codigo"]} for t in opts["tags"]]
    categoria_options = [{"label": ROTULOS[c], "value": c} for c in CATEGORIAS]
    return html.Div(
        [
            html.H1("Comentários"),
            html.Div(
                [
                    _dropdown("filtro-artista", "Artista", opts["artistas"], value=first["artista"]),
                    _dropdown("filtro-album", "Álbum", opts["albuns"], value=first["album"]),
                    _dropdown("filtro-tag", "Tag", tag_options, "Todas", value=first["tag"]),
                    _dropdown("filtro-categoria", "Categoria", categoria_options, "Todas", value=first["categoria"]),
                    date_picker("filtro-desde", "Recebidos desde", first["desde"]),
                    date_picker("filtro-ate", "até (inclusive)", first["ate"]),
                    html.Div([html.Label("Texto (sem diferenciar acentos e maiúsculas)", htmlFor="filtro-texto"),
                              dcc.Input(id="filtro-texto", type="text", debounce=True, placeholder="buscar…",
                                        className="campo-texto", value=first["texto"] or "")]),
                ],
                className="filtros",
            ),
            html.Div(
                [
                    html.Strong(id="dash-total"),
                    dcc.RadioItems(id="dash-formato", value="excel-br", inline=True, className="formato",
                                   options=[{"label": "Excel em português (;)", "value": "excel-br"},
                                            {"label": "CSV padrão (,)", "value": "padrao"}]),
                    dcc.Checklist(id="dash-pii", value=[], className="formato",
                                  options=[{"label": "Incluir dados pessoais (fica registrado)", "value": "incluir"}],
                                  style={} if admin else {"display": "none"}),
                    html.A("Exportar CSV", id="dash-export-link", className="botao",
                           href=export_url_for_filters("excel-br", **first)),
                ],
                className="barra",
            ),
            # Its search starts as the view's: the Location then reports no change on mount, and
            # only back/forward (or the clientside URL callback) changes it.
            dcc.Location(id="dash-url", refresh=False, search=_search(view)),
            _grid(view["sort"], view["row"]),
            dcc.Store(id="dash-recarga"),  # written by the clientside reload of the grid
            html.Div(
                [
                    html.Div([html.H2("Histórico de classificações"), html.Div(id="dash-historico",
                              children=message("Selecione um comentário na tabela.")),
                              html.Div(id="dash-dados-pessoais"),
                              html.H2("Comentários parecidos"),
                              html.Div(id="dash-parecidos", children=message("Selecione um comentário na tabela.")),
                              html.Div([html.H2("Apagar comentário (LGPD)"),
                                        html.P("Remove o texto e o histórico; a categoria atual continua nas "
                                               "contagens. Se o comentário foi rótulo de curadoria, os modelos "
                                               "treinados com ele são descartados e um novo é treinado sem ele. "
                                               "Não pode ser desfeito."),
                                        html.Label("Motivo (obrigatório)", htmlFor="apagar-motivo"),
                                        dcc.Input(id="apagar-motivo", type="text", className="campo-texto",
                                                  maxLength=500),
                                        html.Button("Apagar texto e histórico", id="apagar-botao",
                                                    className="botao-perigo"),
                                        html.Div(id="apagar-msg")],
                                       id="apagar-painel", hidden=not admin)]),
                    html.Div(
                        [
                            html.H2("Corrigir classificação"),
                            html.Label("Categoria", htmlFor="corr-categoria"),
                            dcc.Dropdown(id="corr-categoria", options=categoria_options, clearable=False, labels=DROPDOWN_LABELS),
                            html.Label("Tags", htmlFor="corr-tags"),
                            dcc.Dropdown(id="corr-tags", options=tag_options, multi=True, labels=DROPDOWN_LABELS),
                            html.Label("Motivo (opcional)", htmlFor="corr-motivo"),
                            dcc.Input(id="corr-motivo", type="text", className="campo-texto"),
                            html.P(["A correção fica registrada em nome de ",
                                    html.Strong(current_curator().exibicao, id="corr-autor"), "."]),
                            html.Button("Salvar correção", id="corr-salvar", disabled=True),
                            html.Div(id="corr-msg"),
                        ]
                    ),
                ],
                className="painel",
            ),
            dcc.Store(id="dash-versao", data=0),  # bumped by a correction: table and history reload
        ]
    )


def _selected_id(selected_rows) -> str | None:
    """The selected row's comment id, if the request carries a well-formed one (the grid's
    ``selectedRows``: a list of row objects, of which only ``id`` is read)."""
    if (not isinstance(selected_rows, list) or not selected_rows or not isinstance(selected_rows[0], dict)
            or not isinstance(selected_rows[0].get("id"), str)):
        return None
    try:
        return str(UUID(selected_rows[0]["id"]))
    except ValueError:
        return None


def _filter(artista, album, tag, categoria, desde, ate, texto):
    return make_filter(artista=artista, album=album, tag=tag, categoria=categoria, desde=desde, ate=ate,
                       texto=texto, timezone=context.settings().timezone)


def _fmt_when(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M") if value else ""


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _row(r: dict, tz: ZoneInfo) -> dict:
    return {
        "id": str(r["id"]),
        "recebido_em": _fmt_when(r["recebido_em"], tz),
        "artista": r["artista"],
        "album": r["album"],
        "texto": r["texto"],
        "categoria": r["categoria"] or "(pendente)",
        "tags": ", ".join(r["tags"] or []),
        "confianca": None if r["confianca"] is None else round(float(r["confianca"]), 2),
        "origem": r["origem"] or "",
    }


@callback(
    Output("dash-tabela", "getRowsResponse"),
    Output("dash-total", "children"),
    Input("dash-tabela", "getRowsRequest"),
    [State(i, p) for i, p in zip(FILTERS, FILTER_PROPS, strict=True)],
    prevent_initial_call=True,
)
def carregar_bloco(request, artista, album, tag, categoria, desde, ate, texto):
    """One block of the grid: the rows ``request`` asks for, sorted and filtered in PostgreSQL.

    The filters are States: a change of them reloads the grid (clientside ``recarregar_grade``),
    whose new first request brings them. The first block also counts the matches (capped). A null
    request is no request: the grid reports one when the page router rebuilds the page on
    back/forward."""
    if request is None:
        raise PreventUpdate
    try:
        f = _filter(artista, album, tag, categoria, desde, ate, texto)
        block = rows_request(request)
    except (PedidoInvalido, FiltroInvalido) as exc:
        erro = "Filtro inválido" if isinstance(exc, FiltroInvalido) else "Pedido inválido"
        return {"rowData": [], "rowCount": 0}, message(f"{erro}: {exc}", "erro")
    first = block.offset == 0
    with context.engine().connect() as conn:
        result = page(conn, f, sort_by=block.sort_by, descending=block.descending, offset=block.offset,
                      limit=block.limit, count=first)
    tz = ZoneInfo(context.settings().timezone)
    response = {"rowData": [_row(r, tz) for r in result.rows]}
    if result.total >= 0 and not result.more:
        response["rowCount"] = result.total  # the grid stops at the last match
    if not first:
        return response, dash.no_update
    if result.more:
        total = f"mais de {_number(result.total)} comentários (refine os filtros para ver todos; o CSV traz todos)"
    else:
        total = f"{_number(result.total)} comentário{'s' if result.total != 1 else ''}"
    return response, total


# A change of filter asks the grid for its rows again, from the top and without a selection; a
# correction (dash-versao) reloads the blocks in place, keeping the selection. The renderer merges
# inputs that change while a call is queued into one call, so both scripts read every triggered
# prop, never only the first: a filter change that arrives with a correction still purges.
RELOAD_GRID_JS = """function(...args) {
    const grid = dash_ag_grid.getApi("dash-tabela");
    if (!grid) { return window.dash_clientside.no_update; }
    const ids = (window.dash_clientside.callback_context.triggered || []).map(t => t.prop_id || "");
    if (ids.length && ids.every(id => id.startsWith("dash-versao"))) {
        grid.refreshInfiniteCache();
    } else {
        grid.deselectAll();
        grid.ensureIndexVisible(0, "top");
        grid.purgeInfiniteCache();
    }
    return Date.now();
}"""
clientside_callback(
    RELOAD_GRID_JS,
    Output("dash-recarga", "data"),
    [Input(i, p) for i, p in zip(FILTERS, FILTER_PROPS, strict=True)],
    Input("dash-versao", "data"),
    prevent_initial_call=True,
)

# The view in the URL. A filter changed: push a history entry with the new filters (and the current
# sort); the grid asked for a block with another sort: push one with that sort; it only scrolled:
# replace the current entry's row (back does not step through scrolling). Each branch writes only
# what it knows, so a block request racing a filter change cannot put stale filters in the URL.
# The URL changed by back/forward: apply its filters and sort (the grid then reloads itself).
# Dash Pages may also rebuild the page from the URL on back/forward (when the query differs from
# the last one its own Location saw: it does not see our pushes); both read the same URL, and the
# rebuilt grid's first, null request writes nothing.
URL_SYNC_JS = ("""function(search, request, ...filters) {
    const nu = window.dash_clientside.no_update, none = filters.map(() => nu);
    const names = __NAMES__, sortKey = __SORT__, dirKey = __DIR__, rowKey = __ROW__;
    const ids = (window.dash_clientside.callback_context.triggered || []).map(t => t.prop_id || "");
    // When the renderer merged changes into one call: the URL (back/forward) first, then a filter,
    // then the grid's own block request.
    const byUrl = ids.includes("dash-url.search");
    const byGridOnly = ids.length > 0 && ids.every(id => id.startsWith("dash-tabela"));
    // A grid rebuilt by the page router on back/forward first reports a null request: no block, so
    // nothing to write (pushing its empty sort would drop the forward entries).
    if (byGridOnly && !(request && Number.isInteger(request.startRow))) { return [nu].concat(none); }
    const norm = v => (v === undefined || v === null || v === "") ? null : String(v);
    const current = new URLSearchParams(window.location.search);
    let grid = null;
    try { grid = dash_ag_grid.getApi("dash-tabela"); } catch (e) { grid = null; }
    if (byUrl) {
        const q = new URLSearchParams(search || "");
        const col = q.get(sortKey), dir = q.get(dirKey);
        const want = col && (dir === "asc" || dir === "desc") ? [{colId: col, sort: dir}] : [];
        if (grid) {
            const now = grid.getColumnState().filter(c => c.sort).map(c => c.colId + ":" + c.sort).join();
            if (now !== want.map(c => c.colId + ":" + c.sort).join()) {
                grid.applyColumnState({state: want, defaultState: {sort: null}});
            }
        }
        const wanted = names.map(n => norm(q.get(n)));
        if (wanted.every((v, i) => v === norm(filters[i]))) { return [nu].concat(none); }
        return [nu].concat(wanted);
    }
    const q = new URLSearchParams();
    let push = false;
    if (byGridOnly) {
        names.forEach(n => { if (current.get(n)) { q.set(n, current.get(n)); } });
        const sort = (request && request.sortModel && request.sortModel[0]) || null;
        if (sort) { q.set(sortKey, sort.colId); q.set(dirKey, sort.sort); }
        push = (current.get(sortKey) || null) !== (q.get(sortKey) || null)
            || (current.get(dirKey) || null) !== (q.get(dirKey) || null);
        const row = (request && request.startRow) || 0;
        if (row) { q.set(rowKey, row); }
    } else {
        names.forEach((n, i) => { if (norm(filters[i]) !== null) { q.set(n, filters[i]); } });
        [sortKey, dirKey].forEach(n => { if (current.get(n)) { q.set(n, current.get(n)); } });
        push = true;
    }
    const next = q.toString() ? "?" + q.toString() : "";
    if (next === window.location.search) { return [nu].concat(none); }
    if (!push) {
        window.history.replaceState(window.history.state, "", window.location.pathname + next);
        return [nu].concat(none);
    }
    return [next].concat(none);
}""".replace("__NAMES__", repr(list(URL_FILTERS))).replace("__SORT__", repr(URL_SORT))
    .replace("__DIR__", repr(URL_DIRECTION)).replace("__ROW__", repr(URL_ROW)))
clientside_callback(
    URL_SYNC_JS,
    Output("dash-url", "search"),
    [Output(i, p, allow_duplicate=True) for i, p in zip(FILTERS, FILTER_PROPS, strict=True)],
    Input("dash-url", "search"),
    Input("dash-tabela", "getRowsRequest"),
    [Input(i, p) for i, p in zip(FILTERS, FILTER_PROPS, strict=True)],
    prevent_initial_call=True,
)


@callback(
    Output("dash-export-link", "href"),
    [Input(i, p) for i, p in zip(FILTERS, FILTER_PROPS, strict=True)],
    Input("dash-formato", "value"),
    Input("dash-pii", "value"),
)
def link_exportacao(artista, album, tag, categoria, desde, ate, texto, formato, pii):
    return export_url_for_filters(formato, pii="incluir" if _include_pii(pii) else None, artista=artista,
                                  album=album, tag=tag, categoria=categoria, desde=desde, ate=ate, texto=texto)


def _include_pii(value) -> bool:
    return isinstance(value, list) and "incluir" in value


@callback(
    Output("dash-dados-pessoais", "children"),
    Input("dash-tabela", "selectedRows"),
    Input("dash-versao", "data"),
)
def mostrar_dados_pessoais(selected_ids, _versao):
    comentario_id = _selected_id(selected_ids)
    if comentario_id is None:
        return None
    with context.engine().connect() as conn:
        info = comments.personal_data(conn, comentario_id)
    if info is None:
        return None
    if info["texto_removido_por"]:
        motivo = "a pedido (LGPD)" if info["texto_removido_por"] == "apagamento" else "pela política de retenção"
        return message(f"Texto removido {motivo}.", "info")
    if not info["tipos"]:
        return message("Nenhum dado pessoal detectado no texto.", "info")
    return message("Dados pessoais no texto (mascarados fora desta área): " + ", ".join(info["tipos"]) + ".", "erro")


@callback(
    Output("apagar-msg", "children"),
    Output("dash-versao", "data", allow_duplicate=True),
    Input("apagar-botao", "n_clicks"),
    State("dash-tabela", "selectedRows"),
    State("apagar-motivo", "value"),
    State("dash-versao", "data"),
    prevent_initial_call=True,
)
def apagar_comentario(_clicks, selected_ids, motivo, versao):
    from alumusic.repositories import erasure

    curator = current_curator()
    if curator.papel != "admin":  # the button is hidden for others; the server decides anyway
        return message("Apagar comentários é permitido só a administradores.", "erro"), dash.no_update
    comentario_id = _selected_id(selected_ids)
    if comentario_id is None:
        return message("Selecione um comentário antes de apagar.", "erro"), dash.no_update
    motivo = motivo.strip() if isinstance(motivo, str) else ""
    if not motivo or len(motivo) > 500 or "\x00" in motivo or any(0xD800 <= ord(ch) <= 0xDFFF for ch in motivo):
        return message("Informe o motivo do apagamento (até 500 caracteres).", "erro"), dash.no_update
    with context.engine().begin() as conn:
        apagados = erasure.erase(conn, ids=[comentario_id], autor=curator.usuario, origem="painel", motivo=motivo)
    if not apagados:
        return message("Este comentário já estava apagado.", "info"), dash.no_update
    return message("Texto e histórico apagados; o registro fica na auditoria.", "ok"), (versao or 0) + 1


@callback(
    Output("dash-historico", "children"),
    Output("corr-categoria", "value"),
    Output("corr-tags", "value"),
    Output("corr-salvar", "disabled"),
    Input("dash-tabela", "selectedRows"),
    Input("dash-versao", "data"),
)
def mostrar_historico(selected_ids, _versao):
    comentario_id = _selected_id(selected_ids)
    if comentario_id is None:
        return message("Selecione um comentário na tabela."), None, [], True
    with context.engine().connect() as conn:
        items = classifications.history(conn, comentario_id)
    if not items:
        return message("Este comentário ainda não foi classificado."), None, [], False
    tz = ZoneInfo(context.settings().timezone)
    rows = [
        {
            "criado_em": _fmt_when(k["criado_em"], tz),
            "categoria": k["categoria"],
            "tags": ", ".join(t["codigo"] for t in k["tags"]),
            "confianca": round(float(k["confianca"]), 2),
            "origem": k["origem"],
            "classificador": k["classificador"] if k["versao"] == k["classificador"] else f"{k['classificador']} {k['versao']}",
            "autor": k["autor"] or "",
            "atual": "sim" if k["atual"] else "",
        }
        for k in items
    ]
    current = next((k for k in items if k["atual"]), items[0])
    table = dash_table.DataTable(id="dash-historico-tabela", columns=HISTORY_COLUMNS, data=rows,
                                 style_cell={"textAlign": "left", "fontSize": "0.85rem"})
    return table, current["categoria"], [t["codigo"] for t in current["tags"]], False


@callback(
    Output("corr-msg", "children"),
    Output("dash-versao", "data"),
    Input("corr-salvar", "n_clicks"),
    State("dash-tabela", "selectedRows"),
    State("corr-categoria", "value"),
    State("corr-tags", "value"),
    State("corr-motivo", "value"),
    State("dash-versao", "data"),
    prevent_initial_call=True,
)
def salvar_correcao(_clicks, selected_ids, categoria, tags, motivo, versao):
    comentario_id = _selected_id(selected_ids)
    if comentario_id is None:
        return message("Selecione um comentário antes de corrigir.", "erro"), dash.no_update
    if not isinstance(tags, list | type(None)) or not all(isinstance(t, str) for t in tags or []):
        return message("Tags inválidas.", "erro"), dash.no_update
    motivo = motivo if isinstance(motivo, str) else None
    if motivo and (len(motivo) > 500 or "\x00" in motivo or any(0xD800 <= ord(ch) <= 0xDFFF for ch in motivo)):
        return message("Motivo inválido (até 500 caracteres de texto).", "erro"), dash.no_update
    # The author is the session's curator, never a field of the request.
    autor = current_curator().usuario
    explicacao = (motivo or "").strip() or f"marcada na correção manual de {autor}"
    try:
        with context.engine().begin() as conn:
            classifications.record_manual_correction(
                conn, comentario_id, categoria, [{"codigo": c, "explicacao": explicacao} for c in tags or []], autor
            )
    except ValueError as exc:
        return message(f"Correção não salva: {exc}", "erro"), dash.no_update
    return message(f"Correção salva: {ROTULOS.get(categoria, categoria)}, por {autor}.", "ok"), (versao or 0) + 1


@callback(
    Output("dash-parecidos", "children"),
    Input("dash-tabela", "selectedRows"),
    Input("dash-versao", "data"),
)
def mostrar_parecidos(selected_rows, _versao):
    """The selected comment's nearest texts (trigram similarity, ``comment_search.similar_comments``)."""
    comentario_id = _selected_id(selected_rows)
    if comentario_id is None:
        return message("Selecione um comentário na tabela.")
    with context.engine().connect() as conn:
        items = comment_search.similar_comments(conn, comentario_id, limit=SIMILAR)
    if not items:
        return message("Nenhum comentário parecido.")
    tz = ZoneInfo(context.settings().timezone)
    return html.Ol(
        [html.Li([html.Q(k["texto"]), " — ", html.Strong(k["artista"]), f", {k['album']} · ",
                  ROTULOS.get(k["categoria"], k["categoria"] or "pendente"), f" · {_fmt_when(k['recebido_em'], tz)}",
                  f" · semelhança {float(k['semelhanca']):.0%}".replace(".", ",")],
                 className="parecido")
         for k in items],
        id="dash-parecidos-lista",
    )


SIMILAR = 5
