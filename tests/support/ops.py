"""Helpers of the fault tests (tests/ops): free ports, HTTP probes, the supervised stack's
environment and handle. The ``stack`` fixture itself is in tests/ops/conftest.py."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEVSTACK = ROOT / "scripts" / "devstack.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(url: str, *, timeout: float = 3, data: bytes | None = None, headers: dict | None = None) -> int:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return 0  # refused, reset, timed out


def stack_env(data: Path, ports: dict[str, int]) -> dict:
    """The environment of a stack of its own: nothing of the test session's databases or Airflow."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AIRFLOW") and k not in {"DATABASE_URL", "XDG_RUNTIME_DIR", "JWT_SECRET_KEY"}}
    env.update(DATA_DIR=str(data), API_PORT=str(ports["api"]), DASHBOARD_PORT=str(ports["dashboard"]),
               AIRFLOW_PORT=str(ports["airflow"]), SMTP_PORT=str(ports["smtp"]), DEMO="0", LLM_BACKEND="offline")
    return env


@dataclass
class Stack:
    data: Path
    ports: dict[str, int]
    env: dict
    proc: subprocess.Popen | None = None
    output: Path = field(default=Path())

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def rpc(self):
        import xmlrpc.client

        from supervisor.xmlrpc import SupervisorTransport

        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(
            None, None, f"unix://{self.data / 'run' / 'supervisor.sock'}"))

    def devstack(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(DEVSTACK), *args], env=self.env, cwd=ROOT, timeout=timeout,
                              capture_output=True, text=True, check=True)

    def credentials(self) -> dict:
        return json.loads((self.data / "credentials.json").read_text())

    def leftovers(self) -> list[str]:
        """Processes of this stack still alive (matched on the data dir and the ports in their command line)."""
        marks = [str(self.data), f"127.0.0.1:{self.ports['api']}", f"127.0.0.1:{self.ports['dashboard']}",
                 f"--port {self.ports['smtp']}"]
        ps = subprocess.run(["ps", "-eo", "pid=,stat=,args="], capture_output=True, text=True).stdout
        return [line.strip() for line in ps.splitlines()
                if any(m in line for m in marks) and " Z" not in f" {line.split(None, 2)[1]}"
                and "ps -eo" not in line]
