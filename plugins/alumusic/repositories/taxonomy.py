"""The tag taxonomy (``taxonomia_tags``): the codes a classifier may emit, with labels for prompts.

The database is the source of truth (curators may add rows); a fresh one starts from the seed in
``alumusic.domain.tags``.
"""

from __future__ import annotations

import sqlalchemy as sa

from alumusic.domain import TaxonomyTag, seed_tags

_ACTIVE = sa.text("SELECT codigo, rotulo, descricao FROM taxonomia_tags WHERE ativo ORDER BY codigo")
_INSERT_SEED = sa.text(
    "INSERT INTO taxonomia_tags (codigo, rotulo, descricao) VALUES (:codigo, :rotulo, :descricao) "
    "ON CONFLICT (codigo) DO NOTHING"
)


def active_tags(conn: sa.Connection) -> list[TaxonomyTag]:
    """Active tags, ordered by code."""
    return [TaxonomyTag(*row) for row in conn.execute(_ACTIVE).all()]


def active_codes(conn: sa.Connection) -> list[str]:
    return [t.codigo for t in active_tags(conn)]


def version(conn: sa.Connection) -> str:
    """The taxonomy version (migration 0016: a hash of the active codes and curators' merges),
    recorded by every classification (``classificacoes.versao_taxonomia``)."""
    return conn.execute(sa.text("SELECT f_versao_taxonomia()")).scalar_one()


def insert_seed(conn: sa.Connection) -> None:
    """Insert the seed taxonomy (the initial migration); existing codes are left as they are."""
    conn.execute(_INSERT_SEED, [{"codigo": t.codigo, "rotulo": t.rotulo, "descricao": t.descricao}
                                for t in seed_tags()])
