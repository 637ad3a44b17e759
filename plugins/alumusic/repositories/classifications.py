"""Storing classifications: the one write path for automatic results and manual corrections.

``classificacoes`` is append-only; a trigger keeps ``comentarios.classificacao_atual_id`` on the
current one (a manual correction always wins, an automatic result only replaces another automatic
one). Callers own the transaction: pass a connection from ``engine.begin()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from alumusic.domain import CATEGORIAS, Classification, Tag
from alumusic.repositories import labels, taxonomy
from alumusic.repositories.literals import CLASSIFICADO, FALHOU, PENDENTE

ORIGEM_AUTOMATICA, ORIGEM_MANUAL = "automatica", "manual"
MANUAL = "manual"  # classificador and versao of every manual correction

_INSERT = sa.text(
    """
    INSERT INTO classificacoes (comentario_id, categoria, confianca, origem, classificador, versao,
                                modelo, versao_prompt, latencia_ms, autor, confianca_fonte)
    VALUES (CAST(:comentario_id AS uuid), :categoria, :confianca, :origem, :classificador, :versao,
            :modelo, :versao_prompt, :latencia_ms, :autor, 'manual')
    RETURNING id
    """
)
_INSERT_TAGS = sa.text(
    """
    INSERT INTO classificacao_tags (classificacao_id, codigo, explicacao)
    SELECT :classificacao_id, t.codigo, t.explicacao
      FROM unnest(CAST(:codigos AS text[]), CAST(:explicacoes AS text[])) AS t(codigo, explicacao)
    """
)
_ROW_COLUMNS = ("comentario_id", "categoria", "confianca", "origem", "classificador", "versao", "modelo",
                "versao_prompt", "latencia_ms", "autor", "confianca_fonte", "tokens_prompt", "tokens_resposta")
_ROW_TYPES = ("uuid", "text", "real", "text", "text", "text", "text", "text", "real", "text", "text", "integer",
              "integer")
# One statement for many rows. Identity values are drawn in the order the SELECT feeds rows
# (ORDER BY ord), so sorting the returned ids gives them in input order. The taxonomy version
# (0016) is read once per statement (an InitPlan) instead of once per row by the column default.
_INSERT_MANY = sa.text(
    f"""
    WITH dados AS (
        SELECT * FROM unnest({", ".join(f"CAST(:{c} AS {t}[])" for c, t in zip(_ROW_COLUMNS, _ROW_TYPES, strict=True))})
                 WITH ORDINALITY AS d({", ".join(_ROW_COLUMNS)}, ord)
    ), ins AS (
        INSERT INTO classificacoes ({", ".join(_ROW_COLUMNS)}, versao_taxonomia)
        SELECT {", ".join(_ROW_COLUMNS)}, (SELECT f_versao_taxonomia()) FROM dados ORDER BY ord
        RETURNING id
    )
    SELECT id FROM ins ORDER BY id
    """
)
_INSERT_TAGS_MANY = sa.text(
    """
    INSERT INTO classificacao_tags (classificacao_id, codigo, explicacao)
    SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:codigos AS text[]), CAST(:explicacoes AS text[]))
    """
)
_MARK_CORRECTED = sa.text(
    f"UPDATE comentarios SET status = {CLASSIFICADO}, ultimo_erro = NULL "
    f"WHERE id = CAST(:id AS uuid) AND status IN ({PENDENTE}, {FALHOU})"
)
# Locks the comment until the transaction ends, so an erasure cannot slip in between this check and
# the insert (it waits, and then erases the correction too); an erased text takes no correction.
_LOCK_FOR_CORRECTION = sa.text(
    "SELECT texto_removido_em IS NOT NULL AS removido FROM comentarios WHERE id = CAST(:id AS uuid) FOR UPDATE"
)

_HISTORY = sa.text(
    """
    SELECT k.id, k.categoria, k.confianca, k.origem, k.classificador, k.versao, k.modelo,
           k.versao_prompt, k.latencia_ms, k.autor, k.criado_em, k.confianca_fonte, k.fonte_id,
           k.tokens_prompt, k.tokens_resposta,
           (k.id = c.classificacao_atual_id) AS atual,
           (SELECT json_build_object('por', a.anulada_por, 'em', a.anulada_em)
              FROM classificacoes_anuladas a WHERE a.classificacao_id = k.id) AS anulada,
           COALESCE((SELECT json_agg(json_build_object('codigo', t.codigo, 'explicacao', t.explicacao)
                                     ORDER BY t.codigo)
                       FROM classificacao_tags t WHERE t.classificacao_id = k.id), '[]'::json) AS tags
      FROM classificacoes k
      JOIN comentarios c ON c.id = k.comentario_id
     WHERE k.comentario_id = CAST(:id AS uuid)
     ORDER BY k.id DESC
    """
)


# The newest automatic results of one classifier and model, within a window (the criado_em index
# bounds the scan; the LIMIT keeps the sort small however busy the window was).
_RECENT_LATENCY = sa.text(
    """
    SELECT avg(latencia_ms)::float8 AS media_ms, count(*) AS n
      FROM (SELECT latencia_ms FROM classificacoes
             WHERE criado_em > now() - make_interval(secs => :janela_s)
               AND origem = 'automatica' AND classificador = :classificador
               AND modelo IS NOT DISTINCT FROM :modelo AND latencia_ms IS NOT NULL
             ORDER BY criado_em DESC
             LIMIT :limite) recentes
    """
)


def recent_latency(conn: sa.Connection, classificador: str, modelo: str | None, *, janela_s: float,
                   limite: int = 500) -> tuple[float | None, int]:
    """Mean ``latencia_ms`` of the last ``limite`` automatic classifications by ``classificador``
    and ``modelo`` in the last ``janela_s`` seconds, and how many there were (mean None: none)."""
    row = conn.execute(_RECENT_LATENCY, {"janela_s": janela_s, "classificador": classificador,
                                         "modelo": modelo, "limite": limite}).one()
    return row.media_ms, int(row.n)


def record_classification(
    conn: sa.Connection, comentario_id: Any, result: Classification, *, autor: str | None = None
) -> int:
    """Append an automatic classification (with its tags); returns the new ``classificacoes.id``.

    Tag codes must exist in the active taxonomy: an unknown code raises ValueError before
    anything is written, so the caller's transaction stays usable.
    """
    return record_classifications(conn, [(comentario_id, result)], autor=autor)[0]


def record_classifications(
    conn: sa.Connection, items: Sequence[tuple[Any, Classification]], *, autor: str | None = None
) -> list[int]:
    """``record_classification`` for many comments in three statements (the pipeline's path).

    Returns the new ids in input order. All tag codes are checked first: one unknown code
    raises ValueError and nothing is written.
    """
    if not items:
        return []
    tags_per_item = [_unique_tags(result.tags_funcionalidades) for _, result in items]
    _check_codes(conn, sorted({t.codigo for tags in tags_per_item for t in tags}))
    rows = [_automatic_row(cid, result, autor) for cid, result in items]
    ids = list(conn.execute(_INSERT_MANY, {col: [r[col] for r in rows] for col in _ROW_COLUMNS}).scalars())
    if len(ids) != len(items):  # pragma: no cover - would be a database bug
        raise RuntimeError("insert returned an unexpected number of rows")
    pairs = [(new_id, tag) for new_id, tags in zip(ids, tags_per_item, strict=True) for tag in tags]
    if pairs:
        conn.execute(
            _INSERT_TAGS_MANY,
            {"ids": [p[0] for p in pairs], "codigos": [p[1].codigo for p in pairs],
             "explicacoes": [p[1].explicacao for p in pairs]},
        )
    return ids


def record_manual_correction(
    conn: sa.Connection,
    comentario_id: Any,
    categoria: str,
    tags: Sequence[dict] | Sequence[Tag],
    autor: str,
    confianca: float = 1.0,
) -> int:
    """Append a curator's correction; it becomes current and no automatic rerun replaces it.

    Raises ValueError (with a pt-BR message fit for the UI) on an unknown category, tag code,
    comment (or one whose text was erased), a malformed tag, an empty author or a confidence
    outside [0, 1]. The comment's row stays locked until the caller's transaction ends.
    """
    if categoria not in CATEGORIAS:
        raise ValueError(f"categoria inválida: {categoria!r} (use uma de {', '.join(CATEGORIAS)})")
    if not autor or not str(autor).strip():
        raise ValueError("autor é obrigatório numa correção manual")
    try:
        confianca = float(confianca)
    except (TypeError, ValueError):
        raise ValueError(f"confianca inválida: {confianca!r}") from None
    if not 0.0 <= confianca <= 1.0:
        raise ValueError(f"confianca deve estar entre 0 e 1, recebido {confianca}")
    parsed = _parse_tags(tags)
    labels.take_copy_gate(conn)  # before this comment's row lock (see labels.take_copy_gate)
    row = conn.execute(_LOCK_FOR_CORRECTION, {"id": str(comentario_id)}).first()
    if row is None:
        raise ValueError(f"comentário {comentario_id} não existe")
    if row.removido:
        # LGPD: the reason text could hold personal data; nothing is stored on an erased comment.
        raise ValueError(f"comentário {comentario_id} teve o texto apagado (LGPD) e não aceita correção")
    _check_codes(conn, [t.codigo for t in parsed])
    new_id = conn.execute(
        _INSERT,
        {
            "comentario_id": str(comentario_id),
            "categoria": categoria,
            "confianca": confianca,
            "origem": ORIGEM_MANUAL,
            "classificador": MANUAL,
            "versao": MANUAL,
            "modelo": None,
            "versao_prompt": None,
            "latencia_ms": None,
            "autor": str(autor).strip(),
        },
    ).scalar_one()
    _insert_tags(conn, new_id, parsed)
    # A corrected comment needs no automatic pass any more; one being processed right now is
    # left to its worker (whose result is appended to history but does not become current).
    conn.execute(_MARK_CORRECTED, {"id": str(comentario_id)})
    labels.copy_label_to_copies(conn, new_id)  # the same text pasted elsewhere follows the curator
    return new_id


def history(conn: sa.Connection, comentario_id: Any) -> list[dict]:
    """Every classification of the comment, newest first, each with ``tags`` and ``atual``."""
    rows = conn.execute(_HISTORY, {"id": str(comentario_id)}).mappings().all()
    return [dict(row) for row in rows]


# --- helpers -----------------------------------------------------------------------------------
def _automatic_row(comentario_id: Any, result: Classification, autor: str | None) -> dict:
    prov = result.proveniencia
    return {
        "comentario_id": str(comentario_id),
        "categoria": str(result.categoria),
        "confianca": float(result.confianca),
        "origem": ORIGEM_AUTOMATICA,
        "classificador": prov.classificador,
        "versao": prov.versao,
        "modelo": prov.modelo,
        "versao_prompt": prov.versao_prompt,
        "latencia_ms": float(result.latencia_ms),
        "autor": autor,
        "confianca_fonte": result.confianca_fonte,
        "tokens_prompt": result.tokens_prompt,
        "tokens_resposta": result.tokens_resposta,
    }


def _unique_tags(tags: Iterable[Tag]) -> list[Tag]:
    """A repeated code keeps its first explanation (the key is (classification, code))."""
    out: dict[str, Tag] = {}
    for tag in tags:
        out.setdefault(tag.codigo, tag)
    return list(out.values())


def _parse_tags(tags: Iterable[dict] | Iterable[Tag]) -> list[Tag]:
    parsed: list[Tag] = []
    seen: set[str] = set()
    for item in tags or ():
        try:
            tag = item if isinstance(item, Tag) else Tag.model_validate(item)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"tag inválida {item!r}: {problems}") from None
        if tag.codigo in seen:
            raise ValueError(f"tag repetida: {tag.codigo}")
        seen.add(tag.codigo)
        parsed.append(tag)
    return parsed


def _check_codes(conn: sa.Connection, codes: list[str]) -> None:
    if not codes:
        return
    unknown = sorted(set(codes) - set(taxonomy.active_codes(conn)))
    if unknown:
        raise ValueError(f"tags fora da taxonomia: {', '.join(unknown)}")


def _insert_tags(conn: sa.Connection, classificacao_id: int, tags: Sequence[Tag]) -> None:
    if tags:
        conn.execute(
            _INSERT_TAGS,
            {
                "classificacao_id": classificacao_id,
                "codigos": [t.codigo for t in tags],
                "explicacoes": [t.explicacao for t in tags],
            },
        )
