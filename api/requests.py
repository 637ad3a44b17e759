"""Reading request bodies and query strings with the API's error statuses."""

from __future__ import annotations

from typing import Any

from flask import request

from api.errors import ApiError


def json_body() -> Any:
    """The parsed JSON body: 415 when not declared as JSON, 400 when malformed, 413 when too big."""
    if not request.is_json:
        raise ApiError(415, detalhes=[f"Content-Type recebido: {request.mimetype or '(nenhum)'}"])
    # Reading the body enforces MAX_CONTENT_LENGTH (Werkzeug raises 413 first).
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "JSON malformado ou vazio")
    return data


def query_args(names: set[str]) -> dict[str, str]:
    """Single-valued query parameters; a repeated or unknown parameter is a 422."""
    args: dict[str, str] = {}
    problems = []
    for key in request.args:
        values = request.args.getlist(key)
        if key not in names:
            problems.append({"campo": key, "mensagem": "parâmetro desconhecido"})
        elif len(values) > 1:
            problems.append({"campo": key, "mensagem": "informe o parâmetro uma vez só"})
        else:
            args[key] = values[0]
    if problems:
        raise ApiError(422, "parâmetros de consulta inválidos", problems)
    return args
