"""Storing raw comments: the one write path used by the API and the demo-data loader.

Personal data in the text (``alumusic.pii``) is detected here and stored as typed spans in
``dados_pessoais``; the text itself is stored exactly as sent.

Idempotent on the client's ``id``: the same id with the same text is a ``duplicado`` (nothing
written), the same id with another text is a ``conflito``. One statement per batch (a plain
VALUES insert when the batch holds one comment).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from alumusic import pii

CRIADO, DUPLICADO, CONFLITO = "criado", "duplicado", "conflito"

_COLUMNS = ("id", "texto", "artista", "album", "musica", "tipo", "publicado_em", "fonte",
            "enviado_por", "recebido_em", "dados_pessoais")
_TYPES = ("uuid", "text", "text", "text", "text", "text", "timestamptz", "text", "text", "timestamptz", "jsonb")

_INSERT = sa.text(
    f"""
    WITH dados AS (
        SELECT * FROM unnest({", ".join(f"CAST(:{c} AS {t}[])" for c, t in zip(_COLUMNS, _TYPES, strict=True))})
                 AS d({", ".join(_COLUMNS)})
    ), ins AS (
        INSERT INTO comentarios ({", ".join(_COLUMNS)})
        SELECT {", ".join(c if c != "recebido_em" else "COALESCE(recebido_em, now())" for c in _COLUMNS)}
          FROM dados
        ON CONFLICT (id) DO NOTHING
        RETURNING id
    )
    SELECT id::text FROM ins
    """
)

# One comment (the API's most frequent call): plain VALUES, no arrays to build and unnest.
_INSERT_ONE = sa.text(
    f"""
    INSERT INTO comentarios ({", ".join(_COLUMNS)})
    VALUES ({", ".join(f"CAST(:{c} AS {t})" if c != "recebido_em" else f"COALESCE(CAST(:{c} AS {t}), now())"
                       for c, t in zip(_COLUMNS, _TYPES, strict=True))})
    ON CONFLICT (id) DO NOTHING
    RETURNING id::text
    """
)

_EXISTING = sa.text("SELECT id::text, texto FROM comentarios WHERE id = ANY(CAST(:ids AS uuid[]))")


@dataclass(frozen=True)
class NewComment:
    id: UUID
    texto: str
    artista: str | None = None
    album: str | None = None
    musica: str | None = None
    tipo: str | None = None
    publicado_em: datetime | None = None
    fonte: str | None = None
    enviado_por: str | None = None
    recebido_em: datetime | None = None  # None: the database's now(); set by bulk loaders only


def insert_comments(conn: sa.Connection, comments: Sequence[NewComment]) -> list[str]:
    """Insert ``comments`` in one statement; returns a status per input item, in order.

    The caller owns the transaction; on an autocommit connection (as the API uses it) the
    INSERT is one statement committed alone, so a batch is still all-or-nothing. Repeated ids inside the batch are judged against the
    first occurrence. Safe under concurrent inserts of the same id: ``ON CONFLICT DO NOTHING``
    waits for the other transaction, and the text comparison runs in a later statement that
    sees what it committed.
    """
    first: dict[str, str] = {}
    unique: list[NewComment] = []
    for c in comments:
        key = str(c.id)
        if key not in first:
            first[key] = c.texto
            unique.append(c)
    if not unique:
        return []

    if len(unique) == 1:
        params = {col: _value(unique[0], col) for col in _COLUMNS}
        created = set(conn.execute(_INSERT_ONE, params).scalars())
    else:
        params = {col: [_value(c, col) for c in unique] for col in _COLUMNS}
        created = set(conn.execute(_INSERT, params).scalars())
    missing = [key for key in first if key not in created]
    existing = dict(conn.execute(_EXISTING, {"ids": missing}).all()) if missing else {}

    statuses: list[str] = []
    seen: set[str] = set()
    for c in comments:
        key = str(c.id)
        if key in created and key not in seen:
            statuses.append(CRIADO)
        else:
            stored = first[key] if key in created else existing.get(key)
            statuses.append(DUPLICADO if stored == c.texto else CONFLITO)
        seen.add(key)
    return statuses


def _value(comment: NewComment, column: str) -> object:
    if column == "dados_pessoais":
        # Personal data found in the text, stored as typed spans beside it (the text is kept as sent).
        return json.dumps(pii.spans_to_json(pii.detect(comment.texto)))
    value = getattr(comment, column)
    return str(value) if isinstance(value, UUID) else value


def personal_data(conn: sa.Connection, comment_id: str) -> dict | None:
    """The kinds of personal data found in a comment at ingest, and whether its text was removed."""
    row = conn.execute(
        sa.text("SELECT dados_pessoais, texto_removido_por FROM comentarios WHERE id = CAST(:id AS uuid)"),
        {"id": str(comment_id)},
    ).first()
    if row is None:
        return None
    kinds = sorted({span["tipo"] for span in row.dados_pessoais})
    # Named as the masks name them ("[e-mail]" -> "e-mail").
    return {"tipos": [pii.KIND_LABELS[k].strip("[]") for k in kinds], "texto_removido_por": row.texto_removido_por}
