"""The review queue's repository (``alumusic.repositories.review``) on the real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from alumusic.domain import Classification
from alumusic.repositories import classifications, erasure, labels, review
from alumusic.repositories.review import QueueFilter, QueueKey
from tests.support.factories import TEST_PROVENANCE, add_classified_comments, add_comment, tag

TZ = "America/Sao_Paulo"
NOW = datetime.now(UTC).replace(microsecond=0)
SPAM_TEXT = "ganhe seguidores grátis no meu canal agora mesmo"


seed = add_classified_comments  # classified ones as the pipeline leaves them: 'classificado'


def _ids(items: list[dict]) -> list[str]:
    return [i["id"] for i in items]


def _whole_queue(conn, f: QueueFilter | None = None) -> list[str]:
    return _ids(review.queue_page(conn, f, limit=review.MAX_PAGE))


def _current(conn, comentario_id: str) -> sa.Row:
    return conn.execute(sa.text(
        "SELECT k.id, k.categoria, k.origem, k.autor, k.confianca FROM comentarios c "
        "JOIN classificacoes k ON k.id = c.classificacao_atual_id WHERE c.id = CAST(:id AS uuid)"),
        {"id": comentario_id}).one()


def _tags(conn, classificacao_id: int) -> list[tuple[str, str]]:
    return [tuple(r) for r in conn.execute(sa.text(
        "SELECT codigo, explicacao FROM classificacao_tags WHERE classificacao_id = :id ORDER BY codigo"),
        {"id": classificacao_id})]


@pytest.fixture
def queue(db):
    """Six comments in the queue (known order) and five that are not."""
    with db.begin() as conn:
        rows = seed(conn, [
            {"texto": "alta e antiga", "categoria": "ELOGIO", "confianca": 0.9, "artista": "Luna",
             "recebido_em": NOW - timedelta(days=3)},
            {"texto": "baixa e antiga", "categoria": "CRÍTICA", "confianca": 0.3, "artista": "Luna",
             "recebido_em": NOW - timedelta(days=3), "tags": [("feat_autotune", "fala do autotune")]},
            {"texto": "baixa e recente", "categoria": "ELOGIO", "confianca": 0.3, "artista": "Trovão",
             "recebido_em": NOW - timedelta(hours=1), "tags": [("musica_melodia", "elogia o refrão"),
                                                               ("voz_timbre", "a voz")]},
            {"texto": "média", "categoria": "DÚVIDA", "confianca": 0.55, "artista": "Trovão",
             "recebido_em": NOW - timedelta(days=1)},
            {"texto": "a mais baixa", "categoria": "SUGESTÃO", "confianca": 0.12, "artista": "Luna",
             "recebido_em": NOW - timedelta(days=10)},
            {"texto": "baixa e do meio", "categoria": "ELOGIO", "confianca": 0.3, "artista": "Luna",
             "recebido_em": NOW - timedelta(days=2)},
            # Not in the queue: pending, manually corrected, text erased, a copied label, failed.
            {"texto": "pendente", "recebido_em": NOW - timedelta(hours=2)},
            {"texto": "corrigido à mão", "categoria": "ELOGIO", "confianca": 0.05},
            {"texto": "apagado", "categoria": "ELOGIO", "confianca": 0.01},
            {"texto": "copiado de uma correção", "categoria": "OUTRO", "confianca": 0.02},
        ])
        classifications.record_manual_correction(conn, rows[7]["id"], "CRÍTICA", [], autor="outra")
        erasure.erase(conn, ids=[rows[8]["id"]], autor="admin", origem="painel", motivo="pedido do titular")
        labels.record_copies(conn, {rows[9]["id"]: classifications.record_manual_correction(
            conn, add_comment(conn, "fonte da cópia", categoria="OUTRO")["id"], "OUTRO", [], autor="outra")})
        failed = add_comment(conn, "falhou", categoria="ELOGIO", confianca=0.0)  # stays 'pendente'
        conn.execute(sa.text("UPDATE comentarios SET status = 'falhou' WHERE id = CAST(:id AS uuid)"),
                     {"id": failed["id"]})
    return rows


EXPECTED = [4, 2, 5, 1, 3, 0]  # positions in ``queue``: 0.12; 0.3 newest → oldest; 0.55; 0.9


def test_queue_is_lowest_confidence_first_then_newest(db, queue):
    with db.connect() as conn:
        assert _whole_queue(conn) == [queue[n]["id"] for n in EXPECTED]
        assert review.queue_count(conn) == 6
        first = review.queue_page(conn)[0]
    assert first["texto"] == "a mais baixa" and first["categoria"] == "SUGESTÃO"
    assert first["confianca"] == pytest.approx(0.12) and first["classificacao_id"] == queue[4]["classificacao_id"]
    assert first["artista"] == "Luna" and first["recebido_em"] == NOW - timedelta(days=10)


def test_keyset_moves_forward_and_back_in_queue_order(db, queue):
    order = [queue[n]["id"] for n in EXPECTED]
    with db.connect() as conn:
        item = review.queue_page(conn)[0]
        seen = [item["id"]]
        while nxt := review.queue_page(conn, after=QueueKey.of(item)):
            item = nxt[0]
            seen.append(item["id"])
        assert seen == order
        back = [item["id"]]
        while prev := review.queue_page(conn, before=QueueKey.of(item)):
            item = prev[0]
            back.append(item["id"])
        assert back == order[::-1]
        middle = review.get_item(conn, order[3])
        assert _ids(review.queue_page(conn, before=QueueKey.of(middle), limit=2)) == order[1:3]
        assert _ids(review.queue_page(conn, after=QueueKey.of(middle), limit=10)) == order[4:]
        with pytest.raises(ValueError):
            review.queue_page(conn, after=QueueKey.of(middle), before=QueueKey.of(middle))


def test_filters_by_artist_current_category_and_received_period(db, queue):
    tz = ZoneInfo(TZ)
    with db.connect() as conn:
        assert _whole_queue(conn, QueueFilter(artista="Trovão")) == [queue[2]["id"], queue[3]["id"]]
        assert _whole_queue(conn, QueueFilter(categoria="ELOGIO")) == [queue[n]["id"] for n in (2, 5, 0)]
        assert _whole_queue(conn, QueueFilter(artista="Luna", categoria="ELOGIO")) == [queue[5]["id"], queue[0]["id"]]
        last_two_days = QueueFilter(desde=datetime.combine((NOW - timedelta(days=2)).astimezone(tz).date(), time.min, tz))
        assert set(_whole_queue(conn, last_two_days)) == {queue[n]["id"] for n in (2, 3, 5)}
        older = QueueFilter(ate=NOW - timedelta(days=2, minutes=1))
        assert _whole_queue(conn, older) == [queue[4]["id"], queue[1]["id"], queue[0]["id"]]
        assert review.queue_count(conn, QueueFilter(artista="Luna")) == 4
        assert review.queue_count(conn, QueueFilter(artista="ninguém")) == 0
        assert review.queue_page(conn, QueueFilter(categoria="SPAM")) == []


def test_an_item_carries_its_tags_with_explanations_and_the_confidence_source(db):
    result = Classification(categoria="CRÍTICA", confianca=0.4, proveniencia=TEST_PROVENANCE, latencia_ms=1,
                            tags_funcionalidades=(tag(("feat_autotune", "reclama do autotune")),),
                            confianca_fonte="calibrada")
    with db.begin() as conn:
        stored = seed(conn, [{"texto": "autotune estragou", "classificacao": result}])[0]
        item = review.queue_page(conn)[0]
    assert item["id"] == stored["id"] and item["confianca_fonte"] == "calibrada"
    assert item["tags"] == [{"codigo": "feat_autotune", "rotulo": "Autotune", "explicacao": "reclama do autotune"}]
    assert item["classificador"] == "teste" and item["versao_classificador"] == "teste-1"


def test_confirming_records_the_same_label_as_manual_leaves_the_queue_and_counts_today(db, queue):
    target = queue[2]  # ELOGIO, two tags
    with db.begin() as conn:
        assert review.reviewed_today(conn, TZ) == 2  # the seeded corrections by "outra"
        new_id = review.review(conn, target["id"], target["classificacao_id"], "curadora")
    with db.connect() as conn:
        current = _current(conn, target["id"])
        assert (current.id, current.categoria, current.origem, current.autor) == (new_id, "ELOGIO", "manual", "curadora")
        assert current.confianca == 1.0
        assert _tags(conn, new_id) == _tags(conn, target["classificacao_id"]) == [
            ("musica_melodia", "elogia o refrão"), ("voz_timbre", "a voz")]
        assert target["id"] not in _whole_queue(conn) and review.queue_count(conn) == 5
        assert review.reviewed_today(conn, TZ) == 3
        assert review.reviewed_today(conn, TZ, autor="curadora") == 1
        assert target["id"] in [label.comentario_id for label in labels.manual_labels(conn)]
        assert review.get_item(conn, target["id"])["na_fila"] is False


def test_a_digit_correction_records_the_new_category_and_keeps_the_tags(db, queue):
    target = queue[1]  # CRÍTICA with feat_autotune
    with db.begin() as conn:
        new_id = review.review(conn, target["id"], target["classificacao_id"], "curadora", categoria="SUGESTÃO")
    with db.connect() as conn:
        current = _current(conn, target["id"])
        assert (current.id, current.categoria, current.origem) == (new_id, "SUGESTÃO", "manual")
        assert _tags(conn, new_id) == [("feat_autotune", "fala do autotune")]
        assert target["id"] not in _whole_queue(conn)
    with db.begin() as conn, pytest.raises(ValueError, match="categoria inválida"):
        review.review(conn, queue[0]["id"], queue[0]["classificacao_id"], "curadora", categoria="NOVA")


def test_nothing_is_recorded_for_an_item_no_longer_as_shown(db, queue):
    target = queue[3]
    with db.begin() as conn:
        first = review.review(conn, target["id"], target["classificacao_id"], "curadora")
        assert first is not None
        assert review.review(conn, target["id"], target["classificacao_id"], "outro") is None  # already reviewed
        assert review.review(conn, queue[0]["id"], queue[0]["classificacao_id"] + 999, "curadora") is None  # stale
        assert review.review(conn, queue[6]["id"], 1, "curadora") is None  # pending: not in the queue
        manual = conn.execute(sa.text("SELECT count(*) FROM classificacoes WHERE origem = 'manual'")).scalar_one()
    assert manual == 3  # the two seeded corrections and the first review


def test_undo_brings_the_comment_back_with_its_automatic_label_and_history_keeps_both(db, queue):
    target = queue[4]
    with db.begin() as conn:
        new_id = review.review(conn, target["id"], target["classificacao_id"], "curadora", categoria="SPAM")
    with db.begin() as conn:
        last = review.last_undoable(conn, "curadora")
        assert last["id"] == new_id and last["comentario_id"] == target["id"] and last["categoria"] == "SPAM"
        assert review.withdraw(conn, new_id, "curadora") is True
        assert review.withdraw(conn, new_id, "curadora") is False  # once
    with db.connect() as conn:
        current = _current(conn, target["id"])
        assert (current.id, current.categoria, current.origem) == (target["classificacao_id"], "SUGESTÃO", "automatica")
        assert _whole_queue(conn)[0] == target["id"]
        assert review.reviewed_today(conn, TZ) == 2
        assert review.last_undoable(conn, "curadora") is None
        history = classifications.history(conn, target["id"])
        assert [(k["id"], k["origem"], bool(k["anulada"])) for k in history] == [
            (new_id, "manual", True), (target["classificacao_id"], "automatica", False)]
        assert history[0]["anulada"]["por"] == "curadora"
        assert target["id"] not in [label.comentario_id for label in labels.manual_labels(conn)]


def test_undo_takes_the_newest_of_the_given_reviews_only(db, queue):
    with db.begin() as conn:
        a = review.review(conn, queue[0]["id"], queue[0]["classificacao_id"], "curadora")
        b = review.review(conn, queue[1]["id"], queue[1]["classificacao_id"], "curadora")
        c = review.review(conn, queue[2]["id"], queue[2]["classificacao_id"], "curadora")
        assert review.last_undoable(conn, "curadora")["id"] == c
        assert review.last_undoable(conn, "curadora", among=[a, b])["id"] == b
        assert review.last_undoable(conn, "curadora", among=[]) is None
        # Another curator's correction on top of b: b is no longer current, so a comes next.
        classifications.record_manual_correction(conn, queue[1]["id"], "OUTRO", [], autor="outro")
        assert review.last_undoable(conn, "curadora", among=[a, b])["id"] == a
        assert review.withdraw(conn, b, "curadora") is False


def test_a_non_owner_cannot_undo(db, queue):
    target = queue[5]
    with db.begin() as conn:
        new_id = review.review(conn, target["id"], target["classificacao_id"], "curadora", categoria="OUTRO")
    with db.begin() as conn:
        assert review.last_undoable(conn, "intrusa") is None
        assert review.last_undoable(conn, "intrusa", among=[new_id]) is None
        assert review.withdraw(conn, new_id, "intrusa") is False
        assert review.withdraw(conn, target["classificacao_id"], "curadora") is False  # automatic: no review
    with db.connect() as conn:
        assert _current(conn, target["id"]).id == new_id
        assert conn.execute(sa.text("SELECT count(*) FROM classificacoes_anuladas")).scalar_one() == 0


def test_a_confirmed_spam_texts_copies_leave_the_queue_and_undo_brings_them_back(db):
    with db.begin() as conn:
        rows = seed(conn, [
            {"texto": SPAM_TEXT, "categoria": "SPAM", "confianca": 0.2, "recebido_em": NOW - timedelta(hours=3)},
            {"texto": SPAM_TEXT.upper(), "categoria": "ELOGIO", "confianca": 0.6, "recebido_em": NOW - timedelta(hours=2)},
            {"texto": "  " + SPAM_TEXT + "  ", "categoria": "SPAM", "confianca": 0.8, "recebido_em": NOW - timedelta(hours=1)},
            {"texto": "outro comentário qualquer", "categoria": "ELOGIO", "confianca": 0.7},
        ])
    with db.begin() as conn:
        assert review.queue_count(conn) == 4
        new_id = review.review(conn, rows[0]["id"], rows[0]["classificacao_id"], "curadora")
    with db.connect() as conn:
        assert _whole_queue(conn) == [rows[3]["id"]]
        for copy in rows[1:3]:
            current = _current(conn, copy["id"])
            assert current.categoria == "SPAM" and current.origem == "automatica"
        assert review.reviewed_today(conn, TZ) == 1  # copies are not reviews
    with db.begin() as conn:
        assert review.withdraw(conn, new_id, "curadora")
    with db.connect() as conn:
        assert _whole_queue(conn) == [rows[n]["id"] for n in (0, 1, 3, 2)]
        assert _current(conn, rows[1]["id"]).id == rows[1]["classificacao_id"]  # ELOGIO, its own label again


def test_reviews_today_follow_the_configured_time_zone(db, queue):
    tz = ZoneInfo(TZ)
    midnight = datetime.combine(datetime.now(tz).date(), time.min, tz)
    with db.begin() as conn:
        for when in (midnight - timedelta(minutes=1), midnight + timedelta(seconds=1)):
            conn.execute(sa.text(
                "INSERT INTO classificacoes (comentario_id, categoria, confianca, origem, classificador, versao, "
                "autor, criado_em, confianca_fonte) VALUES (CAST(:id AS uuid), 'OUTRO', 1, 'manual', 'manual', "
                "'manual', 'curadora', :quando, 'manual')"), {"id": queue[0]["id"], "quando": when})
        assert review.reviewed_today(conn, TZ) == 3  # the fixture's two corrections and the one after midnight
        assert review.reviewed_today(conn, TZ, autor="curadora") == 1


def test_two_curators_reviewing_the_same_item_at_once_record_one_review(db, queue):
    target = queue[0]
    results: dict[str, int | None] = {}
    first = db.connect()
    tx = first.begin()
    try:
        results["primeira"] = review.review(first, target["id"], target["classificacao_id"], "primeira")

        def second() -> None:
            with db.begin() as conn:
                results["segunda"] = review.review(conn, target["id"], target["classificacao_id"], "segunda")

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # waits for the first review's lock on the comment
        tx.commit()
        thread.join(timeout=15)
    finally:
        first.close()
    assert results["primeira"] is not None and results["segunda"] is None
    with db.connect() as conn:
        assert _current(conn, target["id"]).autor == "primeira"
