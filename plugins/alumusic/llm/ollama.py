"""A small, thread-safe client for Ollama's HTTP API (non-streaming ``/api/chat``, ``/api/tags``).

Token log-probabilities (Ollama 0.12.11+): ``chat_response(..., logprobs=True, top_logprobs=N)``
sends the top-level ``"logprobs"``/``"top_logprobs"`` fields and returns the answer's tokens in
``ChatResponse.logprobs`` (``TokenLogprob``: text, log-probability, raw bytes, the N most likely
alternatives). Ollama computes them from the raw logits (a softmax over the whole vocabulary,
before temperature and before the JSON-schema grammar masks tokens). ``logprobs`` is ``None``
when the server sent none (an older Ollama ignores the request fields) or sent something that
does not have the documented shape (logged; the answer itself is still returned).

Several hosts are used round-robin (scale-out: one Ollama per GPU box). A host that stops
answering (connection refused or reset, connect or read timeout) fails the call over to the next
host and is left out of the rotation for a short cool-down (``host_cooldown_s``, 5 s), so the
other calls do not wait on it; after the cool-down one call tries it again, and a host that
answers is back in the rotation at once. When no host answers, or for errors the caller can only
wait out (HTTP 5xx, model not pulled), the call raises ``BackendUnavailableError`` so pipelines
leave the comment pending and retry later. The state is per client (per process in Airflow).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests

from alumusic.domain import BackendUnavailableError, ClassificationError
from alumusic.metrics import LLM_CALLS

log = logging.getLogger(__name__)


class ModelNotFoundError(BackendUnavailableError):
    """The Ollama host answers but does not have the model (``ollama pull`` it)."""


class OllamaRequestError(ClassificationError):
    """Ollama rejected the request itself (HTTP 4xx other than a missing model): a bug on our side."""


MAX_TOP_LOGPROBS = 20  # Ollama's limit for top_logprobs


@dataclass(frozen=True)
class TokenLogprob:
    """One generated token (or one alternative in ``top_logprobs``)."""

    token: str
    logprob: float  # natural log of the token's probability
    # The token's raw bytes: a byte-level token can be part of a UTF-8 character, whose ``token``
    # text then only shows U+FFFD. None when the server did not send them.
    token_bytes: bytes | None = None
    top_logprobs: tuple[TokenLogprob, ...] = ()

    @property
    def raw(self) -> bytes:
        """The token's bytes (``token_bytes``, or the text encoded as UTF-8 without them)."""
        return self.token_bytes if self.token_bytes is not None else self.token.encode("utf-8")


@dataclass(frozen=True)
class ChatResponse:
    content: str
    done_reason: str | None  # "stop"; "length" means the answer was cut at num_predict/num_ctx
    model: str
    host: str
    eval_count: int | None = None  # tokens generated
    # Tokens of the whole prompt, the part served from Ollama's prefix cache included (Ollama
    # reports no cached count); None when the server sent none.
    prompt_eval_count: int | None = None
    # One entry per generated token when asked for (``logprobs=True``); None when the server
    # sent none (older Ollama) or an unreadable payload.
    logprobs: tuple[TokenLogprob, ...] | None = None


def normalise_model_name(name: str) -> str:
    """Ollama treats ``llama3`` as ``llama3:latest``."""
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


class OllamaClient:
    def __init__(
        self,
        hosts: Sequence[str] | str,
        model: str,
        connect_timeout: float = 3.0,
        read_timeout: float = 60.0,
        keep_alive: str | None = "30m",
        default_options: dict[str, Any] | None = None,
        host_cooldown_s: float = 5.0,
    ) -> None:
        if isinstance(hosts, str):
            hosts = [h.strip() for h in hosts.split(",") if h.strip()]
        if not hosts:
            raise ValueError("OllamaClient needs at least one host URL")
        self.hosts = [h.rstrip("/") for h in hosts]
        self.model = model
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.keep_alive = keep_alive
        self.default_options = dict(default_options or {})
        self.host_cooldown_s = host_cooldown_s
        self._next = itertools.count()
        self._next_lock = threading.Lock()
        self._down_until: dict[str, float] = {}  # host -> monotonic time its cool-down ends
        # requests.Session is not documented as thread-safe: one per thread (keeps connections alive).
        self._local = threading.local()

    # --- plumbing -----------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _host_order(self) -> list[str]:
        """The hosts answering, from the next round-robin position, then those cooling down (the
        rest of the list serves as fail-over: when every host is cooling, each is still tried)."""
        now = time.monotonic()
        with self._next_lock:
            up = [h for h in self.hosts if self._down_until.get(h, 0.0) <= now]
            cooling = sorted((h for h in self.hosts if h not in up), key=self._down_until.__getitem__)
            if not up:
                return cooling
            start = next(self._next) % len(up)
        return up[start:] + up[:start] + cooling

    def _mark_down(self, host: str, problem: str) -> None:
        with self._next_lock:
            first = host not in self._down_until
            self._down_until[host] = time.monotonic() + self.host_cooldown_s
        if first:  # once per outage, not once per call
            log.warning("Ollama host %s fora da rotação por %gs: %s", host, self.host_cooldown_s, problem)

    def _mark_up(self, host: str) -> None:
        if host in self._down_until:
            with self._next_lock:
                back = self._down_until.pop(host, None) is not None
            if back:
                log.warning("Ollama host %s responde de novo: de volta à rotação", host)

    def hosts_cooling_down(self) -> list[str]:
        """Hosts left out of the rotation right now (they stopped answering less than a cool-down ago)."""
        now = time.monotonic()
        with self._next_lock:
            return [h for h in self.hosts if self._down_until.get(h, 0.0) > now]

    def _request(self, method: str, path: str, *, json_body: dict | None = None,
                 timeout: tuple[float, float] | None = None, host: str | None = None) -> tuple[str, Any]:
        timeout = timeout or (self.connect_timeout, self.read_timeout)
        hosts = [host.rstrip("/")] if host else self._host_order()
        problems: list[str] = []
        last_error: Exception | None = None
        for base in hosts:
            url = f"{base}{path}"
            started = time.perf_counter()  # per-host latency and errors for /metrics (alumusic.metrics)
            try:
                resp = self._session().request(method, url, json=json_body, timeout=timeout)
            except requests.ConnectionError as exc:  # refused, reset mid-answer, ConnectTimeout
                problem, last_error = f"Ollama em {base} inacessível: {exc}", exc
            except requests.Timeout as exc:  # ReadTimeout: the host stopped answering
                problem, last_error = f"Ollama em {base} não respondeu em {timeout[1]:g}s", exc
            except requests.RequestException as exc:
                raise BackendUnavailableError(f"falha de comunicação com Ollama em {base}: {exc}") from exc
            else:
                self._mark_up(base)
                try:
                    data = self._decode(base, resp)
                except ClassificationError as exc:
                    LLM_CALLS.record(base, time.perf_counter() - started, exc)
                    raise
                LLM_CALLS.record(base, time.perf_counter() - started)
                return base, data
            # The call never got an answer, so sending it to the next host cannot classify twice.
            self._mark_down(base, problem)
            LLM_CALLS.record(base, time.perf_counter() - started, last_error)
            problems.append(problem)
        raise BackendUnavailableError(f"nenhum host Ollama acessível: {'; '.join(problems)}") from last_error

    def _decode(self, base: str, resp: requests.Response) -> Any:
        detail = _error_text(resp)
        if resp.status_code >= 500:
            raise BackendUnavailableError(f"Ollama em {base} respondeu HTTP {resp.status_code}: {detail}")
        if resp.status_code == 404 and "not found" in detail.lower():
            raise ModelNotFoundError(
                f"modelo {self.model!r} não encontrado em {base} ({detail}); rode `ollama pull {self.model}`"
            )
        if resp.status_code >= 400:
            raise OllamaRequestError(f"Ollama em {base} recusou a requisição (HTTP {resp.status_code}): {detail}")
        try:
            return resp.json()
        except ValueError as exc:
            raise BackendUnavailableError(f"Ollama em {base} respondeu algo que não é JSON") from exc

    # --- API ----------------------------------------------------------------------------------
    def chat_response(self, messages: Sequence[dict[str, Any]], *, format: dict | str | None = None,
                      options: dict[str, Any] | None = None, logprobs: bool = False,
                      top_logprobs: int | None = None) -> ChatResponse:
        """One non-streaming ``/api/chat`` call on the next host.

        ``logprobs``: ask for each generated token's log-probability (``ChatResponse.logprobs``);
        ``top_logprobs``: also the N (0-20) most likely alternatives at each position (needs
        ``logprobs``)."""
        if top_logprobs is not None:
            if not logprobs:
                raise ValueError("top_logprobs needs logprobs=True")
            if not 0 <= top_logprobs <= MAX_TOP_LOGPROBS:
                raise ValueError(f"top_logprobs must be between 0 and {MAX_TOP_LOGPROBS}")
        body: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "stream": False,  # Ollama streams by default
            "options": {**self.default_options, **(options or {})},
        }
        if format is not None:
            body["format"] = format
        if self.keep_alive is not None:
            body["keep_alive"] = self.keep_alive
        if logprobs:
            body["logprobs"] = True
            if top_logprobs is not None:
                body["top_logprobs"] = top_logprobs
        host, data = self._request("POST", "/api/chat", json_body=body)
        if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
            raise BackendUnavailableError(f"resposta inesperada de Ollama em {host}: sem 'message'")
        tokens = None
        if logprobs and data.get("logprobs") is not None:
            try:
                tokens = parse_logprobs(data["logprobs"])
            except ValueError as exc:
                log.warning("Ollama em %s: logprobs ilegíveis (%s); ignorados", host, exc)
        return ChatResponse(
            content=str(data["message"].get("content") or ""),
            done_reason=data.get("done_reason"),
            model=str(data.get("model") or self.model),
            host=host,
            eval_count=_count(data.get("eval_count")),
            prompt_eval_count=_count(data.get("prompt_eval_count")),
            logprobs=tokens,
        )

    def chat(self, messages: Sequence[dict[str, Any]], *, format: dict | str | None = None,
             options: dict[str, Any] | None = None) -> str:
        """The assistant's message content of one non-streaming ``/api/chat`` call."""
        return self.chat_response(messages, format=format, options=options).content

    def list_models(self, host: str | None = None, timeout: float | None = None) -> list[str]:
        """Model names (``name:tag``) installed on ``host`` (default: the next host)."""
        t = (self.connect_timeout, timeout or min(self.read_timeout, 10.0))
        _, data = self._request("GET", "/api/tags", timeout=t, host=host)
        return [str(m.get("name") or m.get("model")) for m in (data or {}).get("models", [])]

    def hosts_with_model(self, timeout: float | None = None) -> list[str]:
        """Hosts that answer and have the model (unreachable hosts are left out, not errors)."""
        wanted = normalise_model_name(self.model)
        found = []
        for host in self.hosts:
            try:
                names = self.list_models(host=host, timeout=timeout)
            except ClassificationError as exc:
                log.info("Ollama host %s: %s", host, exc)
                continue
            if wanted in {normalise_model_name(n) for n in names}:
                found.append(host)
        return found

    def has_model(self, timeout: float | None = None) -> bool:
        """True when at least one configured host is reachable and lists the model in /api/tags."""
        return bool(self.hosts_with_model(timeout=timeout))


def parse_logprobs(payload: Any) -> tuple[TokenLogprob, ...]:
    """Ollama's ``logprobs`` list (``[{"token", "logprob", "bytes", "top_logprobs"}, ...]``) as
    ``TokenLogprob``s; ValueError when it does not have that shape. The values themselves (finite,
    at most 0) are the caller's to judge."""
    if not isinstance(payload, list):
        raise ValueError(f"esperava uma lista, veio {type(payload).__name__}")
    return tuple(_token_logprob(entry, f"logprobs[{i}]", nested=True) for i, entry in enumerate(payload))


def _token_logprob(entry: Any, where: str, *, nested: bool) -> TokenLogprob:
    if not isinstance(entry, dict):
        raise ValueError(f"{where} não é um objeto")
    token, logprob = entry.get("token"), entry.get("logprob")
    if not isinstance(token, str):
        raise ValueError(f"{where}.token não é texto")
    if isinstance(logprob, bool) or not isinstance(logprob, int | float):
        raise ValueError(f"{where}.logprob não é número")
    raw = entry.get("bytes")
    if raw is not None:
        if not isinstance(raw, list) or not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255
                                                for b in raw):
            raise ValueError(f"{where}.bytes não é uma lista de bytes")
        raw = bytes(raw)
    top: tuple[TokenLogprob, ...] = ()
    alternatives = entry.get("top_logprobs")
    if nested and alternatives is not None:
        if not isinstance(alternatives, list):
            raise ValueError(f"{where}.top_logprobs não é uma lista")
        top = tuple(_token_logprob(alt, f"{where}.top_logprobs[{j}]", nested=False)
                    for j, alt in enumerate(alternatives))
    return TokenLogprob(token=token, logprob=float(logprob), token_bytes=raw, top_logprobs=top)


def _count(value: Any) -> int | None:
    """A token count as Ollama reports it (a non-negative integer), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _error_text(resp: requests.Response) -> str:
    try:
        data = resp.json()
        if isinstance(data, dict) and "error" in data:
            return str(data["error"])
    except ValueError:
        pass
    return resp.text[:200]


def client_from_settings(settings=None, model: str | None = None) -> OllamaClient:
    from alumusic.settings import get_settings

    s = settings or get_settings()
    return OllamaClient(
        s.ollama_hosts,
        model or s.ollama_model,
        connect_timeout=s.ollama_connect_timeout_s,
        read_timeout=s.ollama_read_timeout_s,
        keep_alive=s.ollama_keep_alive,
        default_options={"num_ctx": s.ollama_num_ctx},
    )
