"""A learned model forgets a comment whose text is removed (erasure or retention).

The text model's word vocabulary holds every word and word pair of every training text, so a stored
artefact quotes the curators' labelled comments. Threats pinned here: an erased (or retention-removed)
text living on inside a model in ``modelos_classificador`` (active, retired, refused or a candidate of a
run in progress), or a rollback bringing such a model back; a model stored before its training set was
recorded escaping the rule; the classifier staying on the rules for good after the active model went
(the next training must be announced and must not learn the removed text again).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alumusic.classification.learned import LearnedLayer
from alumusic.classification.training import HELD_OUT_SHARE, held_out_key
from alumusic.pipeline import model_runs
from alumusic.repositories import classifications, erasure, models
from tests.support.factories import add_comment

WORD = "zorbastiquento"  # in one training text only


def _labelled(conn, texto: str = "a música nova é boa demais", *, quando: datetime | None = None) -> str:
    quando = quando or datetime.now(UTC) - timedelta(hours=2)
    cid = add_comment(conn, texto, recebido_em=quando, publicado_em=quando)["id"]
    classifications.record_manual_correction(conn, cid, "ELOGIO", [], autor="curadora")
    return str(cid)


def _save(conn, versao: str, trained_on: list[str]) -> None:
    models.save_candidate(conn, versao, f"artefato {versao}".encode(), len(trained_on), None, {},
                          comentarios=trained_on)


def _models(conn) -> dict[str, models.Model]:
    return {m.versao: m for m in models.list_models(conn)}


def _erase(conn, cid: str) -> None:
    assert erasure.erase(conn, ids=[cid], autor="encarregada", origem="cli", motivo="pedido do titular") == 1


def test_erasing_a_training_comment_empties_every_model_trained_on_it(db):
    with db.begin() as conn:
        a, b, c = _labelled(conn), _labelled(conn), _labelled(conn)
        _save(conn, "m0001", [a, b])
        models.promote(conn, "m0001", por="t", motivo="ok")
        _save(conn, "m0002", [b, c])
        models.promote(conn, "m0002", por="t", motivo="ok")      # m0001 retired
        _save(conn, "m0003", [a])
        models.refuse(conn, "m0003", motivo="pior")
        _save(conn, "m0004", [a, c])                              # a run in progress: still a candidate
    with db.begin() as conn:
        _erase(conn, b)
    with db.connect() as conn:
        after = _models(conn)
        assert models.active(conn) is None and models.active_version(conn) is None
        for versao in ("m0001", "m0002"):
            assert after[versao].artefato_removido_em is not None and after[versao].estado == models.APOSENTADO
            assert after[versao].motivo.startswith("artefato removido") and after[versao].mudou_por == "apagamento"
            with pytest.raises(models.ModelForgottenError):
                models.artefact(conn, versao)
        assert conn.execute(sa.text("SELECT count(*) FROM modelos_classificador WHERE artefato IS NULL")).scalar() == 2
        # not trained on b: untouched
        assert after["m0003"].artefato_removido_em is None and models.artefact(conn, "m0003") == b"artefato m0003"
        assert after["m0004"].estado == models.CANDIDATO
        # the newest model still holds its artefact (its run decides it): no extra training needed yet
        assert not models.retrain_needed(conn)
    with db.begin() as conn, pytest.raises(models.ModelForgottenError):
        models.rollback(conn, "m0001", por="curadora")  # an emptied model never comes back

    # The run in progress: a text its candidate was trained on goes before the gate decided.
    with db.begin() as conn:
        _erase(conn, c)
    with db.connect() as conn:
        m4 = _models(conn)["m0004"]
        assert m4.estado == models.RECUSADO and m4.artefato_removido_em is not None
        assert models.retrain_needed(conn)  # no active model and the newest one was emptied
    treino = {"versao": "m0004", "promover": True, "motivo": "promovido: acurácia maior"}
    decided = model_runs.decide(db, treino, por="dag:teste")  # the promover task does not fail on it
    assert decided["estado"] == models.RECUSADO and "não tem mais artefato" in decided["motivo"]
    with db.connect() as conn:
        assert models.active_version(conn) is None


def test_the_database_refuses_an_active_model_without_artefact(db):
    with db.begin() as conn:
        _save(conn, "m0001", [])
        models.promote(conn, "m0001", por="t", motivo="ok")
    with pytest.raises(sa.exc.IntegrityError), db.begin() as conn:
        conn.execute(sa.text("UPDATE modelos_classificador SET artefato = NULL, artefato_removido_em = now()"))
    with pytest.raises(sa.exc.IntegrityError), db.begin() as conn:  # an empty artefact says when it went
        conn.execute(sa.text("UPDATE modelos_classificador SET estado = 'aposentado', artefato = NULL"))


def test_a_model_stored_before_training_sets_were_recorded_counts_as_trained_on_every_label(db):
    with db.begin() as conn:
        labelled = _labelled(conn)
        unlabelled = str(add_comment(conn, "um comentário que ninguém corrigiu", categoria="OUTRO")["id"])
        _save(conn, "m0001", [])
        models.promote(conn, "m0001", por="t", motivo="ok")
        # as migration 0021 leaves the models stored before it
        conn.execute(sa.text("UPDATE modelos_classificador SET treino_registrado = false"))
    with db.begin() as conn:
        assert erasure.erase(conn, ids=[unlabelled], autor="e", origem="cli", motivo="pedido") == 1
    with db.connect() as conn:
        assert models.active_version(conn) == "m0001"  # no curator ever labelled that comment
    with db.begin() as conn:
        _erase(conn, labelled)
    with db.connect() as conn:
        assert models.active_version(conn) is None and _models(conn)["m0001"].artefato_removido_em is not None


def test_retention_empties_the_models_trained_on_the_texts_it_removes(db):
    old = datetime.now(UTC) - timedelta(days=400)
    with db.begin() as conn:
        aged, recent = _labelled(conn, quando=old), _labelled(conn)
        _save(conn, "m0001", [recent])
        _save(conn, "m0002", [aged, recent])
        models.promote(conn, "m0002", por="t", motivo="ok")
    with db.connect() as conn:
        assert erasure.apply_retention(conn, 365) == 1
    with db.connect() as conn:
        after = _models(conn)
        assert after["m0002"].artefato_removido_em is not None and after["m0002"].mudou_por == "retencao"
        assert after["m0001"].artefato_removido_em is None and models.retrain_needed(conn)


def _train_ids(n: int) -> list[uuid.UUID]:
    out = []
    while len(out) < n:
        cid = uuid.uuid4()
        if held_out_key(cid) >= HELD_OUT_SHARE:  # on the training side of the held-out split
            out.append(cid)
    return out


def test_after_an_erasure_the_next_model_is_trained_without_the_erased_text(db):
    phrases = ["o refrão é lindo", "a voz dela é incrível", "esse clipe ficou ótimo", "que show maravilhoso",
               "achei o álbum fraco", "a mixagem ficou ruim", "essa letra é horrível", "que batida chata"]
    ids = _train_ids(len(phrases) * 3)
    with db.begin() as conn:
        for k, cid in enumerate(ids):
            texto = f"{phrases[k % len(phrases)]} {k}"
            if k == 0:
                texto = f"o refrão é {WORD} demais"
            add_comment(conn, texto, id=cid)
            classifications.record_manual_correction(conn, cid, "ELOGIO" if k % len(phrases) < 4 else "CRÍTICA", [],
                                                     autor="curadora")
    first = model_runs.train(db)
    model_runs.decide(db, first, forcar=True, por="teste")
    layer = model_runs.active_layer(db)
    assert layer is not None and any(WORD in term for term in layer.word_vectorizer.vocabulary_)  # the risk is real

    with db.begin() as conn:
        _erase(conn, str(ids[0]))
    assert model_runs.active_layer(db) is None  # the rules answer meanwhile
    assert model_runs.retrain_needed(db)

    second = model_runs.train(db)
    model_runs.decide(db, second, forcar=True, por="teste")
    with db.connect() as conn:
        assert models.active_version(conn) == second["versao"] != first["versao"]
        trained = {str(r[0]) for r in conn.execute(
            sa.text("SELECT comentario_id FROM modelo_treino WHERE versao = :v"), {"v": second["versao"]})}
        assert str(ids[0]) not in trained and len(trained) == len(ids) - 1
        new = LearnedLayer.from_bytes(models.artefact(conn, second["versao"]))
        assert not models.retrain_needed(conn)
    assert not any(WORD in term for term in new.word_vectorizer.vocabulary_)


def test_an_erasure_during_a_promotion_waits_for_it_and_then_empties_the_new_active_model(db):
    """The promotion locks the candidate and the active model, then retires the active one; an
    erasure of a text both were trained on locks both too. Were the two to lock in different
    orders, the erasure arriving between the promotion's first and second statement would deadlock
    (one of them aborted: a failed erasure request or a failed promover task)."""
    import threading

    with db.begin() as conn:
        shared = _labelled(conn)
        _save(conn, "m0001", [shared])
        models.promote(conn, "m0001", por="t", motivo="ok")
        _save(conn, "m0002", [shared])
    errors: list[BaseException] = []

    def erase_now():
        try:
            with db.begin() as other:
                _erase(other, shared)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    eraser = threading.Thread(target=erase_now)
    promoting = db.connect()
    try:
        pid = promoting.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        promoting.commit()
        fired = []

        @sa.event.listens_for(promoting, "after_cursor_execute")
        def pause_after_the_lock(conn, cursor, statement, *args):
            if not fired and "FOR UPDATE" in statement and "modelos_classificador" in statement:
                fired.append(True)
                eraser.start()
                with db.connect() as probe:  # wait until the erasure waits for a lock
                    for _ in range(200):
                        waiting = probe.execute(sa.text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND pid <> :pid"), {"pid": pid}).scalar_one()
                        if waiting:
                            break
                        threading.Event().wait(0.05)
                    assert waiting, "the erasure never waited for the promotion's locks"

        with promoting.begin():
            models.promote(promoting, "m0002", por="t", motivo="ok")
    finally:
        promoting.close()
    eraser.join(30)
    assert not eraser.is_alive() and errors == []
    with db.connect() as conn:
        after = _models(conn)
        assert models.active_version(conn) is None
        assert after["m0001"].artefato_removido_em is not None and after["m0002"].artefato_removido_em is not None
        assert after["m0002"].estado == models.APOSENTADO


def test_a_text_erased_while_a_model_trains_empties_that_model_when_it_is_stored(db, monkeypatch):
    from alumusic.classification import training

    with db.begin() as conn:
        ids = [_labelled(conn, f"o refrão é {WORD} {k}") for k in range(30)]
    trained = training.evaluate_candidate

    def erase_meanwhile(*args, **kwargs):
        ev = trained(*args, **kwargs)  # trained on every label, the soon-erased one included
        erased = next(i for i in ids if i in ev.trained_ids)
        with db.begin() as conn:
            _erase(conn, erased)  # no stored model holds it yet: nothing for the erasure to empty
        return ev

    monkeypatch.setattr(training, "evaluate_candidate", erase_meanwhile)
    treino = model_runs.train(db)
    with db.connect() as conn:
        stored = _models(conn)[treino["versao"]]
        assert stored.artefato_removido_em is not None and stored.estado == models.RECUSADO
        assert stored.mudou_por == "apagamento"
    assert model_runs.decide(db, treino, forcar=True, por="teste")["estado"] == models.RECUSADO


@pytest.mark.parametrize("dias, kept_days", [(None, None), (365, 358), (30, 23), (10, 5), (1, 1)])
def test_the_training_cutoff_leaves_out_texts_that_age_out_within_the_margin(dias, kept_days):
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    cutoff = model_runs.training_cutoff(dias, now)
    assert cutoff == (None if kept_days is None else now - timedelta(days=kept_days))


def test_under_retention_the_active_model_outlives_the_next_texts_to_age_out(db):
    """With RETENCAO_TEXTO_DIAS = 30, a label whose text goes in 5 days is not trained on: the
    retention run 6 days later removes that text and the active model keeps its artefact. The
    same run, had the model been trained on every label (no policy given), empties it."""
    now = datetime.now(UTC)
    phrases = ["o refrão é lindo", "a voz dela é incrível", "esse clipe ficou ótimo", "que show maravilhoso",
               "achei o álbum fraco", "a mixagem ficou ruim", "essa letra é horrível", "que batida chata"]
    ids = _train_ids(len(phrases) * 2 + 1)
    with db.begin() as conn:
        for k, cid in enumerate(ids):
            quando = now - timedelta(days=25 if k == 0 else 2)  # ids[0] ages out in 5 days
            add_comment(conn, f"{phrases[k % len(phrases)]} {k}", id=cid, recebido_em=quando, publicado_em=quando)
            classifications.record_manual_correction(conn, cid, "ELOGIO" if k % len(phrases) < 4 else "CRÍTICA", [],
                                                     autor="curadora")

    def trained_on(conn, versao: str) -> set[str]:
        return {str(r[0]) for r in conn.execute(
            sa.text("SELECT comentario_id FROM modelo_treino WHERE versao = :v"), {"v": versao})}

    every = model_runs.train(db)                             # no policy: the aging text is in
    with db.connect() as conn:
        assert str(ids[0]) in trained_on(conn, every["versao"])
    policy = model_runs.train(db, retention_days=30, now=now)
    model_runs.decide(db, policy, forcar=True, por="teste")
    with db.connect() as conn:
        assert trained_on(conn, policy["versao"]) == {str(i) for i in ids[1:]}

    with db.connect() as conn:
        assert erasure.apply_retention(conn, 30, agora=now + timedelta(days=6)) == 1
    with db.connect() as conn:
        after = _models(conn)
        assert after[policy["versao"]].estado == models.ATIVO and after[policy["versao"]].artefato_removido_em is None
        assert after[every["versao"]].artefato_removido_em is not None  # the model that held it is emptied
        assert not models.retrain_needed(conn)
    assert model_runs.active_layer(db) is not None
