"""What the alert windows count: every comment with a current classification, as the report does.

``repositories.alerts.window_counts`` reads ``comentarios.categoria_atual`` and
``classificacao_atual_id`` (kept by migration 0006's trigger) instead of joining ``classificacoes``
(13 s → 3 s at 10M comments, bench/scale.py), so a comment a backfill has put back in the queue
keeps counting with the label it has until the new one is recorded, and a pending comment never
classified does not count.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from alumusic.repositories import alerts
from tests.support.alerts import AGORA
from tests.support.factories import add_classified_comments, add_comments


def _counts(db) -> dict:
    with db.connect() as conn:
        return {(w.subject.tipo, w.subject.artista, w.subject.album, w.subject.tag, w.janela): (w.total, w.criticas, w.spam)
                for w in alerts.window_counts(conn, AGORA, semanas=2)}


def test_windows_count_current_labels_their_tags_and_nothing_pending(db):
    recent, older = AGORA - timedelta(days=1), AGORA - timedelta(days=9)
    rows = add_classified_comments(db, [
        {"artista": "Luna", "album": "Maré", "recebido_em": recent, "categoria": "CRÍTICA", "tags": ["voz_timbre"]},
        {"artista": "Luna", "album": "Maré", "recebido_em": recent, "categoria": "SPAM"},
        {"artista": "Luna", "recebido_em": older, "categoria": "ELOGIO", "tags": ["voz_timbre"]},
        {"artista": "Luna", "recebido_em": AGORA - timedelta(days=15), "categoria": "CRÍTICA"},  # outside 2 weeks
    ])
    add_comments(db, [{"artista": "Luna", "recebido_em": recent}])  # pending, never classified
    before = _counts(db)
    assert before[("artista", "Luna", None, None, 0)] == (2, 1, 1)
    assert before[("album", "Luna", "Maré", None, 0)] == (2, 1, 1)
    assert before[("artista", "Luna", None, None, 1)] == (1, 0, 0)
    assert before[("tag", None, None, "voz_timbre", 0)] == (1, 1, 0)
    assert before[("tag", None, None, "voz_timbre", 1)] == (1, 0, 0)
    assert len(before) == 5
    # A backfill puts the criticism back in the queue: it keeps its current label meanwhile.
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE comentarios SET status = 'pendente' WHERE id = CAST(:id AS uuid)"),
                     {"id": rows[0]["id"]})
    assert _counts(db) == before
    # The comments behind an alert are the ones counted.
    with db.connect() as conn:
        alert = alerts.Alert(id=0, tipo="critica", subject=alerts.Subject("artista", "Luna", None, None), rotulo="Luna",
                             aberto_em=AGORA, atualizado_em=AGORA, fechado_em=None, janela_inicio=AGORA - timedelta(days=7),
                             janela_fim=AGORA, evidencia={}, explicacao="", atualizacoes=0, reconhecido_por=None,
                             reconhecido_em=None, notificado_em=None, ultimo_erro_envio=None)
        behind = alerts.comments_behind(conn, alert)
    assert [c["id"] for c in behind] == [rows[0]["id"]]
