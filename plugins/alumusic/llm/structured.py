"""One structured (JSON-schema) chat call, for the free-text features: weekly summary and insights.

The text features ask Ollama for a JSON object so that a broken, cut or empty answer is caught
here (and reported as an error) instead of being stored or shown to a user.

The excerpt of a bad answer quoted in ``LlmAnswerError`` (task logs, ``insights_perguntas.erro``)
is masked (``alumusic.domain.pii``) first: the model may have echoed personal data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from alumusic.domain.pii import mask_text


class LlmAnswerError(RuntimeError):
    """The model answered, but not with the JSON object we asked for."""


def structured_chat(client: Any, messages: Sequence[dict], schema: dict, *, options: dict | None = None) -> dict:
    """The JSON object answered by ``client`` for ``messages``, checked against ``schema``'s
    required string fields. Client errors (unreachable, HTTP 5xx, model missing) propagate."""
    if hasattr(client, "chat_response"):
        resp = client.chat_response(messages, format=schema, options=options)
        content, done_reason = resp.content, resp.done_reason
    else:
        content, done_reason = client.chat(messages, format=schema, options=options), None
    if done_reason == "length":
        raise LlmAnswerError("resposta do modelo cortada (limite de tokens atingido)")
    try:
        data = json.loads(content)
    except (TypeError, ValueError) as exc:
        raise LlmAnswerError(f"resposta do modelo não é JSON válido: {mask_text(str(content))[:120]!r}") from exc
    if not isinstance(data, dict):
        raise LlmAnswerError("resposta do modelo não é um objeto JSON")
    for field in schema.get("required", ()):
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            raise LlmAnswerError(f"campo {field!r} ausente ou vazio na resposta do modelo")
    return data
