"""
# classify_comments

Classifies listeners' comments (``comentarios``) with the LLM (Ollama) or the offline classifier
and appends the results to ``classificacoes`` (history is never overwritten).

**Every run** (every `CLASSIFY_SCHEDULE_MINUTES` minutes, default 2):

1. `planejar` — validates the params, picks the backend once for the run, puts failed comments
   back in the queue if `reprocessar_falhas`, returns comments whose lease expired (a worker
   died) to the queue, counts the work and sizes the fan-out in batches of `CLASSIFY_BATCH_SIZE`:
   the backlog, up to what the LLM serves in `CLASSIFY_RUN_INTERVALS` (1.25) schedule intervals
   (`LLM_POOL_SLOTS × LLM_CONCURRENCY` calls in flight / the mean latency of this classifier's
   newest 500 results of the last day), so a large import drains at the LLM's rate; while that
   capacity is unknown (no recent result), at most `CLASSIFY_MAX_BATCHES` batches. A run that
   plans a little more than one interval overlaps the next one only briefly (its last batches
   and the next run's first share the pool; claims skip what another run holds).
2. `classificar` — one mapped task per batch, in the Airflow pool **`llm`** (size it to what
   Ollama can serve: `LLM_POOL_SLOTS`). Each task claims its batch with
   `FOR UPDATE SKIP LOCKED` and a lease (`status='processando'`, `lease_dono`, `lease_ate`), so
   overlapping runs (scheduled, manual, backfill) never classify the same comment twice, then
   classifies up to `LLM_CONCURRENCY` comments at a time. A bad comment never fails its batch:
   its attempt and error go to `tentativas` / `ultimo_erro`; it returns to `pendente` and, after
   `CLASSIFY_MAX_ATTEMPTS` attempts, becomes `falhou` (visible in the API and dashboard).
3. `relatar` — totals and throughput in the log; emits the asset `alumusic://classificacoes`
   when classifications changed (skipped otherwise).
4. `anunciar_correcoes` — emits `alumusic://correcoes` (which schedules `train_classifier`) when
   at least `TREINO_MIN_ROTULOS_NOVOS` curator labels arrived since the last trained model.

Comments whose text copies one a curator labelled (the same text pasted elsewhere) take that label
(classificador `copia`) instead of being sent to a classifier.

**Params** (trigger form): `backend` (auto / ollama / offline; empty = `LLM_BACKEND`),
`modelo` (Ollama model for this run), `desde` / `ate` (days, inclusive, São Paulo time:
reclassify comments *received* in that period), `reprocessar_falhas` (retry failed comments),
`tamanho_lote`, `max_lotes`. A param that does not fit (an unknown key such as `max_lote`, a
day outside the years 2000..2100, `desde` after `ate`) fails the run at once, without retries.

**Backfill / rerun**: a run over a past period reclassifies the comments received in it whose
current classification is automatic and came from another classifier version (e.g. the offline
classifier, an older model or prompt, or, for Ollama, an older taxonomy: approving or merging a
tag the model proposed on /dashboard/taxonomia changes the taxonomy version, so a backfill over
the examples' period re-tags them), appending history. Manual corrections are never
replaced. Running it again adds nothing. Either

- trigger with params, e.g. `airflow dags trigger classify_comments -c '{"desde": "2026-11-01",
  "ate": "2026-11-07", "backend": "ollama"}'` (or the UI trigger form) — one run for the period;
- or `airflow backfill create --dag-id classify_comments --from-date 2026-11-01
  --to-date 2026-11-02` — each backfill run covers its own data interval (one run per schedule
  interval, so prefer the params for long periods).

Backfills with `backend` = `auto` fall back to the offline classifier when Ollama is down, which
would replace LLM results: choose `ollama` explicitly for reclassification.

Connections: the product database is the Airflow connection **`alumusic_db`** (postgres
provider, e.g. `AIRFLOW_CONN_ALUMUSIC_DB`); Ollama hosts come from `OLLAMA_HOSTS`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, get_current_context, task

from alumusic.airflow_assets import CLASSIFICACOES, CORRECOES
from alumusic.settings import get_settings

LLM_POOL = "llm"

_settings = get_settings()  # settings only: no database or network access while parsing


@dag(
    dag_id="classify_comments",
    description="Classifica comentários pendentes em micro-lotes (LLM/offline) e reclassifica períodos passados.",
    doc_md=__doc__,
    schedule=timedelta(minutes=_settings.classify_schedule_minutes),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    # Overlapping runs are safe (claims skip what another run holds) and, sized to ~1 interval of
    # LLM work, brief; 4 leaves room for manual and backfill runs beside the scheduled ones.
    max_active_runs=4,
    dagrun_timeout=timedelta(hours=6),
    tags=["alumusic", "classificacao", "llm"],
    default_args={
        "owner": "alumusic-dados",
        "retries": 3,
        "retry_delay": timedelta(seconds=20),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
    },
    params={
        "backend": Param(None, type=["null", "string"], enum=[None, "auto", "ollama", "offline"],
                         title="Backend",
                         description="Classificador desta execução; vazio = LLM_BACKEND da configuração."),
        "modelo": Param(None, type=["null", "string"], maxLength=200, title="Modelo Ollama",
                        description="Modelo Ollama desta execução (ex.: qwen2.5:3b); vazio = OLLAMA_MODEL."),
        "desde": Param(None, type=["null", "string"], format="date", title="Desde (dia)",
                       description="Reclassificar comentários recebidos a partir deste dia (AAAA-MM-DD)."),
        "ate": Param(None, type=["null", "string"], format="date", title="Até (dia, inclusive)",
                     description="Reclassificar comentários recebidos até este dia, inclusive (AAAA-MM-DD)."),
        "reprocessar_falhas": Param(False, type="boolean", title="Reprocessar falhas",
                                    description="Devolve à fila os comentários com status 'falhou' (no período, "
                                                "se houver) antes de classificar."),
        "tamanho_lote": Param(None, type=["null", "integer"], minimum=1, maximum=5000, title="Tamanho do lote",
                              description="Comentários por tarefa mapeada; vazio = CLASSIFY_BATCH_SIZE."),
        "max_lotes": Param(None, type=["null", "integer"], minimum=1, maximum=1000, title="Máximo de lotes",
                           description="Tarefas mapeadas nesta execução; vazio = o que o LLM atende até a "
                                       "próxima execução (CLASSIFY_MAX_BATCHES se a capacidade for "
                                       "desconhecida), ou tudo o que houver no período, numa reclassificação."),
    },
)
def classify_comments():
    @task
    def planejar() -> list[dict]:
        from airflow.sdk.exceptions import AirflowFailException

        from alumusic import airflow_db
        from alumusic.airflow_params import refuse_unknown_conf
        from alumusic.pipeline import runs
        from alumusic.pipeline.run_plan import plan_run

        ctx = get_current_context()
        refuse_unknown_conf(ctx)
        dag_run = ctx["dag_run"]
        interval = (ctx.get("data_interval_start"), ctx.get("data_interval_end"))
        try:
            plan = plan_run(dict(ctx["params"]), get_settings(), run_type=dag_run.run_type, data_interval=interval)
        except (ValueError, OverflowError) as exc:  # bad params: retrying cannot help
            raise AirflowFailException(str(exc)) from exc
        plan, owners = runs.prepare(airflow_db.product_engine(), plan, dag_run.run_id)
        return [{"dono": owner, "plano": plan.to_dict()} for owner in owners]  # one per mapped task

    @task(pool=LLM_POOL, map_index_template="{{ dono }}")
    def classificar(lote: dict) -> dict:
        from alumusic import airflow_db
        from alumusic.pipeline import runs
        from alumusic.pipeline.run_plan import RunPlan

        get_current_context()["dono"] = lote["dono"]  # names the mapped instance in the UI
        plan = RunPlan.from_dict(lote["plano"])
        return runs.classify(airflow_db.product_engine(), plan, lote["dono"]).to_dict()

    @task(outlets=[CLASSIFICACOES])
    def relatar(resultados: list[dict]) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from alumusic.pipeline import runs

        ctx = get_current_context()
        started = ctx["dag_run"].start_date
        wall = (datetime.now(UTC) - started).total_seconds() if started else None
        # Index instead of iterating: iteration probes one XCom past the end (a logged 404).
        lotes = [resultados[i] for i in range(len(resultados))]
        total = runs.summarize(lotes, wall)
        runs.log.info("execução: %d lotes; %s", len(lotes), total.summary())
        if total.classificados + total.copiados == 0:
            raise AirflowSkipException("nenhuma classificação nova: nada a anunciar")
        ctx["outlet_events"][CLASSIFICACOES].extra = total.to_dict()
        return total.to_dict()

    @task(outlets=[CORRECOES])
    def anunciar_correcoes() -> dict:
        """Announce new curator labels to train_classifier once enough arrived since the last model,
        or at once when the active model was emptied because a text it was trained on was removed."""
        from airflow.sdk.exceptions import AirflowSkipException

        from alumusic import airflow_db
        from alumusic.pipeline import model_runs

        engine = airflow_db.product_engine()
        novos = model_runs.new_labels(engine)
        esquecido = model_runs.retrain_needed(engine)
        if novos < get_settings().treino_min_rotulos_novos and not esquecido:
            raise AirflowSkipException(f"{novos} rótulo(s) novo(s) de curadores: ainda não vale retreinar")
        extra = {"rotulos_novos": novos, "modelo_esquecido": esquecido}
        get_current_context()["outlet_events"][CORRECOES].extra = extra
        return extra

    relatar(classificar.expand(lote=planejar()))
    anunciar_correcoes()


classify_comments()
