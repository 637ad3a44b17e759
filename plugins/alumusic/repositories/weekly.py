"""What the weekly summary reads of one ISO week: the ``v_semana_*`` views (migration 0004) and a
ranked pool of the week's classified comments for its sample.

The views count; ``alumusic.summary.stats`` picks, ranks and compares, and
``alumusic.summary.sample`` caps and masks. Weeks are keyed by their label (``2026-W03``), as the
views group them. Rows come back as plain dicts (mappings for the sample), unmasked: the summary
services mask them before anything else sees them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta

import sqlalchemy as sa

from alumusic.repositories.summaries import Week

MEASURES = ("elogios", "criticas")  # what artists and albums are ranked by

_VOLUME = sa.text(
    "SELECT semana, total, classificados, nao_classificados, spam, pct_spam "
    "FROM v_semana_volume WHERE semana IN (:s, :p)"
)
_CATEGORIES = sa.text("SELECT semana, categoria, total, pct FROM v_semana_categorias WHERE semana IN (:s, :p)")
# Days in the session's time zone (alumusic.db sets it from TIMEZONE), like the weeks.
_DAILY_CATEGORIES = sa.text(
    "SELECT CAST(recebido_em AS date) AS dia, categoria, count(*)::int AS total FROM v_semana_comentarios "
    "WHERE semana = :s AND categoria IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
)
_TAG_TOTALS = sa.text("SELECT codigo, total FROM v_semana_tags WHERE semana = :s")
_TOP_TAGS = sa.text("SELECT codigo, rotulo, total FROM v_semana_tags WHERE semana = :s ORDER BY total DESC, codigo LIMIT :n")
# (view, the keys it groups by) of what is ranked.
_RANKED = {"artistas": ("v_semana_artistas", "artista"), "albuns": ("v_semana_albuns", "artista, album")}

# The sample's pool: the week's classified comments whose text is still there, ranked inside each
# category so that one comment per artist comes before a second one of the same artist, then the
# most confident; ties broken by a hash of the id (deterministic). ``r`` is that rank.
_SAMPLE = sa.text(
    """
    WITH semana AS (
        SELECT c.id, c.texto, c.artista, c.album, k.categoria, k.confianca,
               row_number() OVER (PARTITION BY k.categoria, coalesce(c.artista, '')
                                  ORDER BY k.confianca DESC, md5(c.id::text)) AS r_artista
          FROM comentarios c
          JOIN classificacoes k ON k.id = c.classificacao_atual_id
         WHERE c.recebido_em >= CAST(:inicio AS date) AND c.recebido_em < CAST(:fim AS date)
           AND length(btrim(c.texto)) >= 10
           AND c.texto_removido_em IS NULL  -- erased or past retention: a placeholder, not a comment
    ), ordenado AS (
        SELECT *, row_number() OVER (PARTITION BY categoria
                                     ORDER BY r_artista, confianca DESC, md5(id::text)) AS r
          FROM semana
    )
    SELECT categoria, artista, album, texto, r FROM ordenado WHERE r <= :maximo ORDER BY r, categoria
    """
)


def _rows(conn: sa.Connection, statement: sa.TextClause, **params) -> list[dict]:
    return [dict(r) for r in conn.execute(statement, params).mappings()]


def volume(conn: sa.Connection, semana: str, anterior: str) -> dict[str, dict]:
    """``v_semana_volume`` of both weeks, by week label (a week without comments is missing)."""
    return {r["semana"]: r for r in _rows(conn, _VOLUME, s=semana, p=anterior)}


def categories(conn: sa.Connection, semana: str, anterior: str) -> list[dict]:
    """``v_semana_categorias`` rows of both weeks (only the categories that occur)."""
    return _rows(conn, _CATEGORIES, s=semana, p=anterior)


def daily_categories(conn: sa.Connection, semana: str) -> list[dict]:
    """The week's classified comments per (day, category): ``dia`` (ISO date), ``categoria``, ``total``."""
    return [{**r, "dia": r["dia"].isoformat()} for r in _rows(conn, _DAILY_CATEGORIES, s=semana)]


def tag_totals(conn: sa.Connection, semana: str) -> dict[str, int]:
    """Tag code -> how many of the week's comments carry it."""
    return {r["codigo"]: r["total"] for r in _rows(conn, _TAG_TOTALS, s=semana)}


def top_tags(conn: sa.Connection, semana: str, limit: int) -> list[dict]:
    """The week's ``limit`` most frequent tags (``codigo``, ``rotulo``, ``total``)."""
    return _rows(conn, _TOP_TAGS, s=semana, n=limit)


def ranked(conn: sa.Connection, semana: str, what: str, measure: str, limit: int) -> list[dict]:
    """The week's ``limit`` artists (``what="artistas"``) or albums (``"albuns"``) with the most
    ``measure`` (one of MEASURES), at least one; rows hold the keys, ``measure`` and ``total``."""
    if what not in _RANKED or measure not in MEASURES:
        raise ValueError(f"ranking desconhecido: {what!r} por {measure!r}")
    view, keys = _RANKED[what]
    statement = sa.text(f"SELECT {keys}, {measure}, total FROM {view} WHERE semana = :s AND {measure} > 0 "
                        f"ORDER BY {measure} DESC, total DESC, {keys} LIMIT :n")
    return _rows(conn, statement, s=semana, n=limit)


def sample_pool(conn: sa.Connection, week: Week, *, per_category: int) -> Iterator[Mapping]:
    """Up to ``per_category`` ranked comments of each category received in ``week``, as
    ``categoria, artista, album, texto, r`` ordered by rank ``r``, then category: reading them in
    order goes round-robin over the categories."""
    return iter(conn.execute(_SAMPLE, {"inicio": week.inicio, "fim": week.fim + timedelta(days=1),
                                       "maximo": per_category}).mappings())
