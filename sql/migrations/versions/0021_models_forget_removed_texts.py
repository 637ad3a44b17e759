"""A learned model forgets a comment whose text is removed: training sets recorded, artefacts emptied.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

from alumusic.migrations import run_sql_file

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
