"""Classification with a local LLM through Ollama's ``/api/chat`` and a JSON-schema ``format``.

Every answer is validated against the contract and the current taxonomy. A bad answer gets ONE
corrective retry (the model is told what was wrong); a second bad answer raises
``InvalidAnswerError`` -- a label is never made up. Transport problems raise
``BackendUnavailableError`` so the pipeline leaves the comment pending.

Personal data (LGPD): with ``mascarar_dados`` (setting ``MASCARAR_DADOS_CLASSIFICACAO``) the
comment is masked with ``alumusic.pii`` in ``classify``, the one place its text enters a
prompt, so e-mails, phones, CPFs, CNPJs and profile links never reach Ollama (the labels
``[e-mail]``, ``[telefone]``, ``[link pessoal]``... still tell the model that something of that
kind was there, which is what SPAM needs). Off by default: Ollama is self-hosted inside the same
trust boundary as the database that holds the raw text; turn it on when ``OLLAMA_HOSTS`` points
outside it. The offline classifier runs in-process and always reads the raw text (its cues
include the shapes of phones and links). The stored comment is never altered: only the copy in
the prompt is masked. A masked prompt is part of the classifier's version (``versao_prompt``
``p1+mascarado``), so results with and without masking can be told apart.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from alumusic import pii
from alumusic.classification import prompts
from alumusic.classification.contract import (
    CATEGORIAS,
    BackendUnavailableError,
    BaseClassifier,
    Categoria,
    Classification,
    InvalidAnswerError,
    Provenance,
    Tag,
)
from alumusic.llm.ollama import OllamaClient

SEED = 42  # fixed: the same comment, model and prompt give the same answer
MAX_OUTPUT_TOKENS = 512  # room for 5 tags with explanations; beyond it the answer is truncated
MASKED_SUFFIX = "+mascarado"  # appended to versao_prompt when the comment is masked in the prompt


class OllamaClassifier(BaseClassifier):
    def __init__(
        self,
        client: OllamaClient,
        tags: Mapping[str, str] | Iterable[str],
        *,
        num_ctx: int = 4096,
        check_model: bool = True,
        mascarar_dados: bool = False,
    ) -> None:
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
            versao=f"ollama:{self.model}:{versao_prompt}",
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
            {"role": "system", "content": self.system},
            {"role": "user", "content": prompts.user_message(shown)},
        ]
        answer = self.client.chat_response(messages, format=self.schema, options=self.options)
        try:
            return self._parse(answer.content, answer.done_reason, started)
        except InvalidAnswerError as exc:
            first_problem = str(exc)
        messages += [
            {"role": "assistant", "content": answer.content[:2000]},
            {"role": "user", "content": prompts.correction_message(first_problem)},
        ]
        retry = self.client.chat_response(messages, format=self.schema, options=self.options)
        try:
            return self._parse(retry.content, retry.done_reason, started)
        except InvalidAnswerError as second:
            raise InvalidAnswerError(
                f"resposta inválida do modelo {self.model} após nova tentativa: {second} (1ª: {first_problem})"
            ) from None

    def _parse(self, content: str, done_reason: str | None, started: float) -> Classification:
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
            if codigo not in self.tags:
                raise InvalidAnswerError(f"tag fora da taxonomia: {str(codigo)[:60]!r}")
            try:
                tag = Tag(codigo=codigo, explicacao=str(item.get("explicacao") or "")[:300])
            except ValidationError:
                raise InvalidAnswerError(f"tag {codigo} sem explicação") from None
            tags.setdefault(tag.codigo, tag)  # a repeated code adds nothing (and is one row in the DB)

        return Classification(
            categoria=Categoria(categoria),
            tags_funcionalidades=tuple(tags.values())[: prompts.MAX_TAGS],
            confianca=float(confianca),
            proveniencia=self.provenance,
            latencia_ms=(time.perf_counter() - started) * 1000.0,
        )
