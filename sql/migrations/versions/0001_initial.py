"""Initial schema: comments, append-only classifications, tags, taxonomy, summaries, clients.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from alumusic.migrations import run_sql_file

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
