"""Personal data (LGPD): detected spans on comments, erasure and retention, audits of erasures and exports.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alumusic.migrations import run_sql_file

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
