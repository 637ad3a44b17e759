"""gunicorn worker class for the API: the errors gunicorn answers by itself, before the app sees
the request (request line too long 414, too many or too large headers 431, malformed request
400, unsupported transfer coding 501, ...), in the API's JSON error shape and with its security
headers instead of gunicorn's HTML page.

Use it with ``--worker-class api.gunicorn_worker.JsonErrorWorker`` (a gthread worker: ``--threads``
applies as usual). gunicorn still decides the status and logs the request; only the page written
back is replaced.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from api.errors import error_body
from api.headers import SECURITY_HEADERS


class _PageSink:
    """Stands in for the client socket while gunicorn writes its HTML error page, keeping it."""

    def __init__(self) -> None:
        self.data = bytearray()

    def gettimeout(self) -> float:
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.data += data


def json_error(html_page: bytes) -> bytes:
    """The JSON answer for gunicorn's error page ``html_page`` (same status)."""
    try:
        codigo = int(html_page.split(b" ", 2)[1])
        reason = HTTPStatus(codigo).phrase
    except (IndexError, ValueError):
        codigo, reason = 400, "Bad Request"
    body = json.dumps(error_body(codigo), ensure_ascii=False).encode("utf-8")
    headers = {"Connection": "close", "Content-Type": "application/json", "Content-Length": str(len(body)),
               **SECURITY_HEADERS}
    head = f"HTTP/1.1 {codigo} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


class JsonErrorWorker(ThreadWorker):
    def handle_error(self, req, client, addr, exc):
        page = _PageSink()
        super().handle_error(req, page, addr, exc)
        if not page.data:
            return
        try:
            util.write_nonblock(client, json_error(bytes(page.data)))
        except Exception:  # noqa: BLE001 - as gunicorn: the client may be gone
            self.log.debug("Failed to send error message.")
