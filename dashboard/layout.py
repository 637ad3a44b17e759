"""The page shell (header, navigation) and small shared UI pieces."""

from __future__ import annotations

import dash
from dash import html

NAV = [("Relatório semanal", "/relatorio/semana"), ("Dashboard", "/dashboard"), ("Perguntas", "/insights")]


def shell() -> html.Div:
    # Plain links (full page loads), not dcc.Link: going to a private page must reach the server,
    # which answers 401 and makes the browser ask for the curator's login.
    return html.Div(
        [
            html.Header(
                [
                    html.Strong("AluMusic Insights", className="marca"),
                    html.Nav([html.A(label, href=href, className="nav-link") for label, href in NAV]),
                ],
                className="cabecalho",
            ),
            html.Main(dash.page_container, className="conteudo"),
        ]
    )


def message(text: str, kind: str = "info") -> html.Div:
    """A status line; ``kind`` is info, ok or erro (styled in assets/estilo.css)."""
    return html.Div(text, className=f"mensagem mensagem-{kind}", role="status")


# pt-BR texts for dcc.Dropdown's built-in controls (dash 4 defaults are English).
DROPDOWN_LABELS = {
    "select_all": "Selecionar todos", "deselect_all": "Limpar seleção",
    "search": "Buscar", "clear_search": "Limpar busca", "clear_selection": "Limpar",
    "no_options_found": "Nenhuma opção encontrada",
}
