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
                dcc.Interval(id="relatorio-intervalo", interval=seconds * 1000),
                html.Div(
                    [html.Div(dcc.Graph(id=f"grafico-{key}", config={"displaylogo": False}), className="cartao")
                     for key in CHARTS],
                    className="graficos",
                ),
            ]
        )
    )


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        [Output(f"grafico-{key}", "figure") for key in CHARTS] + [Output("relatorio-atualizado", "children")],
        Input("relatorio-intervalo", "n_intervals"),
    )
    def atualizar_relatorio(_n_intervals):
        report = context.report()
        built = figures.build_all(report)
        tz = ZoneInfo(context.settings().timezone)
        gerado = datetime.fromisoformat(report["gerado_em"]).astimezone(tz)
        return [built[key] for key in CHARTS] + [f"Dados de {gerado:%d/%m/%Y %H:%M:%S}."]
