"""``repositories.models`` on the real PostgreSQL: versions, one active model, promote/refuse/rollback."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alumusic.repositories import models


def _save(conn, versao: str, rotulos: int = 10) -> None:
    models.save_candidate(conn, versao, f"artefato {versao}".encode(), rotulos, 40 + rotulos,
                          {"candidato": {"accuracy": 0.8}, "promover": True})


def _states(conn) -> dict[str, str]:
    return {m.versao: m.estado for m in models.list_models(conn)}


def test_versions_promote_refuse_rollback(db):
    with db.begin() as conn:
        assert models.next_version(conn) == "m0001"
        assert models.active(conn) is None and models.active_version(conn) is None
        assert models.trained_up_to(conn) == 0
        _save(conn, "m0001")
        assert models.next_version(conn) == "m0002"
        models.promote(conn, "m0001", por="train_classifier", motivo="promovido: primeiro modelo")
        assert models.active(conn) == ("m0001", b"artefato m0001")

        _save(conn, models.next_version(conn))
        models.refuse(conn, "m0002", motivo="recusado: acurácia menor")
        assert models.active(conn)[0] == "m0001"

        _save(conn, models.next_version(conn), rotulos=25)
        models.promote(conn, "m0003", por="train_classifier", motivo="promovido")
        assert _states(conn) == {"m0001": "aposentado", "m0002": "recusado", "m0003": "ativo"}
        assert models.active_version(conn) == "m0003" and models.trained_up_to(conn) == 65

        models.rollback(conn, "m0001", por="curadora@alu")
        assert _states(conn) == {"m0001": "ativo", "m0002": "recusado", "m0003": "aposentado"}
        assert models.active(conn) == ("m0001", b"artefato m0001")
        assert models.artefact(conn, "m0003") == b"artefato m0003"

    with db.connect() as conn:
        listed = models.list_models(conn)
        assert [m.versao for m in listed] == ["m0003", "m0002", "m0001"]
        m3 = listed[0]
        assert m3.rotulos == 25 and m3.ultimo_rotulo_id == 65 and m3.metricas["promover"] is True
        assert m3.motivo == "reversão para m0001" and m3.mudou_por == "curadora@alu"
        assert listed[2].motivo.startswith("reversão por") and listed[2].mudou_por == "curadora@alu"
        assert listed[1].motivo == "recusado: acurácia menor"


def test_state_rules(db):
    with db.begin() as conn:
        _save(conn, "m0001")
        models.promote(conn, "m0001", por="t", motivo="ok")
        with pytest.raises(models.ModelStateError):
            models.promote(conn, "m0001", por="t", motivo="de novo")  # already active
        with pytest.raises(models.ModelStateError):
            models.refuse(conn, "m0001", motivo="tarde demais")
        with pytest.raises(models.ModelStateError):
            models.rollback(conn, "m0001", por="t")  # only a retired model comes back
        with pytest.raises(models.ModelStateError):
            models.promote(conn, "m0099", por="t", motivo="não existe")
        _save(conn, "m0002")
        models.refuse(conn, "m0002", motivo="pior")
        with pytest.raises(models.ModelStateError):
            models.rollback(conn, "m0002", por="t")  # a refused model is never used


def test_the_database_keeps_a_single_active_model(db):
    with db.begin() as conn:
        _save(conn, "m0001")
        _save(conn, "m0002")
        models.promote(conn, "m0001", por="t", motivo="ok")
    with pytest.raises(sa.exc.IntegrityError), db.begin() as conn:
        conn.execute(sa.text("UPDATE modelos_classificador SET estado = 'ativo' WHERE versao = 'm0002'"))
    with pytest.raises(sa.exc.IntegrityError), db.begin() as conn:
        _save(conn, "bad")  # versions are m + digits


def test_a_stored_model_is_loaded_and_used(db):
    from alumusic.classification.learned import LearnedLayer
    from alumusic.classification.offline import OfflineClassifier
    from alumusic.classification.training import train_candidate

    layer = train_candidate([("meu bebê dorme ouvindo essa música", "ELOGIO"),
                             ("minha filha só dorme com esse vídeo", "ELOGIO")], versao="m0001")
    with db.begin() as conn:
        models.save_candidate(conn, layer.versao, layer.to_bytes(), 2, None, {})
        models.promote(conn, layer.versao, por="t", motivo="ok")
    with db.connect() as conn:
        versao, data = models.active(conn)
    clf = OfflineClassifier(learned=LearnedLayer.from_bytes(data))
    assert clf.provenance.versao.endswith("+m0001") and versao == "m0001"
    assert clf.classify("que música linda").categoria == "ELOGIO"


def test_versions_past_m9999_are_ordered_by_number_not_text(db):
    """After m9999 (decades of daily trainings) comes m10000: newest first in the listing, and the
    newest model for retrain_needed (as text, 'm10000' < 'm9999')."""
    with db.begin() as conn:
        _save(conn, "m9999")
        assert models.next_version(conn) == "m10000"
        _save(conn, "m10000")
        models.refuse(conn, "m10000", motivo="recusado: acurácia menor")
        # m9999 lost its artefact (a removed text) and none is active; m10000, the newest, still has one
        conn.execute(sa.text("UPDATE modelos_classificador SET artefato = NULL, artefato_removido_em = now(),"
                             " estado = 'recusado' WHERE versao = 'm9999'"))
        assert [m.versao for m in models.list_models(conn)] == ["m10000", "m9999"]
        assert models.next_version(conn) == "m10001"
        assert models.retrain_needed(conn) is False
        conn.execute(sa.text("UPDATE modelos_classificador SET artefato = NULL, artefato_removido_em = now()"
                             " WHERE versao = 'm10000'"))
        assert models.retrain_needed(conn) is True
