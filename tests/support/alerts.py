"""Constructed streams for the spike-alert tests: a subject's classified comments over the weeks before a moment."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.factories import add_classified_comments

TZ = ZoneInfo("America/Sao_Paulo")
AGORA = datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
TAG = "producao_audio"


def week_items(artista: str, semana: int, total: int, criticas: int, *, spam: int = 0, album: str | None = None,
               tag: str | None = None, agora: datetime = AGORA) -> list[dict]:
    """``total`` comments of ``artista`` received during week ``semana`` before ``agora`` (0 = the last 7 days)."""
    start = agora - timedelta(days=7 * (semana + 1))
    items = []
    for n in range(total):
        categoria = "CRÍTICA" if n < criticas else ("SPAM" if n < criticas + spam else "ELOGIO")
        item = {"texto": f"{artista} comentário {semana}-{n}", "artista": artista, "album": album,
                "recebido_em": start + timedelta(minutes=30 + n * (7 * 24 * 60 - 60) / max(total, 1)),
                "categoria": categoria}
        if tag and categoria == "CRÍTICA":
            item["tags"] = [TAG]
        items.append(item)
    return items


def stream(db, artista: str, weeks: list[tuple[int, int]], **kw) -> None:
    """``weeks[i]`` = (total, criticas) of week i (0 = the last 7 days)."""
    add_classified_comments(db, [item for i, (total, crit) in enumerate(weeks)
                                 for item in week_items(artista, i, total, crit, **kw)])


