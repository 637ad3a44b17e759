"""Serving the app: werkzeug's threaded WSGI server on a background thread."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from ollama_emulator.app import make_app
from ollama_emulator.state import DEFAULT_MODEL, Emulator

log = logging.getLogger(__name__)


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # set here, so werkzeug does not set it on its own handler class
    # Headers and body leave in separate writes: with Nagle on, the body would wait for the
    # client's delayed ACK (~40 ms on Linux). Ollama's Go server sets NODELAY too.
    disable_nagle_algorithm = True

    def log(self, type: str, message: str, *args: Any) -> None:
        # werkzeug logs every request at INFO on a logger it configures itself: keep it quiet.
        log.log(logging.WARNING if type == "error" else logging.DEBUG, message, *args)


@contextlib.contextmanager
def run_emulator(latency_s: float = 0.0, num_parallel: int = 4, models: Sequence[str] = (DEFAULT_MODEL,),
                 *, host: str = "127.0.0.1", port: int = 0, hang_s: float = 30.0,
                 keep_requests: int = 1000, logprobs: bool = True, prefill_tps: float | None = None,
                 decode_tps: float | None = None, prefix_cache: bool = True) -> Iterator[Emulator]:
    """Serve an emulator on ``host:port`` (0: a free port, see ``emu.url``) in a background
    thread for the duration of the block (``logprobs=False``: like Ollama before 0.12.11;
    ``prefill_tps``/``decode_tps``: token-cost mode, see ``Emulator``)."""
    emu = Emulator(models, latency_s=latency_s, num_parallel=num_parallel, hang_s=hang_s,
                   keep_requests=keep_requests, logprobs=logprobs, prefill_tps=prefill_tps,
                   decode_tps=decode_tps, prefix_cache=prefix_cache)
    server = make_server(host, port, make_app(emu), threaded=True, request_handler=_Handler)
    emu.url = f"http://{f'[{host}]' if ':' in host else host}:{server.port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"ollama-emulator-{server.port}", daemon=True)
    thread.start()
    try:
        yield emu
    finally:
        emu.stop()  # requests still sleeping or hanging answer now
        server.shutdown()  # serve_forever returns and closes the listening socket
        thread.join(timeout=5)
