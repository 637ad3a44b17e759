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
