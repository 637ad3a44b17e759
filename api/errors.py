"""The API's single JSON error shape, for every status it can answer (never an HTML page).

Shape::

    {"erro": {"codigo": 422, "mensagem": "corpo inválido", "detalhes": [...]}}

Views raise :class:`ApiError` (or call :func:`error_response`); the blueprint's app-wide handlers
turn Werkzeug HTTP errors (400, 404, 405, 413, 415, 429, ...), lost database connections (503 with
``Retry-After``) and unexpected exceptions (500, logged) into the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException

from alumusic.metrics import API_DB_UNAVAILABLE

bp = Blueprint("errors", __name__)
log = logging.getLogger(__name__)

DB_RETRY_AFTER_SECONDS = 5

# pt-BR default messages; a view may pass a more precise one.
MENSAGENS = {
    400: "requisição malformada",
    401: "autenticação necessária",
    403: "acesso negado para este cliente",
    404: "recurso não encontrado",
    405: "método não permitido neste recurso",
    409: "conflito com um recurso existente",
    413: "requisição grande demais",
    414: "linha de requisição (URL) longa demais",
    415: "tipo de conteúdo não suportado: use application/json",
    417: "expectativa (Expect) não suportada",
    422: "dados inválidos",
    429: "muitas requisições: tente mais tarde",
    431: "cabeçalhos da requisição grandes demais ou em excesso",
    500: "erro interno",
    501: "recurso HTTP não suportado (Transfer-Encoding)",
    503: "serviço temporariamente indisponível: tente mais tarde",
}


class ApiError(Exception):
    """Raise from any view or helper to answer with the JSON error shape."""

    def __init__(
        self,
        codigo: int,
        mensagem: str | None = None,
        detalhes: Sequence[Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.codigo = codigo
        self.mensagem = mensagem or _default_message(codigo)
        self.detalhes = list(detalhes or [])
        self.headers = dict(headers or {})
        super().__init__(f"{codigo} {self.mensagem}")


def _default_message(codigo: int) -> str:
    if codigo in MENSAGENS:
        return MENSAGENS[codigo]
    try:
        return HTTPStatus(codigo).phrase
    except ValueError:
        return "erro"


def error_body(codigo: int, mensagem: str | None = None, detalhes: Sequence[Any] | None = None) -> dict:
    return {"erro": {"codigo": codigo, "mensagem": mensagem or _default_message(codigo),
                     "detalhes": list(detalhes or [])}}


def error_response(
    codigo: int,
    mensagem: str | None = None,
    detalhes: Sequence[Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A ready Flask response in the error shape (for callbacks that must return, not raise)."""
    resp = jsonify(error_body(codigo, mensagem, detalhes))
    resp.status_code = codigo
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def is_database_unavailable(exc: BaseException) -> bool:
    """A lost/refused database connection (retryable), as opposed to a bug in a statement."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.TimeoutError)


def database_unavailable() -> Response:
    API_DB_UNAVAILABLE.inc()
    return error_response(503, "banco de dados indisponível: tente novamente em instantes",
                          headers={"Retry-After": str(DB_RETRY_AFTER_SECONDS)})


@bp.app_errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error_response(exc.codigo, exc.mensagem, exc.detalhes, exc.headers)


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    codigo = exc.code or 500
    headers: dict[str, str] = {}
    valid_methods = getattr(exc, "valid_methods", None)
    if codigo == 405 and valid_methods:
        headers["Allow"] = ", ".join(sorted(valid_methods))
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    mensagem = MENSAGENS.get(codigo) or exc.name
    detalhes = []
    if codigo in (400, 413, 429) and exc.description and exc.description != type(exc).description:
        detalhes.append(str(exc.description))  # e.g. the limit that was hit, the JSON parse error
    return error_response(codigo, mensagem, detalhes, headers)


@bp.app_errorhandler(sa.exc.SQLAlchemyError)
def _database_error(exc: sa.exc.SQLAlchemyError):
    if is_database_unavailable(exc):
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return database_unavailable()
    log.exception("database error")
    return error_response(500)


@bp.app_errorhandler(Exception)
def _unexpected(exc: Exception):
    log.exception("unhandled error")
    return error_response(500)
