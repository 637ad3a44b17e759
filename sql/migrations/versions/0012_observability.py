"""Observability: classification activity per minute, Ollama hosts (calls and probes), alerts (incidents).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-15
"""

from alumusic.migrations import run_sql_file

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
