"""The three steps of a ``classify_comments`` run, callable without Airflow (tests, benchmarks).

1. ``prepare``: resolve the backend once for the whole run, put failed comments back if asked,
   return expired leases to the queue, count the candidates and size the fan-out (batch owners)
   from the backlog and the LLM's measured capacity (``run_plan.batches_for``).
2. ``classify``: one mapped task = one batch owner: claim (lazily, when the task starts, so no
   lease ages while the task waits for a pool slot) and classify.
3. ``summarize``: totals for the log and the asset event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa

from alumusic.classification.contract import Classifier
from alumusic.classification.factory import get_classifier
from alumusic.domain import Taxonomy, describe
from alumusic.llm.backend import OLLAMA, resolve_backend
from alumusic.metrics import LLM_CALLS
from alumusic.pipeline import model_runs
from alumusic.pipeline.batch import run_batch, scope_of
from alumusic.pipeline.run_plan import CAPACITY_WINDOW_S, RunPlan, batches_for, capacity_per_s
from alumusic.pipeline.stats import BatchStats
from alumusic.repositories import classifications, labels, queue, status, taxonomy
from alumusic.settings import Settings, get_settings

log = logging.getLogger(__name__)


def concrete_backend(backend: str | None, settings: Settings | None = None) -> str:
    """'ollama' or 'offline' for a run's ``backend`` param (None: LLM_BACKEND; auto: probe)."""
    return resolve_backend(settings or get_settings(), backend)


def current_taxonomy(engine: sa.Engine, codes: Iterable[str] | None = None) -> Taxonomy:
    """The active taxonomy, described for prompts (restricted to ``codes`` when given)."""
    with engine.connect() as conn:
        tags = taxonomy.active_tags(conn)
    wanted = None if codes is None else set(codes)
    return describe(t for t in tags if wanted is None or t.codigo in wanted)


def make_classifier(plan: RunPlan, known: Taxonomy, engine: sa.Engine | None = None) -> Classifier:
    """The run's classifier over ``known``; with ``engine``, what curators taught it: the offline
    backend's active model, and the Ollama prompt's examples (the most similar labels)."""
    if engine is None:
        return get_classifier(plan.backend, plan.modelo, taxonomy=known)
    if plan.backend == OLLAMA:
        with engine.connect() as conn:
            versao_taxonomia = taxonomy.version(conn)  # curators' decisions on proposals change it
        return get_classifier(plan.backend, plan.modelo, taxonomy=known, examples=_examples_from(engine),
                              versao_taxonomia=versao_taxonomia)
    return get_classifier(plan.backend, plan.modelo, taxonomy=known, learned=model_runs.active_layer(engine))


def _examples_from(engine: sa.Engine):
    count = get_settings().exemplos_prompt

    def examples(texto: str) -> list[labels.Label]:
        if count == 0:
            return []
        with engine.connect() as conn:
            return labels.similar_labels(conn, texto, count)

    return examples


def prepare(engine: sa.Engine, plan: RunPlan, run_id: str) -> tuple[RunPlan, list[str]]:
    """Finish the plan (concrete backend, classifier version) and return the batch owners."""
    backend = concrete_backend(plan.backend)
    plan = plan.with_backend(backend)
    if plan.reclassificar:
        # Reclassification compares versions, so the run must know the classifier's own.
        plan = plan.with_backend(backend, versao=make_classifier(plan, current_taxonomy(engine), engine).provenance.versao)

    with engine.begin() as conn:
        if plan.reprocessar_falhas:
            reset = queue.reset_failed(conn, plan.desde, plan.ate)
            log.info("reprocessar_falhas: %d comentários com falha voltaram para a fila", reset)
        recovered = queue.recover_expired_leases(conn, plan.max_tentativas)
        if recovered:
            log.warning("leases expirados recuperados: %s", recovered)
        candidates = queue.count_candidates(conn, scope_of(plan))
        capacity = _capacity(conn, plan) if plan.horizonte_s else None
    batches = batches_for(plan, candidates, capacity)
    log.info("plano: %s; versão=%s; capacidade=%s; %d candidatos -> %d lotes", plan.describe(),
             plan.versao or "-", f"{capacity:.1f} comentários/s" if capacity else "desconhecida", candidates, batches)
    return plan, [f"{run_id}/lote-{i:04d}" for i in range(batches)]


def _capacity(conn: sa.Connection, plan: RunPlan) -> float | None:
    """What the run's classifier served lately, in comments/s (None: too few recent results)."""
    modelo = (plan.modelo or get_settings().ollama_model) if plan.backend == OLLAMA else None
    mean_ms, samples = classifications.recent_latency(conn, plan.backend or OLLAMA, modelo,
                                                      janela_s=CAPACITY_WINDOW_S)
    return capacity_per_s(plan, mean_ms, samples)


def classify(engine: sa.Engine, plan: RunPlan, dono: str) -> BatchStats:
    stats = run_batch(engine, plan, dono, lambda codes: make_classifier(plan, current_taxonomy(engine, codes), engine))
    log.info("%s: %s", dono, stats.summary())
    record_observations(engine, stats)
    return stats


def record_observations(engine: sa.Engine, stats: BatchStats) -> None:
    """Add a batch's outcomes (per minute) and this process's Ollama calls (per host) to the tables
    the status page, the failure-rate alarm and /metrics read. Never fails the batch."""
    calls = LLM_CALLS.drain()
    try:
        with engine.begin() as conn:
            status.add_activity(conn, classificados=stats.classificados + stats.copiados,
                                erros=stats.pendentes + stats.falharam + stats.mantidos, falharam=stats.falharam)
            status.add_host_calls(conn, calls)
    except sa.exc.SQLAlchemyError as exc:  # observability must not turn a stored batch into a failed task
        log.warning("atividade do lote não registrada: %s", type(exc).__name__)


def summarize(results: Iterable[dict | BatchStats], wall_seconds: float | None = None) -> BatchStats:
    total = BatchStats()
    for item in results:
        total = total + (item if isinstance(item, BatchStats) else BatchStats.from_dict(item))
    if wall_seconds is not None:
        total.segundos = wall_seconds  # run throughput = classified per second of the whole run
    return total
