"""The public Dash app at ``/relatorio/``: the five report charts, refreshed every REPORT_CACHE_SECONDS.

This app is public by construction: it has exactly one callback (the refresh below, registered
on this app object, never with the global ``dash.callback``), and the data comes from the shared
server-side cache, so viewers never trigger more than one round of queries per TTL.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, State, dcc, html
from plotly.utils import PlotlyJSONEncoder

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
                # What the page shows, one digest per output: a refresh resends only what changed.
                dcc.Store(id="relatorio-mostrado", data={}),
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


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, cls=PlotlyJSONEncoder, sort_keys=True).encode()).hexdigest()


def _only_changed(values: dict, shown) -> tuple[list, dict]:
    """The outputs whose digest differs from what the page already shows, ``no_update`` for the rest.

    Dash replaces an output's DOM even when the new value is identical: a refreshed list would drop
    the keyboard focus of whoever is reading it (and a redrawn chart its hover). ``shown`` is the
    browser's own copy of the digests, so any JSON may arrive here; anything not a matching string
    just means "resend"."""
    shown = shown if isinstance(shown, dict) else {}
    digests = {name: _digest(value) for name, value in values.items()}
    out = [dash.no_update if shown.get(name) == digests[name] else value for name, value in values.items()]
    return out, digests


def register_callbacks(app: dash.Dash) -> None:
    # The public app's one callback: charts, their descriptions, their points' links and the time of the data.
    @app.callback(
        [Output(f"grafico-{key}", "figure") for key in CHARTS]
        + [Output(f"descricao-{key}", "children") for key in CHARTS]
        + [Output(f"pontos-{key}", "children") for key in CHARTS]
        + [Output("relatorio-atualizado", "children"), Output("relatorio-mostrado", "data")],
        Input("relatorio-intervalo", "n_intervals"),
        State("relatorio-mostrado", "data"),
    )
    def atualizar_relatorio(_n_intervals, shown):
        report = context.report()
        built = figures.build_all(report, timezone=context.settings().timezone)  # with drill-down links
        described = figures.describe_all(report)
        values = ({f"grafico-{key}": built[key] for key in CHARTS}
                  | {f"descricao-{key}": described[key] for key in CHARTS}
                  | {f"pontos-{key}": _pontos(built[key]) for key in CHARTS})
        changed, digests = _only_changed(values, shown)
        tz = ZoneInfo(context.settings().timezone)
        gerado = datetime.fromisoformat(report["gerado_em"]).astimezone(tz)
        return changed + [f"Dados de {gerado:%d/%m/%Y %H:%M:%S}.", digests]
