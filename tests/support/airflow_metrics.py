"""The StatsD → Prometheus bridge (``python -m alumusic.airflow_metrics``) as a real process on free
loopback ports, fed by real UDP datagrams and scraped over HTTP."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.observability import samples, value
from tests.support.ops import free_port, free_udp_port


@dataclass
class BridgeProcess:
    proc: subprocess.Popen
    host: str
    statsd_port: int
    http_port: int
    token: str | None
    log: Path

    @property
    def base(self) -> str:
        host = "127.0.0.1" if self.host == "0.0.0.0" else self.host
        return f"http://{host}:{self.http_port}"

    def send(self, *datagrams: bytes | str) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for d in datagrams:
                s.sendto(d.encode() if isinstance(d, str) else d, ("127.0.0.1", self.statsd_port))

    def get(self, path: str = "/metrics", **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", None)
        if headers is None and self.token:
            headers = {"Authorization": f"Bearer {self.token}"}
        return requests.get(self.base + path, headers=headers, timeout=10, **kwargs)

    def scrape(self) -> dict:
        resp = self.get()
        assert resp.status_code == 200, resp.text
        return samples(resp.text)

    def datagrams(self) -> float:
        return value(self.scrape(), "alumusic_statsd_bridge_datagrams_total") or 0.0

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float = 30) -> dict:
        """The first scrape for which ``predicate`` holds (UDP is asynchronous: poll, don't sleep)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.scrape()
            if predicate(found):
                return found
            assert self.proc.poll() is None, f"the bridge exited: {self.log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"not seen within {timeout} s; last scrape: {sorted(found)[:40]}"
            time.sleep(0.1)

    def send_and_wait(self, *datagrams: bytes | str) -> dict:
        """Send, then wait until the bridge counted every one of them (nothing lost on the way)."""
        before = self.datagrams()
        self.send(*datagrams)
        return self.wait_for(lambda f: (value(f, "alumusic_statsd_bridge_datagrams_total") or 0) >= before + len(datagrams))

    def rss_bytes(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0


@contextlib.contextmanager
def bridge_process(tmp_path: Path, *, token: str | None = None, host: str = "127.0.0.1") -> Iterator[BridgeProcess]:
    """The bridge on free ports with ``METRICS_TOKEN`` = ``token`` (None: unset); leaving sends SIGTERM
    and asserts a clean exit (status 0)."""
    env = {k: v for k, v in os.environ.items() if k != "METRICS_TOKEN"}
    if token is not None:
        env["METRICS_TOKEN"] = token
    statsd_port, http_port = free_udp_port(), free_port()
    log = tmp_path / "airflow-metrics.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "alumusic.airflow_metrics", "--host", host,
                                 "--statsd-port", str(statsd_port), "--http-port", str(http_port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    bridge = BridgeProcess(proc, host, statsd_port, http_port, token, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(bridge.base + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, f"the bridge exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "the bridge did not answer /health within 30 s"
            time.sleep(0.1)
        yield bridge
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("the bridge did not stop on SIGTERM within 15 s") from None
    assert code == 0, f"the bridge exited with {code}: {log.read_text()[-2000:]}"
