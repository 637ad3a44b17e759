"""The grid's newest-first pages of one album walk an (album, recebido_em) index.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from alumusic.migrations import run_sql_file

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
