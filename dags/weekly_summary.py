"""Weekly summary of listeners' comments, e-mailed to stakeholders (see doc_md below).

Thin on purpose: every step lives in ``alumusic.summary`` (imported inside the tasks, so parsing
this file touches no database and no network).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from alumusic.settings import get_settings

TZ = get_settings().timezone  # settings only: no database or network access while parsing

DOC = """
### Resumo semanal (`weekly_summary`)

Toda **segunda-feira às 08:00 (fuso `TIMEZONE`, padrão America/Sao_Paulo)** resume a **semana ISO anterior** (o intervalo de
dados da execução; ex.: `2026-W47`).

1. **build_summary** — estatísticas das views `v_semana_*` (volume, mix de categorias, tags, artistas e
   álbuns mais elogiados/criticados, SPAM, variação contra a semana anterior), uma amostra limitada de
   comentários e o texto em pt-BR (LLM; sem LLM, texto offline determinístico marcado como tal). Grava
   em `resumos_semanais` pela semana ISO: **reexecutar substitui** o resumo.
2. **email_summary** — envia HTML + texto pela conexão `smtp_default` para `SUMMARY_RECIPIENTS` e grava
   `enviado_em`. Não envia de novo uma semana já enviada; semanas passadas (backfill) ficam só no banco.
   Com SMTP fora do ar a tarefa tenta de novo (com backoff) e o resumo gravado não muda.

Banco do produto: a conexão Airflow **`alumusic_db`** (provider postgres), como nas outras DAGs.

**Parâmetros**: `reenviar` (envia o e-mail mesmo se já enviado ou se for backfill), `semana`
(`AAAA-Wnn`, resume essa semana em vez da do intervalo).

**Backfill**: `airflow backfill create --dag-id weekly_summary --from-date 2026-10-01 --to-date 2026-11-20`
gera um resumo por segunda-feira do período (cada uma resume a semana que começa nela), sem e-mail
(`--dag-run-conf '{"reenviar": true}'` para enviar; `--reprocess-behavior completed` para refazer semanas).
"""


@dag(
    dag_id="weekly_summary",
    schedule=CronDataIntervalTimetable("0 8 * * 1", timezone=TZ),
    start_date=pendulum.datetime(2026, 1, 5, tz=TZ),
    catchup=False,
    max_active_runs=1,
    doc_md=DOC,
    tags=["alumusic", "resumo", "email", "llm"],
    default_args={
        "owner": "alumusic",
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(minutes=30),
    },
    params={
        "reenviar": Param(False, type="boolean", title="Reenviar e-mail",
                          description="Envia o e-mail mesmo que a semana já tenha sido enviada ou seja um backfill."),
        "semana": Param(None, type=["null", "string"], pattern=r"^\d{4}-W\d{2}$", title="Semana ISO (opcional)",
                        description="Ex.: 2026-W47. Vazio: a semana do intervalo de dados da execução."),
    },
)
def weekly_summary():
    @task
    def build_summary() -> dict:
        """Statistics, text (LLM or offline) and upsert by ISO week."""
        from alumusic import airflow_db
        from alumusic.settings import get_settings
        from alumusic.summary.pipeline import build_and_store, summary_client
        from alumusic.summary.weeks import week_for_run

        ctx = get_current_context()
        settings = get_settings()
        try:
            week = week_for_run(ctx["params"].get("semana"), ctx.get("data_interval_start"),
                                ctx["dag_run"].run_after, settings.timezone)
        except ValueError as exc:  # a bad "semana" param: retrying cannot help
            raise AirflowFailException(str(exc)) from exc
        ti = ctx["ti"]
        # An LLM outage is retried; only the last try falls back to the offline text.
        last_try = ti.try_number > ti.max_tries
        return build_and_store(airflow_db.product_engine(), week, client=summary_client(settings),
                               num_ctx=settings.ollama_num_ctx, allow_fallback=last_try)

    @task
    def email_summary(report: dict) -> dict:
        """E-mail the stored summary when due; records enviado_em."""
        from functools import partial

        from alumusic import airflow_db
        from alumusic.settings import get_settings
        from alumusic.summary import mailer
        from alumusic.summary.pipeline import deliver
        from alumusic.summary.weeks import IsoWeek, last_complete_week

        ctx = get_current_context()
        settings = get_settings()
        week = IsoWeek.parse(report["semana"])
        run_type = getattr(ctx["dag_run"].run_type, "value", ctx["dag_run"].run_type)
        # Only the newest complete week is mailed by itself; backfills and older weeks need reenviar.
        automatic = run_type != "backfill" and week == last_complete_week(settings.timezone, _now())
        return deliver(airflow_db.product_engine(), week, recipients=settings.summary_recipients,
                       reenviar=bool(ctx["params"].get("reenviar")), automatic=automatic,
                       send=partial(mailer.send, default_sender=settings.mail_from))

    email_summary(build_summary())


def _now() -> datetime:
    return pendulum.now(TZ)


weekly_summary()
