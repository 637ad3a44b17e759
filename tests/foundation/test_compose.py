"""docker-compose.yml wiring, checked without a Docker engine (none runs on these machines)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from alumusic.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
AIRFLOW = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


def test_every_component_of_the_spec_is_there():
    expected = {"postgres", "migrate", "airflow-init", *AIRFLOW, "api", "dashboard", "ollama", "ollama-pull",
                "mailpit", "redis", "airflow-worker"}
    assert expected <= set(SERVICES)


@pytest.mark.parametrize("name", ["postgres", *AIRFLOW, "api", "dashboard", "ollama", "mailpit", "redis",
                                  "airflow-worker", "airflow-metrics"])
def test_long_running_services_have_healthchecks(name):
    check = SERVICES[name]["healthcheck"]["test"]
    assert check and check[0] in ("CMD", "CMD-SHELL")


def test_start_order_waits_for_health_and_one_shot_jobs():
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert SERVICES["airflow-init"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in AIRFLOW:
        deps = SERVICES[name]["depends_on"]
        assert deps["airflow-init"]["condition"] == "service_completed_successfully"
        assert deps["migrate"]["condition"] == "service_completed_successfully"
    for name in ("api", "dashboard"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["ollama-pull"]["depends_on"]["ollama"]["condition"] == "service_healthy"
    assert SERVICES["airflow-worker"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_secrets_have_no_defaults():
    text = (ROOT / "docker-compose.yml").read_text()
    for var in ("POSTGRES_PASSWORD", "JWT_SECRET_KEY", "DASHBOARD_SECRET_KEY",
                "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_API_SECRET_KEY"):
        uses = re.findall(r"\$\{" + var + r"(:[?-][^}]*)?\}", text)
        assert uses, var
        assert not any(u.startswith(":-") for u in uses), f"{var} must not have a default"
        assert any(u.startswith(":?") for u in uses), f"{var} must be required"


def test_app_environment_names_are_real_settings():
    fields = {name.upper() for name in Settings.model_fields}
    for name in ("api", "dashboard", "migrate", *AIRFLOW):
        env = SERVICES[name]["environment"]
        app_vars = {k for k in env if not k.startswith("AIRFLOW")}
        assert app_vars <= fields, app_vars - fields


def test_airflow_shares_secrets_database_and_connections():
    envs = [SERVICES[n]["environment"] for n in (*AIRFLOW, "airflow-init", "airflow-worker")]
    for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY",
                "AIRFLOW_CONN_ALUMUSIC_DB", "AIRFLOW_CONN_SMTP_DEFAULT", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL"):
        assert len({e[key] for e in envs}) == 1, key
    assert envs[0]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("/airflow")
    assert SERVICES["api"]["environment"]["DATABASE_URL"].endswith("/alumusic")
    assert "pools set llm" in " ".join(SERVICES["airflow-init"]["command"])


def test_volumes_are_declared_and_mounted_files_exist():
    declared = set(COMPOSE["volumes"])
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source
            else:
                assert source in declared, source


def test_dockerfile_copies_existing_folders():
    for src in re.findall(r"^COPY (?:--\S+ )*(\S+)", (ROOT / "Dockerfile").read_text(), re.M):
        assert (ROOT / src).exists(), src


def test_airflow_defaults_to_the_settings_time_zone():
    default = Settings.model_fields["timezone"].default
    assert SERVICES["api"]["environment"]["TIMEZONE"] == f"${{TIMEZONE:-{default}}}"
    for name in (*AIRFLOW, "airflow-worker", "airflow-init"):
        env = SERVICES[name]["environment"]
        assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == env["TIMEZONE"] == f"${{TIMEZONE:-{default}}}", name


def test_observability_profile_scrapes_every_service_with_the_token():
    assert SERVICES["prometheus"]["profiles"] == ["observability"]
    assert "observability" not in str(SERVICES["api"].get("profiles"))  # the product runs without it
    prometheus = SERVICES["prometheus"]
    assert "./docker/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    assert prometheus["healthcheck"]["test"][0] == "CMD"
    config = yaml.safe_load((ROOT / "docker" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    ports = {"api": "5000", "dashboard": "8050", "airflow-metrics": BRIDGE_ENV["AIRFLOW_METRICS_PORT"]}
    for job, service in (("alumusic-api", "api"), ("alumusic-dashboard", "dashboard"), ("airflow", "airflow-metrics")):
        assert jobs[job]["static_configs"][0]["targets"] == [f"{service}:{ports[service]}"]
        if service != "airflow-metrics":
            assert f"0.0.0.0:{ports[service]}" in SERVICES[service]["command"]
        assert jobs[job]["metrics_path"] == "/metrics"
        # the token file the entrypoint writes from METRICS_TOKEN, the same variable the apps read
        assert jobs[job]["authorization"]["credentials_file"] in " ".join(prometheus["entrypoint"])
        assert SERVICES[service]["environment"]["METRICS_TOKEN"] == prometheus["environment"]["METRICS_TOKEN"]
    assert set(prometheus["depends_on"]) == {"api", "dashboard", "airflow-metrics"}
    assert "otel-collector" not in SERVICES  # one path for Airflow's metrics: StatsD through the bridge


BRIDGE = SERVICES["airflow-metrics"]
BRIDGE_ENV = BRIDGE["environment"]


def test_airflow_sends_statsd_to_the_bridge_with_the_variables_of_make_run():
    """Every Airflow component has ``statsd_metrics_env`` (what ``make run`` gives Airflow) pointed at the
    bridge service, on by default; the bridge runs outside any profile, so plain ``docker compose up`` has it."""
    from alumusic.airflow_env import statsd_metrics_env

    expected = statsd_metrics_env("airflow-metrics", int(BRIDGE_ENV["AIRFLOW_STATSD_PORT"]))
    for name in (*AIRFLOW, "airflow-worker", "airflow-init"):
        env = SERVICES[name]["environment"]
        got = {k: str(v) for k, v in env.items() if k.startswith("AIRFLOW__METRICS__")}
        assert got == {**expected, "AIRFLOW__METRICS__STATSD_ON": "${AIRFLOW_METRICS_ON:-True}"}, name
        assert env["AIRFLOW__METRICS__STATSD_HOST"] in SERVICES
    for name in (*AIRFLOW, "airflow-worker"):  # the client resolves the bridge's name when a component starts
        assert SERVICES[name]["depends_on"]["airflow-metrics"]["condition"] == "service_started", name


def test_the_bridge_runs_from_the_app_image_by_default_with_its_own_settings_only():
    assert "profiles" not in BRIDGE
    assert BRIDGE["image"] == SERVICES["api"]["image"]
    assert BRIDGE["command"] == ["python", "-m", "alumusic.airflow_metrics"]
    fields = {name.upper() for name in Settings.model_fields}
    assert set(BRIDGE_ENV) <= fields
    assert set(BRIDGE_ENV) == {"METRICS_TOKEN", "AIRFLOW_METRICS_HOST", "AIRFLOW_STATSD_PORT", "AIRFLOW_METRICS_PORT"}
    assert BRIDGE_ENV["AIRFLOW_METRICS_HOST"] == "0.0.0.0"  # the other containers reach it
    assert f"http://localhost:{BRIDGE_ENV['AIRFLOW_METRICS_PORT']}/health" in BRIDGE["healthcheck"]["test"]
    assert "ports" not in BRIDGE  # StatsD and /metrics stay on the compose network


def test_web_servers_run_with_the_multiprocess_metrics_config():
    for name in ("api", "dashboard"):
        command = SERVICES[name]["command"]
        assert command[command.index("-c") + 1] == "python:alumusic.gunicorn_conf", name


def test_the_celery_profile_uses_the_names_of_make_run_executor_celery():
    """docker-compose's celery profile and ``make run EXECUTOR=celery`` (alumusic.airflow_env.celery_env)
    configure the CeleryExecutor with the same Airflow variables."""
    from alumusic.airflow_env import CELERY_EXECUTOR, CELERY_VARIABLES, celery_env

    local = celery_env("redis+socket:///run/redis.sock", "postgresql+psycopg2://postgres@/airflow",
                       worker_concurrency=3)
    assert set(local) == set(CELERY_VARIABLES) and local["AIRFLOW__CORE__EXECUTOR"] == CELERY_EXECUTOR
    assert local["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql+psycopg2://postgres@/airflow"
    for name in (*AIRFLOW, "airflow-init", "airflow-worker"):
        env = SERVICES[name]["environment"]
        assert set(CELERY_VARIABLES) <= set(env), name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert SERVICES["airflow-worker"]["profiles"] == SERVICES["redis"]["profiles"] == ["celery"]
    assert SERVICES["airflow-worker"]["command"] == ["airflow", "celery", "worker"]
    assert "AIRFLOW_EXECUTOR=CeleryExecutor" in (ROOT / "docker-compose.yml").read_text()
