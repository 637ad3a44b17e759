"""Statistics of one ISO week, from the ``v_semana_*`` views (migration 0004).

The views count (read by ``alumusic.repositories.weekly``); this module only picks the week and
the previous one, ranks and computes the week-over-week differences. The result is plain JSON
(stored in ``resumos_semanais.estatisticas``).

No comment text is in it, only counts and the names the views group by (artist, album, tag
label); those names come from the comments' metadata, so every string is masked
(``alumusic.domain.pii``) on the way out, before the prompt, the offline text or the stored row see them.
"""

from __future__ import annotations

import sqlalchemy as sa

from alumusic.domain import CATEGORIAS
from alumusic.domain.pii import mask_strings
from alumusic.repositories import weekly
from alumusic.summary.weeks import IsoWeek

TOP_TAGS = 10
TOP_ARTISTAS = 5
TOP_ALBUNS = 5


def _variacao_pct(atual: int, anterior: int) -> float | None:
    """Percent change; None when there is nothing to compare with."""
    return round(100.0 * (atual - anterior) / anterior, 1) if anterior else None


def weekly_stats(conn: sa.Connection, week: IsoWeek) -> dict:
    atual, anterior = week.label, week.shift(-1).label
    volume = weekly.volume(conn, atual, anterior)
    vol, vol_prev = volume.get(atual, {}), volume.get(anterior, {})
    total, total_prev = vol.get("total", 0), vol_prev.get("total", 0)

    cats: dict[str, dict[str, dict]] = {atual: {}, anterior: {}}
    for r in weekly.categories(conn, atual, anterior):
        cats[r["semana"]][r["categoria"]] = r
    categorias = []
    for cat in CATEGORIAS:
        now, prev = cats[atual].get(cat, {}), cats[anterior].get(cat, {})
        n, n_prev = now.get("total", 0), prev.get("total", 0)
        categorias.append({
            "categoria": cat, "total": n, "pct": float(now.get("pct") or 0.0),
            "semana_anterior": n_prev, "pct_semana_anterior": float(prev.get("pct") or 0.0),
            "variacao": n - n_prev,
        })

    tags_prev = weekly.tag_totals(conn, anterior)
    top_tags = [{**r, "semana_anterior": tags_prev.get(r["codigo"], 0)}
                for r in weekly.top_tags(conn, atual, TOP_TAGS)]

    def ranked(what: str, measure: str, limit: int) -> list[dict]:
        return weekly.ranked(conn, atual, what, measure, limit)

    return mask_strings({
        "semana": atual,
        "inicio": week.inicio.isoformat(),
        "fim": week.fim.isoformat(),
        "semana_anterior": anterior,
        "volume": {
            "total": total,
            "classificados": vol.get("classificados", 0),
            "nao_classificados": vol.get("nao_classificados", 0),
            "semana_anterior": total_prev,
            "variacao_pct": _variacao_pct(total, total_prev),
        },
        "categorias": categorias,
        # The e-mail's chart of the week's category mix by day (summaries stored before it lack it).
        "categorias_por_dia": weekly.daily_categories(conn, atual),
        "spam": {
            "total": vol.get("spam", 0),
            "pct": float(vol.get("pct_spam") or 0.0),
            "pct_semana_anterior": float(vol_prev.get("pct_spam") or 0.0),
        },
        "top_tags": top_tags,
        "artistas_mais_elogiados": ranked("artistas", "elogios", TOP_ARTISTAS),
        "artistas_mais_criticados": ranked("artistas", "criticas", TOP_ARTISTAS),
        "albuns_mais_elogiados": ranked("albuns", "elogios", TOP_ALBUNS),
        "albuns_mais_criticados": ranked("albuns", "criticas", TOP_ALBUNS),
    })
