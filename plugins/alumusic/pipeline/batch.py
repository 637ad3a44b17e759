"""One batch: claim, classify with bounded concurrency, store every outcome.

Outcomes are stored chunk by chunk (``concorrencia * 4`` comments), each chunk in one
transaction while the next chunk is being classified, so results show up early, the LLM does not
wait for the database, and the lease is renewed while the batch is alive. A result
is written only if the comment is still leased to this batch; an error never becomes a label:
it counts an attempt and the comment goes back to the queue, or to 'falhou' on the last attempt
(a comment that already has a classification keeps it). If a whole chunk fails because the
backend is unreachable, the untried rest of the batch is released without counting attempts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from alumusic.classification.contract import (
    BackendUnavailableError,
    Classification,
    ClassificationError,
    Classifier,
    InvalidAnswerError,
    Outcome,
)
from alumusic.pipeline import claims
from alumusic.pipeline.run_plan import RunPlan
from alumusic.pipeline.stats import BatchStats
from alumusic.repositories import classifications as repo

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 1000

ClassifierFactory = Callable[[list[str]], Classifier]  # active tag codes -> classifier

_MARK_CLASSIFIED = sa.text(
    """
    UPDATE comentarios SET status = 'classificado', ultimo_erro = NULL, lease_dono = NULL, lease_ate = NULL
     WHERE id = ANY(CAST(:ids AS uuid[])) AND lease_dono = :dono AND status = 'processando'
    RETURNING id::text
    """
)

_MARK_ERROR = sa.text(
    """
    UPDATE comentarios c
       SET tentativas = c.tentativas + CASE WHEN c.classificacao_atual_id IS NULL THEN 1 ELSE 0 END,
           status = CASE WHEN c.classificacao_atual_id IS NOT NULL THEN 'classificado'
                         WHEN c.tentativas + 1 >= :max_tentativas THEN 'falhou'
                         ELSE 'pendente' END,
           ultimo_erro = e.erro, lease_dono = NULL, lease_ate = NULL
      FROM unnest(CAST(:ids AS uuid[]), CAST(:erros AS text[])) AS e(id, erro)
     WHERE c.id = e.id AND c.lease_dono = :dono AND c.status = 'processando'
    RETURNING c.status, (c.classificacao_atual_id IS NOT NULL) AS mantido
    """
)


def scope_of(plan: RunPlan) -> claims.Scope:
    return claims.Scope(desde=plan.desde, ate=plan.ate, versao=plan.versao if plan.reclassificar else None)


def run_batch(engine: sa.Engine, plan: RunPlan, dono: str, make_classifier: ClassifierFactory) -> BatchStats:
    """Claim one batch for ``dono`` and classify it; never raises for a bad comment."""
    started = time.perf_counter()
    stats = BatchStats()
    with engine.begin() as conn:
        items = claims.claim_batch(conn, scope_of(plan), dono, plan.tamanho_lote, plan.lease_segundos)
        codes = repo.known_tag_codes(conn)
    stats.reivindicados = len(items)
    if not items:
        stats.segundos = time.perf_counter() - started
        return stats

    try:
        classifier = make_classifier(sorted(codes))
    except ClassificationError as exc:  # e.g. the model is missing: every comment gets the error
        log.warning("classificador indisponível para %s: %s", dono, exc)
        with engine.begin() as conn:
            store_outcomes(conn, dono, [Outcome(cid, error=exc) for cid, _ in items], codes,
                           plan.max_tentativas, stats)
        stats.segundos = time.perf_counter() - started
        return stats

    size = max(1, plan.concorrencia * 4)
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    # The next chunk is classified while this one is stored, so the LLM never waits for the database.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="next-chunk") as ahead:
        in_flight = ahead.submit(classifier.classify_many, chunks[0], plan.concorrencia)
        for k in range(len(chunks)):
            outcomes = in_flight.result()
            rest = [cid for later in chunks[k + 1:] for cid, _ in later]
            backend_down = all(isinstance(o.error, BackendUnavailableError) for o in outcomes)
            if rest and not backend_down:
                in_flight = ahead.submit(classifier.classify_many, chunks[k + 1], plan.concorrencia)
            with engine.begin() as conn:
                store_outcomes(conn, dono, outcomes, codes, plan.max_tentativas, stats)
                if rest and backend_down:
                    released = claims.release(conn, dono, rest)
                    stats.ignorados += len(rest)
                    log.warning("backend indisponível (%s): %d comentários não tentados devolvidos à fila",
                                outcomes[0].error, len(released))
                    break
                if rest:
                    claims.renew_lease(conn, dono, rest, plan.lease_segundos)
    stats.segundos = time.perf_counter() - started
    return stats


def store_outcomes(
    conn: sa.Connection,
    dono: str,
    outcomes: Sequence[Outcome],
    known_codes: Iterable[str],
    max_tentativas: int,
    stats: BatchStats,
) -> None:
    """Write results and errors of comments still leased to ``dono``; update ``stats``."""
    known = set(known_codes)
    results: dict[str, Classification] = {}
    errors: dict[str, str] = {}
    for outcome in outcomes:
        if outcome.result is not None and outcome.error is None:
            try:
                outcome.result.check_taxonomy(known)  # the taxonomy may have changed mid-batch
                results[outcome.comentario_id] = outcome.result
                continue
            except InvalidAnswerError as exc:
                error: Exception = exc
        else:
            error = outcome.error or ClassificationError("sem resultado")
        errors[outcome.comentario_id] = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]

    if results:
        owned = set(conn.execute(_MARK_CLASSIFIED, {"ids": list(results), "dono": dono}).scalars())
        repo.record_classifications(conn, [(cid, r) for cid, r in results.items() if cid in owned], autor=dono)
        stats.classificados += len(owned)
        stats.ignorados += len(results) - len(owned)
    if errors:
        rows = conn.execute(
            _MARK_ERROR,
            {"ids": list(errors), "erros": list(errors.values()), "dono": dono, "max_tentativas": max_tentativas},
        ).all()
        for status, mantido in rows:
            if mantido:
                stats.mantidos += 1
            elif status == "falhou":
                stats.falharam += 1
            else:
                stats.pendentes += 1
        stats.ignorados += len(errors) - len(rows)
