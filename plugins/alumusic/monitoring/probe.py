"""Health probes of the configured Ollama hosts (``/api/tags``: answering, model pulled, latency)."""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa

from alumusic.domain import ClassificationError
from alumusic.llm.ollama import OllamaClient, client_from_settings, normalise_model_name
from alumusic.metrics import host_label
from alumusic.repositories import status
from alumusic.settings import Settings

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 5.0


def _clean(message: str, hosts: list[str]) -> str:
    for h in hosts:  # a URL with credentials never reaches the table
        message = message.replace(h, host_label(h))
    return message[:300]


def probe_hosts(engine: sa.Engine, settings: Settings, client: OllamaClient | None = None) -> list[dict]:
    """Probe every configured host and record the result; hosts no longer configured are dropped."""
    client = client or client_from_settings(settings)
    wanted = normalise_model_name(client.model)
    results = []
    for host in client.hosts:
        started = time.perf_counter()
        try:
            names = client.list_models(host=host, timeout=PROBE_TIMEOUT_S)
        except ClassificationError as exc:
            ok, modelo, erro = False, False, _clean(f"{type(exc).__name__}: {exc}", client.hosts)
        else:
            ok, modelo = True, wanted in {normalise_model_name(n) for n in names}
            erro = None if modelo else f"modelo {client.model} ausente (ollama pull {client.model})"
        latencia_ms = (time.perf_counter() - started) * 1000.0
        results.append({"host": host_label(host), "ok": ok, "modelo": modelo, "latencia_ms": round(latencia_ms, 1),
                        "erro": erro})
    with engine.begin() as conn:
        for r in results:
            status.record_probe(conn, r["host"], ok=r["ok"], modelo=r["modelo"], latencia_ms=r["latencia_ms"],
                                erro=r["erro"])
        status.forget_hosts_except(conn, [r["host"] for r in results])
    for r in results:
        log.info("Ollama %s: %s", r["host"], "ok" if r["ok"] and r["modelo"] else r["erro"])
    return results
