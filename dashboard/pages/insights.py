"""Private page ``/dashboard/insights``: a question about the last weeks, answered from the weekly summaries.

The Q&A logic (choosing summaries, the LLM call, logging) is ``alumusic.insights``; this page is
only its form.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import context
from dashboard.layout import message
from dashboard.security import current_curator

dash.register_page(__name__, path="/insights", name="Perguntas", title="Perguntas — AluMusic Insights")


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.H1("Pergunte sobre as últimas semanas"),
            html.P("A resposta usa os três resumos semanais mais recentes das últimas 8 semanas."),
            dcc.Textarea(id="insights-pergunta", className="campo-texto", maxLength=500,
                         placeholder="Ex.: quais artistas mais receberam críticas?", style={"height": "6rem"}),
            html.Div(html.Button("Perguntar", id="insights-perguntar"), className="barra"),
            dcc.Loading(html.Div(id="insights-resultado"), type="dot"),
        ]
    )


@callback(
    Output("insights-resultado", "children"),
    Input("insights-perguntar", "n_clicks"),
    State("insights-pergunta", "value"),
    prevent_initial_call=True,
)
def perguntar(_clicks, pergunta):
    from alumusic.insights import InsightsIndisponivel, PerguntaInvalida, answer_question

    try:
        result = answer_question(context.engine(), pergunta or "", origem="dashboard", autor=current_curator().usuario)
    except PerguntaInvalida as exc:
        return message(str(exc), "erro")
    except InsightsIndisponivel as exc:
        return message(f"Não foi possível responder agora: {exc}", "erro")
    semanas = result.get("semanas") or []
    fontes = (
        html.Ul([html.Li(s, className="semana-fonte") for s in semanas], id="insights-semanas")
        if semanas else html.P("Nenhum resumo semanal foi usado.", id="insights-semanas")
    )
    return html.Div(
        [
            html.H2("Resposta"),
            html.Div(result["resposta"], id="insights-resposta", className="resposta"),
            html.H3("Semanas usadas como fonte"),
            fontes,
        ]
    )
