"""Searches that show masked text match only what the mask leaves: f_sem_dados_pessoais and the view's spans.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from alumusic.migrations import run_sql_file

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
