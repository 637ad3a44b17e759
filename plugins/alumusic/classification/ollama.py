"""Classification with a local LLM through Ollama's ``/api/chat`` and a JSON-schema ``format``.

Every answer is validated against the contract and the current taxonomy. A bad answer gets ONE
corrective retry (the model is told what was wrong); a second bad answer raises
``InvalidAnswerError`` -- a label is never made up. Transport problems raise
``BackendUnavailableError`` so the pipeline leaves the comment pending. A string PostgreSQL cannot
store (a NUL ``\\u0000`` or a lone surrogate, both valid JSON; ``domain.tags.check_text``) in a
tag makes the answer invalid like any other breach; in a proposal, the proposal is dropped.

Personal data (LGPD): with ``mascarar_dados`` (setting ``MASCARAR_DADOS_CLASSIFICACAO``) the
comment is masked with ``alumusic.domain.pii`` in ``classify``, the one place its text enters a
prompt, so e-mails, phones, CPFs, CNPJs and profile links never reach Ollama (the labels
``[e-mail]``, ``[telefone]``, ``[link pessoal]``... still tell the model that something of that
kind was there, which is what SPAM needs). Off by default: Ollama is self-hosted inside the same
trust boundary as the database that holds the raw text; turn it on when ``OLLAMA_HOSTS`` points
outside it. The offline classifier runs in-process and always reads the raw text (its cues
include the shapes of phones and links). The stored comment is never altered: only the copy in
the prompt is masked. A masked prompt is part of the classifier's version (``versao_prompt``
``p2+mascarado``), so results with and without masking can be told apart. The few-shot examples'
texts are listeners' comments too and are masked the same way.

Few-shot examples: ``examples`` (``text -> Sequence[Label]``, e.g. the pipeline's
``lambda texto: labels.similar_labels(conn, texto, 3)``) gives the curator-labelled comments most
like the one being classified; up to ``prompts.MAX_EXAMPLES`` go into the user message, delimited
and escaped like the comment (``prompts.user_message``), after the static system prompt. It is
called with the raw text (the lookup stays in the database), from ``classify_many``'s threads at
once, so it must be thread-safe (the pipeline's opens a pooled connection per call); if it raises, that comment's
classification fails (``classify_many`` records the error; the pipeline retries it later). A
correction therefore changes the prompt of the next similar comment without retraining anything.

Confidence (``confianca``, ``confianca_fonte``): the request asks for token log-probabilities
(Ollama 0.12.11+). ``confianca`` is then exp(sum of the logprobs of the tokens that spell the
``categoria`` value in the generated JSON) -- by the chain rule, the probability the model gave
to writing that category at that point, given the prompt -- and ``confianca_fonte`` is
``"logprobs"``. Why not renormalise over the six categories with the first value token's
``top_logprobs``: (1) categories can share their first token (``SPAM`` and ``SUGESTÃO`` both start
with ``S``; a vocabulary may split them there), so that token alone need not tell them apart;
(2) the alternatives' later tokens are never reported, so the other categories' probabilities
would be guesses, and the ``top_logprobs`` list is truncated; (3) Ollama computes logprobs from
the raw logits (temperature 1, whatever the sampling temperature) before the schema grammar masks
tokens, so the unrenormalised value also counts the mass the model put outside the six
categories, which makes it conservative (lower), the safe side for a review-queue threshold.
The number is what the model measured, with no approximation, and it is monotone, so a later
calibration on curators' labels can map it. When the server returns no logprobs (older Ollama
ignores the fields) or they do not spell the answer (a cut or unreadable payload), the model's
stated ``confianca`` is used instead and ``confianca_fonte`` is ``"declarada"``.

Tokens: each result carries ``tokens_prompt`` / ``tokens_resposta``, Ollama's
``prompt_eval_count`` / ``eval_count`` summed over its calls (a corrective retry is a second
call), stored with the provenance. ``prompt_eval_count`` is the whole prompt: Ollama reports no
count of the prefix its cache served, which is why the prompt keeps everything static first
(``prompts``): on a warm slot only the examples and the comment are prefilled.

A taxonomy that grows (``alumusic.domain.proposals``): the answer's ``tags_novas`` may propose a
tag for an aspect the taxonomy lacks. A valid proposal travels on ``Classification.propostas``
(the pipeline aggregates it for curators); an invalid one (not snake_case ``area_aspect``, an
unknown area, empty fields) is dropped with a log line and never makes the answer invalid, so it
costs no retry. A proposal of a code already in the taxonomy is simply that tag. The taxonomy's
version (``versao_taxonomia``, from the database: active codes and curators' merges) is part of
``versao``, so approving or merging a proposal makes earlier results stale for a backfill.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from alumusic.classification import prompts
from alumusic.classification.contract import BaseClassifier
from alumusic.domain import (
    CATEGORIAS,
    BackendUnavailableError,
    Categoria,
    Classification,
    InvalidAnswerError,
    Provenance,
    Tag,
    TagProposal,
    pii,
)
from alumusic.domain.proposals import validate_proposal
from alumusic.llm.ollama import ChatResponse, OllamaClient, TokenLogprob

if TYPE_CHECKING:
    from alumusic.repositories.labels import Label

log = logging.getLogger(__name__)

SEED = 42  # fixed: the same comment, model and prompt give the same answer
MAX_OUTPUT_TOKENS = 512  # room for 5 tags with explanations; beyond it the answer is truncated
MASKED_SUFFIX = "+mascarado"  # appended to versao_prompt when the comment is masked in the prompt
LOGPROB_SLACK = 1e-6  # float32 rounding can put a certain token's logprob a hair above 0


class OllamaClassifier(BaseClassifier):
    def __init__(
        self,
        client: OllamaClient,
        tags: Mapping[str, str] | Iterable[str],
        *,
        num_ctx: int = 4096,
        check_model: bool = True,
        mascarar_dados: bool = False,
        examples: Callable[[str], Sequence[Label]] | None = None,
        versao_taxonomia: str | None = None,
    ) -> None:
        # text -> similar curator labels for the prompt (None: no examples); called from the
        # classify_many threads at once, so it must be thread-safe (runs.py opens a connection per call).
        self.examples = examples
        self._warned_no_logprobs = False
        self.client = client
        self.model = client.model
        self.mascarar_dados = mascarar_dados
        # code -> description (descriptions help the model; codes alone are enough to validate).
        self.tags: dict[str, str] = dict(tags) if isinstance(tags, Mapping) else dict.fromkeys(tags, "")
        self.schema = prompts.classification_schema(self.tags)
        self.system = prompts.system_prompt(self.tags)
        self.options: dict[str, Any] = {
            "temperature": 0,
            "seed": SEED,
            "num_ctx": num_ctx,
            "num_predict": MAX_OUTPUT_TOKENS,
        }
        versao_prompt = prompts.PROMPT_VERSION + (MASKED_SUFFIX if mascarar_dados else "")
        self.provenance = Provenance(
            classificador="ollama",
            versao=f"ollama:{self.model}:{versao_prompt}" + (f":{versao_taxonomia}" if versao_taxonomia else ""),
            modelo=self.model,
            versao_prompt=versao_prompt,
        )
        if check_model:
            self.check_model()

    def check_model(self) -> None:
        """Fail early and clearly when no configured host has the model (per ``/api/tags``)."""
        if not self.client.has_model():
            raise BackendUnavailableError(
                f"modelo {self.model!r} indisponível em {', '.join(self.client.hosts)} "
                f"(host inacessível ou modelo ausente em /api/tags; rode `ollama pull {self.model}`)"
            )

    def classify(self, texto: str) -> Classification:
        started = time.perf_counter()
        shown = pii.mask(texto) if self.mascarar_dados else texto  # a copy: the stored text stays raw
        messages: list[dict[str, str]] = [
            {"role": "system", "content": self.system},  # static: the same for every comment
            {"role": "user", "content": prompts.user_message(shown, self._examples_for(texto))},
        ]
        answer = self._chat(messages)
        try:
            return _with_tokens(self._parse(answer.content, answer.done_reason, started, answer.logprobs), answer)
        except InvalidAnswerError as exc:
            first_problem = str(exc)
        messages += [
            {"role": "assistant", "content": answer.content[:2000]},
            {"role": "user", "content": prompts.correction_message(first_problem)},
        ]
        retry = self._chat(messages)
        try:
            return _with_tokens(self._parse(retry.content, retry.done_reason, started, retry.logprobs),
                                answer, retry)
        except InvalidAnswerError as second:
            raise InvalidAnswerError(
                f"resposta inválida do modelo {self.model} após nova tentativa: {second} (1ª: {first_problem})"
            ) from None

    def _chat(self, messages: list[dict[str, str]]) -> ChatResponse:
        return self.client.chat_response(messages, format=self.schema, options=self.options, logprobs=True)

    def _examples_for(self, texto: str) -> list[tuple[str, str]]:
        """``(texto, categoria)`` of the curator labels most like ``texto``, masked like the comment."""
        if self.examples is None:
            return []
        found = list(self.examples(texto))
        usable = [label for label in found if label.categoria in CATEGORIAS and (label.texto or "").strip()]
        return [(pii.mask(label.texto) if self.mascarar_dados else label.texto, label.categoria)
                for label in usable[: prompts.MAX_EXAMPLES]]

    def _parse(self, content: str, done_reason: str | None, started: float,
               logprobs: Sequence[TokenLogprob] | None = None) -> Classification:
        if done_reason == "length":
            raise InvalidAnswerError("resposta truncada (limite de tokens atingido)")
        try:
            data = json.loads(content)
        except ValueError:
            raise InvalidAnswerError(f"JSON inválido: {content[:120]!r}") from None
        if not isinstance(data, dict):
            raise InvalidAnswerError("a resposta não é um objeto JSON")
        missing = [k for k in ("categoria", "tags_funcionalidades", "confianca") if k not in data]
        if missing:
            raise InvalidAnswerError(f"campos ausentes: {', '.join(missing)}")

        categoria = data["categoria"]
        if categoria not in CATEGORIAS:
            raise InvalidAnswerError(f"categoria fora da lista: {str(categoria)[:40]!r}")
        confianca = data["confianca"]
        if isinstance(confianca, bool) or not isinstance(confianca, int | float) or not math.isfinite(confianca) \
                or not 0 <= confianca <= 1:
            raise InvalidAnswerError(f"confianca fora de [0, 1]: {str(confianca)[:20]!r}")
        raw_tags = data["tags_funcionalidades"]
        if not isinstance(raw_tags, list):
            raise InvalidAnswerError("tags_funcionalidades não é uma lista")

        tags: dict[str, Tag] = {}
        for item in raw_tags:
            if not isinstance(item, dict):
                raise InvalidAnswerError("tag que não é objeto")
            codigo = item.get("codigo")
            if not isinstance(codigo, str) or codigo not in self.tags:  # a list or object is unhashable
                raise InvalidAnswerError(f"tag fora da taxonomia: {str(codigo)[:60]!r}")
            explicacao = str(item.get("explicacao") or "")[:300]
            try:
                tag = Tag(codigo=codigo, explicacao=explicacao)
            except ValidationError as exc:
                if not explicacao.strip():
                    raise InvalidAnswerError(f"tag {codigo} sem explicação") from None
                why = "; ".join(str(e["msg"]) for e in exc.errors())
                raise InvalidAnswerError(f"tag {codigo} com explicação inválida ({why[:120]})") from None
            tags.setdefault(tag.codigo, tag)  # a repeated code adds nothing (and is one row in the DB)

        tags = dict(tuple(tags.items())[: prompts.MAX_TAGS])
        propostas = self._proposals(data.get("tags_novas"), tags)
        measured = self._measured_confianca(logprobs, content, categoria)
        return Classification(
            categoria=Categoria(categoria),
            tags_funcionalidades=tuple(tags.values()),
            propostas=propostas,
            confianca=float(confianca) if measured is None else measured,
            confianca_fonte="declarada" if measured is None else "logprobs",
            proveniencia=self.provenance,
            latencia_ms=(time.perf_counter() - started) * 1000.0,
        )

    def _proposals(self, raw: object, tags: dict[str, Tag]) -> tuple[TagProposal, ...]:
        """The valid proposals of ``tags_novas``; a proposal of a known code joins ``tags``.
        Never raises: a bad proposal is logged and left out (the classification stands)."""
        if raw is None:
            return ()
        if not isinstance(raw, list):
            log.warning("proposta de tag descartada: tags_novas não é uma lista")
            return ()
        found: dict[str, TagProposal] = {}
        for item in raw[: prompts.MAX_PROPOSALS]:
            try:
                proposal = validate_proposal(item)
            except ValueError as exc:
                log.warning("proposta de tag descartada: %s", exc)
                continue
            if proposal.codigo in self.tags:
                if len(tags) < prompts.MAX_TAGS:
                    tags.setdefault(proposal.codigo, Tag(codigo=proposal.codigo, explicacao=proposal.explicacao))
                continue
            found.setdefault(proposal.codigo, proposal)
        return tuple(found.values())

    def _measured_confianca(self, logprobs: Sequence[TokenLogprob] | None, content: str,
                            categoria: str) -> float | None:
        if logprobs is None:
            if not self._warned_no_logprobs:  # once: an older server never sends them
                self._warned_no_logprobs = True
                log.warning("Ollama não devolveu logprobs (versão anterior a 0.12.11?): "
                            "usando a confiança declarada pelo modelo")
            return None
        measured = category_confidence(logprobs, content, categoria)
        if measured is None:
            log.warning("logprobs não soletram a categoria %s da resposta: usando a confiança declarada", categoria)
        return measured


def _with_tokens(result: Classification, *calls: ChatResponse) -> Classification:
    """``result`` with the tokens its calls cost (Ollama's counts summed; None if any call lacks one)."""
    prompt = [c.prompt_eval_count for c in calls]
    output = [c.eval_count for c in calls]
    return result.model_copy(update={
        "tokens_prompt": None if None in prompt else sum(prompt),  # type: ignore[arg-type]
        "tokens_resposta": None if None in output else sum(output),  # type: ignore[arg-type]
    })


def category_confidence(tokens: Sequence[TokenLogprob], content: str, categoria: str) -> float | None:
    """exp(sum of the logprobs of the tokens that spell the top-level ``categoria`` value of the
    JSON answer ``content``), or None when the tokens do not spell that answer (cut, another
    text) or carry an impossible value (not finite, above 0).

    The tokens' bytes are concatenated (a token can hold part of a UTF-8 character, e.g. of
    ``CRÍTICA``), the answer is found in them, its ``"categoria"`` value located by scanning the
    JSON object, and every token overlapping the value's characters counts (one that also holds
    the opening quote counts whole: the schema makes the quote near certain)."""
    try:
        text = b"".join(t.raw for t in tokens).decode("utf-8")
    except UnicodeDecodeError:
        return None
    where = text.find(content.strip()) if content.strip() else -1
    if where < 0:
        return None
    found = _categoria_value_span(text, where)
    if found is None or found[0] != categoria:
        return None
    _, start, end = found
    byte_start, byte_end = len(text[:start].encode("utf-8")), len(text[:end].encode("utf-8"))
    total, pos, used = 0.0, 0, 0
    for token in tokens:
        size = len(token.raw)
        if pos < byte_end and pos + size > byte_start:
            if not math.isfinite(token.logprob) or token.logprob > LOGPROB_SLACK:
                return None
            total += min(token.logprob, 0.0)
            used += 1
        pos += size
    return math.exp(total) if used else None


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n\r":
        i += 1
    return i


def _categoria_value_span(text: str, start: int) -> tuple[str, int, int] | None:
    """(decoded value, start, end) of the characters between the quotes of the top-level
    ``"categoria"`` string in the JSON object at ``text[start:]``; None if there is none."""
    decoder = json.JSONDecoder()
    try:
        i = _skip_ws(text, start)
        if text[i:i + 1] != "{":
            return None
        i = _skip_ws(text, i + 1)
        while text[i:i + 1] == '"':
            key, i = json.decoder.scanstring(text, i + 1)
            i = _skip_ws(text, i)
            if text[i:i + 1] != ":":
                return None
            i = _skip_ws(text, i + 1)
            if key == "categoria":
                if text[i:i + 1] != '"':
                    return None
                value, end = json.decoder.scanstring(text, i + 1)
                return value, i + 1, end - 1
            _, i = decoder.raw_decode(text, i)
            i = _skip_ws(text, i)
            if text[i:i + 1] != ",":
                return None
            i = _skip_ws(text, i + 1)
    except ValueError:  # json.JSONDecodeError included: a cut or broken object
        return None
    return None
