"""The tag taxonomy (``taxonomia_tags``): the codes a classifier may emit, with labels for prompts.

The database is the source of truth (curators may add rows). Without a database, the seed in
``0001_initial.sql`` is parsed, so the offline stack and tools agree with a fresh install.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from alumusic.paths import MIGRATIONS_DIR

SEED_SQL = MIGRATIONS_DIR / "versions" / "0001_initial.sql"


@dataclass(frozen=True)
class TaxonomyTag:
    codigo: str
    rotulo: str
    descricao: str


_ACTIVE = sa.text("SELECT codigo, rotulo, descricao FROM taxonomia_tags WHERE ativo ORDER BY codigo")


def active_tags(conn: sa.Connection) -> list[TaxonomyTag]:
    """Active tags, ordered by code."""
    return [TaxonomyTag(*row) for row in conn.execute(_ACTIVE).all()]


def active_codes(conn: sa.Connection) -> list[str]:
    return [t.codigo for t in active_tags(conn)]


_SEED_ROW = re.compile(r"\(\s*'([a-z]+_[a-z0-9_]+)'\s*,\s*'((?:[^']|'')*)'\s*,\s*'((?:[^']|'')*)'\s*\)")


@lru_cache(maxsize=1)
def seed_tags() -> tuple[TaxonomyTag, ...]:
    """The taxonomy seeded by the initial migration (parsed from its SQL)."""
    sql = SEED_SQL.read_text(encoding="utf-8")
    start = sql.index("INSERT INTO taxonomia_tags")
    rows = _SEED_ROW.findall(sql[start:])
    return tuple(TaxonomyTag(c, r.replace("''", "'"), d.replace("''", "'")) for c, r, d in rows)
