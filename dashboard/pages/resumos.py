"""Private page ``/dashboard/resumos`` (admins): the stored weekly summaries and their e-mail.

Layout only (no callback), rendered per request like ``auditoria``: a curator without the
``admin`` role gets a notice instead of the list. One row per ISO week, newest first: when it
was generated and by what (LLM or offline text), when it was e-mailed, to whom, and the status
(``enviado``, ``pendente``, or ``falhou`` with the last error; see migration 0011; with
SUMMARY_APPROVAL also ``aguardando aprovação`` and ``rejeitado`` with who and when, migration 0017).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dash
from dash import dash_table, html

from alumusic.repositories import summaries
from dashboard import context
from dashboard.layout import message
from dashboard.security import current_curator

dash.register_page(__name__, path="/resumos", name="Resumos enviados",
                   title="Resumos semanais — AluMusic Insights")

LIMIT = 60


def _when(value, tz) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def _texto(d: summaries.SummaryDelivery) -> str:
    if d.classificador == "offline":
        return "offline (sem LLM)"
    return f"LLM ({d.modelo})" if d.modelo else "LLM"


def _decision(d: summaries.SummaryDelivery, tz) -> str:
    who = "prazo esgotado, padrão aplicado" if d.aprovacao_prazo_esgotado else (d.aprovacao_por or "?")
    return f"{who}, {_when(d.aprovacao_em, tz)}"


def _status(d: summaries.SummaryDelivery, tz) -> str:
    if d.status == "aguardando aprovação":
        return f"aguardando aprovação desde {_when(d.aprovacao_em, tz)} (Airflow: Required Actions)"
    if d.status == "rejeitado":
        return f"rejeitado ({_decision(d, tz)})"
    if d.status == "enviado" and d.aprovacao == "aprovado":
        return f"enviado (aprovado: {_decision(d, tz)})"
    if d.status == "falhou":
        return f"falhou em {_when(d.ultimo_erro_em, tz)}: {d.ultimo_erro_envio}"
    return d.status  # enviado or pendente


def rows(items: list[summaries.SummaryDelivery], tz) -> list[dict]:
    return [{
        "semana": d.semana,
        "periodo": f"{d.inicio:%d/%m} a {d.fim:%d/%m/%Y}",
        "gerado_em": _when(d.gerado_em, tz),
        "texto": _texto(d),
        "enviado_em": _when(d.enviado_em, tz) if d.enviado_em else "não enviado",
        "destinatarios": ", ".join(d.destinatarios) or "—",
        "tentativas": d.tentativas_envio,
        "status": _status(d, tz),
    } for d in items]


def layout(**_query) -> html.Div:
    if current_curator().papel != "admin":
        return html.Div([html.H1("Resumos semanais"), message("Acesso restrito a administradores.", "erro")])
    tz = ZoneInfo(context.settings().timezone)
    with context.engine().connect() as conn:
        items = summaries.deliveries(conn, limit=LIMIT)
    style = {"textAlign": "left", "fontSize": "0.85rem", "whiteSpace": "normal", "height": "auto"}
    content = (message("Nenhum resumo semanal gerado ainda.") if not items else
               dash_table.DataTable(id="resumos-tabela", data=rows(items, tz), style_cell=style, columns=[
                   {"id": "semana", "name": "Semana"}, {"id": "periodo", "name": "Período"},
                   {"id": "gerado_em", "name": "Gerado em"}, {"id": "texto", "name": "Texto"},
                   {"id": "enviado_em", "name": "Enviado em"}, {"id": "destinatarios", "name": "Destinatários"},
                   {"id": "tentativas", "name": "Tentativas"}, {"id": "status", "name": "Status"}],
                   style_data_conditional=[{"if": {"filter_query": '{status} contains "falhou"'},
                                            "color": "#a11"}]))
    return html.Div([html.H1("Resumos semanais"), html.H2(f"Resumos e envios por e-mail (últimas {LIMIT} semanas)"),
                     content])
