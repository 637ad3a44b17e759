"""Initial schema: comments, append-only classifications, tags, taxonomy, summaries, clients.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from alembic import op

from alumusic.migrations import run_sql_file
from alumusic.repositories.taxonomy import insert_seed

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)
    insert_seed(op.get_bind())  # the seed is a data file: alumusic/domain/taxonomy_seed.csv


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
