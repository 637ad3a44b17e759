"""DAGs as the tests run them with ``dag.test()``: parsed from ``dags/`` with no import error, the
``llm`` pool in place (make run and compose create it), and optionally no waiting between tries."""

from __future__ import annotations

from datetime import timedelta


def load_dag(name: str, *, retries: int | None = None):
    """The DAG ``name`` from ``dags/<name>.py``; ``retries`` (when given) replaces every task's
    retry policy with that many immediate tries (the real policy waits minutes)."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.pool import Pool

    from alumusic.paths import PROJECT_ROOT

    Pool.create_or_update_pool("llm", slots=2, description="LLM calls", include_deferred=False)
    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / f"{name}.py"), safe_mode=False)
    assert bag.import_errors == {}
    dag = bag.dags[name]
    if retries is not None:
        for task in dag.tasks:
            task.retries, task.retry_delay, task.retry_exponential_backoff = retries, timedelta(0), False
    return dag
