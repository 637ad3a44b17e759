"""Portuguese full-text search: stemmed, accent-insensitive, indexed through IMMUTABLE wrappers.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

from alumusic.migrations import run_sql_file

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
