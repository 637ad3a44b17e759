"""The pipeline learns from curators: copies of a labelled text take the label without a
classifier, the Ollama prompt carries similar labels, and the offline backend uses the active
model. Real PostgreSQL, the loopback emulator, the real pipeline."""

from __future__ import annotations

import pytest

from alumusic.classification.learned import LearnedLayer
from alumusic.pipeline import runs
from alumusic.pipeline.run_plan import plan_run
from alumusic.repositories import classifications as repo
from alumusic.repositories import models
from alumusic.settings import get_settings
from tests.support import pipeline
from tests.support.factories import add_comments
from tests.support.pipeline import classification_rows, states

SPAM = "Sigam meu canal de receitas, link na bio, sorteio toda semana!!"


@pytest.fixture
def ollama_env(make_emulator, monkeypatch):
    yield from pipeline.ollama_env(make_emulator, monkeypatch)


def _run(db, run_id: str, **params):
    plan, owners = runs.prepare(db, plan_run(params, get_settings()), run_id)
    return runs.summarize(runs.classify(db, plan, owner) for owner in owners)


def _label(db, texto: str, categoria: str) -> str:
    (row,) = add_comments(db, [{"texto": texto}])
    with db.begin() as conn:
        repo.record_manual_correction(conn, row["id"], categoria, [], autor="curadora")
    return row["id"]


def test_a_pasted_copy_of_a_labelled_text_takes_the_label_without_a_classifier(db, ollama_env):
    source = _label(db, SPAM, "SPAM")
    copies = add_comments(db, [{"texto": "  sigam MEU canal de receitas,   link na bio, sorteio toda semana!! "},
                               {"texto": SPAM + " (outro)"}])  # the second is not a copy
    stats = _run(db, "run-1")
    assert (stats.reivindicados, stats.copiados, stats.classificados) == (2, 1, 1)
    rows = {r["cid"]: r for r in classification_rows(db) if r["origem"] == "automatica"}
    copied = rows[copies[0]["id"]]
    assert (copied["classificador"], copied["categoria"], copied["confianca_fonte"]) == ("copia", "SPAM", "copia")
    with db.connect() as conn:
        assert copied["fonte_id"] == repo.history(conn, source)[0]["id"]
    assert rows[copies[1]["id"]]["classificador"] == "ollama"
    assert len(ollama_env.received) == 1  # only the non-copy reached the model
    assert states(db)[copies[0]["id"]]["status"] == "classificado"


def test_a_copy_being_classified_when_its_text_is_labelled_takes_the_label_when_the_result_is_stored(db):
    from alumusic.domain import Outcome
    from alumusic.pipeline.batch import store_outcomes
    from alumusic.pipeline.stats import BatchStats
    from alumusic.repositories import queue, taxonomy
    from tests.support.factories import classification

    (held,) = add_comments(db, [{"texto": SPAM}])
    with db.begin() as conn:  # a worker claims it and asks the backend
        assert [cid for cid, _ in queue.claim_batch(conn, queue.Scope(), "execucao/lote-0000", 1, 600)] == [held["id"]]
    source = _label(db, SPAM.upper(), "SPAM")  # meanwhile a curator labels a copy
    assert states(db)[held["id"]]["status"] == "processando"  # the correction's copy step left it alone
    stats = BatchStats()
    with db.begin() as conn:  # the backend's answer arrives
        store_outcomes(conn, "execucao/lote-0000", [Outcome(held["id"], result=classification("ELOGIO"))],
                       taxonomy.active_codes(conn), 3, stats)
    assert (stats.copiados, stats.classificados, stats.ignorados) == (1, 0, 0)
    with db.connect() as conn:
        current = repo.history(conn, held["id"])[0]
        label_id = repo.history(conn, source)[0]["id"]
    assert (current["classificador"], current["categoria"], current["fonte_id"]) == ("copia", "SPAM", label_id)
    assert states(db)[held["id"]]["status"] == "classificado"


def test_the_ollama_prompt_carries_the_most_similar_curator_label(db, ollama_env):
    _label(db, "esse clipe ficou zorbástico demais, que produção", "ELOGIO")
    _label(db, "o show de ontem atrasou duas horas", "CRÍTICA")
    add_comments(db, [{"texto": "o clipe novo ficou zorbástico demais"}])
    assert _run(db, "run-1").classificados == 1
    (request,) = ollama_env.received
    system, user = request["body"]["messages"][0]["content"], request["body"]["messages"][-1]["content"]
    assert "zorbástico" not in system  # the static part is the same for every comment
    example = user.index('<exemplo categoria="ELOGIO">')
    assert "esse clipe ficou zorbástico demais" in user[example:] and example < user.index("<comentario>")
    assert "atrasou duas horas" not in user  # not similar enough to be an example


def test_the_offline_backend_uses_the_active_model_and_its_version(db, monkeypatch):
    monkeypatch.setenv("LLM_BACKEND", "offline")
    get_settings.cache_clear()
    layer = LearnedLayer.train([("esse clipe ficou zorbástico", "ELOGIO"), ("a voz é zorbástica", "ELOGIO"),
                                ("zorbástico demais o refrão", "ELOGIO")] * 10, versao="m0001")
    with db.begin() as conn:
        models.save_candidate(conn, "m0001", layer.to_bytes(), 30, None, {})
        models.promote(conn, "m0001", por="teste", motivo="teste")
    (row,) = add_comments(db, [{"texto": "o dueto ficou zorbástico"}])
    assert _run(db, "run-1").classificados == 1
    (k,) = classification_rows(db)
    assert k["versao"].endswith("+m0001") and k["confianca_fonte"] == "calibrada"
    assert k["categoria"] == "ELOGIO"
    get_settings.cache_clear()


def test_a_label_committed_while_a_worker_stores_a_copy_of_its_text_still_reaches_the_copy(db, monkeypatch):
    """The last window of the copy race: the worker has looked for labels of its texts (none) and not
    committed yet when a curator labels a copy. The label must wait for the worker's commit and then
    copy itself onto the comment (without the copy gate it committed at once, skipped the comment as
    being processed, and the worker stored the backend's answer)."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    import sqlalchemy as sa

    from alumusic.domain import Outcome
    from alumusic.pipeline.batch import store_outcomes
    from alumusic.pipeline.stats import BatchStats
    from alumusic.repositories import labels, queue, taxonomy
    from tests.support.factories import classification

    (held,) = add_comments(db, [{"texto": SPAM}])
    with db.begin() as conn:
        queue.claim_batch(conn, queue.Scope(), "execucao/lote-0000", 1, 600)
    looked, go = threading.Event(), threading.Event()
    real = labels.copy_sources

    def look_then_pause(conn, ids):
        found = real(conn, ids)
        if held["id"] in ids:
            looked.set()
            go.wait(20)
        return found

    monkeypatch.setattr(labels, "copy_sources", look_then_pause)

    def worker():
        with db.begin() as conn:
            store_outcomes(conn, "execucao/lote-0000", [Outcome(held["id"], result=classification("ELOGIO"))],
                           taxonomy.active_codes(conn), 3, BatchStats())

    with ThreadPoolExecutor(max_workers=2) as pool:
        store = pool.submit(worker)
        assert looked.wait(20)
        curator = pool.submit(_label, db, SPAM.upper(), "SPAM")
        deadline = time.monotonic() + 20
        while not curator.done() and time.monotonic() < deadline:  # done, or waiting at the gate
            with db.connect() as conn:
                if conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'")).scalar():
                    break
            time.sleep(0.05)
        go.set()
        store.result(timeout=20)  # re-raises what the thread raised
        labelled = [curator.result(timeout=20)]
    with db.connect() as conn:
        current = repo.history(conn, held["id"])[0]
        label_id = repo.history(conn, labelled[0])[0]["id"]
    assert (current["classificador"], current["categoria"], current["fonte_id"]) == ("copia", "SPAM", label_id)
    assert states(db)[held["id"]]["status"] == "classificado"
