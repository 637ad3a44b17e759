"""The Dash app served on a free loopback port (werkzeug, in a thread) and the system Chromium."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
USER, PASSWORD = "curadora", "senha-de-teste-123"
CACHE_SECONDS = 2  # short TTL: the refresh test waits for it


@pytest.fixture(scope="session")
def dash_app(engine, tmp_path_factory):
    """One app per session (Dash Pages registers pages and callbacks process-wide)."""
    from argon2 import PasswordHasher

    from alumusic.settings import Settings
    from dashboard.app import create_app

    settings = Settings(
        dashboard_user=USER,
        # cheap parameters keep the suite fast; production uses argon2-cffi's defaults
        dashboard_password_hash=PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD),
        report_cache_seconds=CACHE_SECONDS,
    )
    return create_app(settings=settings, engine=engine, cache_dir=tmp_path_factory.mktemp("dash-cache"))


@pytest.fixture(scope="session")
def live_server(dash_app) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dash-live", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def live(db, dash_app, live_server) -> str:
    """Base URL of the app on an emptied database with an empty report cache."""
    from dashboard.context import EXTENSION

    dash_app.server.extensions[EXTENSION].cache.clear()
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

    def __init__(self, browser, credentials: bool):
        kwargs = {"http_credentials": {"username": USER, "password": PASSWORD}} if credentials else {}
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True,
                                           locale="pt-BR", **kwargs)
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def open_tab(browser) -> Iterator[Callable[..., Tab]]:
    tabs: list[Tab] = []

    def factory(credentials: bool = True) -> Tab:
        tab = Tab(browser, credentials)
        tabs.append(tab)
        return tab

    yield factory
    for tab in tabs:
        tab.context.close()
