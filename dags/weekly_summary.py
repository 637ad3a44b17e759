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

SETTINGS = get_settings()  # settings only: no database or network access while parsing
TZ = SETTINGS.timezone
# SUMMARY_APPROVAL decides the DAG's shape when it is parsed: with it, a human-in-the-loop task
# stands between building and e-mailing; without it, the two tasks of before, unchanged.
APPROVAL = SETTINGS.summary_approval

# The e-mail's own retries: an SMTP relay that is away is usually back within seconds (a restart), so
# the first retry comes soon; then the backoff doubles up to 30 min. 10 retries span at least ~2 h
# (15 s, 30 s, 1, 2, 4, 8, 16 min, then 30 min; Airflow adds up to 100 % jitter to each delay).
EMAIL_RETRIES = {"retries": 10, "retry_delay": timedelta(seconds=15), "retry_exponential_backoff": 2.0,
                 "max_retry_delay": timedelta(minutes=30)}

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
   Com SMTP fora do ar a tarefa tenta de novo (após ~15 s, depois com backoff até 30 min; cobre
   ~2 h de indisponibilidade) e o resumo gravado não muda; cada tentativa falha fica registrada
   (lista de envios na área de administração). Depois disso: reexecute a semana com `reenviar`.

**Aprovação (opcional, `SUMMARY_APPROVAL=true`)** — entre as duas tarefas entra **approve_summary**
(`ApprovalOperator` do Airflow): quando o e-mail seria enviado, a tarefa fica em *aguardando entrada*
e o resumo (semana, números e texto, com dados pessoais mascarados) aparece em **Ações necessárias**
(*Required Actions*) do Airflow. **Approve** envia o e-mail; **Reject** guarda o resumo sem enviar
(`email_summary` é pulada). Sem resposta em `SUMMARY_APPROVAL_TIMEOUT_HOURS` (padrão 24 h), vale
`SUMMARY_APPROVAL_DEFAULT` (`rejeitar`, padrão, ou `aprovar`). A decisão (quem, quando, se foi por
prazo esgotado) fica em `resumos_semanais` e na lista de envios da administração ("aguardando
aprovação", "rejeitado"). Backfills e semanas já enviadas não pedem aprovação (não seriam enviadas);
`reenviar` pede de novo. Reexecutar a semana substitui o texto e apaga a decisão anterior.
Uma resposta dada segundos após o pedido pode se perder (corrida do Airflow 3.3 ao retomar a tarefa);
a tarefa então pede de novo uma vez (nova tentativa após 10 s).

Banco do produto: a conexão Airflow **`alumusic_db`** (provider postgres), como nas outras DAGs.

**Parâmetros**: `reenviar` (envia o e-mail mesmo se já enviado ou se for backfill), `semana`
(`AAAA-Wnn`, resume essa semana em vez da do intervalo). A semana precisa ter terminado (no fuso
`TIMEZONE`) e estar entre 2000 e 2100: a semana corrente ou uma futura seria gravada vazia ou parcial
(e o Q&A de insights lê a semana mais recente), então a execução falha na hora, sem novas tentativas,
e nada é gravado. Uma chave de conf desconhecida (ex.: `semanas`) também falha a execução.

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
        from alumusic.airflow_params import refuse_unknown_conf
        from alumusic.settings import get_settings
        from alumusic.summary.pipeline import build_and_store, summary_client
        from alumusic.summary.weeks import week_for_run

        ctx = get_current_context()
        refuse_unknown_conf(ctx)
        settings = get_settings()
        try:
            week = week_for_run(ctx["params"].get("semana"), ctx.get("data_interval_start"),
                                ctx["dag_run"].run_after, settings.timezone, now=_now())
        except (ValueError, OverflowError) as exc:  # a bad or unfinished week: retrying cannot help
            raise AirflowFailException(str(exc)) from exc
        ti = ctx["ti"]
        # An LLM outage is retried; only the last try falls back to the offline text.
        last_try = ti.try_number > ti.max_tries
        return build_and_store(airflow_db.product_engine(), week, client=summary_client(settings),
                               num_ctx=settings.ollama_num_ctx, allow_fallback=last_try)

    @task(**EMAIL_RETRIES)
    def email_summary(report: dict) -> dict:
        """E-mail the stored summary when due; records enviado_em."""
        from functools import partial

        from alumusic import airflow_db
        from alumusic.settings import get_settings
        from alumusic.summary import mailer
        from alumusic.summary.pipeline import deliver
        from alumusic.summary.weeks import IsoWeek

        ctx = get_current_context()
        settings = get_settings()
        week = IsoWeek.parse(report["semana"])
        return deliver(airflow_db.product_engine(), week, recipients=settings.summary_recipients,
                       reenviar=bool(ctx["params"].get("reenviar")), automatic=_automatic(ctx, week),
                       send=partial(mailer.send, default_sender=settings.mail_from),
                       public_base_url=settings.public_base_url, approval_required=APPROVAL)

    report = build_summary()
    if APPROVAL:
        # One quick retry asks again: on Airflow 3.3 an answer given within about a second of the
        # request (before the scheduler has processed the parking process's exit) can get the resumed
        # task failed as "state changed externally" (tests/ops/test_summary_approval.py reproduces it).
        gate = SummaryApproval(
            task_id="approve_summary", retries=1, retry_delay=timedelta(seconds=10), retry_exponential_backoff=False,
            subject="Aprovar o resumo semanal",  # replaced by the week's subject when the task runs
            defaults=approval_option(SETTINGS.summary_approval_default),
            response_timeout=timedelta(hours=SETTINGS.summary_approval_timeout_hours))
        report >> gate >> email_summary(report)
    else:
        email_summary(report)


def _now() -> datetime:
    return pendulum.now(TZ)


def _automatic(ctx, week) -> bool:
    """Only the newest complete week is mailed by itself; backfills and older weeks need reenviar."""
    from alumusic.summary.weeks import last_complete_week

    run_type = getattr(ctx["dag_run"].run_type, "value", ctx["dag_run"].run_type)
    return run_type != "backfill" and week == last_complete_week(TZ, _now())


def approval_option(default: str) -> str:
    from alumusic.summary.approval import DEFAULT_OPTION

    return DEFAULT_OPTION[default]


if APPROVAL:
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    class SummaryApproval(ApprovalOperator):
        """Airflow's ApprovalOperator showing the week's stored summary; records the answer in
        resumos_semanais (alumusic.summary.approval). Reject skips email_summary (ApprovalOperator)."""

        def _week(self, context):
            from alumusic.summary.weeks import IsoWeek

            return IsoWeek.parse(context["ti"].xcom_pull(task_ids="build_summary")["semana"])

        def execute(self, context):
            from alumusic import airflow_db
            from alumusic.settings import get_settings
            from alumusic.summary import approval
            from alumusic.summary.message import subject

            week = self._week(context)
            recipients = get_settings().summary_recipients
            if not recipients:  # email_summary will send nothing either
                self.log.warning("SUMMARY_RECIPIENTS is empty: no approval asked for %s", week)
                return None
            stored = approval.request(airflow_db.product_engine(), week,
                                      reenviar=bool(context["params"].get("reenviar")),
                                      automatic=_automatic(context, week))
            if stored is None:  # no e-mail due (backfill, already sent): nothing to approve
                self.log.info("week %s: no e-mail due, no approval asked", week)
                return None
            # Set after template rendering on purpose: the summary text is never rendered as Jinja.
            self.subject = f"Aprovar: {subject(stored)}"
            self.body = approval.body(stored, recipients=recipients,
                                      timeout=self.response_timeout, default=(self.defaults or [None])[0])
            return super().execute(context)

        def execute_complete(self, context, event):
            from alumusic import airflow_db
            from alumusic.summary import approval

            if "error" not in event:  # recorded before ApprovalOperator skips the e-mail on Reject
                week = self._week(context)
                approved = approval.record(airflow_db.product_engine(), week, event)
                self.log.info("week %s: %s by %s%s", week, "approved" if approved else "rejected",
                              (event.get("responded_by_user") or {}).get("name", "-"),
                              " (deadline passed: default applied)" if event.get("timedout") else "")
            return super().execute_complete(context, event)


weekly_summary()
