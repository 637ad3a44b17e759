"""``lancamentos``: an album's release date (the "criticism after release" report reads it).

Loaded by the demo data; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

_INSERT = sa.text(
    "INSERT INTO lancamentos (artista, album, lancado_em) VALUES (:a, :b, :d) "
    "ON CONFLICT (artista, album) DO NOTHING"
)


def add_releases(conn: sa.Connection, releases: Iterable[tuple[str, str, date]]) -> None:
    """Store ``(artista, album, lancado_em)`` rows; an album already known keeps its date."""
    rows = [{"a": artista, "b": album, "d": lancado_em} for artista, album, lancado_em in releases]
    if rows:
        conn.execute(_INSERT, rows)
