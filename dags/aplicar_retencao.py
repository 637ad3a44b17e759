"""
# aplicar_retencao

LGPD text retention: every day, removes the raw text of comments received more than
`RETENCAO_TEXTO_DIAS` days ago (`alumusic.repositories.erasure.apply_retention`).

**What changes**: `comentarios.texto` becomes `[texto removido pela política de retenção]`,
`dados_pessoais` becomes `[]`, `texto_removido_em` / `texto_removido_por = 'retencao'` are set, and
the tag explanations of those comments' classifications become `removida com o texto` (they may
quote the text). **What stays**: the row (artist, album, dates, source), every classification, the
history and the tag codes, so the report, the weekly views and past summaries keep their numbers.

**Setting**: `RETENCAO_TEXTO_DIAS` (integer >= 1). Unset: the policy is off, the task logs
"retenção desativada" and changes nothing (the run is still green).

**Batches**: 5,000 rows per transaction, committed one by one, so the first run over millions of
old rows never holds one huge transaction; a run that fails keeps the batches it committed and the
retry (or the next day) continues where it stopped. Rows locked by an erasure in progress are
skipped until the next run. Running it twice the same day changes nothing the second time.

**Audit**: each run that removed text writes one `apagamentos` row (origem and autor `retencao`,
criterio `{"dias": n, "antes": cutoff}`, quantidade); runs with nothing to do write none.

Connections: the product database is the Airflow connection **`alumusic_db`** (postgres provider,
e.g. `AIRFLOW_CONN_ALUMUSIC_DB`), as for `classify_comments`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, get_current_context, task

log = logging.getLogger(__name__)


@dag(
    dag_id="aplicar_retencao",
    description="Remove o texto de comentários mais antigos que RETENCAO_TEXTO_DIAS (LGPD); contagens ficam.",
    doc_md=__doc__,
    schedule="@daily",
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=6),
    tags=["alumusic", "lgpd", "retencao"],
    default_args={
        "owner": "alumusic-dados",
        "retries": 3,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
    },
)
def aplicar_retencao():
    @task
    def aplicar() -> dict:
        """Apply the retention policy; returns {"dias", "removidos"} (no text)."""
        from alumusic import airflow_db
        from alumusic.airflow_params import refuse_unknown_conf
        from alumusic.repositories.erasure import apply_retention
        from alumusic.settings import get_settings

        refuse_unknown_conf(get_current_context())  # no params: any conf key (e.g. "dias") is refused
        dias = get_settings().retencao_texto_dias
        if dias is None:
            log.info("retenção desativada (RETENCAO_TEXTO_DIAS não definido): nada a fazer")
            return {"dias": None, "removidos": 0}
        with airflow_db.product_engine().connect() as conn:
            removidos = apply_retention(conn, dias)
        log.info("retenção de %d dias: texto removido de %d comentário(s)", dias, removidos)
        return {"dias": dias, "removidos": removidos}

    aplicar()


aplicar_retencao()
