"""One batch: claim, classify with bounded concurrency, store every outcome.

Outcomes are stored as they finish, ``concorrencia * 4`` at a time, each group in one transaction
while the classifier's pool goes on with the rest (``classify_stream``), so results show up early,
the LLM never waits for the database nor for the slowest call of a chunk, and the lease is renewed
while the batch is alive (every quarter of the lease). A result
is written only if the comment is still leased to this batch; an error never becomes a label:
it counts an attempt and the comment goes back to the queue, or to 'falhou' on the last attempt
(a comment that already has a classification keeps it). If a whole chunk fails because the
backend is unreachable, the untried rest of the batch is released without counting attempts.

This module orchestrates; the statements on the queue (claims, leases, attempts) are in
``alumusic.repositories.queue``, the stored classifications in ``repositories.classifications``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence

import sqlalchemy as sa

from alumusic.classification.contract import Classifier
from alumusic.domain import (
    BackendUnavailableError,
    Classification,
    ClassificationError,
    InvalidAnswerError,
    Outcome,
    Status,
    TagProposal,
)
from alumusic.domain import proposals as proposal_rules
from alumusic.pipeline.run_plan import RunPlan
from alumusic.pipeline.stats import BatchStats
from alumusic.repositories import classifications, labels, queue, tag_proposals, taxonomy

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 1000

ClassifierFactory = Callable[[list[str]], Classifier]  # active tag codes -> classifier


def scope_of(plan: RunPlan) -> queue.Scope:
    return queue.Scope(desde=plan.desde, ate=plan.ate, versao=plan.versao if plan.reclassificar else None)


def run_batch(engine: sa.Engine, plan: RunPlan, dono: str, make_classifier: ClassifierFactory) -> BatchStats:
    """Claim one batch for ``dono`` and classify it; never raises for a bad comment."""
    started = time.perf_counter()
    stats = BatchStats()
    with engine.begin() as conn:
        labels.share_copy_gate(conn)  # before the claim's row locks, as labelling takes it before its own
        items = queue.claim_batch(conn, scope_of(plan), dono, plan.tamanho_lote, plan.lease_segundos)
        codes = taxonomy.active_codes(conn)
        items = _take_copied_labels(conn, dono, items, stats)
    stats.reivindicados += len(items)
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
    left = {cid for cid, _ in items}  # claimed, not stored yet
    # Renewing rewrites every row still leased: only once a quarter of the lease has gone by,
    # not after every group (at 1,000 a batch that was ~15 row updates per comment classified).
    renew_every, renewed = plan.lease_segundos / 4, time.monotonic()
    group: list[Outcome] = []
    stream = classifier.classify_stream(items, plan.concorrencia)
    try:
        # Stored as they come, ``size`` at a time, while the classifier's pool keeps every slot busy.
        for outcome in stream:
            group.append(outcome)
            if len(group) < min(size, len(left)):
                continue
            left.difference_update(o.comentario_id for o in group)
            backend_down = all(isinstance(o.error, BackendUnavailableError) for o in group)
            if left and backend_down:
                stream.close()  # before the transaction: the calls in flight finish first
            with engine.begin() as conn:
                store_outcomes(conn, dono, group, codes, plan.max_tentativas, stats)
                if left and backend_down:
                    released = queue.release(conn, dono, sorted(left))
                    stats.ignorados += len(left)
                    log.warning("backend indisponível (%s): %d comentários não tentados devolvidos à fila",
                                group[0].error, len(released))
                    break
                if left and time.monotonic() - renewed >= renew_every:
                    queue.renew_lease(conn, dono, sorted(left), plan.lease_segundos)
                    renewed = time.monotonic()
            group = []
    finally:
        stream.close()
    stats.segundos = time.perf_counter() - started
    return stats


def _store_copies(conn: sa.Connection, dono: str, ids: list[str], stats: BatchStats) -> tuple[dict[str, int], set[str]]:
    """Comments of ``ids`` whose text copies a curator's label take that label (those still leased
    to ``dono``); returns ``(sources, owned)``: the label each copy follows, and the copies stored."""
    labels.share_copy_gate(conn)  # a label being written now is waited for, then seen
    sources = labels.copy_sources(conn, ids)
    if not sources:
        return {}, set()
    owned = queue.mark_classified(conn, dono, list(sources))
    labels.record_copies(conn, {cid: src for cid, src in sources.items() if cid in owned}, autor=dono)
    stats.copiados += len(owned)
    return sources, owned


def _take_copied_labels(conn: sa.Connection, dono: str, items: list[tuple[str, str]],
                        stats: BatchStats) -> list[tuple[str, str]]:
    """Comments whose text copies a curator's label take that label instead of a classifier's;
    returns the rest."""
    sources, _ = _store_copies(conn, dono, [cid for cid, _ in items], stats)
    stats.reivindicados += len(sources)
    return [(cid, texto) for cid, texto in items if cid not in sources]


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
        results = _late_copies(conn, dono, results, stats)
    if results:
        owned = queue.mark_classified(conn, dono, list(results))
        items, proposed = _resolve_proposals(conn, [(cid, r) for cid, r in results.items() if cid in owned])
        ids = classifications.record_classifications(conn, items, autor=dono)
        tag_proposals.record_examples(conn, [(ids[k], p) for k, p in proposed])
        stats.classificados += len(owned)
        stats.ignorados += len(results) - len(owned)
    if errors:
        marked = queue.mark_errors(conn, dono, errors, max_tentativas)
        for status, mantido in marked:
            if mantido:
                stats.mantidos += 1
            elif status == Status.FALHOU:
                stats.falharam += 1
            else:
                stats.pendentes += 1
        stats.ignorados += len(errors) - len(marked)


def _late_copies(conn: sa.Connection, dono: str, results: dict[str, Classification],
                 stats: BatchStats) -> dict[str, Classification]:
    """A curator may label a copy of a text while the backend answers for it; the correction's copy
    step leaves comments being classified alone, so they take the label here, instead of the
    backend's answer. Returns the results still to store."""
    sources, owned = _store_copies(conn, dono, list(results), stats)
    stats.ignorados += len(sources) - len(owned)
    return {cid: r for cid, r in results.items() if cid not in sources}


def _resolve_proposals(conn: sa.Connection, items: list[tuple[str, Classification]]
                       ) -> tuple[list[tuple[str, Classification]], list[tuple[int, TagProposal]]]:
    """Proposals curators already decided become tags (``domain.proposals.resolve``); the rest are
    returned as ``(index in items, proposal)`` to be recorded as examples once stored."""
    codes = {p.codigo for _, r in items for p in r.propostas}
    if not codes:
        return items, []
    states, active = tag_proposals.states(conn, codes), taxonomy.active_codes(conn)
    resolved: list[tuple[str, Classification]] = []
    proposed: list[tuple[int, TagProposal]] = []
    for k, (cid, result) in enumerate(items):
        result, remaining = proposal_rules.resolve(result, states, active)
        resolved.append((cid, result))
        proposed += [(k, p) for p in remaining]
    if proposed:
        log.info("tags propostas pelo modelo (aguardam curadoria): %s",
                 ", ".join(sorted({p.codigo for _, p in proposed})))
    return resolved, proposed
