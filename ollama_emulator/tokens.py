"""Token costs: what a request would cost a real Ollama slot, for the token-cost mode.

A real model spends its time on tokens: prefill (reading the prompt, on the order of a hundred
tokens per second for a 3B model on CPU) and decode (writing the answer, several times slower per
token). Ollama keeps each parallel slot's KV cache after a request and gives the next request the
free slot sharing the longest prefix with its prompt; the tokens of that common prefix are not
evaluated again (``prompt_eval_count`` still counts them: since Ollama 0.2 it is the whole prompt,
and no cached count is reported). At least the prompt's last token is always evaluated (the model
needs its logits to start writing).

Here:

- the prompt is rendered with a ChatML template (qwen2.5's: ``<|im_start|>role\\ncontent<|im_end|>``
  per message, then ``<|im_start|>assistant\\n``), special markers one token each, the text cut by
  ``logprobs.tokenize`` (the same pieces as the answer's tokens: about 3-4 characters of
  Portuguese per token, one token per byte of an accented letter);
- ``cost`` is the arithmetic: cached = common prefix with the slot's cache (capped at the prompt
  minus one token), prefill = (prompt - cached) / prefill rate, decode = output / decode rate,
  both per slot (a slot is one sequence; Ollama's parallel slots share the machine, which the
  emulator's rates per slot stand for);
- after the request the slot caches the prompt and the generated tokens, as Ollama does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ollama_emulator.logprobs import tokenize

IM_START, IM_END = b"<|im_start|>", b"<|im_end|>"


def chat_tokens(messages: Sequence[Any]) -> list[bytes]:
    """The tokens of the prompt a ChatML template renders for ``messages``."""
    out: list[bytes] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        out.append(IM_START)
        out += tokenize(f"{message.get('role') or 'user'}\n{message.get('content') or ''}")
        out.append(IM_END)
        out += tokenize("\n")
    out.append(IM_START)
    out += tokenize("assistant\n")
    return out


def common_prefix(a: Sequence[bytes], b: Sequence[bytes]) -> int:
    """How many leading tokens ``a`` and ``b`` share."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n  # a[:lo] == b[:lo] and a[:hi] != b[:hi]: bisect with C-speed slice comparisons
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid
    return lo


@dataclass(frozen=True)
class TokenCost:
    """One generation's tokens and the seconds they take on one slot."""

    prompt: int  # prompt_eval_count (the whole prompt, cached part included, like Ollama)
    cached: int  # served from the slot's prefix cache
    output: int  # eval_count
    prefill_s: float
    decode_s: float

    @property
    def evaluated(self) -> int:
        """Prompt tokens actually prefilled."""
        return self.prompt - self.cached

    @property
    def seconds(self) -> float:
        return self.prefill_s + self.decode_s


def cost(cache: Sequence[bytes], prompt: Sequence[bytes], output: int, *, prefill_tps: float | None,
         decode_tps: float | None, prefix_cache: bool = True) -> TokenCost:
    """The cost of ``prompt`` (then ``output`` generated tokens) on a slot holding ``cache``.
    A rate of None or 0 makes that phase free (the mode is off for it)."""
    cached = min(common_prefix(cache, prompt), max(0, len(prompt) - 1)) if prefix_cache else 0
    evaluated = len(prompt) - cached
    return TokenCost(prompt=len(prompt), cached=cached, output=output,
                     prefill_s=evaluated / prefill_tps if prefill_tps else 0.0,
                     decode_s=output / decode_tps if decode_tps else 0.0)


def best_slot(caches: Sequence[Sequence[bytes]], prompt: Sequence[bytes]) -> int:
    """The index of the cache sharing the longest prefix with ``prompt`` (the first on a tie), as
    Ollama picks among its free slots."""
    best, best_len = 0, -1
    for i, cache in enumerate(caches):
        n = common_prefix(cache, prompt)
        if n > best_len:
            best, best_len = i, n
    return best
