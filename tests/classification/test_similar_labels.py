"""The few-shot examples' source: the curator labels most like a text (``labels.similar_labels``)."""

from __future__ import annotations

import sqlalchemy as sa

from alumusic.repositories import labels
from alumusic.repositories.classifications import record_manual_correction
from tests.support.factories import add_comment

SPAM = "ganhe seguidores grátis no meu canal agora mesmo"


def test_only_current_curator_labels_kept_texts_best_first(db):
    near = add_comment(db, SPAM + "!!!", categoria="ELOGIO")
    exact = add_comment(db, SPAM, categoria="ELOGIO")
    automatic = add_comment(db, SPAM + " hoje", categoria="SPAM")  # the model's label, not a curator's
    erased = add_comment(db, SPAM + " já", categoria="ELOGIO")
    unrelated = add_comment(db, "a bateria dessa faixa é absurda", categoria="ELOGIO")
    with db.begin() as conn:
        for row in (near, exact, erased, unrelated):
            record_manual_correction(conn, row["id"], "SPAM", [], autor="curadora")
        conn.execute(sa.text("UPDATE comentarios SET texto_removido_em = now() WHERE id = CAST(:id AS uuid)"),
                     {"id": erased["id"]})
        found = labels.similar_labels(conn, SPAM, 5)
        assert labels.similar_labels(conn, SPAM, 0) == []
    assert [label.comentario_id for label in found] == [exact["id"], near["id"]]
    assert {label.categoria for label in found} == {"SPAM"} and automatic["id"] not in str(found)


def test_the_lookup_ranks_among_the_labels_never_every_comments_trigrams(db):
    # Once per comment classified: scanning the whole table's trigram index for similar texts and
    # keeping the labelled ones took 3-5 s per lookup at 1M comments (docs/BENCHMARKS.md).
    add_comment(db, SPAM, categoria="ELOGIO")
    with db.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: offer the index its best odds
        plan = "\n".join(conn.execute(sa.text("EXPLAIN " + labels._SIMILAR.text), {"texto": SPAM, "limite": 3}).scalars())
    assert "classificacoes_manuais_idx" in plan and "texto_busca_trgm_idx" not in plan, plan
