"""Reading request bodies and query strings with the API's error statuses."""

from __future__ import annotations

from typing import Any

from flask import g, request
from werkzeug.exceptions import HTTPException

from api.errors import ApiError


def json_body() -> Any:
    """The parsed JSON body: 415 when not declared as JSON, 400 when malformed, 413 when too big."""
    if not request.is_json:
        raise ApiError(415, detalhes=[f"Content-Type recebido: {request.mimetype or '(nenhum)'}"])
    _read_body()
    try:
        data = request.get_json(silent=True)  # parses the body read above
    except RecursionError:  # nesting deeper than the interpreter's stack: not a ValueError, so not silenced
        raise ApiError(400, "JSON malformado: aninhamento profundo demais") from None
    if data is None:
        raise ApiError(400, "JSON malformado ou vazio")
    return data


def _read_body() -> bytes:
    """The body, kept for ``get_json``; 413 beyond MAX_CONTENT_LENGTH, chunked bodies included.

    Werkzeug answers 413 itself when Content-Length is over the limit, but a chunked body (no
    Content-Length) is only read up to the limit and the rest silently ignored: when the limit was
    reached, one more byte from the server's stream tells whether the body went on. The verdict
    is kept for the request (the rate limiter reads the body before the view does).
    """
    if "body_error" not in g:
        g.body_error = _body_error()
    if g.body_error is not None:
        raise g.body_error
    return request.get_data()


def _body_error() -> ApiError | None:
    limit = request.max_content_length
    try:
        data = request.get_data()
        cut = limit is not None and len(data) >= limit and request.content_length is None
        if cut and request.environ["wsgi.input"].read(1):
            return ApiError(413, detalhes=[f"corpo acima de {limit} bytes"])
    except HTTPException:
        raise  # 413 by Content-Length, 400 client disconnected: Werkzeug's own, raised again on each read
    except Exception:  # noqa: BLE001 - the server's own body errors, e.g. gunicorn's on a malformed chunk
        return ApiError(400, "corpo da requisição malformado (chunked inválido?)")
    return None


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
