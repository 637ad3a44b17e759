"""Airflow's own metrics for Prometheus: a StatsD → Prometheus bridge, ``python -m alumusic.airflow_metrics``.

Airflow's components (scheduler, dag-processor, triggerer, api-server, task processes, Celery workers)
send StatsD lines over UDP (``[metrics] statsd_on``; ``alumusic.airflow_env.statsd_metrics_env``); this
process receives them on ``AIRFLOW_METRICS_HOST:AIRFLOW_STATSD_PORT`` (UDP, default 127.0.0.1:8125),
keeps them as Prometheus metrics (the official ``prometheus_client`` builds the exposition) and serves
``GET /metrics`` on ``AIRFLOW_METRICS_HOST:AIRFLOW_METRICS_PORT`` (HTTP, default 9102) under the API's
and dashboard's rule (``alumusic.metrics.access``: ``Authorization: Bearer <METRICS_TOKEN>`` when the
token is set, loopback clients only otherwise). ``GET /health`` answers anyone (no data). Nothing
outside the machine is needed: no collector binary, no network, no Docker.

StatsD lines understood (several per datagram, one per line)::

    airflow.scheduler_heartbeat:1|c            counter: adds 1
    airflow.ti.finish,dag_id=d,task_id=t,state=success:1|c|@0.1    counter: adds 1 / 0.1 = 10
    airflow.dag_processing.import_errors:0|g   gauge: set;  ...:+2|g / ...:-1|g  gauge: add / subtract
    airflow.task.duration,dag_id=d,task_id=t:1234.5|ms   timer: histogram in seconds (1.2345)

Names become Prometheus names (``airflow.dag_processing.total_parse_time`` →
``airflow_dag_processing_total_parse_time``; counters are exposed with ``_total``, timers as
``<name>_seconds`` histograms); InfluxDB-style tags (``,key=value`` after the name, what Airflow sends
with ``statsd_influxdb_enabled``) and DogStatsD tags (``|#key:value``) become labels. A StatsD counter
that is decremented (Airflow's ``dag_processing.processes``) only counts its increments: Prometheus
counters never go down.

Hostile input never stops the bridge: a line that does not parse is counted
(``alumusic_statsd_bridge_lines_total{resultado="malformada"}``) and ignored; at most ``MAX_NAMES``
metric names and ``MAX_SERIES`` series (name + labels) are kept, later new ones are counted
(``resultado="limite"``) and dropped, so a flood of invented names cannot eat the memory.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, ProcessCollector, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector

from alumusic import metrics

log = logging.getLogger("alumusic.airflow_metrics")

MAX_NAMES = 5_000  # distinct Prometheus metric names kept (Airflow itself sends ~100)
MAX_SERIES = 10_000  # distinct (name, labels) series kept, over all names
MAX_NAME_LENGTH = 250  # Airflow's own limit for a stat name (stat_name_default_handler)
MAX_TAGS = 16
MAX_TAG_VALUE_LENGTH = 250
DATAGRAM_MAX = 65_535
# Seconds: Airflow's timers go from scheduler loops (milliseconds) to DAG runs (hours).
TIMER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
                 600.0, 1800.0, 3600.0, 7200.0, math.inf)
OWN_PREFIX = "alumusic_statsd_bridge_"
# Names exposed by this process itself: a StatsD name landing on one of them is refused ("conflito").
RESERVED_PREFIXES = (OWN_PREFIX, "process_")
RESULTS = ("aceita", "malformada", "limite", "conflito", "negativo")

# What Airflow's statsd client may put in a stat name (validators.ALLOWED_CHARACTERS) and in tag keys;
# a stat name starts with a letter (Airflow's start with their prefix), so its Prometheus name is valid.
_STAT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-/]*")
_TAG_KEY = re.compile(r"[A-Za-z0-9_.\-/]+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NOT_PROMETHEUS = re.compile(r"[^A-Za-z0-9_]")
_RESERVED_LABELS = {"le", "quantile"}  # a histogram's own label, a summary's


class MalformedLine(ValueError):
    """A StatsD line this bridge does not understand (counted and ignored)."""


@dataclass(frozen=True)
class Sample:
    """One parsed StatsD line."""

    statsd_name: str
    kind: str  # counter | gauge | timer
    value: float  # timers: milliseconds, as sent
    rate: float = 1.0
    delta: bool = False  # gauges: "+N" / "-N" add to the current value
    labels: tuple[tuple[str, str], ...] = ()  # sorted (label name, value)

    @property
    def name(self) -> str:
        """The Prometheus family name (before the exposition's ``_total`` / ``_bucket`` suffixes)."""
        base = prometheus_name(self.statsd_name)
        if self.kind == "counter":
            return base.removesuffix("_total") or base
        if self.kind == "timer" and not base.endswith("_seconds"):
            return base + "_seconds"
        return base


def prometheus_name(statsd_name: str) -> str:
    """``airflow.dag_processing.total_parse_time`` → ``airflow_dag_processing_total_parse_time``."""
    name = _NOT_PROMETHEUS.sub("_", statsd_name)
    return "_" + name if name[:1].isdigit() else name


def label_name(key: str) -> str:
    """A tag key as a Prometheus label name (``__`` is Prometheus' own, ``le`` the histogram's)."""
    name = _NOT_PROMETHEUS.sub("_", key)
    if name[:1].isdigit() or name.startswith("__") or name in _RESERVED_LABELS:
        name = "tag_" + name.lstrip("_")
    return name


def _tags(pairs: Iterable[str], sep: str) -> list[tuple[str, str]]:
    out = []
    for pair in pairs:
        key, found, value = pair.partition(sep)
        if not found or not _TAG_KEY.fullmatch(key) or len(value) > MAX_TAG_VALUE_LENGTH \
                or any(ord(c) < 32 or c == "\x7f" for c in value):
            raise MalformedLine(f"bad tag {pair[:40]!r}")
        if value:  # an empty value is no label in Prometheus either
            out.append((label_name(key), value))
    return out


def parse_line(line: str) -> Sample:
    """One StatsD line (``name[,k=v...]:value|type[|@rate][|#k:v,...]``); raises :class:`MalformedLine`."""
    head, found, rest = line.partition(":")
    if not found:
        raise MalformedLine("no ':'")
    name, *influx = head.split(",")
    if not _STAT_NAME.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise MalformedLine("bad name")
    value_text, *parts = rest.split("|")
    if not parts:
        raise MalformedLine("no type")
    kind = {"c": "counter", "g": "gauge", "ms": "timer"}.get(parts[0])
    if kind is None:
        raise MalformedLine(f"unsupported type {parts[0][:10]!r}")
    rate = 1.0
    tags = _tags(influx, "=")
    for extra in parts[1:]:
        if extra.startswith("@") and _NUMBER.fullmatch(extra[1:]):
            rate = float(extra[1:])
            if not 0 < rate <= 1:
                raise MalformedLine("sample rate outside (0, 1]")
        elif extra.startswith("#") and len(extra) > 1:
            tags += _tags(extra[1:].split(","), ":")
        else:
            raise MalformedLine("unknown field")
    if not _NUMBER.fullmatch(value_text):
        raise MalformedLine("not a number")
    value = float(value_text)
    if not math.isfinite(value):
        raise MalformedLine("not finite")
    delta = kind == "gauge" and value_text[0] in "+-"
    if kind == "timer" and value_text[0] in "+-":
        raise MalformedLine("a signed time")
    if len(tags) > MAX_TAGS or len({k for k, _ in tags}) != len(tags):
        raise MalformedLine("too many or repeated tags")
    return Sample(name, kind, value, rate=rate, delta=delta, labels=tuple(sorted(tags)))


@dataclass
class _Histogram:
    buckets: list[float]
    total: float = 0.0
    count: float = 0.0


@dataclass
class _Family:
    kind: str
    statsd_name: str
    series: dict[tuple[tuple[str, str], ...], float | _Histogram] = field(default_factory=dict)


def _exposed(name: str, kind: str) -> set[str]:
    """Every sample name the exposition writes for a family (what another family must not reuse)."""
    if kind == "counter":
        return {name, f"{name}_total", f"{name}_created"}
    if kind == "timer":
        return {name, f"{name}_bucket", f"{name}_sum", f"{name}_count", f"{name}_created"}
    return {name}


class StatsdBridge(Collector):
    """StatsD samples kept as Prometheus metrics (thread-safe: the UDP loop writes, scrapes read)."""

    def __init__(self, *, max_names: int = MAX_NAMES, max_series: int = MAX_SERIES,
                 buckets: tuple[float, ...] = TIMER_BUCKETS, clock: Callable[[], float] = time.time):
        if buckets[-1] != math.inf:
            buckets = (*buckets, math.inf)
        self.max_names, self.max_series, self.buckets, self.clock = max_names, max_series, buckets, clock
        self._lock = threading.Lock()
        self._families: dict[str, _Family] = {}
        self._taken: set[str] = set()  # sample names of the families above
        self._series = 0
        self._lines = dict.fromkeys(RESULTS, 0)
        self._datagrams = 0
        self._last_datagram: float | None = None

    # --- input ---------------------------------------------------------------------------------
    def ingest(self, datagram: bytes) -> None:
        """One UDP datagram: every line parsed and applied; a bad line is counted, never raised."""
        with self._lock:
            self._datagrams += 1
            self._last_datagram = self.clock()
            for raw in datagram.split(b"\n"):
                raw = raw.strip()
                if not raw:
                    continue
                try:
                    sample = parse_line(raw.decode("utf-8"))
                except (UnicodeDecodeError, MalformedLine):
                    self._lines["malformada"] += 1
                    continue
                self._lines[self._apply(sample)] += 1

    def _apply(self, s: Sample) -> str:
        name = s.name
        family = self._families.get(name)
        if family is None:
            exposed = _exposed(name, s.kind)
            if name.startswith(RESERVED_PREFIXES) or exposed & self._taken:
                return "conflito"
            if len(self._families) >= self.max_names or self._series >= self.max_series:
                return "limite"
        elif family.kind != s.kind:
            return "conflito"  # first type wins: one name, one type in Prometheus
        if s.kind == "counter" and s.value < 0:
            return "negativo"  # a decrement: Prometheus counters only go up
        current = family.series.get(s.labels) if family is not None else None
        if current is None and self._series >= self.max_series:
            return "limite"
        if family is None:
            family = self._families[name] = _Family(s.kind, s.statsd_name)
            self._taken |= _exposed(name, s.kind)
        if current is None:
            self._series += 1
        if s.kind == "counter":
            family.series[s.labels] = (current or 0.0) + s.value / s.rate
        elif s.kind == "gauge":
            family.series[s.labels] = ((current or 0.0) + s.value) if s.delta else s.value
        else:
            hist = current if isinstance(current, _Histogram) else _Histogram([0.0] * len(self.buckets))
            seconds, weight = s.value / 1000.0, 1.0 / s.rate
            for i, bound in enumerate(self.buckets):
                if seconds <= bound:
                    hist.buckets[i] += weight
                    break
            hist.total += seconds * weight
            hist.count += weight
            family.series[s.labels] = hist
        return "aceita"

    # --- output ----------------------------------------------------------------------------------
    def describe(self) -> list:
        return []  # names are known at scrape time only

    def collect(self) -> Iterator:
        with self._lock:
            families = [(name, f.kind, f.statsd_name, dict(f.series)) for name, f in self._families.items()]
            lines, datagrams, last = dict(self._lines), self._datagrams, self._last_datagram
            n_series = self._series
            hists = {id(h): (list(h.buckets), h.total, h.count)
                     for _, _, _, series in families for h in series.values() if isinstance(h, _Histogram)}
        for name, kind, statsd_name, series in sorted(families):
            labelnames = sorted({k for key in series for k, _ in key})
            doc = f"Airflow StatsD {kind} {statsd_name}" + (" (milliseconds as seconds)" if kind == "timer" else "")
            if kind == "counter":
                fam: CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily = CounterMetricFamily(
                    name, doc, labels=labelnames)
            elif kind == "gauge":
                fam = GaugeMetricFamily(name, doc, labels=labelnames)
            else:
                fam = HistogramMetricFamily(name, doc, labels=labelnames)
            for key, value in series.items():
                given = dict(key)
                values = [given.get(label, "") for label in labelnames]
                if isinstance(value, _Histogram):
                    counts, total, count = hists[id(value)]
                    cumulative, running = [], 0.0
                    for bound, n in zip(self.buckets, counts, strict=True):
                        running += n
                        cumulative.append(("+Inf" if bound == math.inf else repr(bound), running))
                    fam.add_metric(values, buckets=cumulative, sum_value=total)
                else:
                    fam.add_metric(values, value)
            yield fam
        own = CounterMetricFamily(f"{OWN_PREFIX}lines", "StatsD lines received, by what the bridge did with "
                                  "them: aceita (kept), malformada (unparsable, ignored), limite (a new name or "
                                  "series over the caps, dropped), conflito (name taken by another type or by the "
                                  "bridge, dropped), negativo (counter decrement, dropped).", labels=["resultado"])
        for result in RESULTS:
            own.add_metric([result], lines[result])
        yield own
        yield CounterMetricFamily(f"{OWN_PREFIX}datagrams", "UDP datagrams received.", value=datagrams)
        yield GaugeMetricFamily(f"{OWN_PREFIX}metric_names", f"Metric names kept (cap {self.max_names}).",
                                value=len(families))
        yield GaugeMetricFamily(f"{OWN_PREFIX}series", f"Series kept over all names (cap {self.max_series}).",
                                value=n_series)
        if last is not None:
            yield GaugeMetricFamily(f"{OWN_PREFIX}last_datagram_timestamp_seconds",
                                    "Unix time of the last datagram (Airflow stopped sending: it stops moving).",
                                    value=last)


# --- HTTP ---------------------------------------------------------------------------------------------
def _json_error(start_response, code: int, mensagem: str, headers: list[tuple[str, str]] = ()) -> list[bytes]:
    # The API's error shape (api/errors.py), the same messages as its /metrics.
    body = json.dumps({"erro": {"codigo": code, "mensagem": mensagem, "detalhes": []}}, ensure_ascii=False).encode()
    reason = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}[code]
    start_response(f"{code} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                        ("Cache-Control", "no-store"), *headers])
    return [body]


def wsgi_app(registry: CollectorRegistry, token: str | None):
    """``/metrics`` (guarded like the API's) and ``/health``; everything else 404."""
    exposition = make_wsgi_app(registry)

    def app(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path not in ("/metrics", "/health"):
            return _json_error(start_response, 404, "recurso não encontrado")
        if method not in ("GET", "HEAD"):
            return _json_error(start_response, 405, "método não permitido neste recurso", [("Allow", "GET, HEAD")])
        if path == "/health":
            body = b'{"status": "ok"}'
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        # The peer itself, never X-Forwarded-For: nothing proxies this port.
        code = metrics.access(environ.get("REMOTE_ADDR"), environ.get("HTTP_AUTHORIZATION"), token)
        if code == 401:
            return _json_error(start_response, 401, "token de métricas ausente ou inválido",
                               [("WWW-Authenticate", "Bearer")])
        if code != 200:
            return _json_error(start_response, 403,
                               "métricas só para clientes locais (configure METRICS_TOKEN para acesso remoto)")
        environ["QUERY_STRING"] = ""  # the whole exposition, no name[] filters
        return exposition(environ, start_response)

    return app


class _QuietHandler(WSGIRequestHandler):
    timeout = 10  # a client that stops sending mid-request does not hold its thread for ever

    def log_message(self, format, *args):  # the base class's signature
        pass


# --- the process ---------------------------------------------------------------------------------
def udp_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)  # bursts (capped by rmem_max)
    except OSError:
        pass
    sock.bind((host, port))
    return sock


def serve(host: str, statsd_port: int, http_port: int, token: str | None, *,
          bridge: StatsdBridge | None = None) -> None:
    """Receive StatsD on UDP ``host:statsd_port`` and serve HTTP on ``host:http_port`` until SIGTERM/SIGINT."""
    bridge = bridge or StatsdBridge()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(bridge)
    ProcessCollector(registry=registry)  # process_resident_memory_bytes etc.: the caps at work
    sock = udp_socket(host, statsd_port)
    httpd = make_server(host, http_port, wsgi_app(registry, token), ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=httpd.serve_forever, name="http", daemon=True).start()

    def stop(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("StatsD on udp://%s:%d, metrics on http://%s:%d/metrics (%s)", host, statsd_port, host, http_port,
             "Bearer METRICS_TOKEN" if token else "loopback clients only")
    try:
        while True:
            data = sock.recv(DATAGRAM_MAX)
            try:
                bridge.ingest(data)
            except Exception:  # one datagram never stops the bridge (logged)
                log.exception("datagram ignored")
    finally:
        httpd.shutdown()
        httpd.server_close()
        sock.close()


def main(argv: list[str] | None = None) -> int:
    from alumusic.settings import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m alumusic.airflow_metrics",
                                     description="Airflow's StatsD metrics as a Prometheus /metrics endpoint.")
    parser.add_argument("--host", default=settings.airflow_metrics_host, help="address of both listeners")
    parser.add_argument("--statsd-port", type=int, default=settings.airflow_statsd_port, help="UDP, from Airflow")
    parser.add_argument("--http-port", type=int, default=settings.airflow_metrics_port, help="HTTP, /metrics")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    try:
        serve(args.host, args.statsd_port, args.http_port, token)
    except OSError as exc:  # the port is taken: say which (supervisord restarts with backoff)
        log.error("cannot listen on %s (udp %d / http %d): %s", args.host, args.statsd_port, args.http_port, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
