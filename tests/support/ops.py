"""Helpers of the fault tests (tests/ops): free ports, HTTP probes, the supervised stack's
environment and handle. The ``stack`` fixture itself is in tests/ops/conftest.py; ``running_stack``
starts any ``--only`` selection (tests/ops/test_airflow_faults.py: Airflow, PostgreSQL and the sink),
``AirflowApi`` drives its Airflow through the api-server's REST API."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
DEVSTACK = ROOT / "scripts" / "devstack.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
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
    """The environment of a stack of its own: nothing of the test session's databases or Airflow.

    The Airflow metrics bridge (``airflow-metrics``, with every Airflow) gets free ports too, added to
    ``ports`` as ``statsd`` (UDP) and ``airflow_metrics`` (HTTP): on 8125/9102 a stack's Airflow would
    report to a developer's ``make run`` or another test's stack."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AIRFLOW") and k not in {"DATABASE_URL", "XDG_RUNTIME_DIR", "JWT_SECRET_KEY",
                                                         "OTEL_COLLECTOR_HOST", "METRICS_TOKEN"}}
    ports.setdefault("statsd", free_udp_port())
    ports.setdefault("airflow_metrics", free_port())
    env.update(DATA_DIR=str(data), API_PORT=str(ports["api"]), DASHBOARD_PORT=str(ports["dashboard"]),
               AIRFLOW_PORT=str(ports["airflow"]), SMTP_PORT=str(ports["smtp"]), DEMO="0", LLM_BACKEND="offline",
               AIRFLOW_METRICS_HOST="127.0.0.1", AIRFLOW_STATSD_PORT=str(ports["statsd"]),
               AIRFLOW_METRICS_PORT=str(ports["airflow_metrics"]))
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


# --- any --only selection, and its Airflow -------------------------------------------------------
AIRFLOW_PROGRAMS = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


def proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, process group, session) of ``pid``; None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[2]), int(fields[3])


def alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie (an orphan killed under an init that reaps late)."""
    stat = proc_stat(pid)
    return stat is not None and stat[0] != "Z"


def members(*, pgid: int | None = None, sid: int | None = None) -> list[int]:
    """Live processes of process group ``pgid`` and/or session ``sid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))) and stat[0] != "Z":
            if (pgid is None or stat[1] == pgid) and (sid is None or stat[2] == sid):
                found.append(int(entry.name))
    return found


def describe(pids: list[int]) -> list[str]:
    out = []
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            out.append(f"{pid} {cmdline[:160]}")
        except OSError:
            pass
    return out


@contextmanager
def running_stack(only: list[str], *, extra_env: dict | None = None, ready_timeout: float = 240) -> Iterator[Stack]:
    """``devstack.py run --only ONLY`` in a temp DATA_DIR on free loopback ports (the embedded PostgreSQL
    always comes with it); yields when the launcher printed its banner. Leaving stops it the way Ctrl-C
    does and asserts that nothing of it is left: no process with its data dir or ports in the command
    line, and none in supervisord's session (where a SIGKILLed program's orphans would stay)."""
    # A short path: PostgreSQL's Unix socket lives in DATA_DIR/pg (socket paths are limited to ~107 bytes).
    data = Path(tempfile.mkdtemp(prefix="am-ops-", dir="/tmp"))
    ports = {name: free_port() for name in ("api", "dashboard", "airflow", "smtp")}
    st = Stack(data=data, ports=ports, env={**stack_env(data, ports), **(extra_env or {})},
               output=data / "launcher.out")
    sid = None
    with st.output.open("wb") as out:
        st.proc = subprocess.Popen([sys.executable, str(DEVSTACK), "run", "--only", ",".join(only)],
                                   env=st.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + ready_timeout
        while "is running" not in st.output.read_text(errors="replace"):
            if st.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the stack did not start:\n{st.output.read_text(errors='replace')}")
            time.sleep(0.5)
        sid = json.loads((data / "run" / "stack.json").read_text())["supervisord"]  # its own session
        yield st
    finally:
        if st.proc.poll() is None:
            st.proc.send_signal(signal.SIGINT)  # what Ctrl-C does
            try:
                st.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(st.proc.pid, signal.SIGKILL)
        left: list[int] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            marked = {int(line.split()[0]) for line in st.leftovers()}
            left = sorted(marked | set(members(sid=sid) if sid else []))
            if not left:
                break
            time.sleep(0.5)
        shown = describe(left)
        for pid in left:  # never leave them behind, even when the assertion below fails
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(data, ignore_errors=True)
        assert not left, f"processes left behind after Ctrl-C: {shown}"


class AirflowApi:
    """The stack's Airflow through the api-server's REST API (``/api/v2``), as user admin."""

    def __init__(self, stack: Stack) -> None:
        self.base = stack.url("airflow", "")
        pw_file = stack.data / "airflow" / "simple_auth_manager_passwords.json.generated"
        self.password = json.loads(pw_file.read_text())["admin"]
        self._token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None, *, timeout: float = 15) -> tuple[int, dict]:
        """(status, JSON body); status 0 when the api-server did not answer (down or restarting)."""
        headers = {"Content-Type": "application/json"}
        if self._token and not path.startswith("/auth/"):
            headers["Authorization"] = f"Bearer {self._token}"
        req = urllib.request.Request(self.base + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, {}
        except (OSError, ValueError):
            return 0, {}

    def login(self) -> None:
        status, body = self.call("POST", "/auth/token", {"username": "admin", "password": self.password})
        assert status in (200, 201), f"Airflow login: HTTP {status}"
        self._token = body["access_token"]

    def health(self) -> dict | None:
        status, body = self.call("GET", "/api/v2/monitor/health", timeout=5)
        return body if status == 200 else None

    def dag_ids(self) -> set[str]:
        status, body = self.call("GET", "/api/v2/dags?limit=100")
        return {d["dag_id"] for d in body.get("dags", [])} if status == 200 else set()

    def trigger(self, dag_id: str, conf: dict | None = None, *, within: float = 60) -> str:
        """Start a manual run (retrying while the api-server or its database is not back yet); its run id."""
        deadline = time.monotonic() + within
        while True:
            status, body = self.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}})
            if status in (200, 201):
                return body["dag_run_id"]
            if time.monotonic() > deadline:
                raise AssertionError(f"could not trigger {dag_id}: HTTP {status}")
            time.sleep(1)

    def run(self, dag_id: str, run_id: str) -> dict:
        status, body = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}")
        return body if status == 200 else {}

    def runs(self, dag_id: str) -> list[dict]:
        status, body = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=-start_date")
        return body.get("dag_runs", []) if status == 200 else []

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        status, body = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances?limit=200")
        return body.get("task_instances", []) if status == 200 else []

    def wait_run(self, dag_id: str, run_id: str, timeout: float) -> str | None:
        """The run's final state (success / failed), None when it had none within ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run(dag_id, run_id).get("state")
            if state in ("success", "failed"):
                return state
            time.sleep(1)
        return None
