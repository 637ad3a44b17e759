"""Dashboard fixtures (a pytest plugin, see tests/conftest.py): the server on a free loopback port
(werkzeug, in a thread), curator accounts, logging in, and the system Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
USER, PASSWORD, NAME = "curadora", "senha-de-teste-123", "Ana Curadora"
CACHE_SECONDS = 2  # short TTL: the refresh test waits for it


@pytest.fixture(scope="session")
def dash_app(engine, tmp_path_factory):
    """The dashboard's Flask server, one per session (Dash Pages registers pages and callbacks process-wide)."""
    from alumusic.settings import Settings
    from dashboard.app import create_app

    settings = Settings(dashboard_secret_key=secrets.token_urlsafe(32), report_cache_seconds=CACHE_SECONDS,
                        _env_file=None)
    return create_app(settings=settings, engine=engine, cache_dir=tmp_path_factory.mktemp("dash-cache"))


@pytest.fixture
def curator(db):
    """The account USER / PASSWORD (role curador) on the emptied database."""
    from alumusic.repositories import curators

    with db.begin() as conn:
        account, _ = curators.create(conn, USER, "curador", nome=NAME, password=PASSWORD)
    return account


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def dash_csrf(client) -> str:
    """The CSRF token the private app hands a logged-in browser (cookie read by the Dash renderer)."""
    client.get("/dashboard/_dash-layout")
    cookie = client.get_cookie("_csrf_token", path="/dashboard/")
    assert cookie is not None, "no CSRF cookie for the private app"
    return cookie.value


def callback_body(app, output: str, values: dict | None = None, relabel: str | None = None,
                  default=None) -> dict:
    """A well-formed ``_dash-update-component`` body for the callback ``output`` of the Dash ``app``.

    ``values`` maps ``"id.property"`` of inputs and states to the value sent (``default`` otherwise);
    ``relabel`` renames every input's and state's property (e.g. ``"pathname"``, the dash-auth bypass).
    """
    spec = app.callback_map[output]
    values = values or {}

    def item(s):
        key = f"{s['id']}.{s['property']}"
        return {"id": s["id"], "property": relabel or s["property"], "value": values.get(key, default)}

    if output.startswith(".."):
        outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in output.strip(".").split("...")]
    else:
        outputs = {"id": output.split(".")[0], "property": output.split(".")[1]}
    return {"output": output, "outputs": outputs, "inputs": [item(s) for s in spec["inputs"]],
            "state": [item(s) for s in spec.get("state", [])],
            "changedPropIds": [f"{s['id']}.{relabel or s['property']}" for s in spec["inputs"]]}


def find_callback(app, output_id: str) -> str:
    """The callback-map key of ``app``'s callback that writes ``output_id`` (e.g. ``"corr-msg.children"``)."""
    return next(k for k in app.callback_map if output_id in k)


def login(client, user: str = USER, password: str = PASSWORD, proximo: str | None = None):
    """Log ``client`` (a Flask test client) in through the login form; returns the POST's response."""
    page = client.get("/entrar")
    data = {"usuario": user, "senha": password, "csrf_token": csrf_from(page.get_data(as_text=True))}
    if proximo:
        data["proximo"] = proximo
    return client.post("/entrar", data=data)


@pytest.fixture(scope="session")
def live_server(dash_app) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, dash_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dash-live", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def live(db, dash_app, live_server) -> str:
    """Base URL of the app on an emptied database with an empty report cache."""
    from dashboard.context import EXTENSION

    dash_app.extensions[EXTENSION].cache.clear()
    return live_server


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("system Chromium missing: apt-get install -y chromium (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Tab:
    """A page in its own browser context, recording console errors and uncaught exceptions."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True,
                                           locale="pt-BR")
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def login(self, base: str, user: str = USER, password: str = PASSWORD) -> None:
        """Log in through the login page, as a curator would."""
        self.page.goto(base + "/entrar")
        self.page.fill("#usuario", user)
        self.page.fill("#senha", password)
        self.page.click("#entrar-botao")
        self.page.wait_for_url("**/dashboard/**")

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def open_tab(browser, live, curator) -> Iterator[Callable[..., Tab]]:
    """``open_tab()`` a logged-in curator's tab; ``open_tab(logged_in=False)`` a visitor's."""
    tabs: list[Tab] = []

    def factory(logged_in: bool = True) -> Tab:
        tab = Tab(browser)
        if logged_in:
            tab.login(live)
        tabs.append(tab)
        return tab

    yield factory
    for tab in tabs:
        tab.context.close()


@contextlib.contextmanager
def gunicorn_dashboard(db_url: str, data_dir: Path, workers: int = 2, **env: str) -> Iterator[str]:
    """``gunicorn dashboard.wsgi:server`` (as make run and compose start it) on a free port; yields its URL.

    ``env`` adds settings (e.g. ``LOGIN_RATE_LIMIT_IP="5 per minute"``).
    """
    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    full_env = {**os.environ, "DATABASE_URL": db_url, "DATA_DIR": str(data_dir), "DASHBOARD_SECRET_KEY": "k" * 40,
                **env}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = data_dir / "gunicorn-dashboard.log"  # read it when a test fails
    proc = subprocess.Popen([str(gunicorn), "--workers", str(workers), "--no-control-socket", "--bind", f"127.0.0.1:{port}",
                             "--error-logfile", str(log), "dashboard.wsgi:server"], env=full_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/health", timeout=2)
                break
            except requests.RequestException:  # not listening yet, or a worker still booting
                assert proc.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def components_by_id(tree) -> dict:
    """The props of every component with an id in a Dash layout or callback answer, by id (a
    pattern-matching id as its JSON text)."""
    found: dict = {}

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props, dict) and "id" in props:
                found[props["id"] if isinstance(props["id"], str) else json.dumps(props["id"])] = props
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(tree)
    return found
