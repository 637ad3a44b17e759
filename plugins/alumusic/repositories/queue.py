"""The classification queue (``comentarios.status``, ``tentativas`` and the lease): every statement
the pipeline runs on it.

Claims: ``FOR UPDATE SKIP LOCKED`` plus a lease. A claim sets ``status='processando'``,
``lease_dono`` (the batch's owner id: run + batch number) and ``lease_ate``. Overlapping runs skip
rows another transaction holds and never see rows another run has claimed (they are no longer
``pendente``), so no comment is classified twice. Results are stored only while the lease is
still ours (``mark_classified``, ``mark_errors``). A worker that dies leaves its lease to expire;
``recover_expired_leases`` then returns the comment to the queue, counting the attempt.

A failed attempt (an error stored by ``mark_errors``, or a lease that expired) is counted by one
rule, ``_FAILED_ATTEMPT``: a comment that already has a classification keeps it (back to
``classificado``, attempt not counted); otherwise the attempt counts and the comment goes back to
``pendente``, or to ``falhou`` on the last allowed attempt. Failed comments go back to the queue
only when someone asks for it (``reset_failed``).

Statuses come from ``alumusic.domain.Status`` (``literals``). Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from alumusic.domain import Status
from alumusic.repositories.literals import CLASSIFICADO, FALHOU, PENDENTE, PROCESSANDO

ERRO_LEASE = "lease de {dono} expirou sem resultado (tarefa interrompida ou lenta demais)"


@dataclass(frozen=True)
class Scope:
    """Which comments a run may claim."""

    desde: datetime | None = None  # received at >= desde
    ate: datetime | None = None  # received at < ate
    versao: str | None = None  # also classified ones whose current automatic version differs


# Candidates: pending comments, plus (when reclassifying) classified ones whose current
# classification is automatic and of another version. Manual corrections, and the copies of them
# (``labels``), are never candidates.
_CANDIDATE = f"""
    (c.status = {PENDENTE}
     OR (CAST(:versao AS text) IS NOT NULL AND c.status = {CLASSIFICADO}
         AND EXISTS (SELECT 1 FROM classificacoes k
                      WHERE k.id = c.classificacao_atual_id
                        AND k.origem = 'automatica' AND k.classificador <> 'copia'
                        AND k.versao <> CAST(:versao AS text))))
    AND (CAST(:desde AS timestamptz) IS NULL OR c.recebido_em >= CAST(:desde AS timestamptz))
    AND (CAST(:ate AS timestamptz) IS NULL OR c.recebido_em < CAST(:ate AS timestamptz))
    AND c.texto_removido_em IS NULL  -- erased or past retention: its placeholder is not a comment
"""

# A failed attempt on comment ``c`` (see the module docstring): the one retry rule.
_FAILED_ATTEMPT = (
    "tentativas = c.tentativas + CASE WHEN c.classificacao_atual_id IS NULL THEN 1 ELSE 0 END, "
    f"status = CASE WHEN c.classificacao_atual_id IS NOT NULL THEN {CLASSIFICADO} "
    f"WHEN c.tentativas + 1 >= :max_tentativas THEN {FALHOU} ELSE {PENDENTE} END"
)

# Rows ``c`` among :ids still leased to :dono.
_LEASED = f"c.id = ANY(CAST(:ids AS uuid[])) AND c.lease_dono = :dono AND c.status = {PROCESSANDO}"

_COUNT = sa.text(f"SELECT count(*) FROM comentarios c WHERE {_CANDIDATE}")

_CLAIM = sa.text(
    f"""
    WITH alvo AS (
        SELECT c.id FROM comentarios c
         WHERE {_CANDIDATE}
         ORDER BY c.recebido_em
         LIMIT :limite
           FOR UPDATE SKIP LOCKED
    )
    UPDATE comentarios c
       SET status = {PROCESSANDO}, lease_dono = :dono,
           lease_ate = now() + make_interval(secs => :lease)
      FROM alvo
     WHERE c.id = alvo.id
    RETURNING c.id::text, c.texto, c.recebido_em
    """
)

# A retried task (same owner) resumes what it still holds instead of claiming more.
_RESUME = sa.text(
    f"""
    UPDATE comentarios SET lease_ate = now() + make_interval(secs => :lease)
     WHERE lease_dono = :dono AND status = {PROCESSANDO}
    RETURNING id::text, texto, recebido_em
    """
)

_RENEW = sa.text(
    f"""
    UPDATE comentarios c SET lease_ate = now() + make_interval(secs => :lease)
     WHERE {_LEASED}
    RETURNING c.id::text
    """
)

# Without counting an attempt: the comment was never sent to the classifier.
_RELEASE = sa.text(
    f"""
    UPDATE comentarios c
       SET status = CASE WHEN c.classificacao_atual_id IS NULL THEN {PENDENTE} ELSE {CLASSIFICADO} END,
           lease_dono = NULL, lease_ate = NULL
     WHERE {_LEASED}
    RETURNING c.id::text
    """
)

_MARK_CLASSIFIED = sa.text(
    f"""
    UPDATE comentarios c
       SET status = {CLASSIFICADO}, ultimo_erro = NULL, lease_dono = NULL, lease_ate = NULL
     WHERE {_LEASED}
    RETURNING c.id::text
    """
)

_MARK_ERROR = sa.text(
    f"""
    UPDATE comentarios c
       SET {_FAILED_ATTEMPT},
           ultimo_erro = e.erro, lease_dono = NULL, lease_ate = NULL
      FROM unnest(CAST(:ids AS uuid[]), CAST(:erros AS text[])) AS e(id, erro)
     WHERE c.id = e.id AND c.lease_dono = :dono AND c.status = {PROCESSANDO}
    RETURNING c.status, (c.classificacao_atual_id IS NOT NULL) AS mantido
    """
)

# A lost worker's claim counts as a failed attempt (a comment that kills workers must end up
# 'falhou', not loop forever). ``{dono}`` in :erro is replaced by the lost owner's id.
_RECOVER = sa.text(
    f"""
    WITH vencidos AS (
        SELECT id FROM comentarios
         WHERE status = {PROCESSANDO} AND lease_ate < now()
         ORDER BY lease_ate
         LIMIT :limite
           FOR UPDATE SKIP LOCKED
    )
    UPDATE comentarios c
       SET {_FAILED_ATTEMPT},
           ultimo_erro = replace(:erro, '{{dono}}', coalesce(c.lease_dono, '?')),
           lease_dono = NULL, lease_ate = NULL
      FROM vencidos
     WHERE c.id = vencidos.id
    RETURNING c.status
    """
)

# The last error stays in ``ultimo_erro`` for reference; the attempt counter starts again.
_RESET_FAILED = sa.text(
    f"""
    UPDATE comentarios SET status = {PENDENTE}, tentativas = 0
     WHERE status = {FALHOU}
       AND (CAST(:desde AS timestamptz) IS NULL OR recebido_em >= CAST(:desde AS timestamptz))
       AND (CAST(:ate AS timestamptz) IS NULL OR recebido_em < CAST(:ate AS timestamptz))
       AND texto_removido_em IS NULL
    """
)


def _scope_params(scope: Scope) -> dict:
    return {"desde": scope.desde, "ate": scope.ate, "versao": scope.versao}


def count_candidates(conn: sa.Connection, scope: Scope) -> int:
    return conn.execute(_COUNT, _scope_params(scope)).scalar_one()


def claim_batch(
    conn: sa.Connection, scope: Scope, dono: str, limite: int, lease_segundos: int
) -> list[tuple[str, str]]:
    """Claim up to ``limite`` comments for ``dono``; returns ``(id, texto)``, oldest first.

    If ``dono`` already holds comments (a retried task), those are returned instead.
    Commit promptly: the row locks are held until the transaction ends.
    """
    rows = conn.execute(_RESUME, {"dono": dono, "lease": lease_segundos}).all()
    if not rows:
        rows = conn.execute(
            _CLAIM, _scope_params(scope) | {"dono": dono, "limite": limite, "lease": lease_segundos}
        ).all()
    return [(r[0], r[1]) for r in sorted(rows, key=lambda r: r[2])]


def renew_lease(conn: sa.Connection, dono: str, ids: list[str], lease_segundos: int) -> set[str]:
    """Extend the lease on ``ids``; returns those still held by ``dono``."""
    if not ids:
        return set()
    return set(conn.execute(_RENEW, {"ids": ids, "dono": dono, "lease": lease_segundos}).scalars())


def release(conn: sa.Connection, dono: str, ids: list[str]) -> set[str]:
    """Give back untried comments (no attempt counted); returns those released."""
    if not ids:
        return set()
    return set(conn.execute(_RELEASE, {"ids": ids, "dono": dono}).scalars())


def mark_classified(conn: sa.Connection, dono: str, ids: list[str]) -> set[str]:
    """``classificado`` for the ``ids`` still leased to ``dono``; returns those (store their results)."""
    if not ids:
        return set()
    return set(conn.execute(_MARK_CLASSIFIED, {"ids": ids, "dono": dono}).scalars())


def mark_errors(
    conn: sa.Connection, dono: str, errors: Mapping[str, str], max_tentativas: int
) -> list[tuple[Status, bool]]:
    """Count a failed attempt for each comment id -> error text still leased to ``dono``.

    Returns ``(new status, kept)`` per comment touched, ``kept`` when its previous classification
    stays current; comments no longer leased to ``dono`` are left alone (and not returned).
    """
    if not errors:
        return []
    rows = conn.execute(
        _MARK_ERROR,
        {"ids": list(errors), "erros": list(errors.values()), "dono": dono, "max_tentativas": max_tentativas},
    ).all()
    return [(Status(status), bool(kept)) for status, kept in rows]


def recover_expired_leases(conn: sa.Connection, max_tentativas: int, limite: int = 10_000) -> dict[str, int]:
    """Return comments whose lease expired to the queue; counts by new status."""
    counts: dict[str, int] = {}
    for status in conn.execute(
        _RECOVER, {"max_tentativas": max_tentativas, "limite": limite, "erro": ERRO_LEASE}
    ).scalars():
        counts[status] = counts.get(status, 0) + 1
    return counts


def reset_failed(conn: sa.Connection, desde: datetime | None = None, ate: datetime | None = None) -> int:
    """Failed comments received in [desde, ate) back to 'pendente'; returns how many."""
    return conn.execute(_RESET_FAILED, {"desde": desde, "ate": ate}).rowcount
