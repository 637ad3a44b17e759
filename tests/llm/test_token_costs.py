"""The emulator's token-cost mode: the arithmetic (prefill of what the slot's prefix cache does not
hold, decode of the answer), slot choice by longest prefix, and counts reported like Ollama's."""

from __future__ import annotations

import pytest
import requests

from alumusic.llm.ollama import OllamaClient
from ollama_emulator import tokens
from ollama_emulator.logprobs import tokenize

SYSTEM = {"role": "system", "content": "Regras fixas da classificação, iguais para todo comentário. " * 20}


def _chat(comment: str) -> list[dict]:
    return [SYSTEM, {"role": "user", "content": f"<comentario>\n{comment}\n</comentario>"}]


def test_cost_prefills_only_what_the_cache_lacks_and_decodes_the_answer():
    prompt = [b"a", b"b", b"c", b"d", b"e", b"f", b"g", b"h"]
    cold = tokens.cost([], prompt, 5, prefill_tps=4.0, decode_tps=2.0)
    assert (cold.prompt, cold.cached, cold.evaluated, cold.output) == (8, 0, 8, 5)
    assert cold.prefill_s == pytest.approx(8 / 4.0) and cold.decode_s == pytest.approx(5 / 2.0)

    warm = tokens.cost([b"a", b"b", b"c", b"x"], prompt, 5, prefill_tps=4.0, decode_tps=2.0)
    assert (warm.cached, warm.evaluated) == (3, 5)  # the common prefix is served from the cache
    assert warm.prefill_s == pytest.approx(5 / 4.0) and warm.prefill_s < cold.prefill_s
    assert warm.decode_s == cold.decode_s

    same = tokens.cost(prompt + [b"answer"], prompt, 1, prefill_tps=4.0, decode_tps=None)
    assert (same.cached, same.evaluated) == (7, 1)  # the last prompt token is always evaluated
    assert same.decode_s == 0.0  # no decode rate: that phase costs nothing

    off = tokens.cost(prompt, prompt, 1, prefill_tps=4.0, decode_tps=2.0, prefix_cache=False)
    assert (off.cached, off.evaluated) == (0, 8) and off.seconds == pytest.approx(8 / 4.0 + 1 / 2.0)


def test_a_request_takes_the_free_slot_sharing_the_longest_prefix():
    prompt = tokens.chat_tokens(_chat("b"))
    caches = [tokens.chat_tokens([{"role": "user", "content": "outra coisa"}]), tokens.chat_tokens(_chat("a")), []]
    assert tokens.best_slot(caches, prompt) == 1
    assert tokens.best_slot([[], []], prompt) == 0
    pieces = [b"x%d" % i for i in range(1000)]
    assert [tokens.common_prefix(pieces, other) for other in (pieces, pieces[:10], pieces[:700] + [b"y"], [])] == [
        1000, 10, 700, 0]


def test_chat_tokens_render_a_chatml_prompt():
    toks = tokens.chat_tokens(_chat("oi"))
    assert toks[0] == tokens.IM_START and toks.count(tokens.IM_END) == 2
    assert b"".join(toks).endswith(b"<|im_start|>assistant\n")
    assert b"".join(toks).startswith(b"<|im_start|>system\n" + SYSTEM["content"].encode())


def test_served_counts_are_ollamas_and_the_cache_serves_the_static_prefix(make_emulator):
    emu = make_emulator(num_parallel=1, prefill_tps=1e6, decode_tps=1e6)
    client = OllamaClient(emu.url, "qwen2.5:3b")
    first = client.chat_response(_chat("que show lindo"))
    after_first = emu.stats
    second = client.chat_response(_chat("música chata"))
    stats = emu.stats

    # prompt_eval_count is the whole prompt, cached part included, as Ollama reports it.
    assert first.prompt_eval_count == len(tokens.chat_tokens(_chat("que show lindo")))
    assert second.prompt_eval_count == len(tokens.chat_tokens(_chat("música chata")))
    assert first.eval_count == len(tokenize(first.content)) and second.eval_count == len(tokenize(second.content))
    assert after_first["cached_tokens"] == 0  # a cold slot
    static = tokens.common_prefix(tokens.chat_tokens(_chat("que show lindo")), tokens.chat_tokens(_chat("música chata")))
    assert static > len(tokenize(SYSTEM["content"]))  # the whole system message, and more
    assert stats["cached_tokens"] - after_first["cached_tokens"] == static
    assert stats["prompt_tokens"] == first.prompt_eval_count + second.prompt_eval_count
    assert stats["output_tokens"] == first.eval_count + second.eval_count

    body = requests.get(f"{emu.url}/emulator/stats", timeout=5).json()
    assert body["cached_tokens"] == stats["cached_tokens"] and body["prefill_tps"] == 1e6


def test_without_the_prefix_cache_every_prompt_token_is_prefilled(make_emulator):
    emu = make_emulator(num_parallel=1, prefill_tps=1e6, prefix_cache=False)
    client = OllamaClient(emu.url, "qwen2.5:3b")
    for text in ("a", "b", "c"):
        client.chat_response(_chat(text))
    assert emu.stats["cached_tokens"] == 0 and emu.stats["prompt_tokens"] > 0


def test_the_reported_prefill_duration_shrinks_with_a_cache_hit(make_emulator):
    """Durations as Ollama reports them (nanoseconds), derived from the rates: no clock involved."""
    emu = make_emulator(num_parallel=1, prefill_tps=1e5, decode_tps=1e6)
    client = OllamaClient(emu.url, "qwen2.5:3b")
    raw = []
    for text in ("primeiro comentário", "segundo comentário"):
        raw.append(requests.post(f"{emu.url}/api/chat", json={"model": "qwen2.5:3b", "messages": _chat(text),
                                                              "stream": False}, timeout=10).json())
    cold, warm = raw
    assert cold["prompt_eval_duration"] == int(cold["prompt_eval_count"] / 1e5 * 1e9)
    assert warm["prompt_eval_duration"] < cold["prompt_eval_duration"] / 5
    assert client.chat_response(_chat("x")).prompt_eval_count == len(tokens.chat_tokens(_chat("x")))
