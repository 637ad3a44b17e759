"""Comments: ingest one or a batch (``POST /api/comentarios``), list and read them.

Status codes of ``POST /api/comentarios``:

- one comment: 201 ``criado``; 200 ``duplicado`` (same id, same text: nothing written);
  409 ``conflito`` (same id, other text); 422 invalid.
- a batch ``{"comentarios": [...]}`` answers per item (``criado``/``duplicado``/``conflito``/
  ``invalido`` + ``motivos``), in input order: 201 every item created; 200 every item stored
  (created or already there, e.g. a retried batch); 207 some items refused (conflict or invalid);
  422 no valid item. Valid items are stored in one transaction, invalid ones never.
- 400 malformed JSON, 413 body over MAX_BODY_BYTES or more than MAX_BATCH_SIZE items,
  415 not JSON, 503 + Retry-After when the database is unavailable (nothing written).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from pydantic import RootModel, ValidationError

from alumusic.domain import Status, pii
from alumusic.metrics import API_COMMENTS
from alumusic.repositories import comment_search
from alumusic.repositories.comments import CONFLITO, CRIADO, DUPLICADO, NewComment, insert_comments
from api import database
from api.errors import ApiError
from api.openapi import BEARER, doc
from api.requests import json_body, query_args
from api.schemas import (
    ComentarioDetalhe,
    ComentarioEntrada,
    ComentarioSaida,
    CorpoComentarios,
    FiltroComentarios,
    PaginaComentarios,
    PedidoApagamento,
    RespostaApagamento,
    ResultadoLote,
    ResultadoUnico,
    validation_details,
)
from api.security import current_client, effective_roles, require_role

bp = Blueprint("comments", __name__)
INVALIDO = "invalido"


class RespostaIngestao(RootModel[ResultadoUnico | ResultadoLote]):
    """One comment's result, or a batch's per-item results."""


@bp.post("/api/comentarios")
@require_role("ingest")
@doc(json=CorpoComentarios, ok={200: RespostaIngestao, 201: RespostaIngestao, 207: ResultadoLote},
     errors=(400, 401, 403, 409, 413, 415, 422, 503), tags=["comentarios"], security=BEARER)
def post_comments():
    """Recebe um comentário ou um lote; idempotente pelo id.

    Um comentário: 201 criado; 200 duplicado (mesmo id e mesmo texto, nada gravado); 409 conflito
    (mesmo id, outro texto); 422 inválido. Lote {"comentarios": [...]} (até MAX_BATCH_SIZE itens):
    resultado por item (criado, duplicado, conflito, invalido + motivos), na ordem enviada; 201 todos
    criados; 200 todos gravados (criados ou já existentes); 207 algum item recusado; 422 nenhum válido.
    Os itens válidos são gravados num único comando; os inválidos nunca. Texto: 1..MAX_TEXT_LENGTH
    caracteres após remover espaços das pontas, normalizado em NFC, sem NUL. 413 acima de
    MAX_BODY_BYTES; 503 + Retry-After se o banco estiver indisponível (nada gravado).
    """
    data = json_body()
    if isinstance(data, dict) and "comentarios" in data:
        return _post_batch(data)
    return _post_one(data)


def _context() -> dict:
    return {"max_text_length": current_app.config["MAX_TEXT_LENGTH"]}


def _new_comment(item: ComentarioEntrada, enviado_por: str) -> NewComment:
    return NewComment(
        id=item.id, texto=item.texto, artista=item.artista, album=item.album, musica=item.musica,
        tipo=item.tipo, publicado_em=item.publicado_em, fonte=item.fonte, enviado_por=enviado_por,
    )


def _store(items: list[ComentarioEntrada]) -> list[str]:
    # One INSERT statement for the whole batch, committed alone: on any failure (e.g. the database
    # goes away) nothing of the batch is kept. Idempotent, so database.run may retry it.
    enviado_por = current_client().nome
    comments = [_new_comment(i, enviado_por) for i in items]
    return database.run(lambda conn: insert_comments(conn, comments))


def _post_one(data: object):
    try:
        item = ComentarioEntrada.model_validate(data, context=_context())
    except ValidationError as exc:
        API_COMMENTS.labels(INVALIDO).inc()
        raise ApiError(422, "comentário inválido", validation_details(exc)) from None
    (status,) = _store([item])
    API_COMMENTS.labels(status).inc()
    if status == CONFLITO:
        raise ApiError(409, "já existe um comentário com este id e outro texto",
                       [{"id": str(item.id), "resultado": CONFLITO}])
    body = ResultadoUnico(id=str(item.id), resultado=status,
                          status=Status.PENDENTE.value if status == CRIADO else _status_of(item))
    return jsonify(body.model_dump()), 201 if status == CRIADO else 200


def _status_of(item: ComentarioEntrada) -> str:
    row = database.run(lambda conn: comment_search.get_comment(conn, item.id))
    return row["status"] if row else Status.PENDENTE.value


def _post_batch(data: dict):
    extra = sorted(set(data) - {"comentarios"})
    if extra:
        raise ApiError(422, "lote inválido", [{"campo": k, "mensagem": "campo desconhecido"} for k in extra])
    raw = data["comentarios"]
    if not isinstance(raw, list) or not raw:
        raise ApiError(422, "lote inválido", [{"campo": "comentarios", "mensagem": "informe uma lista não vazia"}])
    limit = current_app.config["MAX_BATCH_SIZE"]
    if len(raw) > limit:
        raise ApiError(413, f"lote com {len(raw)} itens; o máximo é {limit}")

    ctx = _context()
    # Per-item results are plain dicts shaped like ResultadoItem (the documented model): building
    # 1,000 pydantic objects per request would cost more than validating the items.
    results: list[dict | None] = []
    valid: list[tuple[int, ComentarioEntrada]] = []
    for index, entry in enumerate(raw):
        try:
            item = ComentarioEntrada.model_validate(entry, context=ctx)
        except ValidationError as exc:
            motivos = [f"{d['campo']}: {d['mensagem']}" if d["campo"] else d["mensagem"]
                       for d in validation_details(exc)]
            results.append({"indice": index, "id": _raw_id(entry), "resultado": INVALIDO, "motivos": motivos})
        else:
            results.append(None)
            valid.append((index, item))

    if valid:
        statuses = _store([item for _, item in valid])
        for (index, item), status in zip(valid, statuses, strict=True):
            motivos = ["id já existe com outro texto"] if status == CONFLITO else []
            results[index] = {"indice": index, "id": str(item.id), "resultado": status, "motivos": motivos}

    totals = {name: 0 for name in (CRIADO, DUPLICADO, CONFLITO, INVALIDO)}
    for r in results:
        totals[r["resultado"]] += 1
    for name, n in totals.items():
        if n:
            API_COMMENTS.labels(name).inc(n)
    if not valid:
        raise ApiError(422, "nenhum item válido no lote", results)
    if totals[CRIADO] == len(raw):
        code = 201
    elif totals[CRIADO] + totals[DUPLICADO] == len(raw):
        code = 200
    else:
        code = 207
    return jsonify({"resultados": results, "totais": totals}), code


def _raw_id(entry: object) -> str | None:
    """The item's id as sent, echoed only when it is short, printable JSON text (else null)."""
    value = entry.get("id") if isinstance(entry, dict) else None
    if not isinstance(value, str) or len(value) > 64 or "\x00" in value:
        return None
    try:
        value.encode("utf-8")  # a lone surrogate ("\ud800") cannot be written back
    except UnicodeEncodeError:
        return None
    return value


# --- reading -----------------------------------------------------------------------------------
def _sees_personal_data() -> bool:
    """Whether the request reads texts unmasked: ``admin`` in its token and still granted (a token
    issued before the client became admin stays masked)."""
    return "admin" in effective_roles()


def _shown(row: dict, historico: list[dict] | None = None) -> dict:
    """A comment as it leaves through the API: personal data masked unless ``_sees_personal_data``.

    Not only ``texto``: the last error may echo a model answer, and tag explanations quote the
    comment (the offline rules cite the words that fired, a phone number for ``spam_venda``), so
    every string of the history is masked too (masking is idempotent on clean text)."""
    shown = {**row} if historico is None else {**row, "historico": historico}
    if _sees_personal_data():
        return shown
    shown["texto"] = pii.mask(row["texto"])
    shown["ultimo_erro"] = pii.mask_text(row.get("ultimo_erro"))
    if historico is not None:
        shown["historico"] = pii.mask_strings(historico)
    return shown


@bp.get("/api/comentarios")
@require_role("read")
@doc(query=FiltroComentarios, ok={200: PaginaComentarios}, errors=(401, 403, 422, 503), tags=["comentarios"],
     security=BEARER)
def list_comments():
    """Lista comentários com a classificação atual, mais recentes primeiro (paginação por cursor).

    Dados pessoais no texto (e-mail, telefone, CPF, CNPJ, links pessoais) vêm mascarados, exceto
    para clientes com papel admin; para os demais, o filtro `texto` também procura só no texto
    mascarado (não encontra o que a máscara esconde).
    """
    try:
        q = FiltroComentarios.model_validate(query_args(set(FiltroComentarios.model_fields)))
    except ValidationError as exc:
        raise ApiError(422, "filtros inválidos", validation_details(exc)) from None
    f = comment_search.CommentFilter(categoria=q.categoria, tag=q.tag, artista=q.artista, album=q.album,
                                     texto=q.texto, desde=q.desde, ate=q.ate, status=q.status,
                                     masked=not _sees_personal_data())
    try:
        page = database.run(lambda conn: comment_search.search(conn, f, limit=q.limite, cursor=q.cursor))
    except comment_search.InvalidCursorError:
        raise ApiError(422, "cursor inválido", [{"campo": "cursor", "mensagem": "use o proximo_cursor recebido"}]) from None
    body = PaginaComentarios(itens=[ComentarioSaida.model_validate(_shown(r)) for r in page.items],
                             proximo_cursor=page.next_cursor)
    return jsonify(body.model_dump(mode="json"))


@bp.get("/api/comentarios/<uuid:comentario_id>")
@require_role("read")
@doc(ok={200: ComentarioDetalhe}, errors=(401, 403, 404, 503), tags=["comentarios"], security=BEARER)
def get_comment(comentario_id):
    """Um comentário com todo o histórico de classificações (mais recente primeiro)."""
    from alumusic.repositories import classifications

    def read(conn):
        row = comment_search.get_comment(conn, comentario_id)
        return row, (classifications.history(conn, comentario_id) if row else [])

    row, historico = database.run(read)
    if row is None:
        raise ApiError(404, "comentário não encontrado")
    body = ComentarioDetalhe.model_validate(_shown(row, historico))
    return jsonify(body.model_dump(mode="json"))


# --- erasure (LGPD) ----------------------------------------------------------------------------

@bp.delete("/api/comentarios/<uuid:comentario_id>")
@require_role("admin")
@doc(json=PedidoApagamento, ok={200: RespostaApagamento}, errors=(400, 401, 403, 404, 413, 415, 422, 503),
     tags=["comentarios"], security=BEARER)
def delete_comment(comentario_id):
    """Apaga o texto de um comentário (LGPD: pedido do titular). Só para o papel admin.

    O texto vira "[comentário apagado]", os dados pessoais detectados e o histórico de classificações
    são removidos; a classificação atual e suas tags ficam (as contagens dos relatórios não mudam),
    com as explicações das tags substituídas. Corpo opcional {"motivo": "..."} (1..500 caracteres;
    padrão "pedido do titular via API"). 200 {"id", "apagado": true}; 200 com "apagado": false se o
    texto já estava apagado (idempotente; o pedido é registrado mesmo assim); 404 id desconhecido.
    Todo pedido atendido fica no registro de apagamentos (quem, quando, motivo; nunca o texto).
    """
    from alumusic.repositories import erasure

    data = json_body() if request.get_data() else {}
    try:
        pedido = PedidoApagamento.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "pedido de apagamento inválido", validation_details(exc)) from None

    # One transaction: the row is locked, erased and the erasure recorded, or nothing happens.
    with database.engine().begin() as conn:
        if erasure.text_state(conn, comentario_id) is None:
            raise ApiError(404, "comentário não encontrado")
        apagados = erasure.erase(conn, ids=[comentario_id], autor=current_client().nome, origem="api",
                                 motivo=pedido.motivo)
    body = RespostaApagamento(id=str(comentario_id), apagado=apagados == 1)
    return jsonify(body.model_dump())
