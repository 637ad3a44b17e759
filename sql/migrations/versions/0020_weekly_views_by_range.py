"""The weekly summary's views read one week by its recebido_em range, not a per-row week label.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from alumusic.migrations import run_sql_file

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
