"""Private page ``/dashboard/alertas``: spike alerts (``detect_alerts``) and the comments behind them.

Open alerts first (not yet acknowledged before acknowledged), then, with "mostrar fechados",
the ones whose signal fell back. Each alert says why it fired, in numbers (the detector's
sentence), and links to ``?alerta=ID``: the same page showing the comments of its window that
make the signal (a URL a curator can send to a colleague). "Reconhecer" records, in the name of the
session's curator, that someone has looked at it; it stays open until the signal falls back.

The query may be crafted (anyone can send a curator a link; ``dashboard.url_query``): a repeated
parameter counts with its first value; an ``alerta`` that is not an alert id (1 to 2**63 - 1 in
ASCII digits) is not looked up and the page says "Alerta não encontrado.".
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dash
from dash import ALL, Input, Output, State, callback, ctx, dash_table, dcc, html

from alumusic.alerts.message import KIND_LABELS
from alumusic.repositories import alerts
from dashboard import context, url_query
from dashboard.figures import ROTULOS
from dashboard.layout import message
from dashboard.security import current_curator

dash.register_page(__name__, path="/alertas", name="Alertas", title="Alertas — AluMusic Insights")

LIMIT = 100
MAX_ID = 2**63 - 1  # alertas.id is a bigint


def _alert_id(value: str | None) -> int | None:
    """The alert id in ``?alerta=``: 1..MAX_ID in ASCII digits, else None."""
    n = url_query.ascii_int(value, MAX_ID)
    return n if n else None


def _when(value, tz) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def _state(a: alerts.Alert, tz) -> str:
    if a.fechado_em is not None:
        return f"fechado em {_when(a.fechado_em, tz)}"
    if a.reconhecido_em is not None:
        return f"aberto · reconhecido por {a.reconhecido_por} em {_when(a.reconhecido_em, tz)}"
    return "aberto · não reconhecido"


def _card(a: alerts.Alert, tz) -> html.Article:
    actions = [dcc.Link("Ver comentários", href=f"/dashboard/alertas?alerta={a.id}", className="link-alerta")]
    if a.fechado_em is None and a.reconhecido_em is None:
        actions.append(html.Button("Reconhecer", id={"type": "alerta-reconhecer", "id": a.id}, type="button",
                                   className="botao"))
    return html.Article(
        [
            html.H2(f"{KIND_LABELS[a.tipo]} — {a.rotulo}"),
            html.P(a.explicacao),
            html.P(f"Aberto em {_when(a.aberto_em, tz)}, atualizado em {_when(a.atualizado_em, tz)} "
                   f"({a.atualizacoes} atualização(ões)) · {_state(a, tz)}", className="nota"),
            html.Div(actions),
        ],
        id=f"alerta-{a.id}", className="alerta" + (" fechado" if a.fechado_em else ""),
        **{"data-estado": "fechado" if a.fechado_em else ("reconhecido" if a.reconhecido_em else "aberto")},
    )


def _comments(a: alerts.Alert, tz) -> html.Section:
    with context.engine().connect() as conn:
        rows = alerts.comments_behind(conn, a)
    data = [{"recebido_em": _when(r["recebido_em"], tz), "artista": r["artista"] or "—", "album": r["album"] or "—",
             "categoria": ROTULOS.get(r["categoria"], r["categoria"]), "texto": r["texto"] or "(texto removido)"}
            for r in rows]
    return html.Section(
        [
            html.H2(f"Comentários por trás do alerta: {KIND_LABELS[a.tipo].lower()} — {a.rotulo}"),
            html.P(f"{a.explicacao} Janela: {_when(a.janela_inicio, tz)} a {_when(a.janela_fim, tz)}; "
                   f"os {len(data)} mais recentes.", className="nota"),
            dash_table.DataTable(
                id="alerta-comentarios", data=data,
                columns=[{"id": "recebido_em", "name": "Recebido em"}, {"id": "artista", "name": "Artista"},
                         {"id": "album", "name": "Álbum"}, {"id": "categoria", "name": "Categoria"},
                         {"id": "texto", "name": "Comentário"}],
                style_cell={"textAlign": "left", "fontSize": "0.85rem", "whiteSpace": "normal", "height": "auto"}),
        ],
        id="alerta-detalhe",
    )


def _list(include_closed: bool, tz) -> list:
    with context.engine().connect() as conn:
        items = alerts.listing(conn, include_closed=include_closed, limit=LIMIT)
    if not items:
        return [message("Nenhum alerta aberto. Os alertas aparecem quando um artista, álbum ou tag foge do "
                        "seu padrão das semanas anteriores.")]
    return [_card(a, tz) for a in items]


def layout(alerta: str | list | None = None, fechados: str | list | None = None, **_query) -> html.Div:
    tz = ZoneInfo(context.settings().timezone)
    alerta, include_closed = url_query.first(alerta), url_query.first(fechados) == "1"
    detail: list = []
    if alerta is not None:
        selected = None
        alert_id = _alert_id(alerta)  # anything else is simply not an alert
        if alert_id is not None:
            with context.engine().connect() as conn:
                selected = alerts.get(conn, alert_id)
        detail = [_comments(selected, tz)] if selected else [message("Alerta não encontrado.", "erro")]
    return html.Div(
        [
            html.H1("Alertas"),
            html.P("Picos de críticas, de volume e de SPAM por artista, álbum e tag, comparando os últimos 7 dias "
                   "com as 6 semanas anteriores. Cada alerta diz por que disparou; ele se fecha sozinho quando o "
                   "sinal volta ao normal.", className="nota"),
            dcc.Link("Mostrar só os abertos" if include_closed else "Mostrar também os fechados",
                     href="/dashboard/alertas" + ("" if include_closed else "?fechados=1"), id="alertas-fechados"),
            html.Div(id="alertas-aviso", role="status"),
            *detail,
            html.Div(_list(include_closed, tz), id="alertas-lista"),
        ]
    )


@callback(
    Output("alertas-lista", "children"),
    Output("alertas-aviso", "children"),
    Input({"type": "alerta-reconhecer", "id": ALL}, "n_clicks"),
    State("alertas-fechados", "href"),
    prevent_initial_call=True,
)
def reconhecer(clicks, fechados_href):
    if not ctx.triggered_id or not any(clicks or []):
        raise dash.exceptions.PreventUpdate
    alert_id = ctx.triggered_id["id"]
    if not isinstance(alert_id, int) or isinstance(alert_id, bool) or not 0 < alert_id < 2**63:
        return dash.no_update, message("Alerta inválido.", "erro")
    curator = current_curator()
    with context.engine().begin() as conn:
        done = alerts.acknowledge(conn, alert_id, curator.usuario)
    tz = ZoneInfo(context.settings().timezone)
    include_closed = not str(fechados_href or "").endswith("?fechados=1")
    aviso = message("Alerta reconhecido." if done else "Esse alerta já tinha sido reconhecido ou não existe.")
    return _list(include_closed, tz), aviso
