"""Run the whole product on this machine: ``make run`` (foreground) and ``make stop``.

PostgreSQL (embedded unless DATABASE_URL is set), Airflow 3 (api-server, scheduler,
dag-processor, triggerer), the API and the dashboard behind gunicorn. Each service runs in its
own process group; Ctrl-C, SIGTERM or ``make stop`` ends every group and the embedded server.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".data"
SECRETS = DATA / "secrets.env"
CREDENTIALS = DATA / "credentials.json"
PIDFILE = DATA / "run" / "stack.json"
BIN = Path(sys.executable).parent


def log(msg: str) -> None:
    print(f"[alumusic] {msg}", flush=True)


# --- secrets -------------------------------------------------------------------------------
def ensure_secrets() -> dict:
    """Generate development secrets on first run; keep them in .data/ (git-ignored, 0600)."""
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
        log(f"generated development secrets in {SECRETS.relative_to(ROOT)}")
    for key, value in env.items():
        os.environ.setdefault(key, value)
    return creds


def save_credential(creds: dict, key: str, value: str) -> None:
    creds[key] = value
    CREDENTIALS.write_text(json.dumps(creds, indent=2))
    CREDENTIALS.chmod(0o600)


# --- processes -----------------------------------------------------------------------------
class Stack:
    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen] = {}
        self.pgdata: Path | None = None

    def start(self, name: str, argv: list[str], env: dict) -> None:
        logfile = DATA / "logs" / f"{name}.log"
        logfile.parent.mkdir(parents=True, exist_ok=True)
        out = logfile.open("ab")
        # Own session = own process group: stopping the group stops every child it forked.
        self.procs[name] = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self._save()

    def _save(self) -> None:
        PIDFILE.parent.mkdir(parents=True, exist_ok=True)
        PIDFILE.write_text(json.dumps({"pids": {n: p.pid for n, p in self.procs.items()},
                                       "pgdata": str(self.pgdata) if self.pgdata else None}))

    def check_alive(self) -> str | None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                return name
        return None


def stop_recorded() -> None:
    """Stop every process group and the embedded PostgreSQL recorded in the pid file."""
    if not PIDFILE.exists():
        log("nothing recorded as running")
        return
    state = json.loads(PIDFILE.read_text())
    pids = list(state.get("pids", {}).values())
    for pid in pids:
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_group_alive(pid) for pid in pids):
        time.sleep(0.3)
    for pid in pids:
        if _group_alive(pid):
            _signal_group(pid, signal.SIGKILL)
    if state.get("pgdata"):
        from alumusic import localpg

        if localpg.stop(Path(state["pgdata"])):
            log("embedded PostgreSQL stopped")
    PIDFILE.unlink(missing_ok=True)
    log("stopped")


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


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


# --- run -----------------------------------------------------------------------------------
def run() -> int:
    if PIDFILE.exists():
        log("a previous stack is recorded as running: stopping it first")
        stop_recorded()
    creds = ensure_secrets()
    from alumusic import localpg, migrations
    from alumusic.db import normalise_url
    from alumusic.settings import get_settings

    settings = get_settings()
    stack = Stack()

    def shutdown(*_: object) -> None:
        raise KeyboardInterrupt

    # SIGINT explicitly too: a shell that starts us in the background sets it to "ignore".
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        # PostgreSQL
        if settings.database_url:
            product_url = normalise_url(settings.database_url)
            airflow_url = normalise_url(settings.airflow_database_url or
                                        product_url.rsplit("/", 1)[0] + "/airflow")
        else:
            server = localpg.start(DATA / "pg", keep_running=True)
            stack.pgdata = (DATA / "pg").resolve()
            stack._save()
            admin = localpg.url_for(server, "postgres")
            for name in (localpg.PRODUCT_DB, localpg.AIRFLOW_DB):
                localpg.ensure_database(admin, name)
            product_url = localpg.url_for(server, localpg.PRODUCT_DB)
            airflow_url = normalise_url(settings.airflow_database_url or localpg.url_for(server, localpg.AIRFLOW_DB))
            log(f"embedded PostgreSQL running in {stack.pgdata.relative_to(ROOT)}")
        migrations.upgrade(product_url)
        log("product schema migrated")

        env = os.environ.copy()
        env.update(stack_airflow_env(settings, product_url, airflow_url))
        env["DATABASE_URL"] = product_url

        airflow = str(BIN / "airflow")
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([airflow, "pools", "set", "llm", str(settings.llm_pool_slots),
                        "LLM calls (Ollama): bounds concurrent classification tasks"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        log("Airflow metadata migrated, pool 'llm' set")
        for component in ("api-server", "scheduler", "dag-processor", "triggerer"):
            args = [airflow, component] + (["--port", str(settings.airflow_port)] if component == "api-server" else [])
            stack.start(f"airflow-{component}", args, env)

        gunicorn = str(BIN / "gunicorn")
        # --no-control-socket: each gunicorn would otherwise claim the same .data/run/gunicorn.ctl.
        stack.start("api", [gunicorn, "--workers", "2", "--threads", "4", "--no-control-socket",
                            "--worker-class", "api.gunicorn_worker.JsonErrorWorker",
                            "--bind", f"127.0.0.1:{settings.api_port}", "api.wsgi:app"], env)
        stack.start("dashboard", [gunicorn, "--workers", "2", "--threads", "4", "--no-control-socket", "--bind",
                                  f"127.0.0.1:{settings.dashboard_port}", "dashboard.wsgi:server"], env)

        checks = {
            "API": f"http://127.0.0.1:{settings.api_port}/api/health",
            "Dashboard": f"http://127.0.0.1:{settings.dashboard_port}/health",
            "Airflow": f"http://127.0.0.1:{settings.airflow_port}/api/v2/monitor/health",
        }
        for name, url in checks.items():
            if not wait_http(url, 120):
                log(f"{name} did not answer {url}; see .data/logs/")
                raise KeyboardInterrupt
            log(f"{name} healthy: {url}")

        post_start_hooks(product_url, creds)
        print_banner(settings, creds, env)
        while True:
            dead = stack.check_alive()
            if dead and not PIDFILE.exists():
                log("stopped from elsewhere (make stop)")
                return 0
            if dead:
                log(f"{dead} exited; see .data/logs/{dead}.log. Stopping everything.")
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        log("stopping...")
        return 0
    finally:
        # A second Ctrl-C must not interrupt the clean-up and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_recorded()


def stack_airflow_env(settings, product_url: str, airflow_url: str) -> dict:
    """The project's Airflow environment (``alumusic.airflow_env``) plus what the local stack runs with."""
    from alumusic.airflow_env import airflow_env

    home = DATA / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    return airflow_env(home, airflow_url, product_url, extra={
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{settings.airflow_port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__API__PORT": str(settings.airflow_port),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps({
            "conn_type": "smtp", "host": settings.smtp_host, "port": settings.smtp_port,
            "login": settings.smtp_user or "", "password": settings.smtp_password.get_secret_value()
            if settings.smtp_password else "",
            "extra": {"disable_tls": not settings.smtp_starttls, "disable_ssl": True,
                      "from_email": settings.mail_from},
        }),
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


def print_banner(settings, creds: dict, env: dict) -> None:
    pw_file = Path(env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
    airflow_pw = json.loads(pw_file.read_text()).get("admin", "?") if pw_file.exists() else "(see api-server log)"
    lines = [
        "",
        "AluMusic Insights is running (Ctrl-C or `make stop` stops everything)",
        f"  Public report   http://127.0.0.1:{settings.dashboard_port}/relatorio/semana",
        f"  Curators        http://127.0.0.1:{settings.dashboard_port}/dashboard/   "
        + (f"user {creds.get('dashboard_user', FIRST_CURATOR)} / password {creds['dashboard_password']}"
           if creds.get("dashboard_password") else "(accounts: python -m alumusic users list)"),
        f"  API             http://127.0.0.1:{settings.api_port}/api/health   "
        f"(OpenAPI: /api/openapi.json)",
    ]
    if creds.get("api_client_secret"):
        lines.append(f"                  client id {creds['api_client']} / secret {creds['api_client_secret']}")
    lines += [
        f"  Airflow         http://127.0.0.1:{settings.airflow_port}/   user admin / password {airflow_pw}",
        f"  Logs            {DATA.relative_to(ROOT)}/logs/",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "stop":
        stop_recorded()
        sys.exit(0)
    sys.exit(run())
