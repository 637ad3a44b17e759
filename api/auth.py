"""Tokens for API clients: ``POST /api/auth/token`` (credentials) and ``POST /api/auth/refresh``.

Every login starts a refresh-token family; a refresh token is good once: ``/api/auth/refresh``
spends it and answers a new access token and the family's next refresh token. Presenting a spent
refresh token again revokes its whole family (``alumusic.repositories.refresh_tokens``).
Credential guessing is rate-limited per IP and per client name (``api.ratelimit``).
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, jsonify
from flask_jwt_extended import create_access_token, create_refresh_token, get_jwt, jwt_required
from pydantic import ValidationError

from alumusic.repositories import clients as clients_repo
from alumusic.repositories import refresh_tokens
from alumusic.repositories.clients import ApiClient
from api import database
from api.errors import ApiError
from api.openapi import BEARER, doc
from api.ratelimit import client_name_key, failed_login, limiter, token_client_limit, token_limit
from api.requests import json_body
from api.schemas import PedidoToken, TokenResposta, validation_details
from api.security import current_client

bp = Blueprint("auth", __name__)

_INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def _claims(client: ApiClient) -> dict:
    return {"cid": client.id, "papeis": list(client.papeis)}


def _expires_in() -> int:
    return int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())


def _refresh_seconds() -> float:
    return current_app.config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds()


def _tokens(client: ApiClient, refresh_jti: str) -> dict:
    refresh = create_refresh_token(identity=client.nome, additional_claims={**_claims(client), "jti": refresh_jti})
    body = TokenResposta(
        access_token=create_access_token(identity=client.nome, additional_claims=_claims(client)),
        refresh_token=refresh,
        expires_in=_expires_in(),
    )
    return body.model_dump()


@bp.post("/api/auth/token")
@limiter.limit(token_limit, error_message="muitas tentativas de autenticação deste endereço")
@limiter.limit(token_client_limit, key_func=client_name_key, deduct_when=failed_login,
               error_message="muitas tentativas de autenticação falhas para este cliente")
@doc(json=PedidoToken, ok={200: TokenResposta}, errors=(400, 401, 413, 415, 422, 429, 503), tags=["auth"])
def token():
    """Troca as credenciais de um cliente por um access token (curto) e um refresh token (uso único).

    Limites (429 + Retry-After): tentativas por IP e tentativas falhas por nome de cliente.
    """
    try:
        pedido = PedidoToken.model_validate(json_body())
    except ValidationError as exc:
        raise ApiError(422, "credenciais malformadas", validation_details(exc)) from None
    client = database.run(lambda conn: clients_repo.authenticate(conn, pedido.cliente, pedido.segredo))
    if client is None:
        raise ApiError(401, "cliente ou segredo inválido", headers={"WWW-Authenticate": "Bearer"})
    jti = str(uuid.uuid4())
    database.run(lambda conn: refresh_tokens.start_family(conn, jti, client.id, _refresh_seconds()))
    return jsonify(_tokens(client, jti))


@bp.post("/api/auth/refresh")
@jwt_required(refresh=True)  # a valid refresh token of an active client (api.security), else 401
@doc(ok={200: TokenResposta}, errors=(401, 503), tags=["auth"], security=BEARER)
def refresh():
    """Troca um refresh token (enviado como Bearer) por um access token e um novo refresh token.

    Cada refresh token vale uma vez; reapresentar um já usado revoga todos os refresh tokens da
    mesma sessão (faça login de novo). O cliente deve seguir ativo.
    """
    client = current_client()
    try:
        jti = str(uuid.UUID(str(get_jwt()["jti"])))
    except ValueError:
        raise ApiError(401, "refresh token inválido ou revogado", headers=_INVALID_TOKEN) from None
    novo = str(uuid.uuid4())
    outcome = database.run(lambda conn: refresh_tokens.rotate(conn, jti, client.id, novo, _refresh_seconds()))
    if outcome == refresh_tokens.REUTILIZADO:
        raise ApiError(401, "refresh token já usado: a sessão foi revogada; obtenha outro em /api/auth/token",
                       headers=_INVALID_TOKEN)
    if outcome != refresh_tokens.ROTACIONADO:
        raise ApiError(401, "refresh token inválido ou revogado", headers=_INVALID_TOKEN)
    return jsonify(_tokens(client, novo))
