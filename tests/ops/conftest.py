"""Fault tests on real processes (marker ``ops``: ``pytest -m ops``): a supervised stack in a temp data dir.

``stack`` (one per module) runs ``scripts/devstack.py run --only api,dashboard,mailsink`` (the embedded
PostgreSQL, the API and the dashboard under gunicorn, the SMTP sink, all under supervisord) on free
loopback ports and a temp DATA_DIR, so it never meets a developer's ``make run``. Teardown stops it the
way Ctrl-C does and asserts that no process of it is left.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.support.ops import DEVSTACK, ROOT, Stack, free_port, stack_env


@pytest.fixture(scope="module")
def stack():
    # A short path: PostgreSQL's Unix socket lives in DATA_DIR/pg (socket paths are limited to ~107 bytes).
    data = Path(tempfile.mkdtemp(prefix="am-ops-", dir="/tmp"))
    ports = {name: free_port() for name in ("api", "dashboard", "airflow", "smtp")}
    st = Stack(data=data, ports=ports, env=stack_env(data, ports), output=data / "launcher.out")
    with st.output.open("wb") as out:
        st.proc = subprocess.Popen([sys.executable, str(DEVSTACK), "run", "--only", "api,dashboard,mailsink"],
                                   env=st.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "is running" not in st.output.read_text(errors="replace"):
            if st.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the stack did not start:\n{st.output.read_text(errors='replace')}")
            time.sleep(0.5)
        yield st
    finally:
        if st.proc.poll() is None:
            st.proc.send_signal(signal.SIGINT)  # what Ctrl-C does
            try:
                st.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(st.proc.pid, signal.SIGKILL)
        left: list[str] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (left := st.leftovers()):
            time.sleep(0.5)
        for line in left:  # never leave them behind, even when the assertion below fails
            try:
                os.kill(int(line.split()[0]), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        shutil.rmtree(data, ignore_errors=True)
        assert not left, f"processes left behind after Ctrl-C: {left}"
