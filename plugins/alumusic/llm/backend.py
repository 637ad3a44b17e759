"""Which LLM backend serves this process: ``LLM_BACKEND=ollama|offline|auto``.

``auto`` picks Ollama when a configured host answers and lists the model in ``/api/tags``, else
the offline classifier. The decision is logged once per process (and again only if it changes);
it is re-probed after ``AUTO_RECHECK_S`` so long-running services notice an Ollama started later.
"""

from __future__ import annotations

import logging
import threading
import time

from alumusic.llm.ollama import OllamaClient, client_from_settings
from alumusic.settings import Settings, get_settings

log = logging.getLogger(__name__)

OLLAMA, OFFLINE = "ollama", "offline"
BACKENDS = (OLLAMA, OFFLINE)
AUTO_RECHECK_S = 60.0
PROBE_READ_TIMEOUT_S = 5.0  # /api/tags is instant on a healthy server

_auto: dict[tuple, tuple[str, float]] = {}  # (hosts, model) -> (decision, decided_at)
_auto_lock = threading.Lock()


def reset_backend_cache() -> None:
    """Forget ``auto`` decisions (tests, or after reconfiguring)."""
    with _auto_lock:
        _auto.clear()


def resolve_backend(settings: Settings | None = None, backend: str | None = None) -> str:
    """``"ollama"`` or ``"offline"`` for ``backend`` (default: the configured LLM_BACKEND)."""
    s = settings or get_settings()
    wanted = backend or s.llm_backend
    if wanted != "auto":
        if wanted not in BACKENDS:
            raise ValueError(f"unknown LLM backend {wanted!r} (expected one of {BACKENDS} or 'auto')")
        return wanted
    key = (tuple(s.ollama_hosts), s.ollama_model)
    with _auto_lock:
        cached = _auto.get(key)
        if cached and time.monotonic() - cached[1] < AUTO_RECHECK_S:
            return cached[0]
        hosts = client_from_settings(s).hosts_with_model(timeout=PROBE_READ_TIMEOUT_S)
        decision = OLLAMA if hosts else OFFLINE
        if cached is None or cached[0] != decision:
            if hosts:
                log.info("LLM_BACKEND=auto: using Ollama model %s on %s", s.ollama_model, ", ".join(hosts))
            else:
                log.warning("LLM_BACKEND=auto: no Ollama host with model %s among %s; using the offline "
                            "classifier", s.ollama_model, ", ".join(s.ollama_hosts))
        _auto[key] = (decision, time.monotonic())
        return decision


def get_text_client(settings: Settings | None = None) -> OllamaClient | None:
    """An Ollama client for free text (weekly summary, insights Q&A), or None when offline."""
    s = settings or get_settings()
    if resolve_backend(s) != OLLAMA:
        return None
    return client_from_settings(s)
