"""Services never start a database server of their own: without DATABASE_URL they refuse to start,
and only the operator CLI falls back to the local stack's embedded server. Real processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBES = {
    "engine": "from alumusic import db; db.get_engine()",
    "api": "from api import create_app; create_app()",
    "dashboard": "from dashboard.app import create_app; create_app()",
}


@pytest.mark.parametrize("name", sorted(PROBES))
def test_without_database_url_a_service_refuses_to_start_and_starts_no_server(name, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATA_DIR=str(tmp_path), JWT_SECRET_KEY="x" * 40, DASHBOARD_SECRET_KEY="y" * 40)
    proc = subprocess.run([sys.executable, "-c", PROBES[name]], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert "DatabaseNotConfigured: DATABASE_URL is not set" in proc.stderr
    assert list(tmp_path.iterdir()) == []  # no embedded PostgreSQL was initialised


def test_the_airflow_connection_reaches_the_product_database(db, monkeypatch):
    """Both DAGs' way in: the postgres provider's connection alumusic_db (a Unix socket here)."""
    import sqlalchemy as sa

    from alumusic import airflow_db

    engine = airflow_db.product_engine()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT current_database()")).scalar() == db.url.database
    assert airflow_db.product_url().host and airflow_db.product_url().host.startswith("/")  # socket directory
