"""Answering a question from the three newest weekly summaries of the last 8 weeks.

Personal data (LGPD) is masked with ``alumusic.domain.pii`` in ``answer_question``, as the text comes in
and before it goes out, so the LLM, the extractive path, the audit log and the caller all see
the same masked text:

- in: the question, right after validation. It is a curator's or API client's text, but it can
  quote a comment or carry someone's contact; the model has no use for it, and
  ``insights_perguntas`` is an audit of what was asked, not a copy of personal data, so the
  masked question is what goes into the prompt, the extractive search and the log. The summaries
  too, as they are read: stored ones are masked already (``repositories.summaries``), but rows from
  before that rule may quote comments raw.
- out: the answer (LLM or extractive), before the word cap (a cut must not leave half an e-mail)
  and before it is logged or returned; the model can echo or invent contact data. The error
  text logged for an LLM failure can quote the model's answer, so it is masked as well.

No SQL here: the summaries are read by ``alumusic.repositories.summaries``, every call is logged
by ``alumusic.repositories.insights``.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa

from alumusic.domain.pii import mask_text
from alumusic.insights import extractive, prompt
from alumusic.insights.words import cap_words, fold
from alumusic.llm.structured import structured_chat
from alumusic.repositories import insights as insights_log
from alumusic.repositories.summaries import StoredSummary, summaries_since
from alumusic.settings import get_settings
from alumusic.summary.weeks import IsoWeek, local_today

log = logging.getLogger(__name__)

MAX_PERGUNTA = 500
MAX_PALAVRAS = 150
JANELA_SEMANAS = 8
RESUMOS_USADOS = 3
MODELO_OFFLINE = "offline-extrativo-v1"
SEM_RESUMOS = ("Ainda não há resumos semanais das últimas 8 semanas, então não há base para "
               "responder. Os resumos são gerados toda segunda-feira pelo DAG weekly_summary.")

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_DEFAULT: Any = object()


class PerguntaInvalida(ValueError):
    """The question is empty, too long or not storable text; the message is pt-BR and safe to show."""


class InsightsIndisponivel(RuntimeError):
    """The LLM could not answer; nothing was invented. The message is pt-BR and safe to show."""


def validate(pergunta: object) -> str:
    if not isinstance(pergunta, str):
        raise PerguntaInvalida("o campo 'pergunta' deve ser um texto")
    # Checked before anything is called: PostgreSQL text (the audit log) cannot hold these.
    if "\x00" in pergunta:
        raise PerguntaInvalida("a pergunta contém byte NUL (\\u0000)")
    try:
        pergunta.encode("utf-8")
    except UnicodeEncodeError:
        raise PerguntaInvalida("a pergunta contém caracteres Unicode inválidos (surrogates isolados)") from None
    pergunta = pergunta.strip()
    if not pergunta:
        raise PerguntaInvalida("a pergunta está vazia")
    if len(pergunta) > MAX_PERGUNTA:
        raise PerguntaInvalida(f"a pergunta tem {len(pergunta)} caracteres; o máximo é {MAX_PERGUNTA}")
    return pergunta


def select_summaries(conn: sa.Connection, hoje: date) -> list[StoredSummary]:
    """The three newest summaries whose week starts within the 8 weeks before this one."""
    first = IsoWeek.of(hoje).shift(-JANELA_SEMANAS).inicio
    return summaries_since(conn, first, limit=RESUMOS_USADOS)


def answer_question(
    engine_or_conn: sa.Engine | sa.Connection,
    pergunta: str,
    *,
    origem: Literal["api", "dashboard"],
    autor: str | None = None,
    client: Any = _DEFAULT,
    hoje: date | None = None,
) -> dict:
    """``{"resposta", "semanas", "modelo"}`` for ``pergunta``; every call is logged.

    ``client``: an object with ``chat(messages, *, format=None, options=None) -> str`` (the
    Ollama client), ``None`` for the offline extractive answer; by default the configured one.
    Raises PerguntaInvalida (caller error) or InsightsIndisponivel (LLM failure, logged, no
    sources returned). Personal data is masked in the question (prompt and log) and in the
    answer (returned and logged); see the module docstring.
    """
    pergunta = mask_text(validate(pergunta))
    settings = get_settings()
    if client is _DEFAULT:
        client = _configured_client()
    hoje = hoje or local_today(settings.timezone)
    started = time.perf_counter()

    with _connection(engine_or_conn) as conn:
        chosen = [replace(s, texto=mask_text(s.texto)) for s in select_summaries(conn, hoje)]

    # The LLM call happens outside any transaction: it may take a minute.
    erro = None
    if not chosen:
        result = {"resposta": SEM_RESUMOS, "semanas": [], "modelo": None}
    elif client is None:
        texto, semanas = extractive.answer(pergunta, [(s.semana, s.texto) for s in chosen], MAX_PALAVRAS)
        result = {"resposta": _publishable(texto), "semanas": semanas, "modelo": MODELO_OFFLINE}
    else:
        modelo = getattr(client, "model", None) or settings.ollama_model
        try:
            texto = _ask_llm(client, pergunta, chosen, settings.ollama_num_ctx)
            # "The summaries do not say": no week backs the answer, so none is cited.
            semanas = [] if _is_no_answer(texto) else [s.semana for s in chosen]
            result = {"resposta": _publishable(texto), "semanas": semanas, "modelo": modelo}
        except Exception as exc:  # noqa: BLE001 - any client failure is "LLM unavailable"
            erro = mask_text(f"{type(exc).__name__}: {exc}")[:1000]
            result = {"resposta": None, "semanas": [], "modelo": modelo}

    with _connection(engine_or_conn) as conn:
        _log(conn, pergunta, result, origem=origem, autor=autor, erro=erro,
             latencia_ms=(time.perf_counter() - started) * 1000)

    if erro:
        log.warning("insights: LLM failed (%s)", erro)
        raise InsightsIndisponivel(
            "O modelo de linguagem não respondeu agora; tente novamente em alguns minutos.")
    return result


def _ask_llm(client: Any, pergunta: str, chosen: list[StoredSummary], num_ctx: int) -> str:
    """The model's answer as it came (``_publishable`` masks and caps it)."""
    # Structured output: a broken or cut answer fails JSON validation instead of being shown.
    data = structured_chat(client, prompt.messages(pergunta, chosen, num_ctx), prompt.SCHEMA,
                           options={"temperature": 0, "num_predict": 400})
    texto = _THINK.sub("", str(data.get("resposta") or "")).strip()
    if not texto:
        raise ValueError("resposta vazia do modelo")
    return texto


def _publishable(texto: str) -> str:
    """An answer as returned and logged: personal data masked, then the hard word cap (the prompt
    asks for <=150 words; small models overrun). Masking first: the cap must not cut an e-mail or
    a phone in half, and a mask label may count as more words than what it replaced."""
    return cap_words(mask_text(texto), MAX_PALAVRAS)


def _is_no_answer(texto: str) -> bool:
    return fold(texto).startswith(fold(prompt.SEM_RESPOSTA).rstrip("."))


def _configured_client() -> Any:
    from alumusic.llm.backend import get_text_client

    return get_text_client()


@contextmanager
def _connection(engine_or_conn: sa.Engine | sa.Connection):
    if isinstance(engine_or_conn, sa.Engine):
        with engine_or_conn.begin() as conn:
            yield conn
    else:
        yield engine_or_conn


def _log(conn: sa.Connection, pergunta: str, result: dict, *, origem: str, autor: str | None,
         erro: str | None, latencia_ms: float) -> None:
    insights_log.log_question(conn, pergunta=pergunta, resposta=result["resposta"], semanas=result["semanas"],
                              modelo=result["modelo"], origem=origem, autor=autor, erro=erro, latencia_ms=latencia_ms)
