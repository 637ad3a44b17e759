"""Summary text (offline and LLM through the emulator), the capped sample, the e-mail parts."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest
import sqlalchemy as sa

from alumusic.domain.quotes import MAX_CHARS_PER_COMMENT
from alumusic.llm.ollama import client_from_settings
from alumusic.repositories.summaries import StoredSummary, get_summary
from alumusic.summary import text as summary_text
from alumusic.summary.message import build_message
from alumusic.summary.pipeline import build_and_store, email_decision
from alumusic.summary.sample import QUOTAS, budget_chars, sample_comments
from alumusic.summary.stats import weekly_stats
from tests.support.factories import add_comments
from tests.support.weeks import moment, week_item


def _stats_and_sample(db, week):
    with db.connect() as conn:
        return weekly_stats(conn, week), sample_comments(conn, week, budget=budget_chars(4096))


def test_offline_summary_is_deterministic_marked_and_quotes_comments(known_week, db):
    stats, sample = _stats_and_sample(db, known_week)
    first = summary_text.offline_summary(stats, sample)
    assert first == summary_text.offline_summary(*_stats_and_sample(db, known_week))
    assert first.classificador == "offline" and first.modelo is None
    assert first.texto.startswith("[Resumo gerado sem LLM (modo offline)")
    lines = first.texto.splitlines()
    assert [h for h in summary_text.HEADINGS if h in lines] == list(summary_text.HEADINGS)
    assert "13 comentários recebidos" in first.texto and "+225,0%" in first.texto
    assert "Luna Ribeiro" in first.texto and "“" in first.texto  # a quoted comment
    assert "quando sai o álbum novo?" in first.texto  # the week's question


def test_sample_respects_quotas_diversity_length_and_budget(db, week):
    long_text = "muito bom " * 60  # 600 characters
    items = [week_item(f"{long_text} {i}", f"Artista {i % 4}", None, "ELOGIO", [], moment(week, i % 7))
             for i in range(30)]
    items += [week_item(f"spam {i} www.x.com", None, None, "SPAM", [], moment(week, 1)) for i in range(10)]
    add_comments(db, items)
    with db.connect() as conn:
        sample = sample_comments(conn, week, budget=100_000)
        small = sample_comments(conn, week, budget=1500)
    elogios = [c for c in sample if c["categoria"] == "ELOGIO"]
    assert len(elogios) == QUOTAS["ELOGIO"] and len([c for c in sample if c["categoria"] == "SPAM"]) == QUOTAS["SPAM"]
    assert len({c["artista"] for c in elogios[:4]}) == 4  # one per artist before repeating
    assert all(len(c["texto"]) <= MAX_CHARS_PER_COMMENT for c in sample)
    assert sum(len(c["texto"]) + 40 for c in small) <= 1500 and {c["categoria"] for c in small} == {"ELOGIO", "SPAM"}


def test_llm_summary_through_the_emulator(known_week, db, ollama):
    from alumusic.settings import get_settings

    client = client_from_settings(get_settings())
    report = build_and_store(db, known_week, client=client, num_ctx=4096, allow_fallback=False)
    assert report["classificador"] == "ollama"
    with db.connect() as conn:
        row = get_summary(conn, known_week.label)
    assert row.classificador == "ollama" and row.modelo == "qwen2.5:3b"
    assert row.versao_prompt == summary_text.VERSAO_PROMPT
    assert [h for h in summary_text.HEADINGS if h in row.texto.splitlines()] == list(summary_text.HEADINGS)
    assert row.estatisticas["volume"]["total"] == 13
    [req] = [r["body"] for r in ollama.received]
    user = req["messages"][-1]["content"]
    assert "13 comentários recebidos" in user and "<comentarios>" in user and "autotune estragou tudo" in user
    assert set(req["format"]["required"]) == {"destaques", "hype", "insatisfacao", "duvidas_e_sugestoes", "observacoes"}


@pytest.mark.parametrize("mode", ["http_500", "invalid_json", "truncated", "model_missing"])
def test_llm_failure_raises_or_falls_back_to_the_marked_offline_text(known_week, db, ollama, mode):
    from alumusic.settings import get_settings

    client = client_from_settings(get_settings())
    ollama.set_failure(mode)
    with pytest.raises(Exception):  # noqa: B017 - each mode surfaces as a different client error
        build_and_store(db, known_week, client=client, num_ctx=4096, allow_fallback=False)
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM resumos_semanais")).scalar() == 0
    build_and_store(db, known_week, client=client, num_ctx=4096, allow_fallback=True)
    with db.connect() as conn:
        row = get_summary(conn, known_week.label)
    assert row.classificador == "offline" and "o LLM falhou" in row.texto.splitlines()[0]


def _stored(db, week) -> StoredSummary:
    build_and_store(db, week, client=None, num_ctx=4096)
    with db.connect() as conn:
        return get_summary(conn, week.label)


def test_email_has_text_and_html_parts_with_the_numbers(known_week, db):
    stored = _stored(db, known_week)
    msg = build_message(stored, recipients=["a@exemplo.com", "b@exemplo.com"])
    parsed = email.message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert known_week.label in parsed["Subject"] and parsed["To"] == "a@exemplo.com, b@exemplo.com"
    for part in (plain, html):
        assert "Comentários recebidos" in part and "+225,0%" in part and "16,7%" in part
    assert "<table" in html and "<h3" in html and "Insatisfação" in plain


def test_html_escapes_comment_text(db, week):
    add_comments(db, [week_item("<script>alert(1)</script> amei demais", "Luna", None, "ELOGIO", [], moment(week, 2))])
    html = build_message(_stored(db, week), recipients=["a@x.com"]).get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_email_decision():
    row = StoredSummary("2026-W47", None, None, "t", {}, "offline", None, None, datetime.now(UTC), None, [])
    sent = StoredSummary(**{**row.__dict__, "enviado_em": datetime.now(UTC)})
    assert email_decision(row, reenviar=False, automatic=True)[0] is True
    assert email_decision(row, reenviar=False, automatic=False)[0] is False  # backfill
    assert email_decision(sent, reenviar=False, automatic=True)[0] is False  # rerun
    assert email_decision(sent, reenviar=True, automatic=False)[0] is True
