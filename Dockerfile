# One image for the API, the dashboard and every Airflow component (same code, same versions).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ALUMUSIC_ROOT=/opt/alumusic \
    AIRFLOW_HOME=/opt/airflow

RUN apt-get update \
    && apt-get install -y --no-install-recommends curl libpq5 tini \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/alumusic
# Runtime dependencies only (pinned); test tools, the Ollama emulator, evals and benchmarks stay out.
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install -r requirements/runtime.txt

RUN useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home alumusic
COPY --chown=50000:0 plugins/ plugins/
COPY --chown=50000:0 sql/ sql/
COPY --chown=50000:0 dags/ dags/
COPY --chown=50000:0 api/ api/
COPY --chown=50000:0 dashboard/ dashboard/
COPY --chown=50000:0 pyproject.toml ./
RUN pip install --no-deps . && rm -rf build
USER 50000

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-m", "alumusic", "--help"]
