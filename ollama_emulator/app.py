"""The WSGI app: the two Ollama endpoints the product's client calls (``alumusic.llm.ollama``).

- ``POST /api/chat``, non-streaming only (the client always sends ``"stream": false``), with
  ``"logprobs"``/``"top_logprobs"`` (0-20) answered by a top-level ``"logprobs"`` list unless the
  emulator plays an older server (``Emulator.logprobs`` False: the fields are ignored);
- ``GET /api/tags``: the installed models (the ``auto`` backend probe, ``has_model``);
- ``GET /emulator/stats`` (not Ollama's): the counters, token counts included, for benchmarks.

Anything else is a JSON 404/405, like Ollama's ``{"error": ...}`` bodies.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from alumusic.llm.ollama import normalise_model_name
from ollama_emulator import answers, logprobs, tokens
from ollama_emulator.state import Emulator

log = logging.getLogger(__name__)

URLS = Map([
    Rule("/api/chat", endpoint="chat", methods=["POST"]),
    Rule("/api/tags", endpoint="tags", methods=["GET"]),
    Rule("/emulator/stats", endpoint="stats", methods=["GET"]),  # not Ollama's: benchmarks read counters
])


def make_app(emu: Emulator) -> Callable:
    """A WSGI application serving ``emu``."""
    endpoints: dict[str, Callable[[Emulator, Request], Response]] = {"chat": chat, "tags": tags,
                                                                     "stats": stats}

    @Request.application
    def app(request: Request) -> Response:
        emu.count_request()
        try:
            endpoint, _ = URLS.bind_to_environ(request.environ).match()
        except HTTPException as exc:
            return _json({"error": str(exc.name).lower()}, exc.code or 404)
        return endpoints[endpoint](emu, request)

    return app


def _json(payload: Any, status: int = 200) -> Response:
    # A str body: werkzeug sets Content-Length, so nothing is sent chunked.
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def tags(emu: Emulator, request: Request) -> Response:
    models = [{"name": m, "model": m, "modified_at": _now(), "size": 1_900_000_000,
               "digest": hashlib.sha256(m.encode()).hexdigest(),
               "details": {"format": "gguf", "family": m.split(":")[0], "parameter_size": "3B",
                           "quantization_level": "Q4_K_M"}} for m in emu.installed()]
    return _json({"models": models})


def stats(emu: Emulator, request: Request) -> Response:
    """The emulator's counters (``Emulator.stats``) and token-cost settings, for a benchmark
    driving an emulator in another process."""
    return _json({**emu.stats, "prefill_tps": emu.prefill_tps, "decode_tps": emu.decode_tps,
                  "prefix_cache": emu.prefix_cache, "num_parallel": emu.num_parallel, "latency_s": emu.latency_s})


def chat(emu: Emulator, request: Request) -> Response:
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        return _json({"error": "invalid JSON body"}, 400)
    if not isinstance(body, dict):
        return _json({"error": "body must be a JSON object"}, 400)
    emu.received.append({"path": request.path, "body": body})
    model = str(body.get("model") or "")
    if not model:
        return _json({"error": "model is required"}, 400)
    if normalise_model_name(model) not in emu.installed():
        return _json({"error": f'model "{model}" not found, try pulling it first'}, 404)
    messages = body.get("messages") or []
    if not isinstance(messages, list):
        return _json({"error": "messages must be a list"}, 400)
    if body.get("stream", True) is not False:  # Ollama streams unless told otherwise
        return _json({"error": 'the emulator does not stream: send "stream": false'}, 400)
    want_logprobs = emu.logprobs and body.get("logprobs") is True  # an older server ignores both fields
    top_n = (body.get("top_logprobs") or 0) if want_logprobs else 0
    if want_logprobs and (isinstance(top_n, bool) or not isinstance(top_n, int) or not 0 <= top_n <= 20):
        return _json({"error": "top_logprobs must be between 0 and 20"}, 400)

    started = time.perf_counter()
    prompt = tokens.chat_tokens(messages)
    with emu.generation(prompt) as (failure, hang_over, slot):
        if failure == "http_500":
            return _json({"error": "emulated internal server error"}, 500)
        if failure == "hang":
            hang_over.wait(emu.hang_s)  # past the client's read timeout; ends on a mode change or stop
            return _json({"error": "emulated hang ended"}, 500)
        try:
            generation = answers.answer(body.get("format"), messages, failure, emu.take_reply())
        except Exception as exc:  # reported to the client, like a crashed model runner
            log.exception("emulator could not build an answer")
            return _json({"error": f"emulator: {type(exc).__name__}: {exc}"}, 500)
        output = logprobs.tokenize(generation.content) or [b""]
        cost = emu.charge(slot, prompt, output)
        if emu.latency_s or cost.seconds:  # the slot stays busy, as a model would keep it
            emu.stopping.wait(emu.latency_s + cost.seconds)

    content = generation.content
    elapsed_ns = int((time.perf_counter() - started) * 1e9)
    # Counts like Ollama's: prompt_eval_count is the whole prompt (the cached prefix included);
    # the durations are the prefill and decode times in token-cost mode.
    payload: dict[str, Any] = {
        "model": model, "created_at": _now(),
        "message": {"role": "assistant", "content": content},
        "done": True, "done_reason": generation.done_reason,
        "total_duration": elapsed_ns, "load_duration": 0,
        "prompt_eval_count": cost.prompt, "eval_count": cost.output,
        "prompt_eval_duration": int(cost.prefill_s * 1e9),
        "eval_duration": int(cost.decode_s * 1e9) if emu.token_cost_mode else elapsed_ns,
    }
    if want_logprobs:
        entries = logprobs.token_logprobs(content, generation.category_confidence, top_n)
        if failure == "logprobs_truncated":
            entries = logprobs.truncated(entries, content)
        elif failure == "logprobs_invalid":
            entries = logprobs.invalid(entries)
        payload["logprobs"] = entries
    return _json(payload)
