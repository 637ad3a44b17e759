"""The emulator's state: installed models, limits, failure switches, scripted replies, counters.

Tests drive it in-process (``set_failure``, ``set_reply``, ``latency_s``, ``stats``, ``received``,
...); the WSGI app (``app.py``) reads it on every request.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from alumusic.llm.ollama import normalise_model_name
from ollama_emulator import tokens

FAILURE_MODES = ("http_500", "hang", "invalid_json", "out_of_enum", "unknown_tag", "truncated", "model_missing",
                 "logprobs_truncated", "logprobs_invalid")
DEFAULT_MODEL = "qwen2.5:3b"


class Emulator:
    """One emulated Ollama server. Like ``OLLAMA_NUM_PARALLEL``, at most ``num_parallel``
    generations run at once and the others queue; ``latency_s`` is added to each generation.

    ``logprobs``: answer ``"logprobs": true`` requests with token log-probabilities, like Ollama
    0.12.11+; False behaves like an older server, which ignores ``logprobs``/``top_logprobs``.

    Token-cost mode (``prefill_tps`` and/or ``decode_tps``, tokens per second per slot): each
    generation also holds its slot for (prompt tokens not in the slot's prefix cache) / prefill_tps
    + (tokens generated) / decode_tps, see ``tokens.py``; every slot keeps its own prefix cache
    (``prefix_cache=False``: none) and a request takes the free slot whose cache shares the
    longest prefix with its prompt, as Ollama does. Token counters are kept in every mode."""

    def __init__(self, models: Sequence[str] = (DEFAULT_MODEL,), latency_s: float = 0.0,
                 num_parallel: int = 4, hang_s: float = 30.0, keep_requests: int = 1000,
                 logprobs: bool = True, prefill_tps: float | None = None, decode_tps: float | None = None,
                 prefix_cache: bool = True) -> None:
        self.models = [normalise_model_name(m) for m in models]
        self.logprobs = logprobs
        self.latency_s = latency_s
        self.num_parallel = num_parallel
        self.hang_s = hang_s
        self.url = ""  # set once served (server.run_emulator)
        self.received: deque[dict[str, Any]] = deque(maxlen=keep_requests)  # {"path", "body"} of each chat
        self.stopping = threading.Event()  # set when the server stops: wakes latency waits and hangs
        self.prefill_tps, self.decode_tps, self.prefix_cache = prefill_tps, decode_tps, prefix_cache
        self._lock = threading.Lock()
        self._slot_free = threading.Condition(self._lock)
        self._caches: list[list[bytes]] = [[] for _ in range(num_parallel)]  # per slot: tokens it holds
        self._free = list(range(num_parallel))
        self._hangs_over = threading.Event()  # set (and replaced) when the failure mode changes
        self._failure: str | None = None
        self._failure_left: int | None = None
        self._reply: str | None = None
        self._reply_left: int | None = None
        self._active = 0
        self._stats = {"requests": 0, "generations": 0, "failures_injected": 0, "max_concurrency": 0,
                       "prompt_tokens": 0, "cached_tokens": 0, "output_tokens": 0}

    # --- control (tests, CLI) -----------------------------------------------------------------
    def set_failure(self, mode: str | None, count: int | None = None) -> None:
        """Fail the next ``count`` generations with ``mode`` (None: until cleared); ``None`` clears.

        Changing the mode also ends the hangs in progress, so a test's hang never holds a slot
        into the next test. ``model_missing`` empties ``/api/tags`` and 404s every chat until cleared."""
        if mode is not None and mode not in FAILURE_MODES:
            raise ValueError(f"unknown failure mode {mode!r}; expected one of {FAILURE_MODES}")
        with self._lock:
            self._failure, self._failure_left = mode, count
            ended, self._hangs_over = self._hangs_over, threading.Event()
        ended.set()

    def set_reply(self, content: str | None, count: int | None = 1) -> None:
        """Answer the next ``count`` generations (None: until cleared) with exactly ``content``
        (the message content, e.g. a JSON text for a ``format`` request); ``None`` clears.
        The ``invalid_json`` and ``truncated`` failure modes still apply on top of it;
        ``reset_stats`` clears it too."""
        with self._lock:
            self._reply, self._reply_left = content, (count if content is not None else None)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no generation is in progress; False if some still run after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.stats["active"]:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    @property
    def stats(self) -> dict[str, int]:
        """requests (every HTTP request), generations, failures_injected, max_concurrency, active;
        prompt_tokens, cached_tokens (of those, served from a slot's prefix cache), output_tokens."""
        with self._lock:
            return {**self._stats, "active": self._active}

    def reset_stats(self) -> None:
        """Zero the counters, forget the requests received and any scripted reply."""
        with self._lock:
            self._stats = dict.fromkeys(self._stats, 0)
            self.received.clear()
            self._reply, self._reply_left = None, None

    def stop(self) -> None:
        """Wake every generation still sleeping or hanging (the server is going away)."""
        self.stopping.set()
        with self._lock:
            self._hangs_over.set()

    # --- used by the app, per request ---------------------------------------------------------
    def count_request(self) -> None:
        with self._lock:
            self._stats["requests"] += 1

    def installed(self) -> list[str]:
        """The models ``/api/tags`` lists (none while ``model_missing`` is on)."""
        with self._lock:
            return [] if self._failure == "model_missing" else list(self.models)

    @property
    def token_cost_mode(self) -> bool:
        return bool(self.prefill_tps or self.decode_tps)

    @contextlib.contextmanager
    def generation(self, prompt: Sequence[bytes] = ()) -> Iterator[tuple[str | None, threading.Event, int]]:
        """Hold a slot (queueing beyond ``num_parallel``, as in Ollama) for one generation: the
        free one whose cache shares the longest prefix with ``prompt`` (its tokens). Gives the
        failure mode to apply, the event that ends a ``hang`` and the slot (for ``charge``)."""
        with self._slot_free:
            while not self._free:
                self._slot_free.wait()
            slot = self._free[tokens.best_slot([self._caches[i] for i in self._free], prompt)]
            self._free.remove(slot)
            self._active += 1
            self._stats["max_concurrency"] = max(self._stats["max_concurrency"], self._active)
            hang_over = self._hangs_over  # taken with the failure: a later change ends this hang
            failure = self._take_failure()
        try:
            yield failure, hang_over, slot
        finally:
            with self._slot_free:
                self._active -= 1
                self._stats["generations"] += 1
                self._free.append(slot)
                self._slot_free.notify()

    def charge(self, slot: int, prompt: Sequence[bytes], output: Sequence[bytes]) -> tokens.TokenCost:
        """The token cost of this generation on ``slot`` (held by the caller), counted in ``stats``;
        the slot then caches the prompt and the answer, as Ollama's KV cache does."""
        with self._lock:
            found = tokens.cost(self._caches[slot], prompt, len(output), prefill_tps=self.prefill_tps,
                                decode_tps=self.decode_tps, prefix_cache=self.prefix_cache)
            self._caches[slot] = [*prompt, *output]
            self._stats["prompt_tokens"] += found.prompt
            self._stats["cached_tokens"] += found.cached
            self._stats["output_tokens"] += found.output
        return found

    def take_reply(self) -> str | None:
        """The scripted reply for this generation, if any (counts it down)."""
        with self._lock:
            reply = self._reply
            if reply is not None and self._reply_left is not None:
                self._reply_left -= 1
                if self._reply_left <= 0:
                    self._reply, self._reply_left = None, None
            return reply

    def _take_failure(self) -> str | None:  # with self._lock held
        mode = self._failure
        if mode is None or mode == "model_missing":
            return None  # a missing model answers 404 before any generation
        if self._failure_left is not None:
            self._failure_left -= 1
            if self._failure_left <= 0:
                self._failure, self._failure_left = None, None
        self._stats["failures_injected"] += 1
        return mode
