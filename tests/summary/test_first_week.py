"""A week whose previous week had no comments: the text and the e-mail say so once, no "semana anterior 0"."""

from __future__ import annotations

import email
from email import policy

from alumusic.repositories.summaries import get_summary
from alumusic.summary import text as summary_text
from alumusic.summary.message import SEM_ANTERIOR, build_message
from alumusic.summary.pipeline import build_and_store
from tests.support.factories import add_comments
from tests.support.weeks import known_week_items, moment


def _first_week(db, week):
    """The known week without its previous week's comments, summarised offline."""
    add_comments(db, [i for i in known_week_items(week) if i["recebido_em"] >= moment(week, 0, 0, 0)])
    build_and_store(db, week, client=None, num_ctx=4096)
    with db.connect() as conn:
        return get_summary(conn, week.label)


def test_the_offline_text_says_once_that_there_is_nothing_to_compare(db, week):
    stored = _first_week(db, week)
    assert stored.estatisticas["volume"]["semana_anterior"] == 0
    assert "semana anterior 0" not in stored.texto and "semana anterior 0,0%" not in stored.texto
    assert stored.texto.count("semana anterior") == 1
    assert "sem comentários na semana anterior para comparar" in stored.texto
    facts = summary_text.facts(stored.estatisticas)
    assert sum(line.count("semana anterior") for line in facts) == 1  # the prompt, too


def test_the_email_drops_the_previous_week_column(db, week):
    stored = _first_week(db, week)
    msg = email.message_from_bytes(build_message(stored, recipients=["a@x.com"]).as_bytes(), policy=policy.default)
    plain, html = (msg.get_body((kind,)).get_content() for kind in ("plain", "html"))
    for part in (plain, html):
        assert "Semana anterior" not in part and "Variação do volume" not in part
        assert SEM_ANTERIOR in part and "Comentários recebidos" in part


def test_with_a_previous_week_the_comparison_stays(known_week, db):
    build_and_store(db, known_week, client=None, num_ctx=4096)
    with db.connect() as conn:
        stored = get_summary(conn, known_week.label)
    assert "semana anterior 1" in stored.texto  # per category, e.g. ELOGIO: 2 the week before
    plain = build_message(stored, recipients=["a@x.com"]).get_body(("plain",)).get_content()
    assert "Semana anterior" in plain and SEM_ANTERIOR not in plain
