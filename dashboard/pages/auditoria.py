"""Private page ``/dashboard/auditoria`` (admins): the latest CSV exports and erasures.

Layout only (no callback): it is rendered per request for the logged-in curator, and a curator
without the ``admin`` role gets a notice instead of the lists.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import dash
from dash import dash_table, html

from alumusic.repositories import audit
from dashboard import context
from dashboard.layout import message
from dashboard.security import current_curator

dash.register_page(__name__, path="/auditoria", name="Auditoria", title="Auditoria — AluMusic Insights")

LIMIT = 100


def _when(value, tz) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def layout(**_query) -> html.Div:
    if current_curator().papel != "admin":
        return html.Div([html.H1("Auditoria"), message("Acesso restrito a administradores.", "erro")])
    tz = ZoneInfo(context.settings().timezone)
    with context.engine().connect() as conn:
        exports, erasures = audit.recent_exports(conn, LIMIT), audit.recent_erasures(conn, LIMIT)
    export_rows = [{"quando": _when(e["feito_em"], tz), "usuario": e["usuario"], "origem": e["origem"],
                    "filtros": json.dumps(e["filtros"], ensure_ascii=False), "formato": e["formato"],
                    "dados_pessoais": e["dados_pessoais"], "linhas": "" if e["linhas"] is None else e["linhas"]}
                   for e in exports]
    erasure_rows = [{"quando": _when(a["feito_em"], tz), "autor": a["autor"], "origem": a["origem"],
                     "motivo": a["motivo"], "criterio": json.dumps(a["criterio"], ensure_ascii=False),
                     "quantidade": a["quantidade"]} for a in erasures]
    style = {"textAlign": "left", "fontSize": "0.85rem", "whiteSpace": "normal", "height": "auto"}
    return html.Div([
        html.H1("Auditoria"),
        html.H2(f"Exportações de CSV (últimas {LIMIT})"),
        dash_table.DataTable(id="auditoria-exportacoes", data=export_rows, style_cell=style, columns=[
            {"id": "quando", "name": "Quando"}, {"id": "usuario", "name": "Usuário"}, {"id": "origem", "name": "Como"},
            {"id": "filtros", "name": "Filtros"}, {"id": "formato", "name": "Formato"},
            {"id": "dados_pessoais", "name": "Dados pessoais"}, {"id": "linhas", "name": "Linhas"}]),
        html.H2(f"Apagamentos e retenção (últimos {LIMIT})"),
        dash_table.DataTable(id="auditoria-apagamentos", data=erasure_rows, style_cell=style, columns=[
            {"id": "quando", "name": "Quando"}, {"id": "autor", "name": "Autor"}, {"id": "origem", "name": "Origem"},
            {"id": "motivo", "name": "Motivo"}, {"id": "criterio", "name": "Critério"},
            {"id": "quantidade", "name": "Comentários"}]),
    ])
