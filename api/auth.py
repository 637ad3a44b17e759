"""Tokens for API clients: ``POST /api/auth/token`` (credentials) and ``POST /api/auth/refresh``."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_jwt_extended import create_access_token, create_refresh_token, get_jwt, jwt_required
from pydantic import ValidationError

from alumusic.repositories import clients as clients_repo
from alumusic.repositories.clients import ApiClient
from api import database
from api.errors import ApiError
from api.openapi import BEARER, doc
from api.ratelimit import limiter, token_limit
from api.requests import json_body
from api.schemas import PedidoToken, TokenResposta, validation_details
from api.security import active_client_for_token

bp = Blueprint("auth", __name__)


def _claims(client: ApiClient) -> dict:
    return {"cid": client.id, "papeis": list(client.papeis)}


def _expires_in() -> int:
    return int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())


@bp.post("/api/auth/token")
@limiter.limit(token_limit, error_message="muitas tentativas de autenticação")
@doc(json=PedidoToken, ok={200: TokenResposta}, errors=(400, 401, 413, 415, 422, 429, 503), tags=["auth"])
def token():
    """Troca as credenciais de um cliente por um access token (curto) e um refresh token."""
    try:
        pedido = PedidoToken.model_validate(json_body())
    except ValidationError as exc:
        raise ApiError(422, "credenciais malformadas", validation_details(exc)) from None
    client = database.run(lambda conn: clients_repo.authenticate(conn, pedido.cliente, pedido.segredo))
    if client is None:
        raise ApiError(401, "cliente ou segredo inválido", headers={"WWW-Authenticate": "Bearer"})
    body = TokenResposta(
        access_token=create_access_token(identity=client.nome, additional_claims=_claims(client)),
        refresh_token=create_refresh_token(identity=client.nome, additional_claims=_claims(client)),
        expires_in=_expires_in(),
    )
    return jsonify(body.model_dump())


@bp.post("/api/auth/refresh")
@jwt_required(refresh=True)
@doc(ok={200: TokenResposta}, errors=(401, 503), tags=["auth"], security=BEARER)
def refresh():
    """Novo access token a partir de um refresh token (enviado como Bearer); o cliente deve seguir ativo."""
    client = active_client_for_token(get_jwt())
    body = TokenResposta(
        access_token=create_access_token(identity=client.nome, additional_claims=_claims(client)),
        expires_in=_expires_in(),
    )
    return jsonify(body.model_dump())
