"""Deterministic answers: what a well-behaved model would say for a request, and the broken ones.

- ``format`` is the classification schema (``alumusic.classification.prompts``): the offline
  classifier's answer for the delimited comment (the last one: few-shot examples come before
  it, in their own ``<exemplo>`` delimiters), restricted to the schema's enums. The category's
  tokens carry the offline classifier's calibrated confidence (``Generation.category_confidence``,
  see ``logprobs.py``); the ``confianca`` the answer states is rounder and surer
  (``stated_confidence``), as small models' stated confidence tends to be, so a test can tell
  which one a client used;
  a schema with ``tags_novas`` (a taxonomy that grows) also gets the proposals of
  ``NOVEL_ASPECTS``: a comment with one of their cues gets that tag when the schema's taxonomy
  has it (after curators approved it), else it is proposed in ``tags_novas``
  (``cassete`` proposes a code of an unknown area, which the client must drop);
- any other JSON schema: a deterministic object satisfying it; ``"json"``: a small object;
- no ``format``: pt-BR text built only from the last user message ("Resumo (emulador): ...").
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, NamedTuple

from alumusic.classification import prompts

_DELIMITED = re.compile(re.escape(prompts.OPEN) + r"\n?(.*?)\n?" + re.escape(prompts.CLOSE), re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SUMMARY_MAX_WORDS = 120
INVALID_JSON = '{"categoria": "ELOGIO", "confianca": 0.9, tags_funcionalidades: ['


# --- reading the request ---------------------------------------------------------------------
def unescape_comment(escaped: str) -> str:
    """Undo ``prompts.escape_comment``."""
    return escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def extract_comment(content: str) -> str | None:
    """The original comment inside a user message built by ``prompts.user_message``."""
    found = _DELIMITED.findall(content)
    return unescape_comment(found[-1]) if found else None


def is_classification_schema(schema: object) -> bool:
    """Whether a ``format`` value is (shaped like) ``prompts.classification_schema``'s output."""
    if not isinstance(schema, dict):
        return False
    props = schema.get("properties") or {}
    return isinstance(props, dict) and {"categoria", "tags_funcionalidades", "confianca"} <= set(props)


def _user_contents(messages: list) -> list[str]:
    """The user turns' contents, newest first."""
    return [str(m.get("content") or "") for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "user"]


def delimited_comment(messages: list) -> str | None:
    """The comment of the classification conversation (the corrective retry adds later turns)."""
    return next((c for c in map(extract_comment, _user_contents(messages)) if c is not None), None)


# --- well-behaved answers --------------------------------------------------------------------
_classifier_lock = threading.Lock()
_classifier: Any = None


def _offline_classifier() -> Any:
    global _classifier
    with _classifier_lock:
        if _classifier is None:
            from alumusic.classification.offline import OfflineClassifier  # lazy: loads the lexicons

            _classifier = OfflineClassifier()
        return _classifier


def stated_confidence(probability: float) -> float:
    """The ``confianca`` the emulated model writes: halfway from its token probability to
    certainty, two decimals, at most 0.99."""
    return min(0.99, round(probability + (1.0 - probability) / 2, 2))


def category_probability(comment: str) -> float:
    """The probability the emulated model gives its category for ``comment``: the offline
    classifier's calibrated confidence (deterministic, and plausible per comment)."""
    return float(_offline_classifier().classify(comment).confianca)


# Aspects the seed taxonomy lacks, with the tag a model would propose for them (deterministic cues).
NOVEL_ASPECTS: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (re.compile(r"\b(vinil|vinis|lp)\b", re.I),
     {"codigo": "album_vinil", "rotulo": "Edição em vinil",
      "descricao": "Pedidos, preço ou qualidade de edições em vinil (LP)",
      "explicacao": "O comentário fala da edição em vinil."}),
    (re.compile(r"\bcassete\b", re.I),
     {"codigo": "midia_cassete", "rotulo": "Fita cassete", "descricao": "Edições em fita cassete",
      "explicacao": "O comentário fala de fita cassete."}),
)


def proposals_for(comment: str) -> list[dict[str, str]]:
    """The tags the emulated model proposes for ``comment`` (``NOVEL_ASPECTS`` whose cue it has)."""
    return [dict(tag) for cue, tag in NOVEL_ASPECTS if cue.search(comment)]


def classification_answer(comment: str, schema: dict) -> dict:
    """The offline classifier's result for ``comment``, keeping only the schema's tag codes;
    ``confianca`` is the stated one (``stated_confidence``)."""
    props = schema.get("properties", {})
    allowed_codes = set(props.get("tags_funcionalidades", {}).get("items", {}).get("properties", {})
                        .get("codigo", {}).get("enum", []))
    result = _offline_classifier().classify(comment)
    tags = [{"codigo": t.codigo, "explicacao": t.explicacao}
            for t in result.tags_funcionalidades if t.codigo in allowed_codes]
    obj: dict[str, Any] = {"categoria": str(result.categoria), "tags_funcionalidades": tags}
    if "tags_novas" in props:
        novel = proposals_for(comment)
        tags += [{"codigo": t["codigo"], "explicacao": t["explicacao"]} for t in novel if t["codigo"] in allowed_codes]
        obj["tags_novas"] = [t for t in novel if t["codigo"] not in allowed_codes][:1]
    obj["confianca"] = stated_confidence(float(result.confianca))
    return obj


def object_for_schema(schema: Any, seed: str = "") -> Any:
    """A deterministic value satisfying a (simple) JSON schema: enums, types, bounds, required."""
    if not isinstance(schema, dict):
        return {}
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return object_for_schema(schema[key][0], seed)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: object_for_schema(sub, f"{seed}.{name}") for name, sub in props.items()}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        return [object_for_schema(schema.get("items", {}), seed) for _ in range(count)]
    if kind in ("number", "integer"):
        lo = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        hi = schema.get("maximum", schema.get("exclusiveMaximum", lo + 1))
        value = (lo + hi) / 2
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = f"texto do emulador {seed.strip('.')}".strip()
    lo, hi = int(schema.get("minLength", 0)), int(schema.get("maxLength", 10_000))
    return (text + " " * lo)[: max(lo, min(hi, len(text)))]


def text_answer(prompt: str) -> str:
    """Free text made only of the prompt: its first sentences, so callers can check grounding."""
    flat = " ".join(prompt.split())
    sentences = [s for s in _SENTENCE_END.split(flat) if s][:3]
    words = " ".join(sentences).split()[:SUMMARY_MAX_WORDS]
    return "Resumo (emulador): " + (" ".join(words) if words else "sem conteúdo.")


# --- one generation --------------------------------------------------------------------------
class Generation(NamedTuple):
    content: str
    done_reason: str
    # What the category's tokens' logprobs add up to (exp), for a classification answer; None:
    # no category chosen by the emulator (other formats, scripted replies without a valid one).
    category_confidence: float | None = None


def _scripted_confidence(reply: str) -> float | None:
    """A scripted classification reply's category tokens carry its own stated ``confianca``."""
    try:
        value = json.loads(reply).get("confianca")
    except (ValueError, AttributeError):
        return None
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1
    return float(value) if ok else None


def answer(fmt: Any, messages: list, failure: str | None = None, reply: str | None = None) -> Generation:
    """The content, done_reason and category confidence of a chat generation, with the failure
    mode applied.

    ``reply`` (scripted by a test) replaces the content; ``invalid_json`` and ``truncated``
    still apply on top of it."""
    if failure == "invalid_json":
        return Generation(INVALID_JSON, "stop")
    prompt = next(iter(_user_contents(messages)), "")
    confidence: float | None = None
    if reply is not None:
        content = reply
        confidence = _scripted_confidence(reply)
    elif fmt is None:
        content = text_answer(prompt)
    elif is_classification_schema(fmt):
        comment = delimited_comment(messages)
        comment = comment if comment is not None else prompt
        obj = classification_answer(comment, fmt)
        confidence = category_probability(comment)
        if failure == "out_of_enum":
            obj["categoria"] = "ELOGIO_OU_CRITICA"
        elif failure == "unknown_tag":
            obj["tags_funcionalidades"] = [{"codigo": "tag_inexistente", "explicacao": "inventada"}]
        content = json.dumps(obj, ensure_ascii=False)
    elif isinstance(fmt, dict):
        content = json.dumps(object_for_schema(fmt), ensure_ascii=False)
    else:  # "json"
        content = json.dumps({"resposta": text_answer(prompt)}, ensure_ascii=False)
    if failure == "truncated":
        return Generation(content[: max(1, len(content) // 2)], "length", confidence)
    return Generation(content, "stop", confidence)
