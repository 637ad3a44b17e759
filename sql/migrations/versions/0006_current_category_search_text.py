"""Report and search speed: current category and normalised search text stored on comentarios.

Merges the heads 0004 (weekly summary views) and 0005 (dashboard indexes).

Revision ID: 0006
Revises: 0004, 0005
Create Date: 2026-11-26
"""

from alumusic.migrations import run_sql_file

revision = "0006"
down_revision = ("0004", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
