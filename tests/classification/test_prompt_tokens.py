"""Tokens per classification: what varies comes last (so Ollama's prefix cache serves the rest), and
Ollama's prompt_eval_count / eval_count travel with each result (summed over a corrective retry)."""

from __future__ import annotations

import pytest

from alumusic.classification import prompts
from alumusic.classification.ollama import OllamaClassifier
from alumusic.domain import seed_tags
from alumusic.llm.ollama import OllamaClient
from alumusic.repositories.labels import Label
from ollama_emulator import tokens

MODEL = "qwen2.5:3b"
TAGS = {t.codigo: t.description for t in seed_tags()}
EXAMPLES = {
    "que show lindo": [Label(1, "c1", "show perfeito, voz linda", "ELOGIO"), Label(2, "c2", "que banda boa", "ELOGIO")],
    "quando sai o álbum?": [Label(3, "c3", "qual a data do lançamento?", "DÚVIDA")],
}


def _classifier(url: str, **kwargs) -> OllamaClassifier:
    return OllamaClassifier(OllamaClient(url, MODEL), TAGS, examples=lambda texto: EXAMPLES[texto], **kwargs)


def _rendered(body: dict) -> str:
    """The prompt text as a ChatML template renders the request's messages."""
    return b"".join(tokens.chat_tokens(body["messages"])).decode()


def test_static_prefix_is_byte_identical_up_to_the_examples(emu):
    clf = _classifier(emu.url)
    for text in EXAMPLES:
        clf.classify(text)
    first, second = (r["body"] for r in emu.received if r["path"] == "/api/chat")
    a, b = _rendered(first), _rendered(second)
    # Everything before the first example is the same bytes: system prompt (rules, taxonomy) and
    # the user turn's opening; the examples chosen for each comment, then the comment, come after.
    varying = a.index(prompts.example_open("ELOGIO"))
    assert a[:varying] == b[:varying] and b[varying:].startswith(prompts.example_open("DÚVIDA"))
    static = a[:varying]
    assert static.startswith("<|im_start|>system\n" + clf.system) and static.endswith("<|im_start|>user\n")
    assert "show perfeito" not in static and "que show lindo" not in static
    assert first["format"] == second["format"] and first["options"] == second["options"]
    # The comment is the very last thing in the prompt (after it only the assistant turn opens).
    assert a.endswith(f"{prompts.OPEN}\nque show lindo\n{prompts.CLOSE}<|im_end|>\n<|im_start|>assistant\n")


def test_the_static_part_carries_no_per_comment_text():
    system = prompts.system_prompt(TAGS)
    assert system == prompts.system_prompt(dict(reversed(list(TAGS.items()))))  # order-independent
    assert "Capa, arte e encarte" in system and "Capa do álbum — " not in system  # labels trimmed
    user = prompts.user_message("oi", [("a" * 1000, "OUTRO")])
    assert len(user) < prompts.EXAMPLE_MAX_CHARS + 80


def test_token_counts_are_recorded_with_each_result(make_emulator):
    emu = make_emulator(num_parallel=1, prefill_tps=1e6, decode_tps=1e6)
    clf = _classifier(emu.url)
    first, second = (clf.classify(text) for text in EXAMPLES)
    sent = [r["body"] for r in emu.received if r["path"] == "/api/chat"]
    for result, body in zip((first, second), sent, strict=True):
        assert result.tokens_prompt == len(tokens.chat_tokens(body["messages"]))  # Ollama's prompt_eval_count
        assert result.tokens_resposta is not None and result.tokens_resposta > 0
    # The second request found the static prefix in the slot's cache.
    assert emu.stats["cached_tokens"] >= len(tokens.chat_tokens([{"role": "system", "content": clf.system}])) - 2
    assert emu.stats["output_tokens"] == first.tokens_resposta + second.tokens_resposta


@pytest.mark.parametrize("mode", ["out_of_enum"])
def test_a_corrective_retry_adds_the_second_calls_tokens(emu, mode):
    clf = _classifier(emu.url)
    emu.set_failure(mode, count=1)
    result = clf.classify("que show lindo")
    bodies = [r["body"] for r in emu.received if r["path"] == "/api/chat"]
    assert len(bodies) == 2  # the bad answer, then the corrected one
    assert result.tokens_prompt == sum(len(tokens.chat_tokens(b["messages"])) for b in bodies)
    assert result.tokens_resposta == emu.stats["output_tokens"]


def test_a_call_without_counts_leaves_the_tokens_unknown(emu):
    from alumusic.classification.ollama import _with_tokens
    from alumusic.llm.ollama import ChatResponse, _count

    result = _classifier(emu.url).classify("que show lindo")
    older = ChatResponse("{}", "stop", MODEL, emu.url, eval_count=3, prompt_eval_count=None)
    assert (_with_tokens(result, older).tokens_prompt, _with_tokens(result, older).tokens_resposta) == (None, 3)
    assert [_count(v) for v in (None, -1, True, "9", 7)] == [None, None, None, None, 7]
