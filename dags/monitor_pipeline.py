"""
# monitor_pipeline

Watches the classification pipeline and tells the operators when it stops moving.

**Every run** (every `MONITOR_SCHEDULE_MINUTES` minutes, default 5):

1. `sondar_ollama` — asks each host of `OLLAMA_HOSTS` for `/api/tags` (5 s timeout): answering,
   model pulled (`OLLAMA_MODEL`), latency. Recorded in `ollama_hosts` (the status page and the
   `alumusic_ollama_host_up` metric read it); hosts no longer configured are dropped. Skipped
   when `LLM_BACKEND=offline`. A host that is down is a result, not a task failure.
2. `verificar_alarmes` — evaluates the pipeline alarms and opens or closes their incidents
   (`incidentes`, one open incident per type):
   - `fila_parada`: the oldest pending comment waited more than `ALARM_PENDING_MAX_AGE_MINUTES`
     (default 30);
   - `falhas_excessivas`: failed attempts / (classified + failed attempts) over the last
     `ALARM_FAILURE_WINDOW_MINUTES` (default 60) above `ALARM_FAILURE_RATE` (default 0.2), with
     at least `ALARM_FAILURE_MIN_ATTEMPTS` attempts (default 20).
   An incident closes by itself at the first run that finds the condition gone.
3. `notificar_operadores` — e-mails each newly opened incident **once** to `OPERATOR_EMAILS`
   through the same Airflow connection as the weekly summary (**`smtp_default`**). An SMTP
   failure is recorded on the incident and the task retries (the next run tries again too);
   no address configured: nothing is sent (logged).

The status page of the dashboard (`/dashboard/status`) shows the open incidents, the queue, the
last run of each DAG, failures by reason, each Ollama host and the last e-mails sent.

Connections: the product database is the Airflow connection **`alumusic_db`**, as for the other DAGs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, get_current_context, task

from alumusic.settings import get_settings

_settings = get_settings()  # settings only: no database or network access while parsing


@dag(
    dag_id="monitor_pipeline",
    description="Sonda os hosts Ollama, abre/fecha alarmes da fila e avisa os operadores por e-mail.",
    doc_md=__doc__,
    schedule=timedelta(minutes=_settings.monitor_schedule_minutes),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=15),
    tags=["alumusic", "observabilidade", "alarmes"],
    default_args={
        "owner": "alumusic-dados",
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=5),
    },
)
def monitor_pipeline():
    @task
    def sondar_ollama() -> list[dict]:
        """Probe every configured Ollama host; returns one result per host (no secrets)."""
        from alumusic import airflow_db
        from alumusic.airflow_params import refuse_unknown_conf
        from alumusic.monitoring.probe import probe_hosts
        from alumusic.settings import get_settings

        refuse_unknown_conf(get_current_context())  # no params: any conf key is refused
        settings = get_settings()
        if settings.llm_backend == "offline":
            return []
        return probe_hosts(airflow_db.product_engine(), settings)

    @task
    def verificar_alarmes() -> dict:
        """Open or close the pipeline alarms' incidents."""
        from alumusic import airflow_db
        from alumusic.monitoring.alarms import check_alarms
        from alumusic.settings import get_settings

        return check_alarms(airflow_db.product_engine(), get_settings())

    @task
    def notificar_operadores(resultado: dict) -> dict:
        """E-mail each open incident not yet notified, once, through smtp_default."""
        from functools import partial

        from alumusic import airflow_db
        from alumusic.monitoring.alarms import notify
        from alumusic.settings import get_settings
        from alumusic.summary import mailer

        settings = get_settings()
        return notify(airflow_db.product_engine(), settings, partial(mailer.send, default_sender=settings.mail_from))

    sondagem = sondar_ollama()
    resultado = verificar_alarmes()
    sondagem >> resultado
    notificar_operadores(resultado)


monitor_pipeline()
