"""Private page ``/dashboard/taxonomia``: tags the LLM proposed outside the taxonomy, for curators.

Pending proposals first, each with how many comments the model proposed it for, its label and
description as the model wrote them, and a few example comments with the model's explanation.
A curator approves it (the tag enters the taxonomy), merges it into an existing tag (the code
becomes an alias: its examples get that tag), or rejects it (it stays out; the model proposing it
again only adds examples to the rejected proposal). Decisions are recorded in the name of the
session's curator (``current_curator``), never of anything the request says.

Approving or merging changes the taxonomy version; past classifications are not edited
(append-only history): the "Decididas" list gives the examples' period to reclassify with
``classify_comments`` (``desde``/``ate``, backend ``ollama``), which re-tags them.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from alumusic.domain.proposals import APROVADA, MESCLADA, REJEITADA
from alumusic.repositories import tag_proposals, taxonomy
from dashboard import context
from dashboard.layout import DROPDOWN_LABELS, message
from dashboard.security import current_curator

dash.register_page(__name__, path="/taxonomia", name="Taxonomia", title="Taxonomia — AluMusic Insights")

LIMIT = 100
EXAMPLES = 3
EXAMPLE_MAX_CHARS = 280
ACTIONS = ("proposta-aprovar", "proposta-mesclar", "proposta-rejeitar")


def _when(value, tz, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return value.astimezone(tz).strftime(fmt)


def _short(text: str) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= EXAMPLE_MAX_CHARS else flat[: EXAMPLE_MAX_CHARS - 1].rstrip() + "…"


def _examples(p: tag_proposals.Proposal) -> html.Ul:
    return html.Ul([html.Li([html.Q(_short(e.texto)), html.Span(f" — {e.artista}" if e.artista else ""),
                             html.Br(), html.Span(f"Explicação do modelo: {e.explicacao}", className="nota")],
                            className="proposta-exemplo")
                    for e in p.exemplos])


def _card(p: tag_proposals.Proposal, targets: list[dict], tz) -> html.Article:
    key = {"codigo": p.codigo}
    return html.Article(
        [
            html.H2([p.rotulo, " ", html.Code(p.codigo)]),
            html.P(p.descricao),
            html.P(f"Proposta pelo modelo em {p.comentarios} comentário(s) · área {p.area} · "
                   f"primeira vez em {_when(p.criado_em, tz)}", className="nota"),
            _examples(p),
            html.Div(
                [
                    html.Button("Aprovar", id={"type": "proposta-aprovar", **key}, type="button"),
                    html.Div(dcc.Dropdown(id={"type": "proposta-alvo", **key}, options=targets,
                                          placeholder="Mesclar em uma tag existente…", labels=DROPDOWN_LABELS),
                             style={"minWidth": "18rem"}),
                    html.Button("Mesclar", id={"type": "proposta-mesclar", **key}, type="button"),
                    html.Button("Rejeitar", id={"type": "proposta-rejeitar", **key}, type="button",
                                className="botao-perigo"),
                ],
                className="barra",
            ),
        ],
        id=f"proposta-{p.codigo}", className="cartao proposta", style={"marginBottom": "1rem"},
        **{"data-estado": p.estado, "data-comentarios": str(p.comentarios)},
    )


def _backfill_hint(p: tag_proposals.Proposal, tz) -> list:
    if p.estado not in (APROVADA, MESCLADA) or p.primeiro_recebido_em is None:
        return []
    desde = _when(p.primeiro_recebido_em, tz, "%Y-%m-%d")
    ate = _when(p.ultimo_recebido_em, tz, "%Y-%m-%d")
    conf = json.dumps({"desde": desde, "ate": ate, "backend": "ollama"})
    return [html.P(["Para marcar os comentários já classificados, reclassifique o período dos exemplos: ",
                    html.Code(f"airflow dags trigger classify_comments -c '{conf}'")], className="nota")]


def _decision(p: tag_proposals.Proposal) -> str:
    if p.estado == APROVADA:
        return "aprovada: entrou na taxonomia"
    if p.estado == MESCLADA:
        return f"mesclada em {p.mesclada_em}"
    return "rejeitada: fica fora da taxonomia"


def _decided(p: tag_proposals.Proposal, tz) -> html.Li:
    return html.Li(
        [html.Strong(p.rotulo), " ", html.Code(p.codigo), f" — {_decision(p)}, por {p.decidido_por} em "
         f"{_when(p.decidido_em, tz)} · {p.comentarios} comentário(s)", *_backfill_hint(p, tz)],
        id=f"decidida-{p.codigo}", **{"data-estado": p.estado},
    )


def _content(tz) -> tuple[list, list, str]:
    with context.engine().connect() as conn:
        pending = tag_proposals.listing(conn, limit=LIMIT, examples=EXAMPLES)
        decided = tag_proposals.listing(conn, (APROVADA, MESCLADA, REJEITADA), limit=LIMIT, examples=0)
        active = taxonomy.active_tags(conn)
        version = taxonomy.version(conn)
    targets = [{"label": f"{t.rotulo} ({t.codigo})", "value": t.codigo} for t in active]
    cards = [_card(p, targets, tz) for p in pending] or [
        message("Nenhuma proposta pendente. O modelo propõe uma tag quando nenhuma da taxonomia cobre o "
                "aspecto de que o comentário fala.")]
    done = [html.Ul([_decided(p, tz) for p in decided])] if decided else [html.P("Nenhuma decisão ainda.",
                                                                                 className="nota")]
    return cards, done, f"Taxonomia atual: {len(active)} tags ativas (versão {version})."


def layout(**_query) -> html.Div:
    tz = ZoneInfo(context.settings().timezone)
    cards, done, summary = _content(tz)
    return html.Div(
        [
            html.H1("Taxonomia"),
            html.P("Tags que o modelo propôs para aspectos que a taxonomia não cobre. Aprovar põe a tag na "
                   "taxonomia; mesclar faz a proposta valer como uma tag existente; rejeitar a mantém de fora.",
                   className="nota"),
            html.P(summary, id="taxonomia-versao", className="nota"),
            html.Div(id="taxonomia-aviso", role="status"),
            html.H2("Propostas pendentes"),
            html.Div(cards, id="taxonomia-pendentes"),
            html.H2("Decididas"),
            html.Div(done, id="taxonomia-decididas"),
        ]
    )


@callback(
    Output("taxonomia-pendentes", "children"),
    Output("taxonomia-decididas", "children"),
    Output("taxonomia-versao", "children"),
    Output("taxonomia-aviso", "children"),
    Input({"type": "proposta-aprovar", "codigo": ALL}, "n_clicks"),
    Input({"type": "proposta-mesclar", "codigo": ALL}, "n_clicks"),
    Input({"type": "proposta-rejeitar", "codigo": ALL}, "n_clicks"),
    State({"type": "proposta-alvo", "codigo": ALL}, "value"),
    prevent_initial_call=True,
)
def decidir(_aprovar, _mesclar, _rejeitar, _alvos):
    trigger = ctx.triggered_id
    if not trigger or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise dash.exceptions.PreventUpdate  # buttons rendered by the last update, not a click
    action, codigo = trigger.get("type"), trigger.get("codigo")
    if action not in ACTIONS or not tag_proposals.valid_code(codigo):
        return dash.no_update, dash.no_update, dash.no_update, message("Proposta inválida.", "erro")
    targets = {item["id"].get("codigo"): item.get("value") for item in ctx.states_list[0]}
    autor = current_curator().usuario
    try:
        with context.engine().begin() as conn:
            if action == "proposta-aprovar":
                done = tag_proposals.approve(conn, codigo, autor)
                ok = f"Tag {codigo} aprovada: entrou na taxonomia."
            elif action == "proposta-rejeitar":
                done = tag_proposals.reject(conn, codigo, autor)
                ok = f"Proposta {codigo} rejeitada."
            else:
                alvo = targets.get(codigo)
                if not alvo:
                    return (dash.no_update, dash.no_update, dash.no_update,
                            message("Escolha a tag existente em que a proposta será mesclada.", "erro"))
                done = tag_proposals.merge(conn, codigo, str(alvo), autor)
                ok = f"Proposta {codigo} mesclada em {alvo}."
    except ValueError as exc:
        return dash.no_update, dash.no_update, dash.no_update, message(str(exc), "erro")
    tz = ZoneInfo(context.settings().timezone)
    cards, decided, summary = _content(tz)
    aviso = message(ok, "ok") if done else message("Essa proposta já foi decidida ou não existe.", "erro")
    return cards, decided, summary, aviso
