"""Private page ``/dashboard/``: search and filter comments, see a comment's history, correct it, export CSV.

Paging and sorting run in PostgreSQL (DataTable ``custom`` modes): the browser only ever holds one
page. "Exportar CSV" is a link to ``dashboard.export_route`` (the one export: streamed over HTTP
from a server-side cursor, audited, personal data for admins only); ``link_exportacao`` keeps its
query on the page's filters, CSV format and personal-data choice.
"""

from __future__ import annotations

import math
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, State, callback, ctx, dash_table, dcc, html

from alumusic.domain import CATEGORIAS
from alumusic.repositories import classifications, comments
from dashboard import context
from dashboard.comment_table import SORTABLE, FiltroInvalido, make_filter, page
from dashboard.export_route import url_for_filters as export_url_for_filters
from dashboard.figures import ROTULOS
from dashboard.layout import DROPDOWN_LABELS, message
from dashboard.security import current_curator

dash.register_page(__name__, path="/", name="Comentários", title="Comentários — AluMusic Insights")

PAGE_SIZE = 25
FILTERS = ("filtro-artista", "filtro-album", "filtro-tag", "filtro-categoria", "filtro-desde", "filtro-ate",
           "filtro-texto")
FILTER_PROPS = ("value",) * len(FILTERS)
COLUMNS = [
    {"id": "recebido_em", "name": "Recebido em"},
    {"id": "artista", "name": "Artista"},
    {"id": "album", "name": "Álbum"},
    {"id": "texto", "name": "Comentário"},
    {"id": "categoria", "name": "Categoria"},
    {"id": "tags", "name": "Tags"},
    {"id": "confianca", "name": "Confiança"},
    {"id": "origem", "name": "Origem"},
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


def _dropdown(id_: str, label: str, options: list, placeholder: str = "Todos") -> html.Div:
    return html.Div([html.Label(label, htmlFor=id_), dcc.Dropdown(id=id_, options=options, placeholder=placeholder, labels=DROPDOWN_LABELS)])


def layout(**_query) -> html.Div:
    opts = context.filter_options()
    admin = current_curator().papel == "admin"
    tag_options = [{"label": f"{t['rotulo']} ({t['codigo']})", "value": t["codigo"]} for t in opts["tags"]]
    categoria_options = [{"label": ROTULOS[c], "value": c} for c in CATEGORIAS]
    return html.Div(
        [
            html.H1("Comentários"),
            html.Div(
                [
                    _dropdown("filtro-artista", "Artista", opts["artistas"]),
                    _dropdown("filtro-album", "Álbum", opts["albuns"]),
                    _dropdown("filtro-tag", "Tag", tag_options, "Todas"),
                    _dropdown("filtro-categoria", "Categoria", categoria_options, "Todas"),
                    html.Div([html.Label("Recebidos desde", htmlFor="filtro-desde"),
                              dcc.Input(id="filtro-desde", type="date", className="campo-texto")]),
                    html.Div([html.Label("até (inclusive)", htmlFor="filtro-ate"),
                              dcc.Input(id="filtro-ate", type="date", className="campo-texto")]),
                    html.Div([html.Label("Texto (sem diferenciar acentos e maiúsculas)", htmlFor="filtro-texto"),
                              dcc.Input(id="filtro-texto", type="text", debounce=True, placeholder="buscar…",
                                        className="campo-texto")]),
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
                           href=export_url_for_filters("excel-br")),
                ],
                className="barra",
            ),
            dash_table.DataTable(
                id="dash-tabela",
                columns=[{**c, "sortable": True} if c["id"] != "tags" else c for c in COLUMNS],
                data=[],
                page_action="custom",
                page_current=0,
                page_size=PAGE_SIZE,
                page_count=1,
                sort_action="custom",
                sort_mode="single",
                sort_by=[],
                row_selectable="single",
                selected_rows=[],
                style_cell={"textAlign": "left", "fontFamily": "inherit", "fontSize": "0.9rem", "padding": "4px"},
                style_data={"whiteSpace": "normal", "height": "auto"},
                style_cell_conditional=[{"if": {"column_id": "texto"}, "minWidth": "320px", "maxWidth": "520px"}],
                style_header={"fontWeight": "bold"},
            ),
            html.Div(
                [
                    html.Div([html.H2("Histórico de classificações"), html.Div(id="dash-historico",
                              children=message("Selecione um comentário na tabela.")),
                              html.Div(id="dash-dados-pessoais"),
                              html.Div([html.H2("Apagar comentário (LGPD)"),
                                        html.P("Remove o texto e o histórico; a categoria atual continua nas "
                                               "contagens. Não pode ser desfeito."),
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


def _selected_id(selected_ids) -> str | None:
    """The selected row's comment id, if the request carries a well-formed one."""
    if not isinstance(selected_ids, list) or not selected_ids or not isinstance(selected_ids[0], str):
        return None
    try:
        return str(UUID(selected_ids[0]))
    except ValueError:
        return None


def _filter(artista, album, tag, categoria, desde, ate, texto):
    return make_filter(artista=artista, album=album, tag=tag, categoria=categoria, desde=desde, ate=ate,
                       texto=texto, timezone=context.settings().timezone)


def _fmt_when(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M") if value else ""


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@callback(
    Output("dash-tabela", "data"),
    Output("dash-tabela", "page_count"),
    Output("dash-tabela", "page_current"),
    Output("dash-tabela", "selected_rows"),
    Output("dash-total", "children"),
    [Input(i, p) for i, p in zip(FILTERS, FILTER_PROPS, strict=True)],
    Input("dash-tabela", "page_current"),
    Input("dash-tabela", "sort_by"),
    Input("dash-versao", "data"),
)
def carregar_tabela(artista, album, tag, categoria, desde, ate, texto, page_current, sort_by, _versao):
    refreshing = ctx.triggered_id == "dash-versao"
    new_filter = ctx.triggered_id in FILTERS
    page_current = page_current if isinstance(page_current, int) and 0 <= page_current < 1_000_000 else 0
    page_current = 0 if new_filter else page_current  # a new filter starts at its first page
    sort = _sort(sort_by)
    try:
        f = _filter(artista, album, tag, categoria, desde, ate, texto)
    except FiltroInvalido as exc:
        return [], 1, 0, [], message(f"Filtro inválido: {exc}", "erro")
    with context.engine().connect() as conn:
        result = page(conn, f, sort_by=sort["column_id"], descending=sort["direction"] == "desc",
                      offset=page_current * PAGE_SIZE, limit=PAGE_SIZE)
    tz = ZoneInfo(context.settings().timezone)
    rows = [
        {
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
        for r in result.rows
    ]
    if result.more:
        total = f"mais de {_number(result.total)} comentários (refine os filtros para ver todos; o CSV traz todos)"
    else:
        total = f"{_number(result.total)} comentário{'s' if result.total != 1 else ''}"
    pages = max(1, math.ceil(result.total / PAGE_SIZE))
    # page_current is only written back on a new filter: echoing it otherwise could undo a page
    # change the user made while this request was in flight.
    return rows, pages, 0 if new_filter else dash.no_update, dash.no_update if refreshing else [], total


def _sort(sort_by) -> dict:
    """The requested sort if it names a sortable column, else newest first."""
    default = {"column_id": "recebido_em", "direction": "desc"}
    if not isinstance(sort_by, list) or not sort_by or not isinstance(sort_by[0], dict):
        return default
    column, direction = sort_by[0].get("column_id"), sort_by[0].get("direction")
    if column not in SORTABLE or direction not in ("asc", "desc"):
        return default
    return {"column_id": column, "direction": direction}


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
    Input("dash-tabela", "selected_row_ids"),
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
    State("dash-tabela", "selected_row_ids"),
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
    Input("dash-tabela", "selected_row_ids"),
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
    State("dash-tabela", "selected_row_ids"),
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
