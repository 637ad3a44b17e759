"""The page shells (header, navigation) of the public and the private app, and small shared UI pieces."""

from __future__ import annotations

import dash
from dash import dcc, html
from flask_wtf.csrf import generate_csrf

PUBLIC_NAV = [("Relatório semanal", "/relatorio/semana"), ("Área dos curadores", "/dashboard/")]
PRIVATE_NAV = [("Comentários", "/dashboard/"), ("Revisão", "/dashboard/revisao"), ("Alertas", "/dashboard/alertas"),
               ("Taxonomia", "/dashboard/taxonomia"),
               ("Perguntas", "/dashboard/insights"),
               ("Lançamentos", "/dashboard/lancamentos"),
               ("Estado", "/dashboard/status"),
               ("Relatório público", "/relatorio/semana")]
PAPEIS = {"curador": "curador(a)", "admin": "administrador(a)"}


def _header(links: list[tuple[str, str]], extra: list | None = None) -> html.Header:
    # Plain links (full page loads) between the two apps: each is its own Dash app, and a private
    # page must reach the server, which sends a visitor without a session to the login page.
    return html.Header(
        [
            html.Strong("AluMusic Insights", className="marca"),
            html.Nav([html.A(label, href=href, className="nav-link") for label, href in links]),
            *(extra or []),
        ],
        className="cabecalho",
    )


def public_shell(content) -> html.Div:
    return html.Div([_header(PUBLIC_NAV), html.Main(content, className="conteudo")])


def private_shell() -> html.Div:
    """Layout of the private app, built per request: it names the logged-in curator."""
    from dashboard.security import current_curator

    curator = current_curator()
    if not curator.is_authenticated:  # only Dash's own layout validation at start-up gets here
        return html.Div([_header(PRIVATE_NAV), html.Div(id="aviso-erro"), dash.page_container])
    sair = html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            html.Span(f"{curator.exibicao} · {PAPEIS.get(curator.papel, curator.papel)}", id="sessao-usuario"),
            html.Button("Sair", id="sessao-sair", type="submit", className="botao-sair"),
        ],
        action="/sair", method="post", className="sessao",
    )
    admin_links = [("Auditoria", "/dashboard/auditoria"), ("Resumos enviados", "/dashboard/resumos")]
    links = PRIVATE_NAV + (admin_links if curator.papel == "admin" else [])
    return html.Div(
        [
            _header(links, [sair]),
            html.Div(id="aviso-erro", role="alert"),
            html.Main(dash.page_container, className="conteudo"),
        ]
    )


def message(text: str, kind: str = "info") -> html.Div:
    """A status line; ``kind`` is info, ok or erro (styled in assets/estilo.css)."""
    return html.Div(text, className=f"mensagem mensagem-{kind}", role="status")


FORMATO_DATA = "DD/MM/YYYY"


def date_picker(id_: str, label: str, date_: str | None = None) -> html.Div:
    """A pt-BR date picker: dd/mm/aaaa in the field, Portuguese month and day names in the calendar
    (the date-fns pt-BR locale in assets/date-fns-pt-BR.js), weeks starting on Sunday. Its value is
    the ``date`` property ('YYYY-MM-DD'), whatever the browser's own locale."""
    # No ``date`` at all when empty: the picker reports an empty date on mount, and only a change
    # from null (not from "unset") would run the page's callbacks a second time.
    initial = {"date": date_} if date_ else {}
    return html.Div([html.Label(label, htmlFor=id_),
                     dcc.DatePickerSingle(id=id_, display_format=FORMATO_DATA, month_format="MMMM YYYY",
                                          placeholder="dd/mm/aaaa", first_day_of_week=0, clearable=True,
                                          className="seletor-data", **initial)])


# pt-BR texts for dcc.Dropdown's built-in controls (dash 4 defaults are English).
DROPDOWN_LABELS = {
    "select_all": "Selecionar todos", "deselect_all": "Limpar seleção",
    "search": "Buscar", "clear_search": "Limpar busca", "clear_selection": "Limpar",
    "no_options_found": "Nenhuma opção encontrada",
}
