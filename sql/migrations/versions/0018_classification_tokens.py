"""Tokens per classification: Ollama's prompt_eval_count and eval_count with the provenance.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from alumusic.migrations import run_sql_file

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
