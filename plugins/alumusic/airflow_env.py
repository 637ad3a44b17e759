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


def smtp_connection_json(host: str, port: int, *, from_email: str, login: str = "", password: str = "",
                         starttls: bool = False, timeout: int | None = None) -> str:
    """``AIRFLOW_CONN_SMTP_DEFAULT`` (the smtp provider's connection) for the weekly e-mail."""
    import json

    extra: dict = {"disable_tls": not starttls, "disable_ssl": True, "from_email": from_email}
    if timeout is not None:
        extra["timeout"] = timeout
    return json.dumps({"conn_type": "smtp", "host": host, "port": port, "login": login, "password": password,
                       "extra": extra})
