"""train_classifier end to end with dag.test(): curators' labels teach the offline classifier a
word its rules do not know; a better model is promoted, a worse one refused, a rollback recorded,
and a backfill of classify_comments then reclassifies with the new version, manual labels kept."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest

from alumusic.classification.training import HELD_OUT_SHARE, held_out_key
from alumusic.repositories import classifications as repo
from alumusic.repositories import models
from tests.support.airflow import load_dag
from tests.support.factories import add_comments
from tests.support.pipeline import classification_rows, pending_comments

pytestmark = pytest.mark.airflow

# "zorbástico" is praise in this stream; the rules have never heard of it and answer OUTRO.
OPENINGS = ("esse clipe ficou", "a música nova é", "o refrão é", "achei o álbum", "a voz dela é", "o dueto ficou",
            "essa batida é", "o arranjo ficou", "a letra é", "o show de ontem foi")
CLOSINGS = ("zorbástico", "zorbástico demais", "muito zorbástico", "zorbástico de verdade", "simplesmente zorbástico")
RECEIVED = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def train_dag(airflow_db):
    return load_dag("train_classifier")


@pytest.fixture(scope="module")
def classify_dag(airflow_db):
    return load_dag("classify_comments")


def _ids(n: int, *, held_out: bool | None) -> list[uuid.UUID]:
    """``n`` new comment ids on the chosen side of the held-out split (None: either)."""
    out = []
    while len(out) < n:
        cid = uuid.uuid4()
        if held_out is None or (held_out_key(cid) < HELD_OUT_SHARE) == held_out:
            out.append(cid)
    return out


def _label(db, ids: list[uuid.UUID], categoria: str) -> None:
    """Curators label new comments: the 50 phrases in turn, so the held-out side and the training
    side say the same things and only the labels differ."""
    texts = [f"{OPENINGS[k % len(OPENINGS)]} {CLOSINGS[k // len(OPENINGS) % len(CLOSINGS)]}" for k in range(len(ids))]
    made = add_comments(db, [{"id": cid, "texto": t, "recebido_em": RECEIVED} for cid, t in zip(ids, texts, strict=True)])
    with db.begin() as conn:
        for row in made:
            repo.record_manual_correction(conn, row["id"], categoria, [], autor="curadora")


def _states(dr) -> Counter:
    return Counter((ti.task_id, str(ti.state)) for ti in dr.get_task_instances())


def _models(db) -> dict[str, models.Model]:
    with db.connect() as conn:
        return {m.versao: m for m in models.list_models(conn)}


def test_a_better_model_is_promoted_a_worse_refused_and_a_backfill_uses_it(db, train_dag, classify_dag):
    # Automatic classifications by the rules alone, in the backfill's period.
    automatic = pending_comments(db, 4, recebido_em=RECEIVED)
    assert str(classify_dag.test(run_conf={"backend": "offline"}).state) == "success"
    rules_version = {r["versao"] for r in classification_rows(db)}
    assert len(rules_version) == 1 and "+" not in next(iter(rules_version))

    # 120 curator labels: ~96 to train on, ~24 held out (>= the gate's minimum of 20).
    _label(db, _ids(96, held_out=False) + _ids(24, held_out=True), "ELOGIO")
    dr = train_dag.test()
    assert str(dr.state) == "success" and _states(dr) == {("treinar", "success"): 1, ("promover", "success"): 1}
    m1 = _models(db)["m0001"]
    assert m1.estado == models.ATIVO and m1.rotulos == 96
    assert m1.metricas["candidato"]["accuracy"] > m1.metricas["atual"]["accuracy"]  # both scores are kept
    assert m1.metricas["candidato"]["base"] == "rotulos_separados" and m1.metricas["candidato"]["n"] == 24

    # Poison the training side only: the next candidate learns the wrong label and must lose on the
    # held-out labels, which still say ELOGIO.
    _label(db, _ids(200, held_out=False), "CRÍTICA")
    dr = train_dag.test()
    assert str(dr.state) == "success"
    after = _models(db)
    assert after["m0002"].estado == models.RECUSADO and after["m0002"].motivo.startswith("recusado")
    assert after["m0001"].estado == models.ATIVO
    assert after["m0002"].metricas["candidato"]["accuracy"] < after["m0002"].metricas["atual"]["accuracy"]

    # A backfill of the period reclassifies the rules' results with the promoted model's version;
    # the curators' labels stay current and untouched.
    before = {r["id"] for r in classification_rows(db)}
    dr = classify_dag.test(run_conf={"backend": "offline", "desde": "2026-11-01", "ate": "2026-11-05"})
    assert str(dr.state) == "success"
    new = [r for r in classification_rows(db) if r["id"] not in before]
    assert sorted(r["cid"] for r in new) == sorted(automatic)
    assert {r["versao"] for r in new} == {f"{next(iter(rules_version))}+m0001"}
    labelled = {r["cid"] for r in classification_rows(db) if r["origem"] == "manual"}
    assert len(labelled) == 320
    with db.connect() as conn:
        newest = [repo.history(conn, cid)[0] for cid in labelled]
    assert all(h["origem"] == "manual" and h["atual"] for h in newest)


def test_forcing_and_rolling_back_are_recorded(db, train_dag):
    _label(db, _ids(96, held_out=False) + _ids(24, held_out=True), "ELOGIO")
    assert str(train_dag.test().state) == "success"
    _label(db, _ids(200, held_out=False), "CRÍTICA")
    assert str(train_dag.test(run_conf={"forcar": True}).state) == "success"
    forced = _models(db)
    assert forced["m0002"].estado == models.ATIVO and "forçada" in forced["m0002"].motivo
    assert forced["m0001"].estado == models.APOSENTADO

    assert str(train_dag.test(run_conf={"reverter_para": "m0001"}).state) == "success"
    back = _models(db)
    assert back["m0001"].estado == models.ATIVO and back["m0002"].estado == models.APOSENTADO
    assert back["m0001"].mudou_por.startswith("dag:") and "revertido" in back["m0001"].motivo
    assert "m0003" not in back  # a rollback trains nothing
