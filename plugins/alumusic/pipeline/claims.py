"""Claiming comments for classification: ``FOR UPDATE SKIP LOCKED`` plus a lease.

A claim sets ``status='processando'``, ``lease_dono`` (the batch's owner id: run + batch number)
and ``lease_ate``. Overlapping runs skip rows another transaction holds and never see rows another
run has claimed (they are no longer ``pendente``), so no comment is classified twice. Results are
stored only while the lease is still ours (see ``batch``). A worker that dies leaves its lease to
expire; ``recover_expired_leases`` then returns the comment to the queue, counting the attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

ERRO_LEASE = "lease de {dono} expirou sem resultado (tarefa interrompida ou lenta demais)"


@dataclass(frozen=True)
class Scope:
    """Which comments a run may claim."""

    desde: datetime | None = None  # received at >= desde
    ate: datetime | None = None  # received at < ate
    versao: str | None = None  # also classified ones whose current automatic version differs


# Candidates: pending comments, plus (when reclassifying) classified ones whose current
# classification is automatic and of another version. Manual corrections are never candidates.
_CANDIDATE = """
    (c.status = 'pendente'
     OR (CAST(:versao AS text) IS NOT NULL AND c.status = 'classificado'
         AND EXISTS (SELECT 1 FROM classificacoes k
                      WHERE k.id = c.classificacao_atual_id
                        AND k.origem = 'automatica' AND k.versao <> CAST(:versao AS text))))
    AND (CAST(:desde AS timestamptz) IS NULL OR c.recebido_em >= CAST(:desde AS timestamptz))
    AND (CAST(:ate AS timestamptz) IS NULL OR c.recebido_em < CAST(:ate AS timestamptz))
    AND c.texto_removido_em IS NULL  -- erased or past retention: its placeholder is not a comment
"""

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
       SET status = 'processando', lease_dono = :dono,
           lease_ate = now() + make_interval(secs => :lease)
      FROM alvo
     WHERE c.id = alvo.id
    RETURNING c.id::text, c.texto, c.recebido_em
    """
)

# A retried task (same owner) resumes what it still holds instead of claiming more.
_RESUME = sa.text(
    """
    UPDATE comentarios SET lease_ate = now() + make_interval(secs => :lease)
     WHERE lease_dono = :dono AND status = 'processando'
    RETURNING id::text, texto, recebido_em
    """
)

_RENEW = sa.text(
    """
    UPDATE comentarios SET lease_ate = now() + make_interval(secs => :lease)
     WHERE id = ANY(CAST(:ids AS uuid[])) AND lease_dono = :dono AND status = 'processando'
    RETURNING id::text
    """
)

# Without counting an attempt: the comment was never sent to the classifier.
_RELEASE = sa.text(
    """
    UPDATE comentarios
       SET status = CASE WHEN classificacao_atual_id IS NULL THEN 'pendente' ELSE 'classificado' END,
           lease_dono = NULL, lease_ate = NULL
     WHERE id = ANY(CAST(:ids AS uuid[])) AND lease_dono = :dono AND status = 'processando'
    RETURNING id::text
    """
)

# A lost worker's claim counts as a failed attempt (a comment that kills workers must end up
# 'falhou', not loop forever). A comment that already has a classification keeps it.
_RECOVER = sa.text(
    """
    WITH vencidos AS (
        SELECT id FROM comentarios
         WHERE status = 'processando' AND lease_ate < now()
         ORDER BY lease_ate
         LIMIT :limite
           FOR UPDATE SKIP LOCKED
    )
    UPDATE comentarios c
       SET tentativas = c.tentativas + CASE WHEN c.classificacao_atual_id IS NULL THEN 1 ELSE 0 END,
           status = CASE WHEN c.classificacao_atual_id IS NOT NULL THEN 'classificado'
                         WHEN c.tentativas + 1 >= :max_tentativas THEN 'falhou'
                         ELSE 'pendente' END,
           ultimo_erro = replace(:erro, '{dono}', coalesce(c.lease_dono, '?')),
           lease_dono = NULL, lease_ate = NULL
      FROM vencidos
     WHERE c.id = vencidos.id
    RETURNING c.status
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


def recover_expired_leases(conn: sa.Connection, max_tentativas: int, limite: int = 10_000) -> dict[str, int]:
    """Return comments whose lease expired to the queue; counts by new status."""
    counts: dict[str, int] = {}
    for status in conn.execute(
        _RECOVER, {"max_tentativas": max_tentativas, "limite": limite, "erro": ERRO_LEASE}
    ).scalars():
        counts[status] = counts.get(status, 0) + 1
    return counts
