"""The public Dash app at ``/relatorio/``: the five report charts, refreshed every REPORT_CACHE_SECONDS.

This app is public by construction: it has exactly one callback (the refresh below, registered
on this app object, never with the global ``dash.callback``), and the data comes from the shared
server-side cache, so viewers never trigger more than one round of queries per TTL.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, dcc, html

from alumusic.repositories.report import CHARTS
from dashboard import context, figures
from dashboard.layout import public_shell

TITLE = "Relatório semanal — AluMusic Insights"


def layout() -> html.Div:
    seconds = context.settings().report_cache_seconds
    return public_shell(
        html.Div(
            [
                html.H1("Relatório semanal"),
                html.P(
                    [
                        f"Atualizado automaticamente a cada {seconds} s. ",
                        html.Span(id="relatorio-atualizado"),
                        " · ",
                        html.A("dados em JSON", href="/relatorio/semana.json"),
                    ]
                ),
                # assets/drilldown.js: a click on a point opens the private table filtered like it; the
                # same links are listed under each chart for the keyboard.
                html.P("Clique numa barra ou num ponto (ou abra a lista sob o gráfico) para ver os comentários "
                       "por trás dele (área dos curadores).", className="dica"),
                dcc.Interval(id="relatorio-intervalo", interval=seconds * 1000),
                html.Div([_cartao(key) for key in CHARTS], className="graficos"),
            ]
        )
    )


def _cartao(key: str) -> html.Div:
    """One chart as a figure for assistive technology: its visible title and a visually hidden
    description of the data (``figures.describe``), refreshed with it; plotly's SVG is hidden from
    screen readers, which would otherwise read every tick and bar. Below it, outside the figure
    (whose ``img`` role hides its children), the points' drill-down links as a collapsed list."""
    return html.Div(
        [
            html.Figure(
                [
                    html.Div(dcc.Graph(id=f"grafico-{key}", config={"displaylogo": False}),
                             **{"aria-hidden": "true"}),
                    html.Figcaption(figures.TITULOS[key], id=f"titulo-{key}", className="visualmente-oculto"),
                    html.P(id=f"descricao-{key}", className="visualmente-oculto"),
                ],
                role="img", **{"aria-labelledby": f"titulo-{key}", "aria-describedby": f"descricao-{key}"},
            ),
            html.Details([html.Summary(f"Comentários por trás de cada ponto: {figures.TITULOS[key]}"),
                          html.Ul(id=f"pontos-{key}")], className="pontos"),
        ],
        className="cartao",
    )


def _pontos(fig) -> list[html.Li]:
    return [html.Li(html.A(rotulo, href=link)) for rotulo, link in figures.drilldown_points(fig)]


def register_callbacks(app: dash.Dash) -> None:
    # The public app's one callback: charts, their descriptions, their points' links and the time of the data.
    @app.callback(
        [Output(f"grafico-{key}", "figure") for key in CHARTS]
        + [Output(f"descricao-{key}", "children") for key in CHARTS]
        + [Output(f"pontos-{key}", "children") for key in CHARTS]
        + [Output("relatorio-atualizado", "children")],
        Input("relatorio-intervalo", "n_intervals"),
    )
    def atualizar_relatorio(_n_intervals):
        report = context.report()
        built = figures.build_all(report, timezone=context.settings().timezone)  # with drill-down links
        described = figures.describe_all(report)
        tz = ZoneInfo(context.settings().timezone)
        gerado = datetime.fromisoformat(report["gerado_em"]).astimezone(tz)
        return ([built[key] for key in CHARTS] + [described[key] for key in CHARTS]
                + [_pontos(built[key]) for key in CHARTS] + [f"Dados de {gerado:%d/%m/%Y %H:%M:%S}."])
