"""Fixtures for the attacker's-eye tests: row counts of every table a request could write, and a
real gunicorn running the API (with the worker class the deployments use) on loopback. The API's
app/client/token fixtures and the error-shape assertions are in tests/support/api.py."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
WORKER_CLASS = "api.gunicorn_worker.JsonErrorWorker"
WRITABLE = ("comentarios", "classificacoes", "insights_perguntas", "api_clientes", "api_refresh_tokens")


@pytest.fixture
def counts(db):
    """``counts()``: rows per table a request could write (compare before and after an attack)."""

    def snapshot() -> dict[str, int]:
        with db.connect() as conn:
            return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in WRITABLE}

    return snapshot


@dataclass
class Gunicorn:
    port: int
    access_log: Path
    proc: subprocess.Popen

    def connection(self, source_ip: str = "127.0.0.1", timeout: float = 30) -> http.client.HTTPConnection:
        """A new connection (so any worker may take it) from ``source_ip`` (any 127.x address)."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout, source_address=(source_ip, 0))

    def request(self, method: str, path: str, body=None, headers=None, source_ip: str = "127.0.0.1"):
        """``(status, headers, body bytes)`` of one request on its own connection."""
        conn = self.connection(source_ip)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def raw(self, data: bytes, timeout: float = 30) -> http.client.HTTPResponse:
        """Send ``data`` as is on a new socket; the parsed answer (body read)."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            sock.sendall(data)
            resp = http.client.HTTPResponse(sock)
            resp.begin()
            resp.body = resp.read()
            return resp
        finally:
            sock.close()

    def reset_log(self) -> None:
        self.access_log.write_text("")  # gunicorn appends (O_APPEND): safe to truncate under it

    def worker_pids(self, wait: float = 0.3) -> set[str]:
        """pids of the workers that answered so far (from the access log)."""
        time.sleep(wait)  # the access log is written after the answer
        return {line.split()[0] for line in self.access_log.read_text().splitlines() if line.strip()}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(db_url, tmp_path_factory):
    """``gunicorn(workers=2, **env)`` starts ``api.wsgi:app`` under a real gunicorn on this
    session's database (env: extra settings such as TOKEN_RATE_LIMIT_CLIENT); stopped at the end
    of the module."""
    started: list[tuple[subprocess.Popen, object]] = []

    def start(workers: int = 2, threads: int = 4, **env: str) -> Gunicorn:
        port = _free_port()
        log_dir = tmp_path_factory.mktemp("gunicorn")
        access_log = log_dir / "access.log"
        full_env = {**os.environ, "DATABASE_URL": db_url, **env}
        stderr = open(log_dir / "error.log", "wb")  # closed when the module's servers stop
        proc = subprocess.Popen(
            [str(GUNICORN), "--workers", str(workers), "--threads", str(threads), "--worker-class", WORKER_CLASS,
             "--bind", f"127.0.0.1:{port}", "--access-logfile", str(access_log),
             "--access-logformat", "%(p)s %(s)s %(m)s %(U)s", "--no-control-socket", "api.wsgi:app"],
            cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
        )
        started.append((proc, stderr))
        server = Gunicorn(port, access_log, proc)
        deadline = time.monotonic() + 60
        # Ready when every worker has loaded the app and answered (workers boot one by one).
        while not (access_log.exists() and len(server.worker_pids(wait=0)) == workers):
            try:
                server.request("GET", "/api/health")
            except OSError:
                time.sleep(0.3)
            assert proc.poll() is None, (log_dir / "error.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn workers did not all answer in 60 s"
        server.reset_log()  # forget the health probes
        return server

    yield start
    for proc, stderr in started:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        stderr.close()
