"""Run params -> scope: validation messages, inclusive days in São Paulo time, backfill intervals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alumusic.pipeline.run_plan import MAX_BATCHES_PER_RUN, RunPlan, plan_run
from alumusic.settings import Settings

SETTINGS = Settings(timezone="America/Sao_Paulo", classify_batch_size=50, classify_max_batches=6,
                    llm_concurrency=5, classify_max_attempts=4, classify_lease_seconds=300)


def test_scheduled_run_works_the_pending_queue_with_settings():
    plan = plan_run({}, SETTINGS, run_type="scheduled",
                    data_interval=(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, 0, 2, tzinfo=UTC)))
    assert not plan.reclassificar and plan.desde is None and plan.ate is None
    assert (plan.tamanho_lote, plan.max_lotes, plan.concorrencia, plan.max_tentativas, plan.lease_segundos) == (
        50, 6, 5, 4, 300)


def test_days_are_inclusive_in_the_product_time_zone():
    plan = plan_run({"desde": "2026-11-01", "ate": "2026-11-03"}, SETTINGS)
    assert plan.reclassificar and plan.max_lotes == MAX_BATCHES_PER_RUN
    assert plan.desde == datetime(2026, 11, 1, 3, tzinfo=UTC)  # 00:00 in São Paulo (UTC-3)
    assert plan.ate == datetime(2026, 11, 4, 3, tzinfo=UTC)


def test_backfill_run_uses_its_data_interval():
    start, end = datetime(2026, 11, 1, 12, tzinfo=UTC), datetime(2026, 11, 1, 12, 2, tzinfo=UTC)
    plan = plan_run({}, SETTINGS, run_type="backfill", data_interval=(start, end))
    assert plan.reclassificar and (plan.desde, plan.ate) == (start, end)
    # Explicit params win over the interval.
    plan = plan_run({"desde": "2026-10-01"}, SETTINGS, run_type="backfill", data_interval=(start, end))
    assert plan.desde == datetime(2026, 10, 1, 3, tzinfo=UTC) and plan.ate is None


def test_backfill_run_type_from_the_task_sdk_enum():
    from airflow.sdk.api.datamodels._generated import DagRunType

    interval = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
    assert plan_run({}, SETTINGS, run_type=DagRunType.BACKFILL, data_interval=interval).reclassificar
    assert not plan_run({}, SETTINGS, run_type=DagRunType.SCHEDULED, data_interval=interval).reclassificar


def test_round_trip_through_xcom_json():
    plan = plan_run({"desde": "2026-11-01", "backend": "ollama", "modelo": "m:1", "tamanho_lote": 9}, SETTINGS)
    plan = plan.with_backend("ollama", versao="ollama:m:1:p1")
    assert RunPlan.from_dict(plan.to_dict()) == plan


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"desde": "2026-11-05", "ate": "2026-11-01"}, "anterior"),
        ({"desde": "05/11/2026"}, "desde inválido"),
        ({"backend": "gpt"}, "backend inválido"),
        ({"backend": "offline", "modelo": "x"}, "modelo só vale"),
        ({"tamanho_lote": 0}, "tamanho_lote"),
        ({"max_lotes": "3"}, "max_lotes"),
    ],
)
def test_invalid_params_are_explained(params, message):
    with pytest.raises(ValueError, match=message):
        plan_run(params, SETTINGS)
