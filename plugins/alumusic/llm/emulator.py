"""A loopback Ollama emulator: Ollama's documented HTTP API, deterministic answers, injectable faults.

Real Ollama cannot run on the CI/dev machines (no GPU, no weights), so tests, benchmarks and a
demo stack talk to this server instead. It implements ``POST /api/chat``, ``POST /api/generate``
(streaming NDJSON by default, like Ollama, or one JSON object with ``"stream": false``),
``GET /api/tags`` and ``GET /api/version``, and honours ``format``:

- the classification schema (see ``classification/prompts.py``): the offline classifier's
  answer for the delimited comment, restricted to the schema's enums;
- any other JSON schema: a deterministic object satisfying it; ``"json"``: a small object;
- no format: pt-BR text built only from the last user message ("Resumo (emulador): ...").

Like ``OLLAMA_NUM_PARALLEL``, at most ``num_parallel`` generations run at once; the others queue.
Failure modes are switched at runtime (``set_failure``) for the next N generations or until cleared.
Tests can also script the content of the next N answers (``set_reply``), e.g. a model echoing
personal data, and read every request body received (``received``).

Python: ``with run_emulator(latency_s=0.05, num_parallel=4) as emu: ... emu.url ... emu.stats``
CLI: ``python -m alumusic.llm.emulator --port 11434 --latency-ms 200 --num-parallel 8 --model qwen2.5:3b``
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import re
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from alumusic.classification import prompts
from alumusic.llm.ollama import normalise_model_name

log = logging.getLogger(__name__)

VERSION = "0.12.0-alumusic-emulator"
FAILURE_MODES = ("http_500", "hang", "invalid_json", "out_of_enum", "unknown_tag", "truncated", "model_missing")


class Emulator:
    """State shared by the request handlers: models, limits, failure switches, counters."""

    def __init__(self, models: Sequence[str] = ("qwen2.5:3b",), latency_s: float = 0.0,
                 num_parallel: int = 4, hang_s: float = 30.0, keep_requests: int = 1000) -> None:
        self.models = [normalise_model_name(m) for m in models]
        self.latency_s = latency_s
        self.num_parallel = num_parallel
        self.hang_s = hang_s
        self.url = ""
        self.server: _Server | None = None  # set by run_emulator
        self._slots = threading.BoundedSemaphore(num_parallel)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._hangs_over = threading.Event()  # set (and replaced) when the failure mode changes
        self._failure: str | None = None
        self._failure_left: int | None = None
        self._reply: str | None = None
        self._reply_left: int | None = None
        self._active = 0
        self._stats = {"requests": 0, "generations": 0, "failures_injected": 0, "max_concurrency": 0}
        self.received: deque[dict[str, Any]] = deque(maxlen=keep_requests)  # request bodies, for tests

    # --- control ------------------------------------------------------------------------------
    def set_failure(self, mode: str | None, count: int | None = None) -> None:
        """Fail the next ``count`` generations with ``mode`` (None: until cleared); ``None`` clears.

        Changing the mode also ends the hangs in progress, so a test's hang never holds a slot
        into the next test."""
        if mode is not None and mode not in FAILURE_MODES:
            raise ValueError(f"unknown failure mode {mode!r}; expected one of {FAILURE_MODES}")
        with self._lock:
            self._failure, self._failure_left = mode, count
        self._end_hangs()

    def set_reply(self, content: str | None, count: int | None = 1) -> None:
        """Answer the next ``count`` generations (None: until cleared) with exactly ``content``
        (the message content, e.g. a JSON text for a ``format`` request); ``None`` clears.
        The ``invalid_json`` and ``truncated`` failure modes still apply on top of it;
        ``reset_stats`` clears it too."""
        with self._lock:
            self._reply, self._reply_left = content, (count if content is not None else None)

    def _take_reply(self) -> str | None:
        with self._lock:
            reply = self._reply
            if reply is not None and self._reply_left is not None:
                self._reply_left -= 1
                if self._reply_left <= 0:
                    self._reply, self._reply_left = None, None
            return reply

    def _end_hangs(self) -> None:
        with self._lock:
            ended, self._hangs_over = self._hangs_over, threading.Event()
        ended.set()

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
        with self._lock:
            return {**self._stats, "active": self._active}

    def reset_stats(self) -> None:
        """Zero the counters, forget the requests received and any scripted reply."""
        with self._lock:
            self._stats = dict.fromkeys(self._stats, 0)
            self.received.clear()
            self._reply, self._reply_left = None, None

    def _take_failure(self) -> str | None:
        with self._lock:
            mode = self._failure
            if mode is None or mode == "model_missing":
                return mode  # a missing model stays missing until cleared
            if self._failure_left is not None:
                self._failure_left -= 1
                if self._failure_left <= 0:
                    self._failure, self._failure_left = None, None
            self._stats["failures_injected"] += 1
            return mode

    def _model_missing(self) -> bool:
        with self._lock:
            return self._failure == "model_missing"

    def _installed(self) -> list[str]:
        return [] if self._model_missing() else list(self.models)

    @contextlib.contextmanager
    def _generation_slot(self) -> Iterator[None]:
        with self._slots:  # requests beyond num_parallel queue here, as in Ollama
            with self._lock:
                self._active += 1
                self._stats["max_concurrency"] = max(self._stats["max_concurrency"], self._active)
            try:
                yield
            finally:
                with self._lock:
                    self._active -= 1
                    self._stats["generations"] += 1


# --- answers ---------------------------------------------------------------------------------
_classifier_lock = threading.Lock()
_classifier: Any = None


def _offline_classifier() -> Any:
    global _classifier
    with _classifier_lock:
        if _classifier is None:
            try:
                from alumusic.classification.offline import OfflineClassifier  # lazy: heavy lexicons
            except ImportError:
                log.warning("offline classifier not importable: the emulator answers OUTRO to everything")
                _classifier = _Fallback()
            else:
                _classifier = OfflineClassifier()
        return _classifier


class _Fallback:
    """Stand-in while the offline classifier is unavailable: valid, deterministic, uninformative."""

    def classify(self, texto: str) -> Any:
        from types import SimpleNamespace

        return SimpleNamespace(categoria="OUTRO", tags_funcionalidades=(), confianca=0.5)


def classification_answer(comment: str, schema: dict) -> dict:
    """What a well-behaved model would answer: the offline classifier's result within the enums."""
    props = schema.get("properties", {})
    allowed_codes = set(props.get("tags_funcionalidades", {}).get("items", {}).get("properties", {})
                        .get("codigo", {}).get("enum", []))
    result = _offline_classifier().classify(comment)
    return {
        "categoria": str(result.categoria),
        "tags_funcionalidades": [
            {"codigo": t.codigo, "explicacao": t.explicacao}
            for t in result.tags_funcionalidades if t.codigo in allowed_codes
        ],
        "confianca": round(float(result.confianca), 3),
    }


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


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SUMMARY_MAX_WORDS = 120


def text_answer(prompt: str) -> str:
    """Free text made only of the prompt: its first sentences, so callers can check grounding."""
    flat = " ".join(prompt.split())
    sentences = [s for s in _SENTENCE_END.split(flat) if s][:3]
    words = " ".join(sentences).split()[:SUMMARY_MAX_WORDS]
    return "Resumo (emulador): " + (" ".join(words) if words else "sem conteúdo.")


def _last_user_content(messages: list) -> str:
    for m in reversed(messages):
        if isinstance(m, dict) and m.get("role") == "user":
            return str(m.get("content") or "")
    return ""


def _delimited_comment(messages: list) -> str | None:
    """The comment of the classification conversation (the corrective retry adds later turns)."""
    for m in reversed(messages):
        if isinstance(m, dict) and m.get("role") == "user":
            comment = prompts.extract_comment(str(m.get("content") or ""))
            if comment is not None:
                return comment
    return None


def _answer(fmt: Any, prompt_text: str, comment: str | None, failure: str | None,
            reply: str | None = None) -> tuple[str, str]:
    """(content, done_reason) for a generation, with the failure mode applied."""
    if failure == "invalid_json":
        return '{"categoria": "ELOGIO", "confianca": 0.9, tags_funcionalidades: [', "stop"
    if reply is not None:
        content = reply
    elif fmt is None:
        content = text_answer(prompt_text)
    elif prompts.is_classification_schema(fmt):
        obj = classification_answer(comment if comment is not None else prompt_text, fmt)
        if failure == "out_of_enum":
            obj["categoria"] = "ELOGIO_OU_CRITICA"
        elif failure == "unknown_tag":
            obj["tags_funcionalidades"] = [{"codigo": "tag_inexistente", "explicacao": "inventada"}]
        content = json.dumps(obj, ensure_ascii=False)
    elif isinstance(fmt, dict):
        content = json.dumps(object_for_schema(fmt), ensure_ascii=False)
    else:  # "json"
        content = json.dumps({"resposta": text_answer(prompt_text)}, ensure_ascii=False)
    if failure == "truncated":
        return content[: max(1, len(content) // 2)], "length"
    return content, "stop"


# --- HTTP --------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Ollama: clients reuse connections
    # Headers and body go out in separate writes; with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms on Linux) on every keep-alive request. Ollama's Go server sets NODELAY.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    # helpers
    def _send_json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_stream(self, chunks: list[dict]) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in chunks:
            data = (json.dumps(chunk, ensure_ascii=False) + "\n").encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _read_json(self) -> dict | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send_json(400, {"error": "invalid JSON body"})
            return None
        if not isinstance(body, dict):
            self._send_json(400, {"error": "body must be a JSON object"})
            return None
        return body

    # routes
    def do_GET(self) -> None:
        emu = self.server.emulator
        with emu._lock:
            emu._stats["requests"] += 1
        if self.path == "/api/tags":
            now = _now()
            models = [{"name": m, "model": m, "modified_at": now, "size": 1_900_000_000,
                       "digest": hashlib.sha256(m.encode()).hexdigest(),
                       "details": {"format": "gguf", "family": m.split(":")[0], "parameter_size": "3B",
                                   "quantization_level": "Q4_K_M"}} for m in emu._installed()]
            self._send_json(200, {"models": models})
        elif self.path == "/api/version":
            self._send_json(200, {"version": VERSION})
        elif self.path in ("/", "/api/ps"):
            self._send_json(200, {"models": []} if self.path == "/api/ps" else "Ollama is running")
        else:
            self._send_json(404, {"error": "not found"})

    def do_POST(self) -> None:
        emu = self.server.emulator
        with emu._lock:
            emu._stats["requests"] += 1
        body = self._read_json()  # read first: on a keep-alive connection unread bytes would be the next request
        if body is None:
            return
        if self.path not in ("/api/chat", "/api/generate"):
            self._send_json(404, {"error": "not found"})
            return
        emu.received.append({"path": self.path, "body": body})
        model = str(body.get("model") or "")
        if not model:
            self._send_json(400, {"error": "model is required"})
            return
        if normalise_model_name(model) not in emu._installed():
            self._send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return

        chat = self.path == "/api/chat"
        if chat:
            messages = body.get("messages") or []
            if not isinstance(messages, list):
                self._send_json(400, {"error": "messages must be a list"})
                return
            prompt_text, comment = _last_user_content(messages), _delimited_comment(messages)
        else:
            prompt_text = str(body.get("prompt") or "")
            comment = prompts.extract_comment(prompt_text)

        started = time.perf_counter()
        with emu._generation_slot():
            hang_over = emu._hangs_over  # before taking the failure: a later change ends this hang
            failure = emu._take_failure()
            if failure == "http_500":
                self._send_json(500, {"error": "emulated internal server error"})
                return
            if failure == "hang":
                hang_over.wait(emu.hang_s)  # past the client's read timeout; ends on shutdown or a mode change
                with contextlib.suppress(OSError):
                    self._send_json(500, {"error": "emulated hang ended"})
                return
            if emu.latency_s:
                emu._stopping.wait(emu.latency_s)
            try:
                content, done_reason = _answer(body.get("format"), prompt_text, comment, failure, emu._take_reply())
            except Exception as exc:
                log.exception("emulator could not build an answer")
                self._send_json(500, {"error": f"emulator: {type(exc).__name__}: {exc}"})
                return

        elapsed_ns = int((time.perf_counter() - started) * 1e9)
        stream = body.get("stream", True) is not False  # Ollama streams unless told otherwise
        final = {"model": model, "created_at": _now(), "done": True, "done_reason": done_reason,
                 "total_duration": elapsed_ns, "load_duration": 0,
                 "prompt_eval_count": len(prompt_text.split()), "eval_count": len(content.split()) or 1,
                 "eval_duration": elapsed_ns}
        if not stream:
            piece = {"message": {"role": "assistant", "content": content}} if chat else {"response": content}
            self._send_json(200, {"model": model, "created_at": _now(), **piece, **final})
            return
        chunks = []
        for token in re.findall(r"\S+\s*|\s+", content):
            piece = {"message": {"role": "assistant", "content": token}} if chat else {"response": token}
            chunks.append({"model": model, "created_at": _now(), **piece, "done": False})
        last = {"message": {"role": "assistant", "content": ""}} if chat else {"response": ""}
        chunks.append({**final, **last})
        self._send_stream(chunks)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    # Keep-alive connections outlive serve_forever(): track them so stopping really disconnects.
    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def run_emulator(latency_s: float = 0.0, num_parallel: int = 4, models: Sequence[str] = ("qwen2.5:3b",),
                 *, host: str = "127.0.0.1", port: int = 0, hang_s: float = 30.0) -> Iterator[Emulator]:
    """Serve an emulator on loopback in a background thread for the duration of the block."""
    emu = Emulator(models, latency_s=latency_s, num_parallel=num_parallel, hang_s=hang_s)
    server = _Server((host, port), emu)
    emu.url, emu.server = f"http://{host}:{server.server_address[1]}", server
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="ollama-emulator", daemon=True)
    thread.start()
    try:
        yield emu
    finally:
        emu._stopping.set()  # wake sleeping and hanging handlers
        emu._end_hangs()
        server.shutdown()
        server.server_close()
        server.close_connections()
        thread.join(timeout=5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alumusic.llm.emulator", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback by default)")
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="extra time per generation")
    parser.add_argument("--num-parallel", type=int, default=4, help="like OLLAMA_NUM_PARALLEL")
    parser.add_argument("--model", action="append", help="installed model (repeatable); default qwen2.5:3b")
    parser.add_argument("--failure", choices=FAILURE_MODES, help="start with this failure mode on")
    parser.add_argument("--hang-s", type=float, default=30.0, help="how long 'hang' holds a request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with run_emulator(args.latency_ms / 1000.0, args.num_parallel, args.model or ["qwen2.5:3b"],
                      host=args.host, port=args.port, hang_s=args.hang_s) as emu:
        if args.failure:
            emu.set_failure(args.failure)
        log.info("Ollama emulator on %s (models: %s, num_parallel=%d, latency=%gms)",
                 emu.url, ", ".join(emu.models), args.num_parallel, args.latency_ms)
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        log.info("stopping; stats: %s", emu.stats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
