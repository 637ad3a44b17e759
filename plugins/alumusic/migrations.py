"""Schema migrations with Alembic; each revision runs the ``.sql`` file beside it.

The SQL lives in ``sql/migrations/versions/NNNN_name.sql`` so DBAs can read and review it as
SQL; Alembic records what was applied (table ``alembic_version``), so upgrading twice is a no-op.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from alumusic.paths import MIGRATIONS_DIR


def _config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's config is ConfigParser-based: '%' must be escaped.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(_config(url), revision)


def current_revisions(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def head_revisions() -> set[str]:
    """Every head: feature branches of the schema may each add a revision on top of 0001."""
    return set(ScriptDirectory.from_config(_config("postgresql://unused")).get_heads())


def run_sql_file(revision_file: str) -> None:
    """Run the SQL file named like the revision module (``0001_x.py`` -> ``0001_x.sql``)."""
    sql = Path(revision_file).with_suffix(".sql").read_text(encoding="utf-8")
    # Send the file as one multi-statement string through the DBAPI cursor, without parameters,
    # so plpgsql bodies and literal '%' reach the server untouched.
    cursor = op.get_bind().connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()
