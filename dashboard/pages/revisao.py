"""Private page ``/dashboard/revisao``: the review queue, lowest confidence first, keyboard-first.

One comment at a time: confirm its label (``c``/Enter), pick another category (``1``–``6``, in the
order of ``CATEGORIAS``; the tags are kept), move on or back without recording (``j``/``k``, arrow
keys), undo this page's last review (``u``). ``assets/revisao.js`` turns those keys into clicks
on the page's buttons, which work with the mouse as well. The queue and its SQL are
``alumusic.repositories.review``; a review is a manual classification recorded in the name of the
session's curator (never a field of the request).

The browser holds the current item's queue position (``revisao-atual``) and the ids of the
reviews made on this page in this tab (``revisao-feitas``, what ``u`` may take back); the server
checks both: a review is recorded only while the item is still in the queue with the
classification that was shown, and only the curator's own, still current review is undone.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, State, callback, ctx, dcc, html

from alumusic.domain import CATEGORIAS
from alumusic.repositories import comments, review
from dashboard import context
from dashboard.comment_table import FiltroInvalido, make_filter
from dashboard.figures import ROTULOS
from dashboard.layout import DROPDOWN_LABELS, date_picker, message
from dashboard.security import current_curator

dash.register_page(__name__, path="/revisao", name="Revisão", title="Fila de revisão — AluMusic Insights")

FILTERS = ("revisao-artista", "revisao-categoria", "revisao-desde", "revisao-ate")
FILTER_PROPS = ("value", "value", "date", "date")  # the period filters are pt-BR date pickers
CONFIRM, PREVIOUS, NEXT, UNDO = "revisao-confirmar", "revisao-anterior", "revisao-proximo", "revisao-desfazer"
# Digit n picks the n-th category of CATEGORIAS.
CATEGORY_BUTTONS = {f"revisao-cat-{n}": categoria for n, categoria in enumerate(CATEGORIAS, start=1)}
ACTIONS = (CONFIRM, *CATEGORY_BUTTONS, PREVIOUS, NEXT, UNDO)
UNDO_KEPT = 100  # reviews of this page that ``u`` can still take back, newest kept
FONTES = {
    "calibrada": "calibrada",
    "logprobs": "probabilidade do modelo (logprobs)",
    "declarada": "declarada pelo modelo, sem calibração",
    "manual": "manual",
    "copia": "cópia de uma correção",
}


def _dropdown(id_: str, label: str, options: list, placeholder: str) -> html.Div:
    return html.Div([html.Label(label, htmlFor=id_),
                     dcc.Dropdown(id=id_, options=options, placeholder=placeholder, labels=DROPDOWN_LABELS)])


def _legend() -> html.Section:
    digits = ", ".join(f"{n} {ROTULOS[c]}" for n, c in enumerate(CATEGORIAS, start=1))
    keys = [
        ([html.Kbd("c"), " ou ", html.Kbd("Enter")], "confirma a categoria atual (conta como revisão)"),
        ([html.Kbd("1"), "–", html.Kbd("6")], f"troca a categoria e mantém as tags: {digits}"),
        ([html.Kbd("j"), " ou ", html.Kbd("→"), " ", html.Kbd("↓")], "próximo, sem registrar nada"),
        ([html.Kbd("k"), " ou ", html.Kbd("←"), " ", html.Kbd("↑")], "anterior, sem registrar nada"),
        ([html.Kbd("u")], "desfaz a sua última revisão feita nesta página"),
    ]
    return html.Section(
        [
            html.H2("Atalhos do teclado"),
            html.Ul([html.Li([*k, " — ", what]) for k, what in keys]),
            html.P("Os atalhos não valem enquanto um campo de filtro está em foco (Esc sai do campo).",
                   className="nota"),
        ],
        id="revisao-legenda",
    )


def layout(**_query) -> html.Div:
    opts = context.filter_options()
    categoria_options = [{"label": ROTULOS[c], "value": c} for c in CATEGORIAS]
    botao = {"type": "button"}
    return html.Div(
        [
            html.H1("Fila de revisão"),
            html.P("Comentários classificados automaticamente, do menos confiável para o mais confiável "
                   "(empates: os mais recentes primeiro). Confirmar ou trocar a categoria registra uma "
                   "classificação manual em seu nome e tira o comentário da fila.", className="nota"),
            html.Div(
                [
                    _dropdown("revisao-artista", "Artista", opts["artistas"], "Todos"),
                    _dropdown("revisao-categoria", "Categoria atual", categoria_options, "Todas"),
                    date_picker("revisao-desde", "Recebidos desde"),
                    date_picker("revisao-ate", "até (inclusive)"),
                ],
                className="filtros",
            ),
            html.Strong(id="revisao-progresso", role="status"),
            html.Div(id="revisao-item", className="cartao", style={"margin": ".75rem 0", "padding": ".75rem 1rem"}),
            html.Div(
                [html.Button("Confirmar (c)", id=CONFIRM, **botao)]
                + [html.Button(f"{n} · {ROTULOS[c]}", id=button_id, title=f"Trocar para {ROTULOS[c]} ({n})", **botao)
                   for n, (button_id, c) in enumerate(CATEGORY_BUTTONS.items(), start=1)],
                className="barra", id="revisao-acoes",
            ),
            html.Div(
                [
                    html.Button("← Anterior (k)", id=PREVIOUS, **botao),
                    html.Button("Próximo (j) →", id=NEXT, **botao),
                    html.Button("Desfazer a última revisão (u)", id=UNDO, **botao),
                ],
                className="barra",
            ),
            html.Div(id="revisao-msg"),
            _legend(),
            dcc.Store(id="revisao-atual"),
            dcc.Store(id="revisao-feitas", data=[], storage_type="session"),
        ],
        id="revisao-pagina",
    )


# --- values from the browser ----------------------------------------------------------------------
def _position(atual) -> tuple[review.QueueKey, int] | None:
    """The shown item's queue key and classification id, if the store holds well-formed ones."""
    if not isinstance(atual, dict):
        return None
    cid, confianca, recebido, classificacao = (atual.get(k) for k in ("id", "confianca", "recebido_em",
                                                                       "classificacao_id"))
    if (not isinstance(cid, str) or not isinstance(recebido, str) or isinstance(confianca, bool)
            or not isinstance(confianca, int | float) or not 0 <= confianca <= 1
            or isinstance(classificacao, bool) or not isinstance(classificacao, int) or classificacao <= 0):
        return None
    try:
        when = datetime.fromisoformat(recebido)
        if when.utcoffset() is None:
            return None
        return review.QueueKey(float(confianca), when, str(UUID(cid))), classificacao
    except (ValueError, OverflowError):
        return None


def _reviews(feitas) -> list[int]:
    if not isinstance(feitas, list):
        return []
    return [i for i in feitas if isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63][-UNDO_KEPT:]


def _queue_filter(artista, categoria, desde, ate) -> review.QueueFilter:
    f = make_filter(artista=artista, categoria=categoria, desde=desde, ate=ate, timezone=context.settings().timezone)
    return review.QueueFilter(artista=f.artista, categoria=f.categoria, desde=f.desde, ate=f.ate)


# --- rendering --------------------------------------------------------------------------------------
def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _progress(revisados: int, fila: int) -> str:
    return f"{_number(revisados)} revisado{'' if revisados == 1 else 's'} hoje, {_number(fila)} na fila"


def _decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _store(item: dict | None) -> dict | None:
    if item is None:
        return None
    return {"id": item["id"], "classificacao_id": item["classificacao_id"], "confianca": float(item["confianca"]),
            "recebido_em": item["recebido_em"].isoformat()}


def _render(item: dict | None, personal: dict | None, tz: ZoneInfo):
    if item is None:
        return message("Nada para revisar com estes filtros: a fila está vazia.", "info")
    categoria = item["categoria"]
    origem = " — ".join(p for p in (item["artista"] or "(sem artista)", item["album"], item["musica"]) if p)
    fonte = FONTES.get(item["confianca_fonte"], "fonte não registrada")
    classificador = item["classificador"] if item["versao_classificador"] == item["classificador"] else \
        f"{item['classificador']} {item['versao_classificador']}"
    tags = item["tags"] or []
    if personal and personal["tipos"]:
        aviso = message("Dados pessoais no texto (mascarados fora desta área): " + ", ".join(personal["tipos"]) + ".",
                        "erro")
    else:
        aviso = None
    return html.Article(
        [
            html.P([html.Strong(origem, id="revisao-origem"), " · recebido em ",
                    html.Span(item["recebido_em"].astimezone(tz).strftime("%d/%m/%Y %H:%M"), id="revisao-recebido")],
                   className="nota"),
            html.Blockquote(item["texto"], id="revisao-texto", className="resposta"),
            aviso,
            html.P(
                [
                    "Categoria atual: ", html.Strong(ROTULOS.get(categoria, categoria), id="revisao-categoria-atual"),
                    " · confiança ", html.Strong(_decimal(float(item["confianca"])), id="revisao-confianca"),
                    f" ({fonte})", html.Span(f" · {classificador}", className="nota"),
                ]
            ),
            html.H3("Tags"),
            html.Ul([html.Li([html.Strong(t["rotulo"]), f" ({t['codigo']}): ", t["explicacao"]]) for t in tags],
                    id="revisao-tags")
            if tags else html.P("Sem tags.", id="revisao-tags"),
        ],
        id="revisao-cartao",
        **{"data-comentario": item["id"]},
    )


# --- the one callback ---------------------------------------------------------------------------------
@callback(
    Output("revisao-item", "children"),
    Output("revisao-atual", "data"),
    Output("revisao-progresso", "children"),
    Output("revisao-msg", "children"),
    Output("revisao-feitas", "data"),
    [Input(i, p) for i, p in zip(FILTERS, FILTER_PROPS, strict=True)],
    [Input(i, "n_clicks") for i in ACTIONS],
    State("revisao-atual", "data"),
    State("revisao-feitas", "data"),
)
def revisar(*args):
    artista, categoria, desde, ate = args[:len(FILTERS)]
    atual, feitas = args[-2:]
    action = ctx.triggered_id if ctx.triggered_id in ACTIONS else None
    settings = context.settings()
    tz = ZoneInfo(settings.timezone)
    try:
        f = _queue_filter(artista, categoria, desde, ate)
    except FiltroInvalido as exc:
        return message(f"Filtro inválido: {exc}", "erro"), None, dash.no_update, None, dash.no_update
    position = _position(atual)
    done = _reviews(feitas)
    curator = current_curator()
    note = None
    with context.engine().begin() as conn:
        if action is None:  # the page opened or a filter changed: the start of the queue
            item = _first(conn, f)
        elif action in (PREVIOUS, NEXT):
            item, note = _move(conn, f, position, forward=action == NEXT)
        elif action == UNDO:
            item, note, done = _undo(conn, f, position, done, curator.usuario)
        elif position is None:
            item, note = _first(conn, f), message("Nenhum comentário em revisão: recomeçando do início da fila.", "info")
        else:
            item, note, done = _review(conn, f, position, done, curator.usuario, CATEGORY_BUTTONS.get(action))
        personal = comments.personal_data(conn, item["id"]) if item else None
        # Moving records nothing: the counter is refreshed by reviews, undo and filters (counting
        # the whole queue is the costly part of a request).
        progress = dash.no_update if action in (PREVIOUS, NEXT) else \
            _progress(review.reviewed_today(conn, settings.timezone), review.queue_count(conn, f))
    return _render(item, personal, tz), _store(item), progress, note, done


def _first(conn, f: review.QueueFilter) -> dict | None:
    rows = review.queue_page(conn, f, limit=1)
    return rows[0] if rows else None


def _after(conn, f: review.QueueFilter, key: review.QueueKey) -> dict | None:
    """The item after ``key``; at the end, the queue's start again (items skipped earlier)."""
    rows = review.queue_page(conn, f, after=key, limit=1)
    return rows[0] if rows else _first(conn, f)


def _still_shown(conn, f, position) -> dict | None:
    """The item shown, re-read, while it is still in the queue as shown; else the next one."""
    key, classificacao_id = position
    item = review.get_item(conn, key.comentario_id)
    if item and item["na_fila"] and item["classificacao_id"] == classificacao_id:
        return item
    return _after(conn, f, key)


def _move(conn, f, position, *, forward: bool):
    if position is None:
        return _first(conn, f), None
    key = position[0]
    rows = review.queue_page(conn, f, after=key, limit=1) if forward else review.queue_page(conn, f, before=key, limit=1)
    if rows:
        return rows[-1], None
    note = "Fim da fila: não há comentários depois deste." if forward else "Este é o primeiro comentário da fila."
    return _still_shown(conn, f, position), message(note, "info")


def _review(conn, f, position, done: list[int], autor: str, categoria: str | None):
    key, classificacao_id = position
    try:
        new_id = review.review(conn, key.comentario_id, classificacao_id, autor, categoria)
    except ValueError as exc:
        return _still_shown(conn, f, position), message(f"Revisão não salva: {exc}", "erro"), done
    if new_id is None:
        note = message("Este comentário saiu da fila ou mudou de classificação antes da sua revisão; "
                       "nada foi registrado. Seguindo para o próximo.", "info")
        return _after(conn, f, key), note, done
    recorded = review.get_item(conn, key.comentario_id)
    label = ROTULOS.get(recorded["categoria"], recorded["categoria"]) if recorded else ""
    text = f"Confirmado: {label}." if categoria is None else f"Registrado como {label}."
    return _after(conn, f, key), message(text + " Tecle u para desfazer.", "ok"), [*done, new_id][-UNDO_KEPT:]


def _undo(conn, f, position, done: list[int], autor: str):
    last = review.last_undoable(conn, autor, among=done)
    if last is None or not review.withdraw(conn, last["id"], autor):
        shown = _still_shown(conn, f, position) if position else _first(conn, f)
        return shown, message("Nada para desfazer: nenhuma revisão sua desta página ainda vale.", "info"), []
    item = review.get_item(conn, last["comentario_id"]) or _first(conn, f)
    note = message("Revisão desfeita: o comentário voltou à fila com a classificação automática.", "ok")
    return item, note, [i for i in done if i < last["id"]]
