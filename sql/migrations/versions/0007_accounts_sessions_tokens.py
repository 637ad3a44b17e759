"""Curator accounts and sessions, refresh-token families, shared rate-limit counters.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from alumusic.migrations import run_sql_file

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
