"""Every Prometheus metric of the product, in one place (the official ``prometheus_client``).

Three kinds, by where the numbers live:

- **in the web processes** (API and dashboard, counted by the worker that served the request):
  ``API_*`` and ``DASHBOARD_*`` below. Under gunicorn they use prometheus_client's multiprocess
  mode: ``alumusic.gunicorn_conf`` gives each server its own ``PROMETHEUS_MULTIPROC_DIR`` (wiped
  when the master starts, dead workers' live gauges dropped), so ``/metrics`` sums every worker,
  whichever worker answers the scrape.
- **in the product database** (the queue, classification activity, Ollama hosts, open alarms):
  :class:`PipelineCollector` reads them at scrape time on the API's ``/metrics`` through a
  snapshot function the adapter passes in (SQL stays in ``repositories/status.py``), so they are
  right whatever process did the work, even an Airflow worker that already exited.
- **in Airflow task processes** (each Ollama HTTP call): :data:`LLM_CALLS` accumulates per host in
  memory and ``classify_comments`` adds the totals to ``ollama_hosts`` after each batch; they come
  back through the collector as counters.

Labels carry only bounded, non-personal values: route templates (never raw paths), methods,
status codes, result names, callback ids, classifier versions and Ollama base URLs without
credentials. No comment text, id, client or curator name is ever a label.

Access to ``/metrics`` (:func:`access`): with ``METRICS_TOKEN`` set, every scrape needs
``Authorization: Bearer <token>``; without it only loopback clients are answered.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Seconds; requests of the API are milliseconds, a heavy dashboard callback a few seconds.
WEB_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# --- API ---------------------------------------------------------------------------------------
API_REQUESTS = Counter(
    "alumusic_api_requests", "HTTP requests answered by the API, by route template, method and status code.",
    ["rota", "metodo", "status"])
API_LATENCY = Histogram(
    "alumusic_api_request_duration_seconds", "Time the API took to answer, by route template and method.",
    ["rota", "metodo"], buckets=WEB_BUCKETS)
API_COMMENTS = Counter(
    "alumusic_api_comments",
    "Comments received by POST /api/comentarios, by result: criado (accepted), duplicado (same id and text), "
    "conflito (same id, other text: refused), invalido (refused by validation).",
    ["resultado"])
API_DB_UNAVAILABLE = Counter(
    "alumusic_api_db_unavailable", "API answers 503 because the product database did not answer.")

# --- dashboard ----------------------------------------------------------------------------------
DASHBOARD_CALLBACK_LATENCY = Histogram(
    "alumusic_dashboard_callback_duration_seconds",
    "Time the private Dash app took to answer a callback, by callback output (as in the callback map).",
    ["callback"], buckets=WEB_BUCKETS)
DASHBOARD_CACHE = Counter(
    "alumusic_dashboard_cache_requests",
    "Report cache lookups: acerto (served from the shared cache, fresh or stale) or falta (computed by the caller).",
    ["resultado"])
DASHBOARD_EXPORTS = Counter(
    "alumusic_dashboard_exports", "CSV exports started from the dashboard, by format and personal-data choice.",
    ["formato", "dados_pessoais"])
DASHBOARD_EXPORT_ROWS = Counter(
    "alumusic_dashboard_export_rows", "Rows written by finished CSV exports of the dashboard.")


def route_label(rule: str | None) -> str:
    """The route template of a request (``/api/comentarios/<uuid:cid>``), or ``nenhuma`` (404s)."""
    return rule or "nenhuma"


# --- access ---------------------------------------------------------------------------------------
def access(remote_addr: str | None, authorization: str | None, token: str | None) -> int:
    """200 when the scrape may read the metrics, else the status to answer (401 or 403).

    With a token configured it is required from everyone (behind a reverse proxy on the same host
    every request looks like loopback); without one, only loopback clients are answered.
    """
    if token:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return 401
        try:
            ok = hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate cannot be the token
            return 401
        return 200 if ok else 401
    try:
        return 200 if remote_addr and ipaddress.ip_address(remote_addr).is_loopback else 403
    except ValueError:  # a unix socket or an unparsable address: not loopback as far as we know
        return 403


# --- exposition ------------------------------------------------------------------------------------
class _Chain:
    """This process's metrics (or every worker's, in multiprocess mode) followed by ``extra``."""

    def __init__(self, extra: Iterable[Collector]):
        self.extra = list(extra)

    def collect(self) -> Iterator:
        if os.environ.get(MULTIPROC_ENV):
            from prometheus_client import multiprocess

            yield from multiprocess.MultiProcessCollector(None).collect()
        else:
            yield from REGISTRY.collect()
        for collector in self.extra:
            yield from collector.collect()


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text exposition format of every metric, plus ``extra`` collectors (read at scrape time)."""
    return generate_latest(_Chain(extra))  # type: ignore[arg-type]  # duck-typed registry


# --- Ollama calls in task processes ----------------------------------------------------------------
def host_label(url: str) -> str:
    """An Ollama base URL as a label and a key: scheme, host and port only (no credentials, no path)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "invalido"
    return f"{parts.scheme}://{host}{port}" if parts.scheme and host else "invalido"


@dataclass
class HostCalls:
    host: str
    chamadas: int = 0
    erros: int = 0
    segundos: float = 0.0
    ultima_chamada_em: datetime | None = None
    ultimo_erro: str | None = None  # the exception class only (messages can quote answers)
    ultimo_erro_em: datetime | None = None


class LlmCalls:
    """Ollama HTTP calls of this process, per host, until :meth:`drain` hands them over (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hosts: dict[str, HostCalls] = {}

    def record(self, url: str, seconds: float, error: BaseException | str | None = None) -> None:
        from datetime import UTC

        now = datetime.now(UTC)
        key = host_label(url)
        with self._lock:
            h = self._hosts.setdefault(key, HostCalls(key))
            h.chamadas += 1
            h.segundos += max(0.0, seconds)
            h.ultima_chamada_em = now
            if error is not None:
                h.erros += 1
                h.ultimo_erro = error if isinstance(error, str) else type(error).__name__
                h.ultimo_erro_em = now

    def timed(self, url: str) -> _Timer:
        return _Timer(self, url)

    def drain(self) -> list[HostCalls]:
        with self._lock:
            hosts, self._hosts = list(self._hosts.values()), {}
        return hosts


class _Timer:
    def __init__(self, calls: LlmCalls, url: str):
        self.calls, self.url = calls, url

    def __enter__(self) -> _Timer:
        self.started = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.calls.record(self.url, time.perf_counter() - self.started, exc)


LLM_CALLS = LlmCalls()


# --- the pipeline, read from the database at scrape time ---------------------------------------------
class PipelineCollector(Collector):
    """Gauges and counters of the queue, classification activity, Ollama hosts and alarms.

    ``snapshot()`` returns an object with the attributes of ``repositories.status.PipelineState``
    (or raises: the scrape still answers, with ``alumusic_pipeline_up 0``).
    """

    def __init__(self, snapshot: Callable[[], Any]):
        self.snapshot = snapshot

    def describe(self):
        return []  # read at scrape time only

    def collect(self):
        up = GaugeMetricFamily("alumusic_pipeline_up", "1 when the product database answered this scrape's queries.")
        try:
            s = self.snapshot()
        except Exception:  # noqa: BLE001 - a scrape must answer even with the database down
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        queue = GaugeMetricFamily("alumusic_pipeline_comments", "Comments in the queue, by status.",
                                  labels=["status"])
        for status, n in (("pendente", s.pendentes), ("processando", s.processando), ("falhou", s.falharam)):
            queue.add_metric([status], n)
        yield queue
        age = GaugeMetricFamily("alumusic_pipeline_oldest_pending_age_seconds",
                                "Age of the oldest pending comment (0 when none is pending).")
        age.add_metric([], s.idade_pendente_s or 0.0)
        yield age
        rate = GaugeMetricFamily(
            "alumusic_pipeline_classified_per_minute",
            f"Automatic classifications stored per minute over the last {s.janela_minutos} minutes, "
            "by classifier and version.", labels=["classificador", "versao"])
        for (classificador, versao), n in sorted(s.por_minuto.items()):
            rate.add_metric([classificador, versao], n)
        yield rate
        calls = CounterMetricFamily("alumusic_llm_requests", "Ollama HTTP calls made by classification, by host "
                                    "and outcome (ok, erro).", labels=["host", "resultado"])
        latency = SummaryMetricFamily("alumusic_llm_request_duration_seconds",
                                      "Time of Ollama HTTP calls made by classification, by host.", labels=["host"])
        up_hosts = GaugeMetricFamily("alumusic_ollama_host_up", "1 when the last probe of monitor_pipeline found the "
                                     "host answering with the model, 0 otherwise.", labels=["host"])
        for h in s.hosts:
            calls.add_metric([h.host, "ok"], h.chamadas - h.erros)
            calls.add_metric([h.host, "erro"], h.erros)
            latency.add_metric([h.host], h.chamadas, h.segundos)
            if h.sonda_ok is not None:
                up_hosts.add_metric([h.host], 1 if (h.sonda_ok and h.sonda_modelo) else 0)
        yield calls
        yield latency
        yield up_hosts
        alarms = GaugeMetricFamily("alumusic_alarm_open", "1 while an alarm (incident) of this type is open.",
                                   labels=["tipo"])
        for tipo in sorted(s.alarmes_abertos):
            alarms.add_metric([tipo], 1)
        yield alarms
