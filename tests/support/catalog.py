"""Release-catalog helpers: the real import command in a subprocess, the catalog's rows, and comments
about two releases (the end-to-end flow of tests/catalog and tests/dashboard)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests.support.factories import add_classified_comments

SP = ZoneInfo("America/Sao_Paulo")


def run_import(path: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m alumusic lancamentos importar PATH [args]`` on the session's database (DATABASE_URL)."""
    return subprocess.run([sys.executable, "-m", "alumusic", "lancamentos", "importar", str(path), *args],
                          capture_output=True, text=True, env=os.environ.copy(), timeout=120)


def catalog(db) -> list[tuple]:
    """(artista, titulo, tipo, lancado_em, autor, atualizado_em) of every release, by artist and title."""
    with db.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT artista, album, tipo, lancado_em::text, autor, atualizado_em FROM lancamentos ORDER BY artista, album"))]


def seed_comments(db) -> dict:
    """Classified comments about an album and a single released 10 and 6 days ago (São Paulo)."""
    today = datetime.now(UTC).astimezone(SP).date()
    album_day, single_day = today - timedelta(days=10), today - timedelta(days=6)

    def at(day, hour=12):
        return datetime.combine(day, time(hour), tzinfo=SP)

    items = (
        # Album "Maré Alta": day 1 three comments (two criticisms), day 3 two praises.
        [{"artista": "Luna Ribeiro", "album": "Maré Alta", "categoria": c, "recebido_em": at(album_day + timedelta(days=1))}
         for c in ("CRÍTICA", "CRÍTICA", "ELOGIO")]
        + [{"artista": "Luna Ribeiro", "album": "Maré Alta", "categoria": "ELOGIO",
            "recebido_em": at(album_day + timedelta(days=3))} for _ in range(2)]
        # Before the release: never counted.
        + [{"artista": "Luna Ribeiro", "album": "Maré Alta", "categoria": "CRÍTICA",
            "recebido_em": at(album_day - timedelta(days=2))}]
        # Single "Onda" (its comments name the song; their album is another one): day 0, one of two critical.
        + [{"artista": "Luna Ribeiro", "album": "Coletânea", "musica": "Onda", "categoria": c,
            "recebido_em": at(single_day, 15)} for c in ("CRÍTICA", "DÚVIDA")]
    )
    add_classified_comments(db, [{**i, "texto": f"comentário {n} sobre o lançamento"} for n, i in enumerate(items)])
    return {"album": album_day, "single": single_day}
