"""Test fixtures shared by every suite.

Every test session gets its own real PostgreSQL databases (product + Airflow metadata) on the
project's embedded server (or on TEST_DATABASE_ADMIN_URL's server), created before anything
imports Airflow and dropped at the end, so parallel sessions never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Fixtures shared across folders live in tests/support/ (plugins, so one session-wide instance each).
pytest_plugins = ["tests.support.api", "tests.support.dashboard", "tests.support.emulator", "tests.support.smtp"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEV_SET = SHARED / "evals" / "youtube_ptbr_music_2013_dev.csv"
POOL = SHARED / "data" / "youtube_ptbr_music_2013_pool.csv"

# Tables emptied between tests (the taxonomy seed stays).
_DATA_TABLES = (
    "classificacao_tags", "classificacoes", "comentarios", "lancamentos", "resumos_semanais",
    "api_clientes", "insights_perguntas", "curadores", "curador_sessoes", "api_refresh_tokens", "limites_taxa",
    "apagamentos", "exportacoes", "classificacoes_anuladas", "modelos_classificador", "modelo_treino",
    "atividade_classificacao", "ollama_hosts", "incidentes",  # observability (0012)
    "propostas_tags_exemplos", "propostas_tags",  # a taxonomy that grows (0016)
    "alertas",  # spike alerts (0014)
)

_state: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    from alumusic import localpg
    from alumusic.airflow_env import airflow_env

    admin_url = os.environ.get("TEST_DATABASE_ADMIN_URL")
    if not admin_url:
        server = localpg.start(ROOT / ".data" / "pg-test", keep_running=False)
        config._alumusic_pg = server  # keep the handle alive for the session
        admin_url = localpg.url_for(server, "postgres")
    suffix = secrets.token_hex(4)
    product, meta = f"alumusic_test_{suffix}", f"airflow_test_{suffix}"
    for name in (product, meta):
        localpg.ensure_database(admin_url, name)
    base = admin_url.rsplit("/postgres", 1)
    product_url, meta_url = f"{base[0]}/{product}{base[1]}", f"{base[0]}/{meta}{base[1]}"
    _state.update(admin=admin_url, product=product, meta=meta, product_url=product_url)

    airflow_home = Path(tempfile.mkdtemp(prefix="alumusic-airflow-"))
    os.environ.update(
        DATABASE_URL=product_url,
        JWT_SECRET_KEY=secrets.token_urlsafe(32),
        LLM_BACKEND="offline",
        **airflow_env(airflow_home, meta_url, product_url, extra={"AIRFLOW__CORE__UNIT_TEST_MODE": "False"}),
    )
    from alumusic.settings import get_settings

    get_settings.cache_clear()


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _state:
        return
    from alumusic import db, localpg

    db.dispose_all()
    for name in (_state["product"], _state["meta"]):
        try:
            localpg.drop_database(_state["admin"], name)
        except Exception as exc:  # noqa: BLE001 - cleanup must not hide the test result
            print(f"warning: could not drop {name}: {exc}", file=sys.stderr)


@pytest.fixture(scope="session")
def db_url() -> str:
    """The session's product database, migrated to the newest schema."""
    from alumusic import migrations

    migrations.upgrade(_state["product_url"])
    return _state["product_url"]


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """The test server's admin URL (for tests that need a database of their own)."""
    return _state["admin"]


@pytest.fixture
def scratch_db_url(db_url):
    """A database of the test's own, empty (no migration run), dropped afterwards: migrations are
    tested on it from the revision the test chooses."""
    import secrets

    import sqlalchemy as sa

    from alumusic import localpg

    url = sa.engine.make_url(db_url)
    name = f"{url.database}_scratch_{secrets.token_hex(3)}"
    admin = url.set(database="postgres").render_as_string(hide_password=False)
    localpg.ensure_database(admin, name)
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        localpg.drop_database(admin, name)


@pytest.fixture(scope="session")
def engine(db_url):
    from alumusic import db

    return db.get_engine(db_url)


@pytest.fixture
def db(engine):
    """An engine on an emptied product database (taxonomy seed kept)."""
    import sqlalchemy as sa

    with engine.begin() as conn:
        # A connection leaked by an earlier test (e.g. an unread streamed response) must fail this
        # test loudly instead of blocking the whole session on its lock.
        conn.execute(sa.text("SET LOCAL lock_timeout = '15s'"))
        conn.execute(sa.text(f"TRUNCATE {', '.join(_DATA_TABLES)} RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("DELETE FROM taxonomia_tags WHERE criado_em > (SELECT min(criado_em) FROM taxonomia_tags)"))
    return engine


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Migrate the session's Airflow metadata database (needed by dag.test())."""
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, env=os.environ.copy(),
                   stdout=subprocess.DEVNULL)


@pytest.fixture
def dev_set_path() -> Path:
    if not DEV_SET.exists():
        pytest.skip(f"{DEV_SET} not present")
    return DEV_SET
