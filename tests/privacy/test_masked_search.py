"""Threat: a reader without admin recovers masked personal data through the free-text filter.

The API masks e-mails, phones, CPFs and personal links for such readers; if ``?texto=`` matched the
raw text, "does any comment hold 98765-432d?" for d = 0..9 would read a phone digit by digit. Their
searches match only what the mask leaves (``CommentFilter.masked``, ``f_sem_dados_pessoais``).
"""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from alumusic.domain import pii
from alumusic.repositories import comment_search as cs

EMAIL, PHONE = "fulana.tal+fas@hotmail.com", "(11) 98765-4321"
TEXT = f"Amei o show!! me chama no {EMAIL} ou no zap {PHONE} valeu"


@pytest.fixture
def posted(client, access_headers):
    headers = access_headers("poster-busca", ("ingest",))
    ids = []
    for texto in (TEXT, "Que show incrível, Luna! valeu"):
        ids.append(str(uuid.uuid4()))
        response = client.post("/api/comentarios", json={"id": ids[-1], "texto": texto, "artista": "Luna Ribeiro"},
                               headers=headers)
        assert response.status_code == 201
    return ids


def _found(client, headers, texto: str) -> list[str]:
    response = client.get("/api/comentarios", query_string={"texto": texto}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["itens"]]


def test_a_reader_finds_the_words_around_personal_data_never_inside_it(client, access_headers, posted):
    reader, admin = access_headers("leitor-busca", ("read",)), access_headers("chefe-busca", ("admin",))
    with_pii, other = posted
    for hidden in ("98765", "4321", "98765-4321", "(11) 9", "fulana", "fulana.tal", "hotmail", "hotmail.com",
                   "zap (11", "no fulana"):
        assert _found(client, reader, hidden) == [], hidden
        assert with_pii in _found(client, admin, hidden), hidden  # it is there: the admin finds it
    for visible in ("chama no", "zap", "Amei", "show"):
        assert with_pii in _found(client, reader, visible), visible
    assert set(_found(client, reader, "valeu")) == {with_pii, other}


def test_digit_by_digit_guessing_learns_nothing(client, access_headers, posted):
    reader = access_headers("leitor-palpite", ("read",))
    answers = {d: _found(client, reader, f"98765-432{d}") for d in "0123456789"}
    assert all(found == [] for found in answers.values()), answers


def test_the_spelling_fallback_treats_a_word_only_in_personal_data_as_absent(db, client, access_headers, posted):
    """Otherwise "no results" (the word exists, in the mask) and "close spellings" (it does not)
    would still tell a reader which words an e-mail address holds."""
    reader = access_headers("leitor-grafia", ("read",))
    with db.connect() as conn:
        assert not cs.spelling_fallback(conn, cs.CommentFilter(texto="fulana"))
        assert cs.spelling_fallback(conn, cs.CommentFilter(texto="fulana", masked=True))
        assert cs.spelling_fallback(conn, cs.CommentFilter(texto="fulanna", masked=True))
    assert _found(client, reader, "fulana") == _found(client, reader, "fulanna") == []


@pytest.mark.parametrize("texto", [
    TEXT, f"ação é coração {PHONE}", f"🎸🎸 {EMAIL} e {EMAIL.upper()} 🎤", f"{PHONE}", "sem nada pessoal", "",
    "CPF 529.982.247-25, site instagram.com/fulana_tal e wa.me/5511987654321 ok",
])
def test_the_sql_blanking_cuts_exactly_the_spans_python_detected(db, texto):
    """Offsets are code points on both sides: accents and emoji before a span must not shift it."""
    spans = pii.detect(texto)
    expected = texto
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        expected = expected[:span.start] + " " + expected[span.end:]
    with db.connect() as conn:
        blanked = conn.execute(sa.text("SELECT f_sem_dados_pessoais(:t, CAST(:s AS jsonb))"),
                               {"t": texto, "s": json.dumps(pii.spans_to_json(spans))}).scalar_one()
    assert blanked == expected
    assert all(texto[s.start:s.end] not in blanked for s in spans)


def test_after_detection_learns_a_kind_todos_refreshes_the_spans_search_blanks(db, client, access_headers, posted):
    """Search blanks the spans stored at ingest; rows detected before a kind existed keep stale ones
    (simulated: the phone's span dropped) until ``detectar-dados --todos`` detects them again."""
    from click.testing import CliRunner

    from alumusic.cli import cli

    reader = access_headers("leitor-antigo", ("read",))
    with_pii, other = posted
    stale = [s for s in pii.detect(TEXT) if s.kind != pii.TELEFONE]
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE comentarios SET dados_pessoais = CAST(:s AS jsonb) WHERE id = CAST(:id AS uuid)"),
                     {"s": json.dumps(pii.spans_to_json(stale)), "id": with_pii})
    assert _found(client, reader, "98765") == [with_pii]  # the risk: stale spans let the digits through
    plain = CliRunner().invoke(cli, ["comentarios", "detectar-dados"])  # fills only rows holding []
    assert plain.exit_code == 0 and _found(client, reader, "98765") == [with_pii]
    result = CliRunner().invoke(cli, ["comentarios", "detectar-dados", "--todos"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == (
        "total: 2 comentário(s) verificado(s), 1 com dados pessoais atualizados")
    assert _found(client, reader, "98765") == []
    with db.connect() as conn:
        spans = conn.execute(sa.text("SELECT dados_pessoais FROM comentarios WHERE id = CAST(:id AS uuid)"),
                             {"id": with_pii}).scalar_one()
    assert spans == pii.spans_to_json(pii.detect(TEXT))
    again = CliRunner().invoke(cli, ["comentarios", "detectar-dados", "--todos"])
    assert again.output.strip().splitlines()[-1].endswith(", 0 com dados pessoais atualizados")


@pytest.mark.parametrize("rows_read_max", [0, cs.ROWS_READ_MAX])
def test_masked_pages_hold_exactly_the_visible_matches_in_order_whichever_plan(db, monkeypatch, rows_read_max):
    """The raw page when every row passes the mask, else every masked match through the text
    indexes (or, above ROWS_READ_MAX, the newest-first walk): the same rows, newest first, paged."""
    from datetime import UTC, datetime, timedelta

    from alumusic.repositories import comments as repo

    monkeypatch.setattr(cs, "ROWS_READ_MAX", rows_read_max)
    texts = ["valeu demais", "valeu@gmail.com me escreve", "valeu, zap (11) 98765-4321", "contato valeu@hotmail.com",
             "valeu pela noite", "nada a ver", "valeu mesmo"]
    now = datetime.now(UTC)
    with db.begin() as conn:
        ids = repo.insert_comments(conn, [repo.NewComment(id=uuid.uuid4(), texto=t) for t in texts])
        stored = conn.execute(sa.text("SELECT id::text, texto FROM comentarios")).all()
        by_text = {texto: cid for cid, texto in stored}
        for age, texto in enumerate(texts):  # the first is the newest
            conn.execute(sa.text("UPDATE comentarios SET recebido_em = :t, dados_pessoais = CAST(:s AS jsonb) "
                                 "WHERE id = CAST(:id AS uuid)"),
                         {"t": now - timedelta(minutes=age), "id": by_text[texto],
                          "s": json.dumps(pii.spans_to_json(pii.detect(texto)))})
    assert len(ids) == len(texts)
    visible = [by_text[t] for t in ("valeu demais", "valeu, zap (11) 98765-4321", "valeu pela noite", "valeu mesmo")]
    with db.connect() as conn:
        got, cursor = [], None
        while True:
            page = cs.search(conn, cs.CommentFilter(texto="valeu", masked=True), limit=2, cursor=cursor)
            got += [str(r["id"]) for r in page.items]
            if not (cursor := page.next_cursor):
                break
        raw = cs.search(conn, cs.CommentFilter(texto="valeu"), limit=50)
    assert got == visible
    assert len(raw.items) == 6  # the admin also finds the two inside e-mail addresses
