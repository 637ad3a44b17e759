"""``alumusic.airflow_env``: the environment that points Airflow at the project (no Airflow import)."""

from __future__ import annotations

import os
import subprocess
import sys

from alumusic.airflow_env import airflow_env
from alumusic.settings import get_settings


def test_default_time_zone_comes_from_the_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("TIMEZONE", "America/Manaus")
    get_settings.cache_clear()
    try:
        env = airflow_env(tmp_path, "postgresql://meta", "postgresql://product")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "America/Manaus"


def test_time_zone_parameter_and_extra_win(tmp_path):
    env = airflow_env(tmp_path, "postgresql://meta", "postgresql://product", timezone="America/Recife")
    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "America/Recife"
    env = airflow_env(tmp_path, "postgresql://meta", "postgresql://product", timezone="America/Recife",
                      extra={"AIRFLOW__CORE__DEFAULT_TIMEZONE": "UTC"})
    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "UTC"


def test_the_test_session_runs_airflow_in_the_settings_time_zone():
    assert os.environ["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == get_settings().timezone


def test_airflow_reads_it_as_its_default_timezone(tmp_path):
    env = airflow_env(tmp_path, "sqlite:///" + str(tmp_path / "meta.db"), "postgresql://product",
                      timezone="America/Sao_Paulo")
    code = "from airflow.configuration import conf; print(conf.get('core', 'default_timezone'))"
    out = subprocess.run([sys.executable, "-c", code], env={**env, "PATH": "/usr/bin:/bin"}, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.strip().splitlines()[-1] == "America/Sao_Paulo"
