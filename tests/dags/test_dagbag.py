"""Every DAG in dags/ parses without errors, offline, and is documented and retried."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    """Parse dags/ with every network connection refused: DAG files must not touch the database,
    Ollama or SMTP at import time (the dag-processor parses them every 30 s)."""
    from airflow.dag_processing.dagbag import DagBag

    real_connect = socket.socket.connect

    def refuse(self, address):
        raise AssertionError(f"network access while parsing DAGs: {address!r}")

    socket.socket.connect = refuse
    try:
        return DagBag(dag_folder=str(DAGS_DIR), safe_mode=False)
    finally:
        socket.socket.connect = real_connect


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {"classify_comments", "weekly_summary", "aplicar_retencao", "train_classifier",
            "monitor_pipeline", "detect_alerts"} <= set(dagbag.dag_ids)


def test_every_dag_is_documented_tagged_and_retried(dagbag):
    assert dagbag.dags, "no DAG found"
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id}: no tags"
        assert dag.doc_md and len(dag.doc_md.strip()) > 200, f"{dag_id}: doc_md missing or too short"
        for task in dag.tasks:
            assert task.retries >= 2, f"{dag_id}.{task.task_id}: retries={task.retries}"
            assert task.retry_exponential_backoff, f"{dag_id}.{task.task_id}: no exponential backoff"


def test_classify_comments_shape(dagbag):
    dag = dagbag.dags["classify_comments"]
    assert set(dag.task_ids) == {"planejar", "classificar", "relatar", "anunciar_correcoes"}
    assert dag.get_task("classificar").pool == "llm"
    assert {o.uri.rstrip("/") for o in dag.get_task("relatar").outlets} == {"alumusic://classificacoes"}
    assert {o.uri.rstrip("/") for o in dag.get_task("anunciar_correcoes").outlets} == {"alumusic://correcoes"}
    assert set(dag.params) == {"backend", "modelo", "desde", "ate", "reprocessar_falhas", "tamanho_lote", "max_lotes"}
    for name in dag.params:
        assert dag.params.get_param(name).description, f"param {name} has no description"


def test_train_classifier_is_scheduled_on_corrections_and_daily(dagbag):
    dag = dagbag.dags["train_classifier"]
    assert set(dag.task_ids) == {"treinar", "promover"}
    assert dag.max_active_runs == 1 and dag.catchup is False
    timetable = dag.timetable
    assert [a.uri.rstrip("/") for a in timetable.asset_condition.objects] == ["alumusic://correcoes"]
    assert (timetable.timetable.expression, str(timetable.timetable.timezone)) == ("0 3 * * *", "America/Sao_Paulo")
    assert set(dag.params) == {"forcar", "reverter_para"}


def test_detect_alerts_runs_on_new_classifications_and_hourly(dagbag):
    dag = dagbag.dags["detect_alerts"]
    assert set(dag.task_ids) == {"detectar", "notificar"}
    assert dag.max_active_runs == 1 and dag.catchup is False
    timetable = dag.timetable
    assert [a.uri.rstrip("/") for a in timetable.asset_condition.objects] == ["alumusic://classificacoes"]
    assert (timetable.timetable.expression, str(timetable.timetable.timezone)) == ("0 * * * *", "America/Sao_Paulo")
    assert set(dag.params) == {"em"} and "ALERT_RECIPIENTS" in dag.doc_md


def test_aplicar_retencao_shape(dagbag):
    dag = dagbag.dags["aplicar_retencao"]
    assert set(dag.task_ids) == {"aplicar"}
    assert dag.catchup is False and dag.max_active_runs == 1
    assert "lgpd" in dag.tags and "RETENCAO_TEXTO_DIAS" in dag.doc_md


def test_monitor_pipeline_shape(dagbag):
    dag = dagbag.dags["monitor_pipeline"]
    assert set(dag.task_ids) == {"sondar_ollama", "verificar_alarmes", "notificar_operadores"}
    assert dag.max_active_runs == 1 and dag.catchup is False
    assert "observabilidade" in dag.tags and "OPERATOR_EMAILS" in dag.doc_md and "smtp_default" in dag.doc_md
