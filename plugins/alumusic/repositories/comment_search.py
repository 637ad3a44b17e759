"""Searching comments with their current classification: one filter for the API and the dashboard.

Reads the view ``v_comentarios_atuais``. Free text is case- and accent-insensitive: it matches the
stored ``texto_busca`` column (``f_texto_busca(texto)``, computed at insert) through its trigram
index, so rechecking a candidate row is a plain LIKE, not ``unaccent`` per row. Pagination is
keyset on (recebido_em, id), newest first, so deep pages cost the same as the first.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

COLUMNS = (
    "id", "texto", "artista", "album", "musica", "tipo", "publicado_em", "recebido_em", "fonte",
    "status", "tentativas", "ultimo_erro", "categoria", "confianca", "origem", "classificador",
    "versao_classificador", "modelo", "autor", "classificado_em", "tags",
)


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

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, "") for f in fields(self))


def where_clause(f: CommentFilter, alias: str = "v") -> tuple[str, dict]:
    """SQL condition over ``v_comentarios_atuais`` (aliased ``alias``) and its parameters."""
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
        conds.append(f"{alias}.texto_busca LIKE '%' || f_texto_busca(:f_texto) || '%' ESCAPE '\\'")
        params["f_texto"] = _escape_like(f.texto.strip())
    if f.desde:
        conds.append(f"{alias}.recebido_em >= :f_desde")
        params["f_desde"] = f.desde
    if f.ate:
        conds.append(f"{alias}.recebido_em < :f_ate")
        params["f_ate"] = f.ate
    return (" AND ".join(conds) or "TRUE"), params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def encode_cursor(recebido_em: datetime, comment_id: UUID | str) -> str:
    raw = f"{recebido_em.isoformat()}|{comment_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, comment_id = raw.split("|", 1)
        return datetime.fromisoformat(when), str(UUID(comment_id))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError("cursor inválido") from exc


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next_cursor: str | None


def page_sql(columns: Sequence[str], where: str, order: str) -> str:
    """SELECT ``columns`` of one page (``:limit``, ``:offset``) of the rows matching ``where``, in ``order``.

    The page's ids are picked first by a query that filters and sorts on the view's comentarios
    columns only (the planner then drops the view's join to classificacoes); only those rows are
    then joined for the provenance columns. Otherwise a filter matching thousands of rows joins
    them all before the sort and LIMIT keep 25. ``order`` must end with a unique key (``v.id``).
    """
    return (
        f"WITH pagina AS MATERIALIZED (SELECT v.id FROM v_comentarios_atuais v WHERE {where} "
        f"ORDER BY {order} LIMIT :limit OFFSET :offset) "
        f"SELECT {', '.join('v.' + c for c in columns)} "
        f"FROM pagina JOIN v_comentarios_atuais v ON v.id = pagina.id ORDER BY {order}"
    )


def search(conn: sa.Connection, f: CommentFilter, *, limit: int = 50, cursor: str | None = None) -> Page:
    """One page of matching comments, newest received first."""
    where, params = where_clause(f)
    if cursor:
        when, comment_id = decode_cursor(cursor)
        where += " AND (v.recebido_em, v.id) < (:c_when, CAST(:c_id AS uuid))"
        params.update(c_when=when, c_id=comment_id)
    sql = sa.text(page_sql(COLUMNS, where, "v.recebido_em DESC, v.id DESC"))
    rows = [dict(r._mapping) for r in conn.execute(sql, {**params, "limit": limit + 1, "offset": 0})]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["recebido_em"], rows[-1]["id"])
    return Page(rows, next_cursor)


def count(conn: sa.Connection, f: CommentFilter) -> int:
    where, params = where_clause(f)
    return conn.execute(sa.text(f"SELECT count(*) FROM v_comentarios_atuais v WHERE {where}"), params).scalar_one()


def iter_rows(conn: sa.Connection, f: CommentFilter, *, chunk: int = 5000) -> Iterator[dict]:
    """Every matching row, newest first, streamed with a server-side cursor (for exports)."""
    where, params = where_clause(f)
    sql = sa.text(
        f"SELECT {', '.join('v.' + c for c in COLUMNS)} FROM v_comentarios_atuais v WHERE {where} "
        "ORDER BY v.recebido_em DESC, v.id DESC"
    )
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(sql, params)
    for row in result:
        yield dict(row._mapping)


def get_comment(conn: sa.Connection, comment_id: UUID | str) -> dict | None:
    row = conn.execute(
        sa.text(f"SELECT {', '.join('v.' + c for c in COLUMNS)} FROM v_comentarios_atuais v WHERE v.id = CAST(:id AS uuid)"),
        {"id": str(comment_id)},
    ).first()
    return dict(row._mapping) if row else None
