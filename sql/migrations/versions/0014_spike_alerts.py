"""Spike alerts: one open alert per subject and kind, acknowledged by curators, e-mailed once.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from alumusic.migrations import run_sql_file

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
