"""Searching comments with their current classification: one filter for the API and the dashboard.

Reads the view ``v_comentarios_atuais``. Free text is case- and accent-insensitive and understands
Portuguese (``text_condition``): the fragment as typed, its words stemmed, or a close spelling,
all over the stored ``texto_busca`` column (``f_texto_busca(texto)``, computed at insert) through
its trigram and full-text indexes, so rechecking a candidate row never runs ``unaccent`` per row;
``relevance`` ranks the matches. Pagination is
keyset on (recebido_em, id), newest first, so deep pages cost the same as the first.

The searched text is literal: LIKE's ``%``, ``_`` and escape ``\\`` are escaped in SQL *after*
``f_texto_busca``, because normalising creates them (unaccent maps the fullwidth and small forms
``％ ﹪ ＿ ∖ ﹨ ＼`` to ``% _ \\``); escaping before it would let those through as wildcards. The
whole pattern is still an immutable expression of the parameter, folded to a constant when
planned, so the trigram index applies as before.

Rows carry the fields of ``repositories.comments.COMMENT_FIELDS``. The same filter (``filter_sql``:
``where_clause`` plus its two decisions that depend on the data) selects the dashboard's table
(``repositories.comment_table``) and the CSV export (``repositories.comment_export``), so both show
exactly what a search finds.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from uuid import UUID

import sqlalchemy as sa

from alumusic.repositories.comments import COMMENT_FIELDS, select_list

_GET = sa.text(f"SELECT {select_list()} FROM v_comentarios_atuais v WHERE v.id = CAST(:id AS uuid)")


class InvalidCursorError(ValueError):
    """The pagination cursor was not produced by this API."""


@dataclass(frozen=True)
class CommentFilter:
    categoria: str | None = None
    tag: str | None = None
    artista: str | None = None
    album: str | None = None
    texto: str | None = None
    desde: datetime | None = None  # received at or after
    ate: datetime | None = None  # received before
    status: str | None = None
    # Free text matches only what the personal-data mask leaves (``text_condition``): for readers
    # who are shown masked text, so a search cannot tell them what the mask hides.
    masked: bool = False

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, "") for f in fields(self) if f.name != "masked")


def where_clause(f: CommentFilter, alias: str = "v", *, close_spelling: bool = False,
                 text_on_rows: bool = False) -> tuple[str, dict]:
    """SQL condition over ``v_comentarios_atuais`` (aliased ``alias``) and its parameters.

    ``close_spelling``: free text also matches close spellings (``spelling_fallback`` decides).
    ``text_on_rows``: free text is checked row by row on what the other filters select, never
    through the text indexes (``text_on_rows`` decides); the same rows match either way.
    Callers with a connection use ``filter_sql``, which takes both decisions."""
    conds: list[str] = []
    params: dict = {}
    for name in ("categoria", "artista", "album", "status"):
        value = getattr(f, name)
        if value:
            conds.append(f"{alias}.{name} = :f_{name}")
            params[f"f_{name}"] = value
    if f.tag:
        conds.append(
            f"EXISTS (SELECT 1 FROM classificacao_tags t WHERE t.classificacao_id = {alias}.classificacao_id "
            "AND t.codigo = :f_tag)"
        )
        params["f_tag"] = f.tag
    if f.texto and f.texto.strip():
        condition = text_condition(f.texto, alias, close_spelling=close_spelling, masked=f.masked)
        # A scalar subquery is a per-row filter the planner cannot turn into an index scan.
        conds.append(f"(SELECT {condition})" if text_on_rows else condition)
        params["f_texto"] = f.texto.strip()
    if f.desde:
        conds.append(f"{alias}.recebido_em >= :f_desde")
        params["f_desde"] = f.desde
    if f.ate:
        conds.append(f"{alias}.recebido_em < :f_ate")
        params["f_ate"] = f.ate
    return (" AND ".join(conds) or "TRUE"), params


def text_condition(texto: str, alias: str = "v", *, close_spelling: bool = False, masked: bool = False) -> str:
    """What free text matches (``:f_texto``): the literal fragment, the same words stemmed, or a typo.

    - the fragment as typed, accent- and case-insensitive (``texto_busca LIKE``: trigram index);
    - every word of it in Portuguese stemmed form (``texto_tsv @@ f_tsq_busca``: the stored
      ``texto_tsv`` and its GIN index, migration 0015), so "lindas" finds "linda"; quotes, ``or``
      and ``-word`` work as in a web search;
    - with ``close_spelling`` (``spelling_fallback``: one word that no comment contains as typed or
      stemmed), a close spelling of it (``<%``: pg_trgm's word similarity ≥ 0.5, set per connection
      by ``alumusic.db``; trigram index), so "mixajem" finds "mixagem".

    ``masked`` (``CommentFilter.masked``): a row with personal data must also match with its stored
    spans blanked out (``texto_busca_mascarado``/``texto_tsv_mascarado``, stored by migration 0024
    from ``f_sem_dados_pessoais``, NULL without spans), so "98765" does not find the comment whose
    masked phone holds those digits. The raw match still picks the candidates through the indexes;
    only those with spans are rechecked, on the stored columns (bench/masked_search.py).
    """
    raw = _any_match(f"{alias}.texto_busca", f"{alias}.texto_tsv", close_spelling)
    return f"({raw} AND {_mask_leaves_it(alias, close_spelling)})" if masked else raw


def _mask_leaves_it(alias: str, close_spelling: bool) -> str:
    """The row has no spans, or ``:f_texto`` matches its text with them blanked out."""
    kept = _any_match(f"{alias}.texto_busca_mascarado", f"{alias}.texto_tsv_mascarado", close_spelling)
    return f"({alias}.texto_busca_mascarado IS NULL OR {kept})"


def _any_match(busca: str, tsv: str, close_spelling: bool) -> str:
    """``:f_texto`` against a search text ``busca`` (normalised by ``f_texto_busca``) and its ``tsv``."""
    parts = [f"{busca} LIKE '%' || {_LIKE_LITERAL} || '%' ESCAPE '\\'", f"{tsv} @@ f_tsq_busca(:f_texto)"]
    if close_spelling:
        parts.append(f"f_texto_busca(:f_texto) <% {busca}")
    return "(" + " OR ".join(parts) + ")"


def spelling_fallback(conn: sa.Connection, f: CommentFilter) -> bool:
    """Whether ``f``'s free text should also match close spellings: it is one word of at least
    ``TYPO_MIN_LETTERS`` letters and no comment contains it as typed or stemmed (a common word is
    found among the newest comments at once; a typo costs a read of the newest ``TYPO_RECENT_ROWS``
    and one indexed query: ~10 ms at 1M comments, where one EXISTS took 1 s).

    Shorter words would match half the table by similarity, and a phrase ("primeiro comentário 0")
    would also find its neighbours ("primeiro comentário 1"): phrases, symbols and web-search syntax
    stay literal and stemmed. Decided here, before the search, and not inside its SQL: a similarity
    branch in the search's OR is planned as one more trigram bitmap even when it cannot match, which
    made the grid's blocks ~4× slower on a common word (bench/alerts_search.py).
    """
    texto = (f.texto or "").strip()
    if not _TYPO_WORD.fullmatch(texto):
        return False
    if conn.execute(_IN_RECENT[f.masked], {"f_texto": texto, "recentes": TYPO_RECENT_ROWS}).scalar_one():
        return False
    return not conn.execute(_ANYWHERE[f.masked], {"f_texto": texto}).scalar_one()


def text_on_rows(conn: sa.Connection, f: CommentFilter) -> bool:
    """Whether ``f``'s free text should be checked on the rows its period, artist and album select
    (read through their own indexes, newest first when the page is, stopping at the page or the
    count's cap) rather than through the text indexes: when those rows are fewer than half of
    what the planner expects the text to match in the whole table, and at most ``ROWS_READ_MAX``.

    Left alone, the planner ANDs the other filters' bitmap with the text indexes' bitmaps over
    all history, whose cost it underrates: at 10M comments "canal" in last week's SPAM read
    295,000 trigram and 295,000 full-text entries (~180 ms) to keep 2,547 of the week's 90,000
    rows, where reading the week newest first and checking each row takes ~8 ms for a page and
    ~30 ms for the capped count (bench/scale.py). With two or three of period, artist and album
    the rows to read are counted (index-only, capped at the bound) when the planner's estimate is
    under it: they are estimated as independent columns, 6× low where one artist's album had a
    spike (bench/alerts_search.py). A category, status or tag only drops rows already read, so
    they do not make the rows fewer. The text side is the planner's estimate.
    """
    if not (f.texto and f.texto.strip()):
        return False
    others = CommentFilter(artista=f.artista, album=f.album, desde=f.desde, ate=f.ate)
    if others.is_empty():
        return False
    bound = min(ROWS_READ_MAX, int(_estimated_rows(conn, *where_clause(CommentFilter(texto=f.texto))) / 2))
    if _estimated_rows(conn, *where_clause(others)) >= bound:
        return False
    if sum(1 for v in (f.artista, f.album, f.desde or f.ate) if v) < 2:
        return True  # one column's statistics: its estimate holds
    # Two or three columns are estimated as independent, which they are not (an album is one
    # artist's, and its comments crowd the weeks after its release): count what would be read.
    where, params = where_clause(others, alias="c")
    # Ordered like the index that holds exactly these columns, so the count walks that index
    # (unordered, the planner filtered the whole time index: 420 ms instead of 60 for 100,000).
    order = ", ".join([*(f"c.{col}" for col in ("artista", "album") if getattr(others, col)), "c.recebido_em"])
    read = conn.execute(sa.text(f"SELECT count(*) FROM (SELECT 1 FROM comentarios c WHERE {where} "
                                f"ORDER BY {order} LIMIT :bound) s"), {**params, "bound": bound}).scalar_one()
    return read < bound


# Rows a search checks one by one at most (~1.4 µs each read from the heap: ~350 ms), whatever
# the text's matches in the whole table.
ROWS_READ_MAX = 250_000


def filter_sql(conn: sa.Connection, f: CommentFilter) -> tuple[str, dict]:
    """``where_clause`` of ``f`` with the decisions that depend on the data (``spelling_fallback``,
    ``text_on_rows``): what the API, the grid and the export run."""
    return where_clause(f, close_spelling=spelling_fallback(conn, f), text_on_rows=text_on_rows(conn, f))


def _estimated_rows(conn: sa.Connection, where: str, params: dict) -> float:
    plan = conn.execute(sa.text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM v_comentarios_atuais v WHERE {where}"),
                        params).scalar_one()
    return plan[0]["Plan"]["Plan Rows"]


def relevance(alias: str = "v") -> str:
    """How well a row matches ``:f_texto`` (higher first): the literal fragment beats the stemmed
    words, which beat a similar spelling."""
    return (f"(CASE WHEN {alias}.texto_busca LIKE '%' || {_LIKE_LITERAL} || '%' ESCAPE '\\' THEN 1 ELSE 0 END"
            f" + ts_rank({alias}.texto_tsv, f_tsq_busca(:f_texto))"
            f" + word_similarity(f_texto_busca(:f_texto), {alias}.texto_busca))")


TYPO_MIN_LETTERS = 4
TYPO_RECENT_ROWS = 5_000  # the newest comments a word in use is looked for in first
_TYPO_WORD = re.compile(rf"[^\W\d_]{{{TYPO_MIN_LETTERS},}}")

# :f_texto normalised like texto_busca, then made literal for LIKE ... ESCAPE '\': the escape
# character doubled first, then the wildcards escaped. After the normalisation, which can produce
# all three (see the module docstring and tests/security/test_search_escaping.py).
_LIKE_LITERAL = r"replace(replace(replace(f_texto_busca(:f_texto), '\', '\\'), '%', '\%'), '_', '\_')"
# Two steps, because an EXISTS is planned for its first match: the planner expects a few hundred
# matches of any word and scans the table in heap order for the first, which reads all of it when
# the word is a typo (1 s at 1M comments). A word the comments use is found among the newest
# rows; one that is not there is rare, and its matches (if any) come from the text indexes.
# Masked searches ask what the mask leaves, or the fallback would say a word sits in personal data.
_IN_RECENT = {masked: sa.text(
    "SELECT EXISTS (SELECT 1 FROM (SELECT texto_busca, texto_tsv, texto_busca_mascarado, texto_tsv_mascarado "
    "FROM comentarios "
    f"ORDER BY recebido_em DESC LIMIT :recentes) t WHERE {text_condition('', 't', masked=masked)})")
    for masked in (False, True)}
_ANYWHERE = {masked: sa.text(
    f"WITH m AS MATERIALIZED (SELECT 1 FROM comentarios t WHERE {text_condition('', 't', masked=masked)}) "
    "SELECT EXISTS (SELECT 1 FROM m)") for masked in (False, True)}


def encode_cursor(recebido_em: datetime, comment_id: UUID | str) -> str:
    raw = f"{recebido_em.isoformat()}|{comment_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """``(recebido_em in UTC, id)`` of a cursor from :func:`encode_cursor`; anything else is an
    InvalidCursorError. The time must carry an offset PostgreSQL can hold (±15:59; Python takes
    up to ±23:59, which PostgreSQL would refuse with an error)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, comment_id = raw.split("|", 1)
        instant = datetime.fromisoformat(when)
        offset = instant.utcoffset()
        if offset is None or abs(offset) >= timedelta(hours=16):
            raise ValueError("cursor time without a valid offset")
        return instant.astimezone(timezone.utc), str(UUID(comment_id))
    except (ValueError, UnicodeDecodeError, OverflowError) as exc:
        raise InvalidCursorError("cursor inválido") from exc


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next_cursor: str | None


def page_sql(columns: Sequence[str], where: str, order: str) -> str:
    """SELECT ``columns`` (fields of ``COMMENT_FIELDS``) of one page (``:limit``, ``:offset``) of the rows matching ``where``, in ``order``.

    The page's ids are picked first by a query that filters and sorts on the view's comentarios
    columns only (the planner then drops the view's join to classificacoes); only those rows are
    then joined for the provenance columns. Otherwise a filter matching thousands of rows joins
    them all before the sort and LIMIT keep 25. ``order`` must end with a unique key (``v.id``).
    """
    return (
        f"WITH pagina AS MATERIALIZED (SELECT v.id FROM v_comentarios_atuais v WHERE {where} "
        f"ORDER BY {order} LIMIT :limit OFFSET :offset) "
        f"SELECT {select_list(columns)} "
        f"FROM pagina JOIN v_comentarios_atuais v ON v.id = pagina.id ORDER BY {order}"
    )


def _page_of_candidates_sql(columns: Sequence[str], where: str, order: str) -> str:
    """``page_sql`` that collects every match first (through the text indexes), then the page."""
    return (
        f"WITH candidatos AS MATERIALIZED (SELECT v.id, v.recebido_em FROM v_comentarios_atuais v WHERE {where}), "
        f"pagina AS MATERIALIZED (SELECT v.id FROM candidatos v ORDER BY {order} LIMIT :limit OFFSET :offset) "
        f"SELECT {select_list(columns)} "
        f"FROM pagina JOIN v_comentarios_atuais v ON v.id = pagina.id ORDER BY {order}"
    )


def _masked_page(conn: sa.Connection, f: CommentFilter, close: bool, on_rows: bool, where: str, after: str,
                 params: dict, order: str) -> list[dict]:
    """The page of a masked search (``CommentFilter.masked``), planned around the planner's blind spot.

    The planner estimates a masked search's matches as the raw text's; a word that lives in
    personal data ("gmail", digits) has raw matches and almost none masked, and walking the newest
    comments for the first page then read the whole table (557 ms at 200,000 comments where the raw
    search took 11; bench/masked_search.py). So: the raw page first (its own plan), each row checked
    against the mask; when every row passes it is the masked page (the masked matches are a subset
    of the raw ones, in the same order). Otherwise every masked match is collected through the text
    indexes when the estimate is at most ROWS_READ_MAX, and the newest-first walk is left for more."""
    raw_where, _ = where_clause(dataclasses.replace(f, masked=False), close_spelling=close, text_on_rows=on_rows)
    sql = (f"SELECT v.id, {_mask_leaves_it('v', close)} AS visivel FROM v_comentarios_atuais v "
           f"WHERE {raw_where}{after} ORDER BY {order} LIMIT :limit")
    first = conn.execute(sa.text(sql), params).all()
    if all(r.visivel for r in first):
        got = conn.execute(sa.text(f"SELECT {select_list()} FROM v_comentarios_atuais v "
                                   f"WHERE v.id = ANY(CAST(:ids AS uuid[])) ORDER BY {order}"),
                           {"ids": [str(r.id) for r in first]})
        return [dict(r._mapping) for r in got]
    where += after  # the masked search's own condition, as ``search`` built it
    build = _page_of_candidates_sql if _estimated_rows(conn, where, params) <= ROWS_READ_MAX else page_sql
    return [dict(r._mapping) for r in conn.execute(sa.text(build(COMMENT_FIELDS, where, order)), params)]


def search(conn: sa.Connection, f: CommentFilter, *, limit: int = 50, cursor: str | None = None) -> Page:
    """One page of matching comments (every field of ``COMMENT_FIELDS``), newest received first."""
    close, on_rows = spelling_fallback(conn, f), text_on_rows(conn, f)
    where, params = where_clause(f, close_spelling=close, text_on_rows=on_rows)
    after = ""
    if cursor:
        when, comment_id = decode_cursor(cursor)
        after = " AND (v.recebido_em, v.id) < (:c_when, CAST(:c_id AS uuid))"
        params.update(c_when=when, c_id=comment_id)
    order = "v.recebido_em DESC, v.id DESC"
    params = {**params, "limit": limit + 1, "offset": 0}
    if f.masked and f.texto and f.texto.strip():
        rows = _masked_page(conn, f, close, on_rows, where, after, params, order)
    else:
        rows = [dict(r._mapping) for r in conn.execute(sa.text(page_sql(COMMENT_FIELDS, where + after, order)), params)]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["recebido_em"], rows[-1]["id"])
    return Page(rows, next_cursor)


def get_comment(conn: sa.Connection, comment_id: UUID | str) -> dict | None:
    row = conn.execute(_GET, {"id": str(comment_id)}).first()
    return dict(row._mapping) if row else None


# "Comentários parecidos": nearest texts by trigram similarity over the indexed search text.
# ``%`` (pg_trgm.similarity_threshold, 0.3 by default) lets the trigram index pick the candidates;
# only those are ranked.
_SIMILAR = sa.text(f"""
    SELECT {select_list(("id", "texto", "artista", "album", "recebido_em", "categoria"))},
           similarity(v.texto_busca, s.texto_busca) AS semelhanca
      FROM comentarios s
      JOIN v_comentarios_atuais v ON v.texto_busca % s.texto_busca AND v.id <> s.id
      JOIN comentarios kept ON kept.id = v.id AND kept.texto_removido_em IS NULL
     WHERE s.id = CAST(:id AS uuid) AND s.texto_removido_em IS NULL
     ORDER BY semelhanca DESC, v.recebido_em DESC, v.id
     LIMIT :limite
""")


def similar_comments(conn: sa.Connection, comment_id: UUID | str, *, limit: int = 5) -> list[dict]:
    """The comments whose text is closest to ``comment_id``'s (best first; never the comment itself)."""
    return [dict(r._mapping) for r in conn.execute(_SIMILAR, {"id": str(comment_id), "limite": limit})]
