"""A small known dataset for the report and dashboard tests, written through ``tests.support.factories``.

Times are relative to ``now`` and kept away from the views' window edges (7 days, 48 h).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests.support.factories import add_comment

SP = ZoneInfo("America/Sao_Paulo")
FORMULA_TEXT = '=HIPERLINK("http://golpe.example";"ganhe dinheiro")'
ACCENT_TEXT = "Música LINDA demais, parabéns"


@dataclass
class Seeded:
    now: datetime
    luna_release: date
    trovao_release: date
    rows: list[dict] = field(default_factory=list)  # what ``add`` stored: id, artista, album, categoria, tags, quando, texto…

    def where(self, **conds) -> list[dict]:
        return [r for r in self.rows if all(cond(r) if callable(cond) else r[k] == cond for k, cond in conds.items())]


# (artista, album, days ago, categoria or None for pending, tags, text)
def _plan() -> list[tuple]:
    L, T, R = ("Luna Ribeiro", "Maré Alta"), ("MC Trovão", "Favela Digital"), ("Rock Paraná", "Garagem")
    plan = []
    plan += [(*L, 1, "ELOGIO", ["musica_melodia"] if i < 2 else [], ACCENT_TEXT if i == 0 else f"que refrão {i}")
             for i in range(4)]
    plan += [(*L, 1, "CRÍTICA", ["feat_autotune"], f"autotune demais {i}") for i in range(2)]
    plan += [(*L, 1, "SPAM", ["spam_link"], FORMULA_TEXT)]
    plan += [(*L, 3, "ELOGIO", [], f"linda voz {i}") for i in range(2)]
    plan += [(*L, 3, "CRÍTICA", ["feat_autotune"], "o autotune estragou")]
    plan += [(*L, 9, "ELOGIO", [], f"clássico {i}") for i in range(2)]
    plan += [(*L, 1, None, [], "ainda na fila")]
    plan += [(*T, 1, "DÚVIDA", ["show_agenda"] if i < 2 else [], f"quando tem show {i}?") for i in range(3)]
    plan += [(*T, 1, "OUTRO", [], f"primeiro comentário {i}") for i in range(2)]
    plan += [(*T, 2.5, "SUGESTÃO", ["show_agenda"], "vem pra Recife por favor")]
    plan += [(*R, 10, "CRÍTICA", [], f"som ruim {i}") for i in range(5)]
    return plan


def seed(engine: sa.Engine, now: datetime | None = None) -> Seeded:
    now = now or datetime.now(UTC)
    today = now.astimezone(SP).date()
    out = Seeded(now=now, luna_release=today - timedelta(days=10), trovao_release=today - timedelta(days=40))
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO lancamentos (artista, album, lancado_em) VALUES (:a, :b, :d)"),
            [{"a": "Luna Ribeiro", "b": "Maré Alta", "d": out.luna_release},
             {"a": "MC Trovão", "b": "Favela Digital", "d": out.trovao_release}],
        )
        for n, (artista, album, days, categoria, tags, texto) in enumerate(_plan()):
            quando = now - timedelta(days=days, minutes=n)  # distinct times: a stable order
            row = add(conn, artista=artista, album=album, quando=quando, categoria=categoria, tags=tags, texto=texto)
            out.rows.append(row)
    return out


def add(conn: sa.Connection, *, artista: str, album: str, quando: datetime, categoria: str | None,
        tags: list[str], texto: str) -> dict:
    """One more comment shaped like the dataset's (published and received at ``quando``), with its
    automatic classification unless ``categoria`` is None: ``factories.add_comment``'s row plus ``quando``."""
    row = add_comment(conn, texto, categoria=categoria, tags=tags, artista=artista, album=album, recebido_em=quando,
                      publicado_em=quando, fonte="teste", enviado_por="teste")
    return {**row, "quando": quando}
