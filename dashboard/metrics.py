"""The dashboard's ``GET /metrics`` (Prometheus) and its callback timing.

Callbacks of the private app (``/dashboard/_dash-update-component``) are timed by their output,
the key of the Dash callback map (a fixed set; ``desconhecido`` for a body the guard refused).
Cache lookups (``dashboard.cache``) and CSV exports (``dashboard.export_route``) count themselves.
The pipeline's numbers are on the API's ``/metrics`` only, so they are scraped once.

``/metrics`` is listed in ``security.PUBLIC_PATHS`` (no curator session: Prometheus has none) and
guarded here instead: ``Authorization: Bearer <METRICS_TOKEN>`` when the token is set, loopback
clients only otherwise (``alumusic.metrics.access``). It carries aggregates with fixed label values
only: nothing personal, no comment text, no curator name.
"""

from __future__ import annotations

import json
import time

from flask import Flask, Response, g, request

from alumusic import metrics
from alumusic.settings import Settings

PATH = "/metrics"
CALLBACK_SUFFIX = "/_dash-update-component"


def init_app(server: Flask, settings: Settings) -> None:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    # Before the guard, so a callback is timed from the start of its request.
    server.before_request_funcs.setdefault(None, []).insert(0, _start)
    server.after_request(_observe)

    @server.get(PATH)
    def metrics_scrape():
        from dashboard.security import _error

        code = metrics.access(request.remote_addr, request.headers.get("Authorization"), token)
        if code == 401:
            return _error(401, "token de métricas ausente ou inválido", {"WWW-Authenticate": "Bearer"})
        if code != 200:
            return _error(403, "métricas só para clientes locais (configure METRICS_TOKEN para acesso remoto)")
        return Response(metrics.exposition(), content_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def _start() -> None:
    if request.method == "POST" and request.path.endswith(CALLBACK_SUFFIX):
        g.callback_started = time.perf_counter()


def _callback_name() -> str:
    from dashboard.security import _dash_app_for

    app = _dash_app_for(request.path)
    try:
        output = json.loads(request.get_data(cache=True)).get("output")
    except (ValueError, UnicodeDecodeError, RecursionError, AttributeError):
        return "desconhecido"
    if app is None or not isinstance(output, str) or output not in app.callback_map:
        return "desconhecido"  # only callback-map keys become labels
    return output


def _observe(response: Response) -> Response:
    started = g.pop("callback_started", None)
    if started is not None and response.status_code < 400:  # refused bodies are the guard's, not callbacks
        metrics.DASHBOARD_CALLBACK_LATENCY.labels(_callback_name()).observe(time.perf_counter() - started)
    return response
