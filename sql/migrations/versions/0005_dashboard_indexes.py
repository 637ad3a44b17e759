"""Dashboard: covering indexes for the public report's views.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-26
"""

from alumusic.migrations import run_sql_file

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
