"""The environment that points Airflow at this project, for ``make run``, the tests and the benchmarks.

Airflow reads its configuration when it is imported, so callers build this mapping first and put
it in ``os.environ`` (or a child's environment) before anything imports Airflow; this module
imports no Airflow itself.

Time zone: Airflow's ``[core] default_timezone`` is the project's ``TIMEZONE`` setting
(``alumusic.settings``), so naive dates (trigger forms, the CLI, ``logical_date`` parameters) and
the server's default display are in the time zone the weekly summary and the dashboard use.
Airflow 3.3 has no server-side option for the browser UI's time-zone selector: the UI starts in
the browser's own time zone (a user in Brazil sees America/Sao_Paulo) and remembers a choice.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from alumusic.airflow_db import connection_json
from alumusic.paths import PROJECT_ROOT


def airflow_env(home: str | os.PathLike[str], metadata_url: str, product_url: str, *,
                timezone: str | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``AIRFLOW_HOME`` = ``home``, the metadata database at ``metadata_url``, this project's DAGs and
    plugins, no example DAGs, the default time zone ``timezone`` (None: the settings' ``timezone``)
    and the connection ``alumusic_db`` to the product database at ``product_url``; then ``extra``
    (full variable names, e.g. ``AIRFLOW__CORE__EXECUTOR``), which wins."""
    if timezone is None:
        from alumusic.settings import get_settings

        timezone = get_settings().timezone
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": timezone,
        "AIRFLOW_CONN_ALUMUSIC_DB": connection_json(product_url),
    }
    env.update(extra or {})
    return env


# Airflow's own names for the CeleryExecutor settings: docker-compose.yml (profile "celery"), ``make run
# EXECUTOR=celery`` (scripts/devstack.py) and the Helm chart's ``env`` use these same variables.
CELERY_EXECUTOR = "CeleryExecutor"
CELERY_VARIABLES = ("AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CELERY__RESULT_BACKEND",
                    "AIRFLOW__CELERY__WORKER_CONCURRENCY")


def celery_env(broker_url: str, metadata_url: str, *, worker_concurrency: int | None = None,
               result_backend: str | None = None) -> dict[str, str]:
    """The CeleryExecutor: tasks queued on the broker at ``broker_url`` (Redis: ``redis://host:6379/0``
    or ``redis+socket:///path/redis.sock``), task states in Celery's database result backend (default:
    the Airflow metadata database at ``metadata_url``, as ``db+<SQLAlchemy URL>``), and each worker's
    process count (``airflow celery worker`` runs that many tasks at once; None: Celery's default)."""
    env = {
        "AIRFLOW__CORE__EXECUTOR": CELERY_EXECUTOR,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": result_backend or f"db+{metadata_url}",
    }
    if worker_concurrency is not None:
        env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = str(worker_concurrency)
    return env


def statsd_metrics_env(host: str, port: int = 8125, *, prefix: str = "airflow") -> dict[str, str]:
    """Airflow's own metrics (scheduler, DAG processing, DAG runs, tasks, pools) sent as StatsD over UDP to
    the bridge ``alumusic.airflow_metrics`` at ``host:port``, which serves them to Prometheus. The default
    of ``make run`` and of docker-compose.yml (``airflow-metrics``; tests/foundation/test_compose.py checks
    that compose sets these same variables).

    Tags in InfluxDB form (``name,dag_id=...,task_id=...:1|c``) without the legacy names that carry the
    DAG and task ids inside the name: the bridge turns the tags into labels, so one metric
    (``airflow_ti_finish_total{dag_id,task_id,state}``) instead of one per task. ``job_id`` and ``run_id``
    never become tags (Airflow's default, set here so nobody loses it): a new series per run would grow
    without bound. Blocked: ``dagrun.<dag_id>.first_task_scheduling_delay``, which Airflow 3.3 sends
    whatever ``legacy_names_on`` says, next to ``dagrun.first_task_scheduling_delay`` tagged with the DAG.
    UDP: nothing waits for the bridge, and Airflow runs the same when it is down."""
    return {"AIRFLOW__METRICS__STATSD_ON": "True", "AIRFLOW__METRICS__STATSD_HOST": host,
            "AIRFLOW__METRICS__STATSD_PORT": str(port), "AIRFLOW__METRICS__STATSD_PREFIX": prefix,
            "AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED": "True", "AIRFLOW__METRICS__LEGACY_NAMES_ON": "False",
            "AIRFLOW__METRICS__STATSD_DISABLED_TAGS": "job_id,run_id",
            "AIRFLOW__METRICS__METRICS_BLOCK_LIST": METRICS_BLOCK_LIST}


# Regular expressions (comma-separated) of stat names Airflow must not send (see statsd_metrics_env).
METRICS_BLOCK_LIST = r"^dagrun\..+\.first_task_scheduling_delay"


def otel_metrics_env(host: str, port: int = 4318, *, prefix: str = "airflow") -> dict[str, str]:
    """Airflow's own metrics pushed over OTLP/HTTP to an OpenTelemetry collector of your own at
    ``host:port`` instead of StatsD (``OTEL_COLLECTOR_HOST=... make run``)."""
    return {"AIRFLOW__METRICS__OTEL_ON": "True", "AIRFLOW__METRICS__OTEL_HOST": host,
            "AIRFLOW__METRICS__OTEL_PORT": str(port), "AIRFLOW__METRICS__OTEL_PREFIX": prefix}


def smtp_connection_json(host: str, port: int, *, from_email: str, login: str = "", password: str = "",
                         starttls: bool = False, timeout: int | None = None) -> str:
    """``AIRFLOW_CONN_SMTP_DEFAULT`` (the smtp provider's connection) for the weekly e-mail."""
    import json

    extra: dict = {"disable_tls": not starttls, "disable_ssl": True, "from_email": from_email}
    if timeout is not None:
        extra["timeout"] = timeout
    return json.dumps({"conn_type": "smtp", "host": host, "port": port, "login": login, "password": password,
                       "extra": extra})
