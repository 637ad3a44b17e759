"""The benchmarks' own bulk path: generated demo comments written with COPY (they measure reading,
not ingesting; the API's write path has its own benchmark, ``bench.api_ingest``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa

from alumusic.repositories.comments import NewComment

COPY_COLUMNS = ("id", "texto", "artista", "album", "musica", "tipo", "publicado_em", "recebido_em", "fonte",
                "enviado_por")


def copy_comments(engine: sa.Engine, comments: Iterable[NewComment], chunk: int = 100_000) -> int:
    """COPY ``comments`` into ``comentarios`` in chunks (one commit each); returns how many."""
    it, total = iter(comments), 0
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        while True:
            buf, n = io.StringIO(), 0
            w = csv.writer(buf)
            for c in it:
                w.writerow(["" if getattr(c, col) is None else getattr(c, col) for col in COPY_COLUMNS])
                n += 1
                if n >= chunk:
                    break
            if not n:
                return total
            buf.seek(0)
            cur.copy_expert(f"COPY comentarios ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FORMAT csv)", buf)
            raw.commit()
            total += n
    finally:
        raw.close()


def load_demo(engine: sa.Engine, n: int, *, days: int, seed: int, pool: list[str] | None,
              now: datetime | None = None) -> int:
    """The demo generator's comments (and its releases, for the report's release chart), by COPY."""
    from alumusic import demo_data
    from alumusic.repositories.releases import add_releases

    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        add_releases(conn, [(r.artista, r.album, r.lancado_em) for r in demo_data.releases(now.date(), days)])
    return copy_comments(engine, demo_data.generate(n, days=days, seed=seed, now=now, pool=pool))
