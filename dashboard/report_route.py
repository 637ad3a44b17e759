"""``GET /relatorio/semana.json``: the public report's data, with HTTP caching that matches the server's.

The report is recomputed at most once per ``REPORT_CACHE_SECONDS`` (``context.report``), so the
response says so: ``Cache-Control: public, max-age=<seconds left of this snapshot>`` and an ``ETag``
of its content, so browsers and proxies revalidate with ``If-None-Match`` and get a 304.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

from flask import Flask, Response, request

from dashboard import context

PATH = "/relatorio/semana.json"


def register(server: Flask) -> None:
    @server.get(PATH)
    def relatorio_json():
        report = context.report()
        body = json.dumps(report, ensure_ascii=False, separators=(",", ":"), default=str)
        ttl = context.settings().report_cache_seconds
        age = time.time() - datetime.fromisoformat(report["gerado_em"]).timestamp()
        resp = Response(body, mimetype="application/json")
        resp.add_etag()  # Werkzeug: a hash of the body
        resp.cache_control.public = True
        resp.cache_control.max_age = max(0, int(ttl - age))
        return resp.make_conditional(request)
