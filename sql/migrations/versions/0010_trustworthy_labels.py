"""Trustworthy labels: where confidence came from, copies of corrections, withdrawn reviews, versioned models.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from alumusic.migrations import run_sql_file

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
