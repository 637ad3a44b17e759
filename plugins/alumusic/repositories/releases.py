"""``lancamentos``: the release catalog (albums and songs with their release date) that the
"criticism after release" report reads (migrations 0001, 0013).

The column ``album`` holds the release's title (the album's, or the song's when ``tipo`` is
``musica``); this module speaks of ``titulo``. One release per (artista, tipo, titulo). Rows are
validated before they get here (``alumusic.domain.releases``); the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from alumusic.domain.releases import Release

# Import outcomes (also the CLI's report words).
CRIADO, ATUALIZADO, INALTERADO = "criado", "atualizado", "inalterado"

_COLS = "id, artista, album AS titulo, tipo, lancado_em, criado_em, atualizado_em, autor"

_INSERT = sa.text(
    "INSERT INTO lancamentos (artista, album, lancado_em) VALUES (:a, :b, :d) "
    "ON CONFLICT (artista, tipo, album) DO NOTHING"
)


class DuplicateRelease(Exception):
    """Another release already has this artist, type and title."""

    def __init__(self, existing_id: int | None) -> None:
        self.existing_id = existing_id
        super().__init__(f"já existe o lançamento {existing_id}")


@dataclass(frozen=True)
class StoredRelease:
    id: int
    artista: str
    titulo: str
    tipo: str
    lancado_em: date
    criado_em: datetime
    atualizado_em: datetime
    autor: str | None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _row(row) -> StoredRelease:
    return StoredRelease(**row._mapping)


def add_releases(conn: sa.Connection, releases: Iterable[tuple[str, str, date]]) -> None:
    """Store album ``(artista, album, lancado_em)`` rows (demo data); a known album keeps its date."""
    rows = [{"a": artista, "b": album, "d": lancado_em} for artista, album, lancado_em in releases]
    if rows:
        conn.execute(_INSERT, rows)


def list_releases(conn: sa.Connection, *, artista: str | None = None, tipo: str | None = None,
                  desde: date | None = None, ate: date | None = None, limit: int = 100,
                  offset: int = 0) -> tuple[list[StoredRelease], int]:
    """Releases newest first (then artist, title), filtered; with the total before paging."""
    where, params = ["true"], {"limit": limit, "offset": offset}
    if artista:
        where.append("artista ILIKE :artista ESCAPE '\\'")
        params["artista"] = "%" + artista.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if tipo:
        where.append("tipo = :tipo")
        params["tipo"] = tipo
    if desde:
        where.append("lancado_em >= :desde")
        params["desde"] = desde
    if ate:
        where.append("lancado_em <= :ate")
        params["ate"] = ate
    cond = " AND ".join(where)
    rows = conn.execute(sa.text(
        f"SELECT {_COLS}, count(*) OVER () AS _total FROM lancamentos WHERE {cond} "
        "ORDER BY lancado_em DESC, artista, album, tipo, id LIMIT :limit OFFSET :offset"), params).all()
    if rows:
        total = rows[0]._total
    else:
        total = conn.execute(sa.text(f"SELECT count(*) FROM lancamentos WHERE {cond}"), params).scalar_one()
    return [StoredRelease(**{k: v for k, v in r._mapping.items() if k != "_total"}) for r in rows], total


def get_release(conn: sa.Connection, release_id: int) -> StoredRelease | None:
    row = conn.execute(sa.text(f"SELECT {_COLS} FROM lancamentos WHERE id = :id"), {"id": release_id}).first()
    return _row(row) if row else None


def find_release(conn: sa.Connection, artista: str, tipo: str, titulo: str) -> StoredRelease | None:
    row = conn.execute(sa.text(f"SELECT {_COLS} FROM lancamentos WHERE artista = :a AND tipo = :t AND album = :b"),
                       {"a": artista, "t": tipo, "b": titulo}).first()
    return _row(row) if row else None


def create_release(conn: sa.Connection, release: Release, autor: str) -> StoredRelease:
    """Insert; :class:`DuplicateRelease` when the (artista, tipo, titulo) key exists."""
    row = conn.execute(sa.text(
        "INSERT INTO lancamentos (artista, album, tipo, lancado_em, autor) VALUES (:a, :b, :t, :d, :autor) "
        f"ON CONFLICT (artista, tipo, album) DO NOTHING RETURNING {_COLS}"),
        {"a": release.artista, "b": release.titulo, "t": release.tipo, "d": release.lancado_em, "autor": autor},
    ).first()
    if row is None:
        existing = find_release(conn, release.artista, release.tipo, release.titulo)
        raise DuplicateRelease(existing.id if existing else None)
    return _row(row)


def update_release(conn: sa.Connection, release_id: int, release: Release, autor: str) -> StoredRelease | None:
    """Replace a release's fields; None when the id is unknown; :class:`DuplicateRelease` when
    another release has the new key. A change to nothing leaves the row (and its author) as it was."""
    current = conn.execute(sa.text(f"SELECT {_COLS} FROM lancamentos WHERE id = :id FOR UPDATE"),
                           {"id": release_id}).first()
    if current is None:
        return None
    stored = _row(current)
    if (stored.artista, stored.titulo, stored.tipo, stored.lancado_em) == (
            release.artista, release.titulo, release.tipo, release.lancado_em):
        return stored
    other = find_release(conn, release.artista, release.tipo, release.titulo)
    if other is not None and other.id != release_id:
        raise DuplicateRelease(other.id)
    try:
        with conn.begin_nested():  # a concurrent insert of the same key: a 409, not a broken transaction
            row = conn.execute(sa.text(
                "UPDATE lancamentos SET artista = :a, album = :b, tipo = :t, lancado_em = :d, autor = :autor, "
                f"atualizado_em = now() WHERE id = :id RETURNING {_COLS}"),
                {"id": release_id, "a": release.artista, "b": release.titulo, "t": release.tipo,
                 "d": release.lancado_em, "autor": autor}).one()
    except sa.exc.IntegrityError:
        raise DuplicateRelease(None) from None
    return _row(row)


def delete_release(conn: sa.Connection, release_id: int) -> bool:
    return conn.execute(sa.text("DELETE FROM lancamentos WHERE id = :id RETURNING id"),
                        {"id": release_id}).first() is not None


def upsert_release(conn: sa.Connection, release: Release, autor: str) -> tuple[str, StoredRelease]:
    """The import's step: create the release, or set its date when it changed (key: artista, tipo,
    titulo). Returns ``(criado | atualizado | inalterado, row)``; running it twice changes nothing."""
    row = conn.execute(sa.text(
        "INSERT INTO lancamentos (artista, album, tipo, lancado_em, autor) VALUES (:a, :b, :t, :d, :autor) "
        "ON CONFLICT (artista, tipo, album) DO UPDATE SET lancado_em = EXCLUDED.lancado_em, "
        "autor = EXCLUDED.autor, atualizado_em = now() WHERE lancamentos.lancado_em <> EXCLUDED.lancado_em "
        f"RETURNING {_COLS}, (xmax = 0) AS _inserido"),
        {"a": release.artista, "b": release.titulo, "t": release.tipo, "d": release.lancado_em, "autor": autor},
    ).first()
    if row is None:  # the key exists with the same date: the WHERE skipped the update
        return INALTERADO, find_release(conn, release.artista, release.tipo, release.titulo)  # type: ignore[return-value]
    stored = StoredRelease(**{k: v for k, v in row._mapping.items() if k != "_inserido"})
    return (CRIADO if row._inserido else ATUALIZADO), stored
