"""classify_comments end to end with dag.test(): real metadata DB, product DB and Ollama emulator."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from alumusic.repositories import classifications as repo
from alumusic.repositories import erasure, models, queue
from tests.support import pipeline
from tests.support.airflow import load_dag
from tests.support.pipeline import OTHER_MODEL, classification_rows, pending_comments, states

pytestmark = pytest.mark.airflow


@pytest.fixture
def ollama_env(make_emulator, monkeypatch):
    yield from pipeline.ollama_env(make_emulator, monkeypatch)


@pytest.fixture(scope="module")
def dag(airflow_db):
    return load_dag("classify_comments")


def _task_states(dr) -> Counter:
    return Counter((ti.task_id, str(ti.state)) for ti in dr.get_task_instances())


def _asset_events(uri: str = "alumusic://classificacoes") -> list[dict]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = (session.query(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                .filter(AssetModel.uri.like(f"{uri}%")).order_by(AssetEvent.id).all())
        return [dict(e.extra or {}) for e in rows]


def test_enough_new_curator_labels_announce_corrections_once(db, dag, ollama_env, monkeypatch):
    from alumusic.settings import get_settings

    monkeypatch.setenv("TREINO_MIN_ROTULOS_NOVOS", "3")
    get_settings.cache_clear()
    ids = pending_comments(db, 3)
    with db.begin() as conn:
        for cid in ids[:2]:
            repo.record_manual_correction(conn, cid, "ELOGIO", [], autor="curadora")
    before = len(_asset_events("alumusic://correcoes"))
    assert _task_states(dag.test())[("anunciar_correcoes", "skipped")] == 1  # 2 labels < 3
    with db.begin() as conn:
        repo.record_manual_correction(conn, ids[2], "CRÍTICA", [], autor="curadora")
    assert _task_states(dag.test())[("anunciar_correcoes", "success")] == 1
    events = _asset_events("alumusic://correcoes")
    assert len(events) == before + 1 and events[-1] == {"rotulos_novos": 3, "modelo_esquecido": False}
    get_settings.cache_clear()


def test_an_erasure_that_empties_the_active_model_announces_a_retraining_at_once(db, dag, ollama_env):
    """One label is far below TREINO_MIN_ROTULOS_NOVOS; the erased text took the active model with it."""
    (cid,) = pending_comments(db, 1)
    with db.begin() as conn:
        repo.record_manual_correction(conn, cid, "ELOGIO", [], autor="curadora")
        models.save_candidate(conn, "m0001", b"artefato", 1, None, {}, comentarios=[str(cid)])
        models.promote(conn, "m0001", por="teste", motivo="ok")
    before = len(_asset_events("alumusic://correcoes"))
    with db.begin() as conn:
        erasure.erase(conn, ids=[cid], autor="encarregada", origem="cli", motivo="pedido do titular")
    assert _task_states(dag.test())[("anunciar_correcoes", "success")] == 1
    events = _asset_events("alumusic://correcoes")
    assert len(events) == before + 1 and events[-1] == {"rotulos_novos": 0, "modelo_esquecido": True}


def test_run_classifies_pending_comments_in_mapped_batches(db, dag, ollama_env):
    ids = pending_comments(db, 5)
    events_before = len(_asset_events())
    dr = dag.test(run_conf={"tamanho_lote": 2})
    assert str(dr.state) == "success"
    assert _task_states(dr) == {("planejar", "success"): 1, ("classificar", "success"): 3, ("relatar", "success"): 1,
                                ("anunciar_correcoes", "skipped"): 1}  # no curator label yet

    st = states(db)
    assert {s["status"] for s in st.values()} == {"classificado"}
    rows = classification_rows(db)
    assert sorted(r["cid"] for r in rows) == sorted(ids)
    assert {r["classificador"] for r in rows} == {"ollama"}
    assert all(r["autor"].startswith(f"{dr.run_id}/lote-") for r in rows)

    events = _asset_events()
    assert len(events) == events_before + 1
    assert events[-1]["classificados"] == 5 and events[-1]["reivindicados"] == 5


def test_run_with_nothing_pending_succeeds_quietly(db, dag, ollama_env):
    """The schedule fires every few minutes on an idle queue: that must be a green run, not noise."""
    events_before = len(_asset_events())
    dr = dag.test()
    assert str(dr.state) == "success"
    states_by_task = _task_states(dr)
    assert states_by_task[("planejar", "success")] == 1 and states_by_task[("relatar", "skipped")] == 1
    assert not any(state == "failed" for _, state in states_by_task)
    assert len(_asset_events()) == events_before and classification_rows(db) == []


def test_run_leaves_comments_claimed_by_an_overlapping_run_alone(db, dag, ollama_env):
    pending_comments(db, 6)
    with db.begin() as conn:  # another run holds a live lease on 2 of them
        held = [cid for cid, _ in queue.claim_batch(conn, queue.Scope(), "outra-execucao/lote-0000", 2, 600)]
    dr = dag.test()
    assert str(dr.state) == "success"
    st = states(db)
    assert all(st[c]["status"] == "processando" and st[c]["lease_dono"] == "outra-execucao/lote-0000" for c in held)
    assert Counter(s["status"] for s in st.values()) == {"classificado": 4, "processando": 2}
    assert not {r["cid"] for r in classification_rows(db)} & set(held)


def test_failing_backend_then_retry_failed_by_param(db, dag, ollama_env, monkeypatch):
    monkeypatch.setenv("CLASSIFY_MAX_ATTEMPTS", "1")
    from alumusic.settings import get_settings

    get_settings.cache_clear()
    pending_comments(db, 3)
    ollama_env.set_failure("unknown_tag")
    dr = dag.test()
    assert str(dr.state) == "success"  # bad answers never fail the batch
    assert {s["status"] for s in states(db).values()} == {"falhou"}
    assert classification_rows(db) == []

    ollama_env.set_failure(None)
    dag.test()
    assert {s["status"] for s in states(db).values()} == {"falhou"}  # not retried on its own
    dag.test(run_conf={"reprocessar_falhas": True})
    assert {s["status"] for s in states(db).values()} == {"classificado"}


def test_backfill_by_params_appends_history_keeps_manual_and_is_idempotent(db, dag, ollama_env):
    ids = pending_comments(db, 4, recebido_em=datetime(2026, 11, 2, 18, tzinfo=UTC))
    dag.test()
    with db.begin() as conn:
        repo.record_manual_correction(conn, ids[0], "ELOGIO", [], autor="curadora")
    conf = {"desde": "2026-11-02", "ate": "2026-11-02", "backend": "ollama", "modelo": OTHER_MODEL}
    dr = dag.test(run_conf=conf)
    assert str(dr.state) == "success"
    rows = classification_rows(db)
    assert Counter(r["cid"] for r in rows if r["modelo"] == OTHER_MODEL) == dict.fromkeys(ids[1:], 1)
    with db.connect() as conn:
        assert repo.history(conn, ids[0])[0]["origem"] == "manual" and repo.history(conn, ids[0])[0]["atual"]
        current = conn.execute(sa.text(
            "SELECT count(*) FROM v_comentarios_atuais WHERE modelo = :m"), {"m": OTHER_MODEL}).scalar()
    assert current == 3

    events_before = len(_asset_events())
    dr = dag.test(run_conf=conf)  # nothing left to do: no new row, no asset event
    assert str(dr.state) == "success" and _task_states(dr)[("relatar", "skipped")] == 1
    assert len(classification_rows(db)) == len(rows)
    assert len(_asset_events()) == events_before


def test_invalid_params_are_refused_before_running(dag):
    from airflow.sdk.definitions.param import ParamValidationError

    with pytest.raises(ParamValidationError):
        dag.test(run_conf={"desde": "ontem"})
    with pytest.raises(ParamValidationError):
        dag.test(run_conf={"backend": "gpt"})


# --- confs that fail the run at once, classifying nothing ------------------------------------------------

@pytest.fixture(scope="module")
def strict_dag(airflow_db):
    """The DAG with one immediate retry: a conf error retried shows as planejar's second try."""
    return load_dag("classify_comments", retries=1)


def _tries(dr) -> dict:
    return {ti.task_id: (str(ti.state), ti.try_number) for ti in dr.get_task_instances()}


@pytest.mark.parametrize("conf", [
    {"max_lote": 1},  # a typo of max_lotes: the whole queue was classified
    {"tamanho_lote": 1, "reprocessar": True},  # one known key does not let an unknown one through
], ids=["max_lote", "reprocessar"])
def test_unknown_conf_key_fails_at_once_and_classifies_nothing(db, strict_dag, ollama_env, conf):
    ids = pending_comments(db, 3)
    dr = strict_dag.test(run_conf=conf)
    tries = _tries(dr)
    assert str(dr.state) == "failed" and tries["planejar"] == ("failed", 1)
    assert tries["classificar"][0] == "upstream_failed"
    assert {states(db)[c]["status"] for c in ids} == {"pendente"} and classification_rows(db) == []


def test_unknown_conf_key_message_names_it_and_the_accepted_ones(strict_dag):
    from airflow.sdk.exceptions import AirflowFailException

    from alumusic.airflow_params import refuse_unknown_conf

    class DagRun:
        conf = {"max_lote": 1, "backend": "offline"}

    with pytest.raises(AirflowFailException) as raised:
        refuse_unknown_conf({"dag_run": DagRun(), "dag": strict_dag})
    message = str(raised.value)
    assert "'max_lote'" in message and "'backend'" not in message
    assert "max_lotes" in message and "tamanho_lote" in message  # the accepted ones are listed


@pytest.mark.parametrize("conf", [
    {"ate": "9999-12-31"},  # ate + 1 day overflowed (OverflowError, retried)
    {"desde": "0001-01-01"},
    {"desde": "2026-11-10", "ate": "2026-11-01"},  # plan_run's ValueError, retried before
], ids=["ate-9999", "desde-0001", "desde-after-ate"])
def test_period_params_out_of_range_fail_at_once(db, strict_dag, ollama_env, conf):
    ids = pending_comments(db, 2)
    tries = _tries(strict_dag.test(run_conf=conf))
    assert tries["planejar"] == ("failed", 1) and tries["classificar"][0] == "upstream_failed"
    assert {states(db)[c]["status"] for c in ids} == {"pendente"}
