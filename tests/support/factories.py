"""Comments and classifications for tests, written through the product's write paths.

The one place tests seed comments. ``add_comment`` / ``add_comments`` store them with
``alumusic.repositories.comments.insert_comments`` (personal-data spans and search text filled
in exactly as for the API) and, when a ``categoria`` (or a ready ``classificacao``) is given,
their automatic classification with ``alumusic.repositories.classifications.record_classifications``;
``classification`` builds the ``alumusic.domain.Classification`` they record. Tests of those
repository functions themselves call them directly; this module is only for seeding.

An *item* of ``add_comments`` is a dict of ``add_comment``'s keyword arguments:

- fields of ``NewComment`` (``id``, ``texto``, ``artista``, ``album``, ``recebido_em``, ...);
  ``id`` defaults to a new uuid4 and ``texto`` to ``DEFAULT_TEXT``;
- the classification: ``categoria`` (None: the comment stays pending), ``tags`` (codes,
  ``(codigo, explicacao)`` pairs or ``Tag``), ``confianca``, ``provenance``, ``explicacao`` (of
  tags given as bare codes), ``latencia_ms``; or ``classificacao``, a ready ``Classification``;
- ``autor``: who recorded the classification (``record_classifications(autor=...)``).

Each stored comment comes back as a dict: ``id`` (text), its ``NewComment`` fields, ``categoria``
(None if pending), ``tags`` (codes) and ``classificacao_id`` (None if pending).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, fields
from typing import Any

import sqlalchemy as sa

from alumusic.domain import Classification, Provenance, Status, Tag
from alumusic.repositories.classifications import record_classifications
from alumusic.repositories.comments import CRIADO, NewComment, insert_comments

TEST_PROVENANCE = Provenance(classificador="teste", versao="teste-1")
DEFAULT_TEXT = "comentário de teste"
DEFAULT_EXPLANATION = "no teste"  # of a tag given as a bare code

TagSpec = str | tuple[str, str] | Tag

_COMMENT_FIELDS = frozenset(f.name for f in fields(NewComment))
_CLASSIFICATION_OPTIONS = frozenset({"categoria", "tags", "confianca", "provenance", "explicacao", "latencia_ms"})


def tag(spec: TagSpec, explicacao: str = DEFAULT_EXPLANATION) -> Tag:
    """A ``Tag`` from a code (explained by ``explicacao``), a ``(codigo, explicacao)`` pair or a Tag."""
    if isinstance(spec, Tag):
        return spec
    if isinstance(spec, str):
        return Tag(codigo=spec, explicacao=explicacao)
    codigo, own = spec
    return Tag(codigo=codigo, explicacao=own)


def classification(categoria: str, tags: Iterable[TagSpec] = (), *, confianca: float = 0.9,
                   provenance: Provenance = TEST_PROVENANCE, explicacao: str = DEFAULT_EXPLANATION,
                   latencia_ms: float = 1.0) -> Classification:
    """An automatic classification as a classifier would return it."""
    return Classification(categoria=categoria, confianca=confianca, proveniencia=provenance, latencia_ms=latencia_ms,
                          tags_funcionalidades=tuple(tag(t, explicacao) for t in tags))


def new_comment(texto: str = DEFAULT_TEXT, *, id: uuid.UUID | str | None = None, **comment_fields: Any) -> NewComment:
    """A ``NewComment`` (a new uuid4 unless ``id`` is given), not stored."""
    return NewComment(id=uuid.UUID(str(id)) if id is not None else uuid.uuid4(), texto=texto, **comment_fields)


def add_comment(conn: sa.Connection | sa.Engine, texto: str = DEFAULT_TEXT, *, categoria: str | None = None,
                tags: Iterable[TagSpec] = (), **options: Any) -> dict:
    """Store one comment (classified if ``categoria`` is given); options as an item of ``add_comments``."""
    return add_comments(conn, [{"texto": texto, "categoria": categoria, "tags": tags, **options}])[0]


def add_comments(target: sa.Connection | sa.Engine, items: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Store ``items`` (see the module docstring) in one ``insert_comments`` call, then classify
    those with a category in one ``record_classifications`` call per ``autor``.

    ``target``: a connection (the caller's transaction) or an engine (one transaction of its own).
    Returns one dict per item, in order. Raises AssertionError if a comment was not created
    (an id already stored).
    """
    if isinstance(target, sa.Engine):
        with target.begin() as conn:
            return add_comments(conn, items)
    comments: list[NewComment] = []
    results: list[tuple[Classification | None, str | None]] = []
    for item in items:
        comment, result, autor = _parse_item(item)
        comments.append(comment)
        results.append((result, autor))
    statuses = insert_comments(target, comments)
    if statuses != [CRIADO] * len(comments):
        raise AssertionError(f"comments not created: {statuses}")
    classification_ids: dict[int, int] = {}
    for autor in dict.fromkeys(a for r, a in results if r is not None):
        positions = [n for n, (r, a) in enumerate(results) if r is not None and a == autor]
        new_ids = record_classifications(target, [(comments[n].id, results[n][0]) for n in positions], autor=autor)
        classification_ids.update(zip(positions, new_ids, strict=True))
    return [_stored(comment, result, classification_ids.get(n))
            for n, (comment, (result, _)) in enumerate(zip(comments, results, strict=True))]


def add_classified_comments(target: sa.Connection | sa.Engine, items: Iterable[Mapping[str, Any]]) -> list[dict]:
    """``add_comments``, with the classified ones left ``classificado`` as the pipeline leaves them
    (``add_comments`` alone keeps the status of a new comment, ``pendente``)."""
    if isinstance(target, sa.Engine):
        with target.begin() as conn:
            return add_classified_comments(conn, items)
    rows = add_comments(target, items)
    target.execute(_MARK_CLASSIFIED, {"ids": [r["id"] for r in rows if r["classificacao_id"] is not None]})
    return rows


_MARK_CLASSIFIED = sa.text(
    f"UPDATE comentarios SET status = '{Status.CLASSIFICADO}' WHERE id = ANY(CAST(:ids AS uuid[]))"
)


def _parse_item(item: Mapping[str, Any]) -> tuple[NewComment, Classification | None, str | None]:
    unknown = set(item) - _COMMENT_FIELDS - _CLASSIFICATION_OPTIONS - {"classificacao", "autor"}
    if unknown:
        raise TypeError(f"unknown comment or classification options: {sorted(unknown)}")
    comment = new_comment(**{k: v for k, v in item.items() if k in _COMMENT_FIELDS})
    options = {k: v for k, v in item.items() if k in _CLASSIFICATION_OPTIONS}
    result = item.get("classificacao")
    if result is not None:
        if options.get("categoria") is not None or options.get("tags"):
            raise TypeError("give either classificacao or categoria/tags, not both")
    elif options.get("categoria") is not None:
        result = classification(options.pop("categoria"), options.pop("tags", ()), **options)
    elif options.get("tags"):
        raise TypeError("tags need a categoria (a pending comment has no tags)")
    return comment, result, item.get("autor")


def _stored(comment: NewComment, result: Classification | None, classificacao_id: int | None) -> dict:
    return {
        **asdict(comment),
        "id": str(comment.id),
        "categoria": result.categoria if result else None,
        "tags": [t.codigo for t in result.tags_funcionalidades] if result else [],
        "classificacao_id": classificacao_id,
    }
