"""The API under real gunicorn with Prometheus' multiprocess mode, and reading a /metrics page."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def gunicorn_api(db_url: str, data_dir: Path, workers: int = 2, **env: str) -> Iterator[tuple[str, int]]:
    """``gunicorn -c python:alumusic.gunicorn_conf api.wsgi:app`` (as make run and compose start it)
    on a free loopback port; yields its URL and the master's pid. ``env`` adds settings/variables."""
    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    full_env = {**os.environ, "DATABASE_URL": db_url, "DATA_DIR": str(data_dir), **env}
    log = data_dir / "gunicorn-api.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "-c", "python:alumusic.gunicorn_conf", "--workers", str(workers),
                             "--threads", "2", "--no-control-socket", "--worker-class", "api.gunicorn_worker.JsonErrorWorker",
                             "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "api.wsgi:app"],
                            env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/api/health", timeout=2)
                break
            except requests.RequestException:
                assert proc.poll() is None, log.read_text()[-3000:] if log.exists() else "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.3)
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """``{(sample name, sorted label items): value}`` of a text exposition."""
    from prometheus_client.parser import text_string_to_metric_families

    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict, name: str, **labels) -> float | None:
    return found.get((name, tuple(sorted(labels.items()))))
