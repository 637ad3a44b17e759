"""
# train_classifier

Retrains the offline classifier's **learned layer** on curators' labels (corrections and review
confirmations) together with the project's own labelled set, and promotes the new model only when
it is not worse than the current one on labels it never saw.

**When**: whenever `classify_comments` announces new curator labels (the asset
`alumusic://correcoes`, emitted once at least `TREINO_MIN_ROTULOS_NOVOS` labels arrived since the
last trained model, or at once when an erasure or the retention policy emptied the active model
because it was trained on a removed text), and every day at 03:00 (`TIMEZONE`) as a floor.

1. `treinar` — reads every current curator label (`alumusic.repositories.labels`), keeps a fixed
   share out of training (chosen by a hash of the comment id, so a label is always on the same
   side), trains a candidate on the rest plus `evals/dataset.csv`'s rows, and stores it in
   `modelos_classificador` as `candidato` with its version (`m0001`, `m0002`…) and the ids of the
   comments it was trained on (`modelo_treino`), so a later erasure of one of them empties it.
   With a retention policy (`RETENCAO_TEXTO_DIAS`), labels of comments whose text is removed within
   the next 7 days (half the policy, if shorter than two weeks) are left out: the active model holds
   no text that ages out before the next daily run replaces it, so retention does not empty it.
   The candidate and the active model (or the rules alone, when none is active) are scored on the
   held-out labels: accuracy, ECE and error capture (share of the errors inside the lowest-confidence
   20%); both scores are logged and stored with the candidate. With too few held-out labels the
   scores come from the own set in cross-validation, and the stored reason says so.
2. `promover` — the candidate becomes `ativo` (the previous one `aposentado`) only if it is not
   worse; otherwise `recusado`.

A promoted model changes the classifier version (`offline-<regras>+<modelo>`), so a backfill of
`classify_comments` (params `desde`/`ate`) reclassifies with it; manual labels are never replaced.

**Params** (trigger form): `forcar` (promote the candidate even if the gate refuses it: the
refusal's scores stay recorded), `reverter_para` (a version, e.g. `m0003`: make that model active
again instead of training; the rollback is recorded with who and why).

Connections: the product database is the Airflow connection **`alumusic_db`**, as in every DAG.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, get_current_context, task

from alumusic.airflow_assets import CORRECOES
from alumusic.settings import get_settings

log = logging.getLogger(__name__)

TZ = get_settings().timezone  # settings only: no database or network access while parsing


@dag(
    dag_id="train_classifier",
    description="Retreina a camada aprendida do classificador offline com os rótulos dos curadores.",
    doc_md=__doc__,
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 3 * * *", timezone=TZ), assets=[CORRECOES]),
    start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,  # one model at a time: versions are sequential
    dagrun_timeout=timedelta(hours=1),
    tags=["alumusic", "classificacao", "modelo"],
    default_args={
        "owner": "alumusic-dados",
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
    },
    params={
        "forcar": Param(False, type="boolean", title="Forçar promoção",
                        description="Promove o candidato mesmo que seja pior que o modelo atual (fica registrado)."),
        "reverter_para": Param(None, type=["null", "string"], pattern=r"^m[0-9]{4,}$", title="Reverter para",
                               description="Versão (ex.: m0003) a reativar em vez de treinar um novo modelo."),
    },
)
def train_classifier():
    @task
    def treinar() -> dict:
        """Train a candidate, score it and the active model on held-out labels, store it (or roll
        back when ``reverter_para`` is set)."""
        from alumusic import airflow_db
        from alumusic.airflow_params import refuse_unknown_conf
        from alumusic.pipeline import model_runs

        ctx = get_current_context()
        refuse_unknown_conf(ctx)  # an unknown conf key fails the run at once
        engine = airflow_db.product_engine()
        if ctx["params"].get("reverter_para"):
            return model_runs.rollback(engine, ctx["params"]["reverter_para"], por=f"dag:{ctx['dag_run'].run_id}")
        return model_runs.train(engine, retention_days=get_settings().retencao_texto_dias)

    @task
    def promover(treino: dict) -> dict:
        """Promote the candidate the gate passed (or ``forcar``); refuse it otherwise."""
        from alumusic import airflow_db
        from alumusic.pipeline import model_runs

        ctx = get_current_context()
        if treino.get("revertido"):
            return treino
        return model_runs.decide(airflow_db.product_engine(), treino, forcar=bool(ctx["params"].get("forcar")),
                                 por=f"dag:{ctx['dag_run'].run_id}")

    promover(treinar())


train_classifier()
