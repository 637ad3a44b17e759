"""Approved summaries: the curator's decision on a weekly summary before it is e-mailed.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from alumusic.migrations import run_sql_file

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
