"""Insights Q&A endpoint: ``POST /insights/perguntar`` (JWT, role ``read``).

The view only adapts HTTP to ``alumusic.insights.answer_question`` (the dashboard calls the same
function): validation 1..500 characters, no NUL or lone surrogate (422, before the LLM is called
and with nothing logged), LLM failure 503 with no sources; at most INSIGHTS_RATE_LIMIT questions
per client (429, ``api.ratelimit``).
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alumusic.insights import MAX_PERGUNTA, InsightsIndisponivel, PerguntaInvalida, answer_question
from api.database import engine
from api.errors import ApiError
from api.openapi import BEARER, doc
from api.ratelimit import api_client_key, insights_limit, limiter
from api.requests import json_body
from api.schemas import SafeStr, validation_details
from api.security import current_client, require_role

bp = Blueprint("insights", __name__)

LLM_RETRY_AFTER_SECONDS = 30


class PedidoPergunta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pergunta: SafeStr = Field(min_length=1, max_length=MAX_PERGUNTA,
                              description="Pergunta em linguagem natural sobre as últimas 8 semanas (sem NUL).")


class RespostaInsights(BaseModel):
    resposta: str = Field(description="No máximo 150 palavras, baseada apenas nos resumos semanais.")
    semanas: list[str] = Field(description="Semanas ISO usadas como fonte, mais recente primeiro (ex.: 2026-W47).")
    modelo: str | None = Field(description="Modelo que respondeu; null quando não havia resumos.")


@bp.post("/insights/perguntar")
@require_role("read")
@limiter.limit(insights_limit, key_func=api_client_key, error_message="muitas perguntas deste cliente: espere um pouco")
@doc(json=PedidoPergunta, ok={200: RespostaInsights}, errors=(400, 401, 403, 413, 415, 422, 429, 503),
     tags=["insights"], security=BEARER)
def perguntar():
    """Responde a uma pergunta curta usando os três resumos semanais mais recentes das últimas 8 semanas."""
    try:  # validated before the LLM is called or anything is logged
        pedido = PedidoPergunta.model_validate(json_body())
    except ValidationError as exc:
        raise ApiError(422, "pergunta inválida: envie apenas {\"pergunta\": \"...\"}", validation_details(exc)) from None
    try:
        result = answer_question(engine(), pedido.pergunta, origem="api", autor=current_client().nome)
    except PerguntaInvalida as exc:
        raise ApiError(422, "pergunta inválida", [{"campo": "pergunta", "mensagem": str(exc)}]) from None
    except InsightsIndisponivel as exc:
        raise ApiError(503, str(exc), headers={"Retry-After": str(LLM_RETRY_AFTER_SECONDS)}) from None
    return jsonify(RespostaInsights(**result).model_dump())
