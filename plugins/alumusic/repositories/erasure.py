"""LGPD: erasing a listener's comment text on request, and the text-retention policy.

Both keep the comment *row* (artist, album, dates, source, current category and tags), so every
count in the report, the weekly views and the summaries stays the same; what goes is the text and
everything derived from it that could quote it.

``erase`` (a data subject's request, through the API, the dashboard or the CLI), per comment:

- ``texto`` becomes :data:`MARCADOR_APAGADO` (the column is NOT NULL with a CHECK, so a fixed
  marker rather than NULL); ``texto_busca`` is generated from it, so search and its trigram index
  follow. ``dados_pessoais`` becomes ``[]``; ``texto_removido_em``/``texto_removido_por =
  'apagamento'`` say when and why.
- Every classification that is **not** the current one is deleted with its tags (the history:
  older automatic results and their explanations, which may quote the text). The current one and
  its tag codes stay, so category and tag counts do not move; its tag explanations become
  :data:`EXPLICACAO_REMOVIDA`.
- Classification bookkeeping: a lease is broken (a worker classifying the comment right now can no
  longer store a result, which could quote the text: results are written only while the lease is
  held); a comment that was never classified becomes ``falhou`` with :data:`ERRO_SEM_TEXTO` (there
  is nothing left to classify), one that was becomes ``classificado``; ``ultimo_erro`` (which may
  quote a model answer) is cleared.
- Learned models trained on the comment (``repositories.models.forget_comments``) lose their
  artefact: their text vectorisers hold the training texts' n-grams. An active one is retired, so
  the classifier answers with the rules until ``train_classifier`` trains a new model without it.
- The append-only trigger of ``classificacoes``/``classificacao_tags`` lets these statements
  through only because the transaction did ``SET LOCAL alumusic.apagamento = 'on'``
  (migration 0008). ``erase`` switches it back off before returning, so the rest of the caller's
  transaction is append-only again.
- One ``apagamentos`` row records who (autor), through what (origem), why (motivo), the criteria
  (ids / fonte / antes: never the text) and how many comments were erased.

Idempotent: a comment already erased is not touched again; erasing it twice erases 0 the second
time. **Every call is recorded**, even with ``quantidade = 0``: a data subject's request is an
auditable event whether or not something was left to erase (a repeated request, unknown ids). A
comment whose text the retention policy already removed is still erased (its history and tag
explanations go, its marker changes to the erasure one).

``apply_retention`` (the daily DAG ``aplicar_retencao``, policy ``RETENCAO_TEXTO_DIAS``): comments
received more than ``dias`` days ago whose text is still there get :data:`MARCADOR_RETENCAO`,
``dados_pessoais = []`` and ``texto_removido_por = 'retencao'``; learned models trained on them lose
their artefact, as on an erasure (training leaves out texts about to age out,
``pipeline.model_runs.training_cutoff``, so the active model is normally replaced first). Classifications, history and tag
codes are **kept** (the charts and summaries of past weeks stay true, and the history stays
auditable); tag explanations of every classification of those comments are replaced by
:data:`EXPLICACAO_REMOVIDA`, because they may quote the removed text. It works in batches of
``lote`` rows (5,000 by default), **committing after each one**: a first run over millions of old
rows never holds one giant transaction, its locks or its WAL, and a run that dies keeps what it
committed (the next run continues). Rows locked by someone else (an erasure in progress) are
skipped and left for the next run. One ``apagamentos`` row per run that removed something
(origem and autor ``retencao``, criterio ``{"dias": n, "antes": cutoff}``), inserted with the first
batch and its ``quantidade`` increased with each further batch, so the audit matches what is
committed at every moment. A run with nothing to do writes nothing (a daily no-op would only flood
the audit table; Airflow keeps the run history). Idempotent: a second run touches 0 rows.

Not covered here (physical copies): old row versions stay in the table files until VACUUM
(autovacuum runs on ``comentarios`` after 2 % of changes, migration 0006), and in WAL archives
and backups until they rotate out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from alumusic.domain.quotes import quoted_forms
from alumusic.repositories import models
from alumusic.repositories.literals import CLASSIFICADO, FALHOU

MARCADOR_APAGADO = "[comentário apagado]"
MARCADOR_RETENCAO = "[texto removido pela política de retenção]"
EXPLICACAO_REMOVIDA = "removida com o texto"
ERRO_SEM_TEXTO = "texto removido antes da classificação: o comentário não será classificado"

ORIGENS = ("api", "painel", "cli", "retencao")
POR_APAGAMENTO, POR_RETENCAO = "apagamento", "retencao"
LOTE = 5000
MAX_MOTIVO = 500

_ENABLE = sa.text("SELECT set_config('alumusic.apagamento', 'on', true)")
_DISABLE = sa.text("SELECT set_config('alumusic.apagamento', 'off', true)")

_CRITERIA = """
       (CAST(:ids AS uuid[]) IS NULL OR c.id = ANY(CAST(:ids AS uuid[])))
   AND (CAST(:fonte AS text) IS NULL OR c.fonte = CAST(:fonte AS text))
   AND (CAST(:antes AS timestamptz) IS NULL OR c.recebido_em < CAST(:antes AS timestamptz))
"""

# Locked in a stable order (received, id) so two erasures over the same rows cannot deadlock.
_PICK_ERASE = sa.text(
    f"""
    SELECT c.id FROM comentarios c
     WHERE {_CRITERIA}
       AND c.texto_removido_por IS DISTINCT FROM 'apagamento'
     ORDER BY c.recebido_em, c.id
     LIMIT :lote
       FOR UPDATE
    """
)

# Text, personal data and classification bookkeeping of the picked rows (see the module docstring).
_CLEAR_TEXT = sa.text(
    f"""
    UPDATE comentarios c
       SET texto = :marcador,
           dados_pessoais = '[]'::jsonb,
           texto_removido_em = now(),
           texto_removido_por = :por,
           status = CASE WHEN c.classificacao_atual_id IS NULL THEN {FALHOU} ELSE {CLASSIFICADO} END,
           ultimo_erro = CASE WHEN c.classificacao_atual_id IS NULL THEN :erro END,
           lease_dono = NULL,
           lease_ate = NULL
     WHERE c.id = ANY(CAST(:ids AS uuid[]))
    """
)

_DELETE_HISTORY_TAGS = sa.text(
    """
    DELETE FROM classificacao_tags t
     USING classificacoes k, comentarios c
     WHERE t.classificacao_id = k.id
       AND k.comentario_id = c.id
       AND c.id = ANY(CAST(:ids AS uuid[]))
       AND k.id IS DISTINCT FROM c.classificacao_atual_id
    """
)

_DELETE_HISTORY = sa.text(
    """
    DELETE FROM classificacoes k
     USING comentarios c
     WHERE k.comentario_id = c.id
       AND c.id = ANY(CAST(:ids AS uuid[]))
       AND k.id IS DISTINCT FROM c.classificacao_atual_id
    """
)

# Every remaining classification of the comments (erasure: only the current one is left).
_REPLACE_EXPLANATIONS = sa.text(
    """
    UPDATE classificacao_tags t
       SET explicacao = :explicacao
      FROM classificacoes k
     WHERE k.id = t.classificacao_id
       AND k.comentario_id = ANY(CAST(:ids AS uuid[]))
       AND t.explicacao <> :explicacao
    """
)

_AUDIT = sa.text(
    """
    INSERT INTO apagamentos (autor, origem, motivo, criterio, quantidade)
    VALUES (:autor, :origem, :motivo, CAST(:criterio AS jsonb), :quantidade)
    RETURNING id
    """
)
_AUDIT_ADD = sa.text("UPDATE apagamentos SET quantidade = quantidade + :n WHERE id = :id")

_STATE = sa.text("SELECT coalesce(texto_removido_por, 'mantido') FROM comentarios WHERE id = CAST(:id AS uuid) FOR UPDATE")

_COUNT = sa.text(
    f"SELECT count(*) FROM comentarios c WHERE {_CRITERIA} AND c.texto_removido_por IS DISTINCT FROM 'apagamento'"
)

# The partial index comentarios_texto_mantido_idx (0008) serves this: old rows still holding text.
_PICK_RETENTION = sa.text(
    """
    SELECT c.id FROM comentarios c
     WHERE c.recebido_em < :antes AND c.texto_removido_em IS NULL
     ORDER BY c.recebido_em
     LIMIT :lote
       FOR UPDATE SKIP LOCKED
    """
)

_RETENTION_CUTOFF = sa.text("SELECT now() - make_interval(days => :dias)")

MOTIVO_RETENCAO = "política de retenção: texto recebido há mais de {dias} dias"


def erase(
    conn: sa.Connection,
    *,
    ids: Iterable[UUID | str] | None = None,
    fonte: str | None = None,
    antes: datetime | None = None,
    autor: str,
    origem: str,
    motivo: str,
    lote: int = LOTE,
) -> int:
    """Erase the text of the matching comments (see the module docstring); returns how many.

    Criteria combine with AND: ``ids`` (these comments), ``fonte`` (this source), ``antes``
    (received before this instant, timezone-aware). At least one is required. Runs in the
    caller's transaction (pass a connection from ``engine.begin()``); ``lote`` only bounds the
    size of each statement. Raises ValueError (pt-BR message) on bad arguments, before writing.
    """
    criterio = _criteria(ids, fonte, antes)
    autor, motivo = _required(autor, "autor"), _required(motivo, "motivo")
    if len(motivo) > MAX_MOTIVO:
        raise ValueError(f"motivo com {len(motivo)} caracteres; o máximo é {MAX_MOTIVO}")
    if origem not in ORIGENS:
        raise ValueError(f"origem inválida: {origem!r} (use uma de {', '.join(ORIGENS)})")
    if lote < 1:
        raise ValueError(f"lote deve ser >= 1, recebido {lote!r}")
    params = _criteria_params(criterio)

    # On an error the caller rolls back, which also undoes this SET LOCAL (savepoints included).
    conn.execute(_ENABLE)
    total = 0
    while True:
        picked = [str(i) for i in conn.execute(_PICK_ERASE, {**params, "lote": lote}).scalars()]
        if not picked:
            break
        _scrub_quotes(conn, picked)
        models.forget_comments(conn, picked, POR_APAGAMENTO)  # before the history (old models) goes
        conn.execute(_CLEAR_TEXT, {"ids": picked, "marcador": MARCADOR_APAGADO, "por": POR_APAGAMENTO,
                                   "erro": ERRO_SEM_TEXTO})
        conn.execute(_DELETE_HISTORY_TAGS, {"ids": picked})
        conn.execute(_DELETE_HISTORY, {"ids": picked})
        conn.execute(_REPLACE_EXPLANATIONS, {"ids": picked, "explicacao": EXPLICACAO_REMOVIDA})
        total += len(picked)
        if len(picked) < lote:
            break
    conn.execute(_DISABLE)
    conn.execute(_AUDIT, {"autor": autor, "origem": origem, "motivo": motivo,
                          "criterio": json.dumps(criterio, ensure_ascii=False), "quantidade": total})
    return total


# Quotes shorter than this are left alone: a short text ("Que show!") also occurs in summaries that
# never quoted it, and replacing it there would rewrite what the summary said of other comments.
MIN_QUOTE_CHARS = 20
_TEXTS = sa.text("SELECT texto FROM comentarios WHERE id = ANY(CAST(:ids AS uuid[])) AND texto_removido_em IS NULL")
_SCRUB_SUMMARIES = sa.text(
    """
    UPDATE resumos_semanais
       SET texto = replace(texto, :q, :m), estatisticas = CAST(replace(estatisticas::text, :qj, :mj) AS jsonb)
     WHERE strpos(texto, :q) > 0 OR strpos(estatisticas::text, :qj) > 0
    """
)
_SCRUB_ANSWERS = sa.text("UPDATE insights_perguntas SET resposta = replace(resposta, :q, :m) WHERE strpos(resposta, :q) > 0")


def _scrub_quotes(conn: sa.Connection, ids: list[str]) -> None:
    """Replace verbatim quotes of the erased texts in stored summaries and answers by the marker.

    Summaries quote comments as the prompt's sample showed them (masked, whitespace-collapsed,
    maybe cut: ``alumusic.domain.quotes``), so those forms are looked for. A paraphrase cannot be
    found this way; it carries no personal data (masked before the LLM saw it).
    """
    for (texto,) in conn.execute(_TEXTS, {"ids": ids}).all():
        for quote in sorted(quoted_forms(texto), key=len, reverse=True):
            if len(quote) < MIN_QUOTE_CHARS:
                continue
            marker, quote_json, marker_json = MARCADOR_APAGADO, json.dumps(quote, ensure_ascii=False)[1:-1], \
                json.dumps(MARCADOR_APAGADO, ensure_ascii=False)[1:-1]
            conn.execute(_SCRUB_SUMMARIES, {"q": quote, "m": marker, "qj": quote_json, "mj": marker_json})
            conn.execute(_SCRUB_ANSWERS, {"q": quote, "m": marker})


def count_erasable(
    conn: sa.Connection,
    *,
    ids: Iterable[UUID | str] | None = None,
    fonte: str | None = None,
    antes: datetime | None = None,
) -> int:
    """How many comments ``erase`` with these criteria would erase now (for a confirmation prompt)."""
    return conn.execute(_COUNT, _criteria_params(_criteria(ids, fonte, antes))).scalar_one()


def text_state(conn: sa.Connection, comment_id: UUID | str) -> str | None:
    """``'mantido'`` (text still there), ``'apagamento'``, ``'retencao'``, or None for an unknown id.

    Locks the row until the transaction ends (``FOR UPDATE``), so an ``erase`` that follows in the
    same transaction acts on exactly the state seen here.
    """
    return conn.execute(_STATE, {"id": str(comment_id)}).scalar()


def apply_retention(
    conn: sa.Connection, dias: int, *, lote: int = LOTE, agora: datetime | None = None
) -> int:
    """Remove the text of comments received more than ``dias`` days ago; returns how many.

    Commits after every batch of ``lote`` rows, so pass a connection with no transaction in
    progress (``engine.connect()``, not ``engine.begin()``). ``agora`` (timezone-aware) replaces
    the database's ``now()`` as the reference instant (tests, backfills).
    """
    if isinstance(dias, bool) or not isinstance(dias, int) or dias < 1:
        raise ValueError(f"dias deve ser um inteiro >= 1, recebido {dias!r}")
    if lote < 1:
        raise ValueError(f"lote deve ser >= 1, recebido {lote!r}")
    if agora is not None and agora.tzinfo is None:
        raise ValueError("agora precisa de fuso horário")
    if conn.in_transaction():
        raise RuntimeError("apply_retention confirma cada lote: passe uma conexão sem transação em andamento "
                           "(engine.connect(), não engine.begin())")

    # One cutoff for the whole run: rows crossing it while the run goes wait for tomorrow's.
    if agora is not None:
        antes = agora - timedelta(days=dias)
    else:
        antes = conn.execute(_RETENTION_CUTOFF, {"dias": dias}).scalar_one()
        conn.commit()
    criterio = {"dias": dias, "antes": antes.isoformat()}
    audit_id: int | None = None
    total = 0
    try:
        while True:
            conn.execute(_ENABLE)  # SET LOCAL: one transaction per batch
            picked = [str(i) for i in conn.execute(_PICK_RETENTION, {"antes": antes, "lote": lote}).scalars()]
            if not picked:
                conn.commit()
                break
            models.forget_comments(conn, picked, POR_RETENCAO)
            conn.execute(_CLEAR_TEXT, {"ids": picked, "marcador": MARCADOR_RETENCAO, "por": POR_RETENCAO,
                                       "erro": ERRO_SEM_TEXTO})
            conn.execute(_REPLACE_EXPLANATIONS, {"ids": picked, "explicacao": EXPLICACAO_REMOVIDA})
            if audit_id is None:
                audit_id = conn.execute(_AUDIT, {
                    "autor": POR_RETENCAO, "origem": "retencao", "motivo": MOTIVO_RETENCAO.format(dias=dias),
                    "criterio": json.dumps(criterio), "quantidade": len(picked)}).scalar_one()
            else:
                conn.execute(_AUDIT_ADD, {"id": audit_id, "n": len(picked)})
            conn.commit()
            total += len(picked)
            if len(picked) < lote:
                break
    except BaseException:
        conn.rollback()
        raise
    return total


# --- helpers -----------------------------------------------------------------------------------
def _required(value: object, name: str) -> str:
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValueError(f"{name} é obrigatório num apagamento")
    return text


def _criteria(ids, fonte, antes) -> dict:
    """The criteria as stored in ``apagamentos.criterio`` (JSON-ready; keys always present)."""
    parsed_ids = None
    if ids is not None:
        if isinstance(ids, str | UUID):
            ids = [ids]
        try:
            parsed_ids = sorted({str(UUID(str(i))) for i in ids})
        except ValueError:
            raise ValueError("id de comentário inválido: use UUIDs") from None
        if not parsed_ids:
            raise ValueError("lista de ids vazia: informe ao menos um id")
    if fonte is not None:
        fonte = str(fonte).strip()
        if not fonte:
            raise ValueError("fonte vazia: informe o nome da fonte")
    if antes is not None:
        if not isinstance(antes, datetime):
            raise ValueError("antes deve ser uma data e hora")
        if antes.tzinfo is None:
            raise ValueError("antes precisa de fuso horário")
    if parsed_ids is None and fonte is None and antes is None:
        raise ValueError("informe ao menos um critério de apagamento: ids, fonte ou antes")
    return {"ids": parsed_ids, "fonte": fonte, "antes": antes.isoformat() if antes else None}


def _criteria_params(criterio: dict) -> dict:
    return {"ids": criterio["ids"], "fonte": criterio["fonte"],
            "antes": datetime.fromisoformat(criterio["antes"]) if criterio["antes"] else None}
