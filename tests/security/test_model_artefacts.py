"""Learned-model artefacts in the database cannot run code (skops, migration 0022).

Threat: someone who can write one row of ``modelos_classificador`` (a leaked database password, an
SQL injection elsewhere) swaps the active model's artefact for a pickle; every classify worker that
loads it would run the attacker's code. Pinned here: such a row is refused where it is loaded, its
payload never runs, and the pickles stored before 0022 are converted (or emptied) by the migration.
"""

from __future__ import annotations

import io
import pathlib

import joblib
import pytest
import sqlalchemy as sa

from alumusic import migrations
from alumusic.classification.learned import ArtefactError, LearnedLayer
from alumusic.pipeline import model_runs
from alumusic.repositories import models

LABELS = [("o refrão é zorbástico", "ELOGIO"), ("que lixo de clipe", "CRÍTICA"), ("primeiro!", "OUTRO")] * 8


class _Planted:
    target = ""

    def __reduce__(self):
        return (pathlib.Path.write_text, (pathlib.Path(self.target), "executado"))


def _pickle(obj) -> bytes:
    buf = io.BytesIO()
    joblib.dump(obj, buf, compress=3)
    return buf.getvalue()


def test_a_planted_pickle_in_the_active_row_is_refused_where_workers_load_it(db, tmp_path):
    planted = _Planted()
    planted.target = str(tmp_path / "pwned")
    with db.begin() as conn:
        models.save_candidate(conn, "m0001", LearnedLayer.train(LABELS, versao="m0001").to_bytes(), 24, None, {})
        models.promote(conn, "m0001", por="t", motivo="ok")
    assert model_runs.active_layer(db).versao == "m0001"
    with db.begin() as conn:  # the attacker's UPDATE
        conn.execute(sa.text("UPDATE modelos_classificador SET artefato = :a, versao = 'm0002'"),
                     {"a": _pickle(planted)})
    with pytest.raises(ArtefactError):
        model_runs.active_layer(db)  # classify runs fail loudly (and the stopped queue raises its alarm)
    assert not (tmp_path / "pwned").exists()

    # Recovery: a train_classifier run gates its candidate against the rules and replaces it; the
    # planted row stays, retired, for whoever investigates.
    treino = model_runs.train(db)
    assert not (tmp_path / "pwned").exists()
    assert model_runs.decide(db, treino, por="dag:teste")["estado"] == models.ATIVO
    assert model_runs.active_layer(db).versao == treino["versao"]
    with db.connect() as conn:
        assert {m.versao: m.estado for m in models.list_models(conn)}["m0002"] == models.APOSENTADO
    with pytest.raises(ArtefactError):  # rolling back to the planted row is refused, nothing changes
        model_runs.rollback(db, "m0002", por="curadora")
    assert model_runs.active_layer(db).versao == treino["versao"]
    assert not (tmp_path / "pwned").exists()


@pytest.fixture
def at_0021(scratch_db_url):
    """A scratch database migrated up to 0021 (the last revision with pickled artefacts)."""
    migrations.upgrade(scratch_db_url, "0021")
    engine = sa.create_engine(scratch_db_url, poolclass=sa.pool.NullPool)
    try:
        yield scratch_db_url, engine
    finally:
        engine.dispose()


def test_0022_converts_stored_pickles_and_empties_those_that_no_longer_load(at_0021):
    url, engine = at_0021
    layer = LearnedLayer.train(LABELS, versao="m0001")
    insert = sa.text("INSERT INTO modelos_classificador (versao, estado, rotulos, artefato) VALUES (:v, :e, 24, :a)")
    with engine.begin() as conn:
        conn.execute(insert, {"v": "m0001", "e": "ativo", "a": _pickle(layer)})
        conn.execute(insert, {"v": "m0002", "e": "aposentado", "a": b"not a pickle at all"})
    migrations.upgrade(url)
    assert migrations.current_revisions(url) == migrations.head_revisions()
    with engine.connect() as conn:
        back = LearnedLayer.from_bytes(models.artefact(conn, "m0001"))
        assert models.active_version(conn) == "m0001"
        with pytest.raises(models.ModelForgottenError):
            models.artefact(conn, "m0002")
        m2 = {m.versao: m for m in models.list_models(conn)}["m0002"]
        assert m2.estado == models.APOSENTADO and "migração 0022" in m2.motivo
    texts = ["o refrão é zorbástico demais", "que lixo", "kkkk"]
    assert back.predict_many(texts) == layer.predict_many(texts)
