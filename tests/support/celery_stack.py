"""A CeleryExecutor stack of its own for tests/ops/test_celery.py and bench/celery_classify.py:
``scripts/devstack.py run --executor celery --workers N`` (embedded PostgreSQL, Redis on a Unix socket,
Airflow api-server/scheduler/dag-processor and N ``airflow celery worker``s under supervisord) in a temp
DATA_DIR on free loopback ports, classifying with ``LLM_BACKEND=ollama`` against emulator processes
(``EmulatorProcess``: killable, restartable on the same port).

Throughput: ``hosts x num_parallel / latency`` is the emulators' combined limit (comments/s)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tests.support.emulator_process import MODEL, EmulatorProcess
from tests.support.ops import DEVSTACK, ROOT, Stack, free_port, stack_env

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
AIRFLOW_ONLY = "airflow-apiserver,airflow-scheduler,airflow-dag-processor"
PHRASES = ["Que clipe lindo, a coreografia ficou perfeita!", "Essa música é horrível, desafinou",
           "Venha tocar em Recife por favor!!", "Qual o nome da música do final?",
           "Ganhe dinheiro fácil no meu canal", "quem está ouvindo em 2026?",
           "o autotune estragou a voz dela", "show curto demais, ingresso caro"]


def redis_available() -> bool:
    return os.access(REDIS_SERVER, os.X_OK)


@dataclass
class CeleryStack(Stack):
    emulators: list[EmulatorProcess] = field(default_factory=list)
    workers: int = 2
    latency_ms: float = 500
    num_parallel: int = 4
    left_behind: list[str] = field(default_factory=list)  # what the teardown had to kill

    @property
    def limit(self) -> float:
        """The emulators' combined limit in comments/s (each answers num_parallel at a time)."""
        return len(self.emulators) * self.num_parallel / (self.latency_ms / 1000)

    def engine(self, database: str = "alumusic") -> sa.Engine:
        return sa.create_engine(f"postgresql+psycopg2://postgres@/{database}?host={self.data / 'pg'}",
                                poolclass=sa.pool.NullPool)

    def airflow(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """The Airflow CLI with the stack's own configuration (devstack's environment, from its config)."""
        return subprocess.run([str(Path(sys.executable).parent / "airflow"), *args], env=self.airflow_env(),
                              cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)

    def airflow_env(self) -> dict:
        from alumusic.airflow_env import airflow_env

        pg = self.data / "pg"
        env = dict(self.env)
        env.update(airflow_env(self.data / "airflow", f"postgresql+psycopg2://postgres@/airflow?host={pg}",
                               f"postgresql+psycopg2://postgres@/alumusic?host={pg}"))
        return env

    def trigger(self, conf: dict, within: float = 120) -> str:
        """Trigger classify_comments (retried until the dag-processor has parsed it); its run id."""
        run_id = f"teste_celery_{uuid.uuid4().hex[:8]}"
        deadline = time.monotonic() + within
        while True:
            done = self.airflow("dags", "trigger", "classify_comments", "--run-id", run_id, "-c", json.dumps(conf))
            if done.returncode == 0:
                return run_id
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not trigger classify_comments: {done.stderr[-2000:]}")
            time.sleep(3)

    def load_backlog(self, n: int) -> list[str]:
        """``n`` pending comments through the API's write path (``insert_comments``); their ids."""
        from alumusic.repositories.comments import NewComment, insert_comments

        ids = [uuid.uuid4() for _ in range(n)]
        engine = self.engine()
        try:
            with engine.begin() as conn:
                insert_comments(conn, [NewComment(id=cid, texto=f"{PHRASES[k % len(PHRASES)]} #{k} {cid.hex[:6]}",
                                                  enviado_por="teste-celery") for k, cid in enumerate(ids)])
        finally:
            engine.dispose()
        return [str(cid) for cid in ids]

    def counts(self, ids: list[str]) -> dict:
        """For ``ids``: how many are classified, pending, failed; automatic classifications per comment."""
        engine = self.engine()
        try:
            with engine.connect() as conn:
                status = dict(conn.execute(sa.text(
                    "SELECT status, count(*) FROM comentarios WHERE id = ANY(CAST(:ids AS uuid[])) GROUP BY status"),
                    {"ids": ids}).all())
                per_comment = dict(conn.execute(sa.text(
                    """SELECT n, count(*) FROM (
                           SELECT c.id, count(k.id) AS n FROM comentarios c
                             LEFT JOIN classificacoes k ON k.comentario_id = c.id AND k.origem = 'automatica'
                            WHERE c.id = ANY(CAST(:ids AS uuid[])) GROUP BY c.id) x GROUP BY n"""),
                    {"ids": ids}).all())
                window = conn.execute(sa.text(
                    """SELECT extract(epoch FROM min(k.criado_em)), extract(epoch FROM max(k.criado_em)),
                              count(DISTINCT k.autor)
                         FROM classificacoes k WHERE k.comentario_id = ANY(CAST(:ids AS uuid[]))"""),
                    {"ids": ids}).one()
        finally:
            engine.dispose()
        return {"status": status, "classifications_per_comment": per_comment,
                "first": float(window[0] or 0), "last": float(window[1] or 0), "batches": window[2]}

    def wait_classified(self, ids: list[str], timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            counts = self.counts(ids)
            if counts["status"].get("classificado", 0) == len(ids) or time.monotonic() > deadline:
                return counts
            time.sleep(1)

    def task_starts(self, since: float) -> list[float]:
        """Start times (epoch s) of ``classificar`` task instances that started after ``since``, whatever
        their run (the run the scheduler makes when it first parses the DAG may take part of a backlog)."""
        engine = self.engine("airflow")
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text(
                    "SELECT extract(epoch FROM start_date) FROM task_instance WHERE dag_id = 'classify_comments' "
                    "AND task_id = 'classificar' AND start_date >= to_timestamp(:t)"), {"t": since}).all()
        finally:
            engine.dispose()
        return sorted(float(r[0]) for r in rows)

    def run_state(self, run_id: str) -> str | None:
        engine = self.engine("airflow")
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT state FROM dag_run WHERE dag_id = 'classify_comments' "
                                            "AND run_id = :r"), {"r": run_id}).scalar()
        finally:
            engine.dispose()

    def wait_run(self, run_id: str, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while (state := self.run_state(run_id)) not in ("success", "failed") and time.monotonic() < deadline:
            time.sleep(1)
        return state

    def batches_per_worker(self) -> dict[str, int]:
        """``classificar`` task instances each Celery worker has executed so far (its log says so)."""
        mark = re.compile(r"Executing workload in Celery: .*task_id='classificar', dag_id='classify_comments'")
        counts = {}
        for k in range(1, self.workers + 1):
            log = self.data / "logs" / f"airflow-worker-{k}.log"
            text = log.read_text(errors="replace") if log.exists() else ""
            counts[f"worker{k}"] = len(mark.findall(text))
        return counts

    def diagnostics(self, run_id: str, lines: int = 15) -> str:
        """The ends of the run's task logs and of supervisord's log: what a failed assertion shows."""
        parts = []
        logs = sorted((self.data / "airflow" / "logs").glob(f"dag_id=classify_comments/run_id={run_id}/**/*.log"))
        for log in [*logs, self.data / "logs" / "supervisord.log"]:
            tail = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
            parts.append(f"--- {log.relative_to(self.data)}\n" + "\n".join(tail))
        return "\n".join(parts)

    def program_groups(self) -> dict[str, int]:
        """supervisord's programs and their process groups (each program leads its own)."""
        return {p["name"]: p["pid"] for p in self.rpc().supervisor.getAllProcessInfo() if p.get("pid")}


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


@contextlib.contextmanager
def celery_stack(*, workers: int = 2, emulators: int = 2, latency_ms: float = 500, num_parallel: int = 4,
                 extra_env: dict | None = None, start_timeout: float = 180) -> Iterator[CeleryStack]:
    """Start the stack (and the emulators); on the way out stop it as Ctrl-C does and make sure no
    process of it (supervisord's programs' groups, the emulators) is left: ``left_behind`` lists
    what had to be killed (the caller asserts it is empty)."""
    data = Path(tempfile.mkdtemp(prefix="am-cel-", dir="/tmp"))  # short: PostgreSQL's socket path
    ports = {name: free_port() for name in ("api", "dashboard", "airflow", "smtp")}
    st = CeleryStack(data=data, ports=ports, env=stack_env(data, ports), output=data / "launcher.out",
                     workers=workers, latency_ms=latency_ms, num_parallel=num_parallel)
    st.emulators = [EmulatorProcess(free_port(), data / "emulators", latency_ms=latency_ms,
                                    num_parallel=num_parallel) for _ in range(emulators)]
    st.env.update(LLM_BACKEND="ollama", OLLAMA_HOSTS=",".join(e.url for e in st.emulators), OLLAMA_MODEL=MODEL,
                  CLASSIFY_SCHEDULE_MINUTES="600", **(extra_env or {}))
    groups: dict[str, int] = {}
    try:
        for emulator in st.emulators:
            emulator.start()
        with st.output.open("wb") as out:
            st.proc = subprocess.Popen(
                [sys.executable, str(DEVSTACK), "run", "--only", AIRFLOW_ONLY, "--executor", "celery",
                 "--workers", str(workers)], env=st.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + start_timeout
        while "is running" not in st.output.read_text(errors="replace"):
            if st.proc.poll() is not None or time.monotonic() > deadline:
                logs = "\n".join(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-12:])
                                 for log in sorted((data / "logs").glob("*.log")))
                raise RuntimeError(f"the Celery stack did not start:\n{st.output.read_text(errors='replace')}\n"
                                   f"{logs}")
            time.sleep(0.5)
        groups = st.program_groups()
        yield st
    finally:
        if st.proc is not None and st.proc.poll() is None:
            with contextlib.suppress(Exception):
                groups.update(st.program_groups())
            st.proc.send_signal(signal.SIGINT)  # what Ctrl-C does
            try:
                st.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(st.proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_group_alive(g) for g in groups.values()):
            time.sleep(0.5)
        for name, pgid in groups.items():
            if _group_alive(pgid):
                st.left_behind.append(name)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
        for line in st.leftovers():  # anything else with the data dir in its command line
            st.left_behind.append(line)
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(line.split()[0]), signal.SIGKILL)
        for emulator in st.emulators:
            emulator.kill()
        shutil.rmtree(data, ignore_errors=True)
