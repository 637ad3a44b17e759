"""The release catalog: ``/api/lancamentos`` (list, read, create, replace, delete).

The "críticas depois de cada lançamento" chart counts comments about each release from its date on
(albums by the comments' ``album``, songs by their ``musica``). Reading needs the role ``read`` or
``catalogo``; changing needs ``catalogo`` (``admin`` passes every check).

Status codes: 201 created; 200 read, replaced or deleted; 404 unknown id; 409 another release has
the same artist, type and title (nothing written); 422 invalid body or filters (every problem
listed); 400/413/415 malformed, too big or not JSON; 503 + Retry-After when the database is away.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from pydantic import ValidationError

from alumusic.domain.releases import Release
from alumusic.repositories import releases as repo
from api import database
from api.errors import ApiError
from api.openapi import BEARER, doc
from api.requests import json_body, query_args
from api.schemas import (
    FiltroLancamentos,
    LancamentoEntrada,
    LancamentoSaida,
    PaginaLancamentos,
    RespostaApagamentoLancamento,
    validation_details,
)
from api.security import current_client, require_role

bp = Blueprint("lancamentos", __name__)
TAGS = ["lancamentos"]
WRITE_ERRORS = (400, 401, 403, 409, 413, 415, 422, 503)


def _body() -> Release:
    try:
        item = LancamentoEntrada.model_validate(json_body())
    except ValidationError as exc:
        raise ApiError(422, "lançamento inválido", validation_details(exc)) from None
    return Release(artista=item.artista, titulo=item.titulo, tipo=item.tipo, lancado_em=item.lancado_em)


def _out(row: repo.StoredRelease) -> dict:
    return LancamentoSaida.model_validate(row.as_dict()).model_dump(mode="json")


def _conflict(exc: repo.DuplicateRelease, release: Release):
    detalhes = [{"campo": "titulo", "mensagem": "já existe um lançamento deste artista com este tipo e título",
                 **({"id": exc.existing_id} if exc.existing_id else {})}]
    return ApiError(409, f"lançamento já cadastrado: {release.artista} — {release.titulo} ({release.tipo})", detalhes)


MAX_ID = 2**31 - 1  # the column is an integer: a larger id cannot exist (and must not reach SQL)


def _known_id(lancamento_id: int) -> int:
    # Checked here, not by the URL converter: werkzeug answers 405 instead of 404 when a
    # converter's max refuses a path that other methods' rules share.
    if lancamento_id > MAX_ID:
        raise ApiError(404, "lançamento não encontrado")
    return lancamento_id


def _autor() -> str:
    return f"api:{current_client().nome}"


@bp.get("/api/lancamentos")
@require_role("read", "catalogo")
@doc(query=FiltroLancamentos, ok={200: PaginaLancamentos}, errors=(401, 403, 422, 503), tags=TAGS, security=BEARER)
def list_releases():
    """Lista os lançamentos, mais recentes primeiro (filtros: artista, tipo, período; paginação)."""
    try:
        q = FiltroLancamentos.model_validate(query_args(set(FiltroLancamentos.model_fields)))
    except ValidationError as exc:
        raise ApiError(422, "filtros inválidos", validation_details(exc)) from None
    rows, total = database.run(lambda conn: repo.list_releases(
        conn, artista=q.artista, tipo=q.tipo, desde=q.desde, ate=q.ate, limit=q.limite,
        offset=(q.pagina - 1) * q.limite))
    body = PaginaLancamentos(itens=[LancamentoSaida.model_validate(r.as_dict()) for r in rows], total=total,
                             pagina=q.pagina, limite=q.limite)
    return jsonify(body.model_dump(mode="json"))


@bp.get("/api/lancamentos/<int:lancamento_id>")
@require_role("read", "catalogo")
@doc(ok={200: LancamentoSaida}, errors=(401, 403, 404, 503), tags=TAGS, security=BEARER)
def get_release(lancamento_id: int):
    """Um lançamento pelo id."""
    lancamento_id = _known_id(lancamento_id)
    row = database.run(lambda conn: repo.get_release(conn, lancamento_id))
    if row is None:
        raise ApiError(404, "lançamento não encontrado")
    return jsonify(_out(row))


@bp.post("/api/lancamentos")
@require_role("catalogo")
@doc(json=LancamentoEntrada, ok={201: LancamentoSaida}, errors=WRITE_ERRORS, tags=TAGS, security=BEARER)
def create_release():
    """Cadastra um lançamento (álbum ou música) com a data de lançamento.

    409 se o artista já tem um lançamento deste tipo com este título (nada é gravado; corrija-o
    com PUT /api/lancamentos/{id}, o id vem em detalhes).
    """
    release = _body()
    try:
        with database.engine().begin() as conn:
            row = repo.create_release(conn, release, _autor())
    except repo.DuplicateRelease as exc:
        raise _conflict(exc, release) from None
    return jsonify(_out(row)), 201


@bp.put("/api/lancamentos/<int:lancamento_id>")
@require_role("catalogo")
@doc(json=LancamentoEntrada, ok={200: LancamentoSaida}, errors=(*WRITE_ERRORS, 404), tags=TAGS, security=BEARER)
def replace_release(lancamento_id: int):
    """Corrige um lançamento: o corpo é o novo estado completo (artista, titulo, tipo, lancado_em).

    404 id desconhecido; 409 se outro lançamento já tem o mesmo artista, tipo e título.
    """
    lancamento_id = _known_id(lancamento_id)
    release = _body()
    try:
        with database.engine().begin() as conn:
            row = repo.update_release(conn, lancamento_id, release, _autor())
    except repo.DuplicateRelease as exc:
        raise _conflict(exc, release) from None
    if row is None:
        raise ApiError(404, "lançamento não encontrado")
    return jsonify(_out(row))


@bp.delete("/api/lancamentos/<int:lancamento_id>")
@require_role("catalogo")
@doc(ok={200: RespostaApagamentoLancamento}, errors=(401, 403, 404, 503), tags=TAGS, security=BEARER)
def delete_release(lancamento_id: int):
    """Remove um lançamento do catálogo (os comentários não mudam; o gráfico deixa de mostrá-lo)."""
    lancamento_id = _known_id(lancamento_id)
    with database.engine().begin() as conn:
        deleted = repo.delete_release(conn, lancamento_id)
    if not deleted:
        raise ApiError(404, "lançamento não encontrado")
    return jsonify(RespostaApagamentoLancamento(id=lancamento_id).model_dump())
