"""A taxonomy that grows: tags the LLM proposes, curators' decisions, the taxonomy version.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from alumusic.migrations import run_sql_file

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
