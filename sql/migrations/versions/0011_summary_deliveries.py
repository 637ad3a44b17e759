"""Weekly summary deliveries: attempts and the last error, for the admins' list of sent summaries.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from alumusic.migrations import run_sql_file

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
