"""The Ollama emulator as a process of its own (``python -m ollama_emulator``), for tests that kill it
(``kill -9``) and start it again on the same port, as a host going away and coming back would."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = "qwen2.5:3b"


class EmulatorProcess:
    def __init__(self, port: int, log_dir: Path, *, latency_ms: float = 0, num_parallel: int = 4) -> None:
        self.port, self.log_dir = port, Path(log_dir)
        self.latency_ms, self.num_parallel = latency_ms, num_parallel
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        """This start's log (each start writes its own, so its stats are its own)."""
        return self.log_dir / f"emulator-{self.port}-{self.starts}.log"

    def start(self, timeout: float = 20) -> EmulatorProcess:
        self.starts += 1
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ollama_emulator", "--port", str(self.port), "--latency-ms",
                 str(self.latency_ms), "--num-parallel", str(self.num_parallel), "--model", MODEL],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/tags", timeout=1):
                    return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"emulator on {self.port} did not start:\n{self.log.read_text()}") from None
                time.sleep(0.1)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """``kill -9``: connections in progress are reset, new ones refused."""
        if self.running():
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> dict:
        """SIGTERM; the counters of this start (``requests``, ``generations``...) from its last log line."""
        if not self.running():
            return {}
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(20)
        for line in reversed(self.log.read_text(errors="replace").splitlines()):
            if "stopping; stats: " in line:
                return ast.literal_eval(line.split("stopping; stats: ", 1)[1])
        return {}
