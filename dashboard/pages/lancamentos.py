"""Private page ``/dashboard/lancamentos``: list, add, fix and remove the catalog's releases.

The public report's "críticas depois de cada lançamento" chart reads this catalog. A release is an
artist, a title (the album's, or the song's when the type is ``musica``), a type and a release
date; the rules are those of the API and the CSV import (``alumusic.domain.releases``). Any
curator may change the catalog; the author recorded is the session's curator, never a field of
the request. Selecting a row loads it into the form; "Salvar" then corrects it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, State, callback, ctx, dash_table, dcc, html

from alumusic.domain.releases import ROTULOS_TIPO, TIPOS_LANCAMENTO, InvalidRelease, validate
from alumusic.repositories import releases as repo
from dashboard import context
from dashboard.layout import message
from dashboard.security import current_curator

dash.register_page(__name__, path="/lancamentos", name="Lançamentos", title="Lançamentos — AluMusic Insights")

LIMIT = 500
COLUMNS = [
    {"id": "artista", "name": "Artista"},
    {"id": "titulo", "name": "Álbum ou música"},
    {"id": "tipo_rotulo", "name": "Tipo"},
    {"id": "lancado_em", "name": "Lançamento"},
    {"id": "atualizado", "name": "Alterado em"},
    {"id": "autor", "name": "Por"},
]
CAMPOS = {"artista": "Artista", "titulo": "Álbum ou música", "tipo": "Tipo", "lancado_em": "Data de lançamento"}


def _field(id_: str, label: str, control) -> html.Div:
    return html.Div([html.Label(label, htmlFor=id_), control])


def layout(**_query) -> html.Div:
    return html.Div([
        html.H1("Lançamentos"),
        html.P([
            "O gráfico “Críticas depois de cada lançamento” do ",
            html.A("relatório público", href="/relatorio/semana"),
            " conta, dia a dia, os comentários de cada lançamento a partir da data cadastrada aqui: um álbum "
            "pelos comentários com esse álbum, uma música pelos comentários com essa música (o artista e o "
            "título devem ser escritos como nos comentários). Também pela API (/api/lancamentos) ou por arquivo: ",
            html.Code("python -m alumusic lancamentos importar ARQUIVO.csv"), ".",
        ], className="nota"),
        html.H2("Cadastrar ou corrigir", id="lanc-form-titulo"),
        html.Div([
            _field("lanc-artista", "Artista", dcc.Input(id="lanc-artista", type="text", maxLength=300,
                                                        className="campo-texto")),
            _field("lanc-titulo", "Álbum ou música", dcc.Input(id="lanc-titulo", type="text", maxLength=300,
                                                               className="campo-texto")),
            _field("lanc-tipo", "Tipo", dcc.Dropdown(id="lanc-tipo", value="album", clearable=False,
                                                     options=[{"label": ROTULOS_TIPO[t], "value": t}
                                                              for t in TIPOS_LANCAMENTO])),
            _field("lanc-data", "Data de lançamento (dd/mm/aaaa)",
                   dcc.Input(id="lanc-data", type="text", placeholder="dd/mm/aaaa", maxLength=10,
                             className="campo-texto")),
        ], className="filtros"),
        html.Div([
            html.Button("Salvar", id="lanc-salvar", n_clicks=0),
            html.Button("Novo lançamento", id="lanc-novo", n_clicks=0),
            html.Button("Excluir selecionado", id="lanc-excluir", n_clicks=0, className="botao-perigo",
                        disabled=True),
            html.Span(id="lanc-editando", className="nota"),
        ], className="barra"),
        html.Div(id="lanc-msg", role="status"),
        dcc.Store(id="lanc-id"),
        dcc.Store(id="lanc-versao", data=0),
        html.H2("Catálogo"),
        html.Strong(id="lanc-total"),
        dash_table.DataTable(
            id="lanc-tabela", columns=COLUMNS, data=[], row_selectable="single", selected_rows=[],
            page_size=25, sort_action="native", filter_action="native",
            filter_options={"case": "insensitive", "placeholder_text": "filtrar…"},
            style_cell={"textAlign": "left", "fontFamily": "inherit", "fontSize": "0.9rem", "padding": "4px"},
            style_data={"whiteSpace": "normal", "height": "auto"}, style_header={"fontWeight": "bold"},
        ),
    ])


def _rows() -> tuple[list[dict], int]:
    tz = ZoneInfo(context.settings().timezone)
    with context.engine().connect() as conn:
        items, total = repo.list_releases(conn, limit=LIMIT)
    return [{
        "id": r.id, "artista": r.artista, "titulo": r.titulo, "tipo": r.tipo,
        "tipo_rotulo": ROTULOS_TIPO.get(r.tipo, r.tipo), "lancado_em": f"{r.lancado_em:%d/%m/%Y}",
        "atualizado": f"{r.atualizado_em.astimezone(tz):%d/%m/%Y %H:%M}", "autor": r.autor or "",
    } for r in items], total


@callback(
    Output("lanc-tabela", "data"),
    Output("lanc-tabela", "selected_rows"),
    Output("lanc-total", "children"),
    Input("lanc-versao", "data"),
)
def carregar_lancamentos(_versao):
    rows, total = _rows()
    shown = f" (mostrando os {LIMIT} mais recentes)" if total > len(rows) else ""
    label = "Nenhum lançamento cadastrado." if not total else f"{total} lançamento(s){shown}."
    return rows, [], label


def _selected_id(selected_ids) -> int | None:
    if not isinstance(selected_ids, list) or len(selected_ids) != 1:
        return None
    value = selected_ids[0]
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31 else None


@callback(
    Output("lanc-id", "data"),
    Output("lanc-artista", "value"),
    Output("lanc-titulo", "value"),
    Output("lanc-tipo", "value"),
    Output("lanc-data", "value"),
    Output("lanc-editando", "children"),
    Output("lanc-excluir", "disabled"),
    Input("lanc-tabela", "selected_row_ids"),
    Input("lanc-novo", "n_clicks"),
    prevent_initial_call=True,
)
def editar_lancamento(selected_ids, _novo):
    """A selected row goes into the form (read again from the database, not from the browser)."""
    release_id = None if ctx.triggered_id == "lanc-novo" else _selected_id(selected_ids)
    row = None
    if release_id is not None:
        with context.engine().connect() as conn:
            row = repo.get_release(conn, release_id)
    if row is None:
        return None, "", "", "album", "", "Novo lançamento.", True
    return (row.id, row.artista, row.titulo, row.tipo, f"{row.lancado_em:%d/%m/%Y}",
            f"Corrigindo: {row.artista} — {row.titulo}.", False)


def _problems(exc: InvalidRelease) -> str:
    return "; ".join(f"{CAMPOS.get(p['campo'], p['campo'])}: {p['mensagem']}" for p in exc.problemas)


@callback(
    Output("lanc-msg", "children"),
    Output("lanc-versao", "data"),
    Input("lanc-salvar", "n_clicks"),
    State("lanc-id", "data"),
    State("lanc-artista", "value"),
    State("lanc-titulo", "value"),
    State("lanc-tipo", "value"),
    State("lanc-data", "value"),
    State("lanc-versao", "data"),
    prevent_initial_call=True,
)
def salvar_lancamento(_clicks, release_id, artista, titulo, tipo, data, versao):
    try:
        release = validate(artista if artista is not None else "", titulo if titulo is not None else "",
                           tipo, data if data is not None else "")
    except InvalidRelease as exc:
        return message(f"Lançamento não salvo: {_problems(exc)}.", "erro"), dash.no_update
    if release_id is not None and not (isinstance(release_id, int) and not isinstance(release_id, bool)
                                       and 0 < release_id < 2**31):
        return message("Lançamento não salvo: seleção inválida; recarregue a página.", "erro"), dash.no_update
    autor = f"curador:{current_curator().usuario}"  # the session's curator, never a field of the request
    try:
        with context.engine().begin() as conn:
            if release_id is None:
                repo.create_release(conn, release, autor)
                done = "cadastrado"
            else:
                if repo.update_release(conn, release_id, release, autor) is None:
                    return message("Lançamento não salvo: ele foi excluído por outra pessoa.", "erro"), (versao or 0) + 1
                done = "corrigido"
    except repo.DuplicateRelease:
        return (message(f"Lançamento não salvo: {release.artista} — {release.titulo} ({ROTULOS_TIPO[release.tipo]}) "
                        "já está no catálogo; selecione-o na tabela para corrigir.", "erro"), dash.no_update)
    text = (f"Lançamento {done}: {release.artista} — {release.titulo} ({ROTULOS_TIPO[release.tipo]}), "
            f"{release.lancado_em:%d/%m/%Y}.")
    return message(text, "ok"), (versao or 0) + 1


@callback(
    Output("lanc-msg", "children", allow_duplicate=True),
    Output("lanc-versao", "data", allow_duplicate=True),
    Input("lanc-excluir", "n_clicks"),
    State("lanc-id", "data"),
    State("lanc-versao", "data"),
    prevent_initial_call=True,
)
def excluir_lancamento(_clicks, release_id, versao):
    if not (isinstance(release_id, int) and not isinstance(release_id, bool) and 0 < release_id < 2**31):
        return message("Selecione um lançamento na tabela para excluir.", "erro"), dash.no_update
    with context.engine().begin() as conn:
        row = repo.get_release(conn, release_id)
        deleted = repo.delete_release(conn, release_id)
    if not deleted or row is None:
        return message("Nada excluído: o lançamento já não existe.", "erro"), (versao or 0) + 1
    return message(f"Lançamento excluído: {row.artista} — {row.titulo}.", "ok"), (versao or 0) + 1
