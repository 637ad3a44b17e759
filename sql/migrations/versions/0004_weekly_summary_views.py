"""Weekly summary statistics: views per ISO week (volume, categories, tags, artists, albums).

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-26
"""

from alumusic.migrations import run_sql_file

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
