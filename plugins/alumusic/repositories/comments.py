"""Storing raw comments: the one write path used by the API and the demo-data loader; and
``COMMENT_FIELDS``, the fields of a comment as every reader returns it.

Personal data in the text (``alumusic.domain.pii``) is detected here and stored as typed spans in
``dados_pessoais``; the text itself is stored exactly as sent. ``detect_personal_data`` fills
those spans in for comments stored before detection existed (``alumusic comentarios
detectar-dados``).

Idempotent on the client's ``id``: the same id with the same text is a ``duplicado`` (nothing
written), the same id with another text is a ``conflito``. One statement per batch (a plain
VALUES insert when the batch holds one comment).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from alumusic.domain import pii

CRIADO, DUPLICADO, CONFLITO = "criado", "duplicado", "conflito"

# The fields of a comment as it is read back (the API's ``ComentarioSaida``, the search, the CSV
# export, the dashboard's table): the columns of the view ``v_comentarios_atuais``, the comment
# with its current classification. The one list; readers select all of it or a subset.
COMMENT_FIELDS: tuple[str, ...] = (
    "id", "texto", "artista", "album", "musica", "tipo", "publicado_em", "recebido_em", "fonte",
    "status", "tentativas", "ultimo_erro", "categoria", "confianca", "origem", "classificador",
    "versao_classificador", "modelo", "autor", "classificado_em", "tags",
)


def select_list(names: Sequence[str] = COMMENT_FIELDS, alias: str = "v") -> str:
    """``v.id, v.texto, ...``: the SELECT list of ``names`` (fields of COMMENT_FIELDS) over the view."""
    unknown = [n for n in names if n not in COMMENT_FIELDS]
    if unknown:
        raise ValueError(f"not a comment field: {', '.join(unknown)}")
    return ", ".join(f"{alias}.{n}" for n in names)


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


# What a new comment writes: its fields, plus the personal data found in its text.
_COLUMNS = (*(f.name for f in fields(NewComment)), "dados_pessoais")
_TYPES = tuple({"id": "uuid", "publicado_em": "timestamptz", "recebido_em": "timestamptz",
                "dados_pessoais": "jsonb"}.get(c, "text") for c in _COLUMNS)

_INSERT = sa.text(
    f"""
    WITH dados AS (
        SELECT * FROM unnest({", ".join(f"CAST(:{c} AS {t}[])" for c, t in zip(_COLUMNS, _TYPES, strict=True))})
                 AS d({", ".join(_COLUMNS)})
    ), ins AS (
        INSERT INTO comentarios ({", ".join(_COLUMNS)})
        SELECT {", ".join(c if c != "recebido_em" else "COALESCE(recebido_em, now())" for c in _COLUMNS)}
          FROM dados
         ORDER BY id  -- rows (and their index locks) in id order: concurrent batches cannot deadlock
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
_PERSONAL_DATA = sa.text("SELECT dados_pessoais, texto_removido_por FROM comentarios WHERE id = CAST(:id AS uuid)")
_WITHOUT_SPANS = sa.text(
    "SELECT id, texto FROM comentarios "
    "WHERE dados_pessoais = '[]'::jsonb AND texto_removido_em IS NULL AND id > CAST(:depois AS uuid) "
    "ORDER BY id LIMIT :lote"
)
# Every comment whose text is kept: after alumusic.domain.pii learns a kind, older spans miss it.
_WITH_TEXT = sa.text(
    "SELECT id, texto FROM comentarios "
    "WHERE texto_removido_em IS NULL AND id > CAST(:depois AS uuid) ORDER BY id LIMIT :lote"
)
_REPLACE_SPANS = sa.text(
    "UPDATE comentarios c SET dados_pessoais = CAST(d.spans AS jsonb) "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:spans AS text[])) AS d(id, spans) "
    "WHERE c.id = d.id AND c.texto_removido_em IS NULL AND c.dados_pessoais <> CAST(d.spans AS jsonb)"
)
# Guarded again at write time: a text erased meanwhile must not get spans over its marker.
_STORE_SPANS = sa.text(
    "UPDATE comentarios c SET dados_pessoais = CAST(d.spans AS jsonb) "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:spans AS text[])) AS d(id, spans) "
    "WHERE c.id = d.id AND c.dados_pessoais = '[]'::jsonb AND c.texto_removido_em IS NULL"
)
FIRST_ID = "00000000-0000-0000-0000-000000000000"  # ``depois`` of the first batch


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
    row = conn.execute(_PERSONAL_DATA, {"id": str(comment_id)}).first()
    if row is None:
        return None
    kinds = sorted({span["tipo"] for span in row.dados_pessoais})
    # Named as the masks name them ("[e-mail]" -> "e-mail").
    return {"tipos": [pii.KIND_LABELS[k].strip("[]") for k in kinds], "texto_removido_por": row.texto_removido_por}


@dataclass(frozen=True)
class DetectionBatch:
    lidos: int  # comments read (0: nothing left after ``depois``)
    com_dados: int  # of those, how many got spans
    ultimo_id: str | None  # ``depois`` of the next batch


def detect_personal_data(conn: sa.Connection, *, depois: str = FIRST_ID, lote: int = 5000,
                         todos: bool = False) -> DetectionBatch:
    """Detect personal data in the next ``lote`` comments (by id, after ``depois``) whose
    ``dados_pessoais`` is ``[]`` and whose text is still there, and store the spans found.

    ``todos``: every comment whose text is kept, its spans replaced where detection now finds
    others (after ``alumusic.domain.pii`` changed: the API's masked search blanks the stored
    spans, so stale ones would let a reader search inside a newly detected kind);
    ``com_dados`` then counts the comments whose spans changed.

    Safe to repeat: ``[]`` cannot tell "none found" from "never looked", so those are read again.
    """
    rows = conn.execute(_WITH_TEXT if todos else _WITHOUT_SPANS, {"depois": depois, "lote": lote}).all()
    if not rows:
        return DetectionBatch(0, 0, None)
    found = [(str(cid), json.dumps(pii.spans_to_json(spans)))
             for cid, texto in rows if (spans := pii.detect(texto)) or todos]
    stored = 0
    if found:
        stored = conn.execute(_REPLACE_SPANS if todos else _STORE_SPANS,
                              {"ids": [f[0] for f in found], "spans": [f[1] for f in found]}).rowcount
    return DetectionBatch(len(rows), stored, str(rows[-1][0]))
