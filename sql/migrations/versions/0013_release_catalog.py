"""Release catalog: albums and songs with their type, who changed them, and the role ``catalogo``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from alumusic.migrations import run_sql_file

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__)


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
