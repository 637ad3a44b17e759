"""``GET /metrics`` (Prometheus) and the per-request counters of the API.

Every request is counted by route template (``request.url_rule``, never the raw path: bounded
labels and no ids), method and status, and timed. ``/metrics`` also carries the pipeline's numbers,
read from the product database at scrape time (``alumusic.metrics.PipelineCollector``); the
dashboard's ``/metrics`` has only its own process metrics, so each number is scraped once.

Access (``alumusic.metrics.access``): ``Authorization: Bearer <METRICS_TOKEN>`` when the token is
set, loopback clients only otherwise; refusals are the API's JSON errors (401/403). Nothing in the
output is personal: aggregates with fixed label values only.
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, current_app, g, request

from alumusic import metrics
from alumusic.repositories import status
from api import database
from api.errors import ApiError

bp = Blueprint("metrics", __name__)
PATH = "/metrics"


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_count)


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    rota = metrics.route_label(request.url_rule.rule if request.url_rule else None)
    metodo = request.method if request.method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS") \
        else "outro"  # any verb a client invents would be a new series
    metrics.API_REQUESTS.labels(rota, metodo, str(response.status_code)).inc()
    if started is not None:
        metrics.API_LATENCY.labels(rota, metodo).observe(time.perf_counter() - started)
    return response


def _snapshot() -> status.PipelineState:
    # An ordinary transaction (not the autocommit request pool): the statement timeout is local to it.
    with database.engine().begin() as conn:
        return status.pipeline_state(conn)


@bp.get(PATH)
def scrape():
    token = current_app.config.get("METRICS_TOKEN")
    code = metrics.access(request.remote_addr, request.headers.get("Authorization"), token)
    if code == 401:
        raise ApiError(401, "token de métricas ausente ou inválido", headers={"WWW-Authenticate": "Bearer"})
    if code != 200:
        raise ApiError(403, "métricas só para clientes locais (configure METRICS_TOKEN para acesso remoto)")
    body = metrics.exposition([metrics.PipelineCollector(_snapshot)])
    return Response(body, mimetype=None, content_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})
