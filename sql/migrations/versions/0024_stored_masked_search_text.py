"""The masked search text stored: a masked search rechecks a stored column, not two function calls per row.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from alumusic.migrations import run_sql_file

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
