"""Obligation (LGPD art. 18, VI): a data subject may have their comment erased, and erased means gone.

Threats pinned here: an erasure that leaves the text behind somewhere (the search column, a tag
explanation quoting it, an older classification in the history, the last error of a failed
attempt, the personal-data spans, the audit row itself); an erasure that silently changes the
numbers everyone reads (the public report must stay the same); the append-only history becoming
writable outside an erasure; a non-admin API client (or a hostile body) erasing or half-erasing
anything; a classifier worker that held the comment when it was erased writing a result that
quotes the text afterwards.

The strongest check scans every column of every table in the product database for a word of the
erased text (``col::text LIKE``), nothing excluded.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from alumusic.domain import Outcome, pii
from alumusic.pipeline.batch import store_outcomes
from alumusic.pipeline.stats import BatchStats
from alumusic.repositories import classifications, comment_search, erasure, queue, taxonomy
from alumusic.repositories.report import fetch_report
from tests.dashboard.seed import seed
from tests.support.api import assert_error
from tests.support.factories import add_comment, classification

WORD = "zumbarelho"  # appears nowhere else in the test data
EMAIL = f"titular.{WORD}@example.com"
PHONE = "98765-4321"
TEXT = f"Chorei com essa música, aqui é a Zumbarelho da Silva, me chama {EMAIL} ou (11) {PHONE}"


def add_target(conn, *, quando: datetime | None = None, fonte: str = "teste", texto: str = TEXT,
               classify: bool = True, correct: bool = True, quote: str = WORD) -> str:
    """A comment whose tag explanations, history and last error all quote ``quote`` (its text, WORD)."""
    quando = quando or datetime.now(UTC) - timedelta(hours=20)
    cid = add_comment(conn, texto, artista="Luna Ribeiro", album="Maré Alta", recebido_em=quando, publicado_em=quando,
                      fonte=fonte, enviado_por="teste", categoria="ELOGIO" if classify else None,
                      tags=[("fa_emocao", f'diz "chorei", assina {quote}')] if classify else (), confianca=0.8)["id"]
    if correct:
        classifications.record_manual_correction(
            conn, cid, "SUGESTÃO",
            [{"codigo": "fa_emocao", "explicacao": f"emoção de {quote}"},
             {"codigo": "artista_carisma", "explicacao": "fã da artista"}], autor="curadora")
    if classify:  # e.g. a later reclassification whose answer was refused
        conn.execute(sa.text("UPDATE comentarios SET ultimo_erro = :e WHERE id = CAST(:id AS uuid)"),
                     {"e": f"InvalidAnswerError: resposta citou '{quote}'", "id": cid})
    return cid


def rows_containing(conn, needle: str) -> list[tuple[str, str, str, int]]:
    """(schema, table, column, rows) for every column of every table whose text form contains ``needle``."""
    quote = conn.dialect.identifier_preparer.quote
    columns = conn.execute(sa.text(
        """
        SELECT c.table_schema, c.table_name, c.column_name
          FROM information_schema.columns c
          JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
         ORDER BY 1, 2, 3
        """)).all()
    assert len(columns) > 50  # the scan really covers the schema
    hits = []
    for schema, table, column in columns:
        count = conn.execute(
            sa.text(f"SELECT count(*) FROM {quote(schema)}.{quote(table)} WHERE lower({quote(column)}::text) LIKE :p"),
            {"p": f"%{needle.lower()}%"}).scalar_one()
        if count:
            hits.append((schema, table, column, count))
    return hits


def comment_row(conn, cid: str) -> dict:
    return dict(conn.execute(sa.text(
        "SELECT texto, texto_busca, dados_pessoais, texto_removido_em, texto_removido_por, status, ultimo_erro, "
        "lease_dono, classificacao_atual_id, categoria_atual FROM comentarios WHERE id = CAST(:id AS uuid)"),
        {"id": cid}).mappings().one())


def audit_rows(conn) -> list[dict]:
    return [dict(r) for r in conn.execute(sa.text(
        "SELECT autor, origem, motivo, criterio, quantidade FROM apagamentos ORDER BY id")).mappings()]


def without_time(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "gerado_em"}


# --- the repository ----------------------------------------------------------------------------
def test_erasure_removes_the_text_everywhere_and_keeps_every_count(db):
    seed(db)
    with db.begin() as conn:
        cid = add_target(conn)
        other = add_target(conn, texto="outro comentário, este fica", quote="outra pessoa")
    with db.connect() as conn:
        before_hits = {(t, c) for _, t, c, _ in rows_containing(conn, WORD)}
        assert {("comentarios", "texto"), ("comentarios", "texto_busca"), ("comentarios", "ultimo_erro"),
                ("classificacao_tags", "explicacao")} <= before_hits  # the scan sees the text where it is
        assert comment_row(conn, cid)["dados_pessoais"]  # spans found at ingest
        assert len(classifications.history(conn, cid)) == 2
        current_before = comment_row(conn, cid)["classificacao_atual_id"]
    report_before = fetch_report(db)

    with db.begin() as conn:
        assert erasure.erase(conn, ids=[cid], autor="encarregada", origem="painel",
                             motivo="pedido do titular por e-mail") == 1

    with db.connect() as conn:
        row = comment_row(conn, cid)
        assert row["texto"] == erasure.MARCADOR_APAGADO == "[comentário apagado]"
        assert row["texto_busca"] == "[comentario apagado]"  # generated from the new text
        assert row["dados_pessoais"] == [] and row["texto_removido_por"] == "apagamento"
        assert row["texto_removido_em"] is not None and row["ultimo_erro"] is None
        assert row["status"] == "classificado" and row["classificacao_atual_id"] == current_before
        assert row["categoria_atual"] == "SUGESTÃO"

        # Search by a word of the old text finds nothing; the marker is what is left.
        for needle in (WORD, "Zumbarelho", "chorei", EMAIL):
            page = comment_search.search(conn, comment_search.CommentFilter(texto=needle))
            assert [i["id"] for i in page.items if str(i["id"]) == cid] == []
        assert comment_search.get_comment(conn, cid)["texto"] == "[comentário apagado]"

        # Only the current classification is left, its tag codes intact, explanations replaced.
        (current,) = classifications.history(conn, cid)
        assert current["atual"] and current["origem"] == "manual" and current["categoria"] == "SUGESTÃO"
        assert current["tags"] == [{"codigo": "artista_carisma", "explicacao": "removida com o texto"},
                                   {"codigo": "fa_emocao", "explicacao": "removida com o texto"}]
        assert len(classifications.history(conn, other)) == 2  # the neighbour is untouched
        assert comment_row(conn, other)["texto"] == "outro comentário, este fica"

        # Nowhere in the database, in any column of any table.
        for needle in (WORD, PHONE, "chorei com essa"):
            assert rows_containing(conn, needle) == [], needle

        (audit,) = audit_rows(conn)
        assert audit == {"autor": "encarregada", "origem": "painel", "motivo": "pedido do titular por e-mail",
                         "criterio": {"ids": [cid], "fonte": None, "antes": None}, "quantidade": 1}

    # Every chart of the report reads the same numbers (the current classification stayed).
    assert without_time(fetch_report(db)) == without_time(report_before)


def test_erasing_twice_erases_nothing_the_second_time_and_both_requests_are_recorded(db):
    with db.begin() as conn:
        cid = add_target(conn)
        assert erasure.erase(conn, ids=[cid], autor="a", origem="cli", motivo="pedido") == 1
    with db.begin() as conn:
        assert erasure.erase(conn, ids=[cid, str(uuid.uuid4())], autor="a", origem="cli", motivo="pedido de novo") == 0
    with db.connect() as conn:
        assert [a["quantidade"] for a in audit_rows(conn)] == [1, 0]
        assert len(classifications.history(conn, cid)) == 1
        assert comment_row(conn, cid)["texto"] == erasure.MARCADOR_APAGADO


def test_erasure_by_source_and_date_and_its_argument_checks(db):
    now = datetime.now(UTC)
    with db.begin() as conn:
        old_a = add_target(conn, quando=now - timedelta(days=40), fonte="youtube", correct=False)
        new_a = add_target(conn, quando=now - timedelta(days=1), fonte="youtube", correct=False)
        old_b = add_target(conn, quando=now - timedelta(days=40), fonte="instagram", correct=False)
        new_b = add_target(conn, quando=now - timedelta(days=1), fonte="instagram", correct=False)

    for bad in ({}, {"ids": []}, {"fonte": "  "}, {"antes": datetime(2026, 1, 1)}, {"ids": ["nao-e-uuid"]}):
        with db.begin() as conn, pytest.raises(ValueError):
            erasure.erase(conn, **bad, autor="a", origem="cli", motivo="m")
    for kwargs in ({"autor": " ", "origem": "cli", "motivo": "m"}, {"autor": "a", "origem": "cli", "motivo": ""},
                   {"autor": "a", "origem": "ftp", "motivo": "m"}, {"autor": "a", "origem": "cli", "motivo": "x" * 501}):
        with db.begin() as conn, pytest.raises(ValueError):
            erasure.erase(conn, fonte="youtube", **kwargs)

    cutoff = now - timedelta(days=7)
    with db.begin() as conn:  # AND of the criteria: old ones of one source only
        assert erasure.count_erasable(conn, fonte="youtube", antes=cutoff) == 1
        assert erasure.erase(conn, fonte="youtube", antes=cutoff, autor="a", origem="cli", motivo="m") == 1
    with db.begin() as conn:
        assert erasure.erase(conn, fonte="instagram", autor="a", origem="cli", motivo="m") == 2
    with db.connect() as conn:
        erased = {c for c in (old_a, new_a, old_b, new_b) if comment_row(conn, c)["texto_removido_por"]}
        assert erased == {old_a, old_b, new_b}
        audits = audit_rows(conn)
    assert [a["quantidade"] for a in audits] == [1, 2]  # refused calls wrote nothing
    assert audits[0]["criterio"] == {"ids": None, "fonte": "youtube", "antes": cutoff.isoformat()}
    assert audits[1]["criterio"] == {"ids": None, "fonte": "instagram", "antes": None}


def test_history_stays_append_only_outside_an_erasure(db):
    with db.begin() as conn:
        cid = add_target(conn)
    refused = ("DELETE FROM classificacoes", "UPDATE classificacao_tags SET explicacao = 'x'",
               "DELETE FROM classificacao_tags", "UPDATE classificacoes SET categoria = 'SPAM'")
    for sql in refused:
        with pytest.raises(sa.exc.DBAPIError) as exc, db.begin() as conn:
            conn.execute(sa.text(sql))
        assert exc.value.orig.pgcode == "23001", sql  # restrict_violation, from the trigger

    # erase() switches the permission off again: later statements of the same transaction are
    # refused, and the whole transaction (the erasure included) rolls back.
    with pytest.raises(sa.exc.DBAPIError) as exc, db.begin() as conn:
        erasure.erase(conn, ids=[cid], autor="a", origem="cli", motivo="m")
        conn.execute(sa.text("DELETE FROM classificacoes"))
    assert exc.value.orig.pgcode == "23001"
    with db.connect() as conn:
        assert comment_row(conn, cid)["texto"] == TEXT and len(classifications.history(conn, cid)) == 2
        assert audit_rows(conn) == []


def test_a_worker_holding_the_comment_cannot_store_a_result_after_the_erasure(db):
    """The classifier read the text before the erasure; its answer (which may quote it) is dropped."""
    with db.begin() as conn:
        pending = add_target(conn, classify=False, correct=False)
        ((held, _),) = queue.claim_batch(conn, queue.Scope(), "execucao/lote-0000", 1, 600)
    assert held == pending
    with db.begin() as conn:
        assert erasure.erase(conn, ids=[pending], autor="a", origem="api", motivo="m") == 1
    late = Outcome(pending, result=classification("ELOGIO", [("fa_emocao", f"cita {WORD}")]))
    stats = BatchStats()
    with db.begin() as conn:
        store_outcomes(conn, "execucao/lote-0000", [late], taxonomy.active_codes(conn), 3, stats)
    assert stats.classificados == 0 and stats.ignorados == 1
    with db.connect() as conn:
        row = comment_row(conn, pending)
        assert classifications.history(conn, pending) == []
        assert rows_containing(conn, WORD) == []
    # Nothing left to classify: it leaves the queue for good, saying why.
    assert row["status"] == "falhou" and row["ultimo_erro"] == erasure.ERRO_SEM_TEXTO and row["lease_dono"] is None


def test_erasure_after_retention_still_removes_the_history(db):
    with db.begin() as conn:
        cid = add_target(conn, quando=datetime.now(UTC) - timedelta(days=100))
    with db.connect() as conn:
        assert erasure.apply_retention(conn, 30) == 1
        assert len(classifications.history(conn, cid)) == 2  # retention keeps it
    with db.begin() as conn:
        assert erasure.erase(conn, ids=[cid], autor="a", origem="cli", motivo="m") == 1
    with db.connect() as conn:
        row = comment_row(conn, cid)
        assert row["texto"] == erasure.MARCADOR_APAGADO and row["texto_removido_por"] == "apagamento"
        assert len(classifications.history(conn, cid)) == 1


# --- the API -----------------------------------------------------------------------------------
@pytest.fixture
def target(db):
    with db.begin() as conn:
        return add_target(conn)


def _state(db) -> tuple:
    """Everything a refused request must leave as it was."""
    with db.connect() as conn:
        return (conn.execute(sa.text("SELECT array_agg(texto ORDER BY id) FROM comentarios")).scalar(),
                conn.execute(sa.text("SELECT count(*) FROM classificacoes")).scalar(),
                conn.execute(sa.text("SELECT array_agg(explicacao ORDER BY classificacao_id, codigo) "
                                     "FROM classificacao_tags")).scalar(),
                conn.execute(sa.text("SELECT count(*) FROM apagamentos")).scalar())


def test_api_delete_by_admin_erases_and_is_idempotent(client, access_headers, target, db):
    admin, reader = access_headers("dpo-admin", ("admin",)), access_headers("leitor", ("read",))
    resp = client.delete(f"/api/comentarios/{target}", headers=admin)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"id": target, "apagado": True}

    shown = client.get(f"/api/comentarios/{target}", headers=reader).get_json()
    assert shown["texto"] == "[comentário apagado]" and len(shown["historico"]) == 1
    assert all(t["explicacao"] == "removida com o texto" for t in shown["historico"][0]["tags"])

    again = client.delete(f"/api/comentarios/{target}", headers=admin, json={"motivo": "titular pediu de novo"})
    assert again.status_code == 200 and again.get_json() == {"id": target, "apagado": False}
    with db.connect() as conn:
        assert audit_rows(conn) == [
            {"autor": "dpo-admin", "origem": "api", "motivo": "pedido do titular via API",
             "criterio": {"ids": [target], "fonte": None, "antes": None}, "quantidade": 1},
            {"autor": "dpo-admin", "origem": "api", "motivo": "titular pediu de novo",
             "criterio": {"ids": [target], "fonte": None, "antes": None}, "quantidade": 0},
        ]
        assert rows_containing(conn, WORD) == []


def test_api_delete_refuses_everyone_but_admin_and_changes_nothing(client, access_headers, app, target, db):
    from flask_jwt_extended import create_access_token

    url = f"/api/comentarios/{target}"
    before = _state(db)
    for nome, papeis in (("ingestor", ("ingest",)), ("leitor", ("read",)), ("parceiro", ("ingest", "read"))):
        body = assert_error(client.delete(url, headers=access_headers(nome, papeis)), 403)
        assert "admin" in body["erro"]["mensagem"]
    assert_error(client.delete(url), 401)
    assert_error(client.delete(url, headers={"Authorization": "Bearer nao.e.jwt"}), 401)
    # A token claiming admin for a client that does not hold it (any more) is refused too.
    reader = access_headers("ex-admin", ("read",))
    with db.connect() as conn:
        cid = conn.execute(sa.text("SELECT id FROM api_clientes WHERE nome = 'ex-admin'")).scalar_one()
    with app.app_context():
        forged = create_access_token("ex-admin", additional_claims={"cid": cid, "papeis": ["admin", "read"]})
    assert_error(client.delete(url, headers={"Authorization": f"Bearer {forged}"}), 403)
    assert client.get(url, headers=reader).status_code == 200
    assert _state(db) == before


@pytest.mark.parametrize("path", [f"/api/comentarios/{uuid.uuid4()}", "/api/comentarios/nao-e-uuid",
                                  "/api/comentarios/1", "/api/comentarios/%00", "/api/comentarios/"])
def test_api_delete_unknown_or_malformed_id_is_404(client, access_headers, target, db, path):
    before = _state(db)
    assert_error(client.delete(path, headers=access_headers("dpo-admin", ("admin",))), 404)
    assert _state(db) == before


@pytest.mark.parametrize(("data", "content_type", "status"), [
    ('{"motivo": ""}', "application/json", 422),
    ('{"motivo": "   "}', "application/json", 422),
    (json.dumps({"motivo": "x" * 501}), "application/json", 422),
    ('{"motivo": "a\\u0000b"}', "application/json", 422),
    ('{"motivo": "\\ud800"}', "application/json", 422),
    ('{"motivo": 42}', "application/json", 422),
    ('{"motivo": null}', "application/json", 422),
    ('{"motivo": ["a"]}', "application/json", 422),
    ('{"motivo": "ok", "apagar_tudo": true}', "application/json", 422),
    ('["motivo"]', "application/json", 422),
    ('"motivo"', "application/json", 422),
    ('{"motivo": "ok"', "application/json", 400),
    ("[" * 10_000 + "]" * 10_000, "application/json", 400),
    ("motivo=ok", "application/x-www-form-urlencoded", 415),
    ("motivo", "text/plain", 415),
])
def test_api_delete_hostile_bodies_are_4xx_and_change_nothing(client, access_headers, target, db,
                                                             data, content_type, status):
    before = _state(db)
    resp = client.delete(f"/api/comentarios/{target}", data=data, content_type=content_type,
                         headers=access_headers("dpo-admin", ("admin",)))
    assert_error(resp, status)
    assert _state(db) == before


def test_api_delete_is_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").get_json()
    op = doc["paths"]["/api/comentarios/{comentario_id}"]["delete"]
    assert op["security"] == [{"bearerAuth": []}]
    assert {"200", "401", "403", "404", "422"} <= set(op["responses"])
    assert doc["components"]["schemas"]["PedidoApagamento"]["properties"]["motivo"]["maxLength"] == 500


# --- the CLI -----------------------------------------------------------------------------------
def test_cli_erases_by_id_with_a_required_reason(db):
    from alumusic.cli import cli

    with db.begin() as conn:
        a, b, c = add_target(conn), add_target(conn), add_target(conn)
    runner = CliRunner()
    assert runner.invoke(cli, ["comentarios", "apagar", "--id", a]).exit_code == 2  # --motivo is required
    assert runner.invoke(cli, ["comentarios", "apagar", "--motivo", "m"]).exit_code == 2  # some criterion
    assert runner.invoke(cli, ["comentarios", "apagar", "--id", a, "--fonte", "teste", "--motivo", "m"]).exit_code == 2
    assert runner.invoke(cli, ["comentarios", "apagar", "--id", "nao-e-uuid", "--motivo", "m"]).exit_code == 2
    blank = runner.invoke(cli, ["comentarios", "apagar", "--id", a, "--motivo", "  "])
    assert blank.exit_code == 1 and "motivo é obrigatório" in blank.output

    result = runner.invoke(cli, ["comentarios", "apagar", "--id", a, "--id", b, "--motivo", "pedido por e-mail"])
    assert result.exit_code == 0, result.output
    assert "2 comentário(s) apagado(s)" in result.output
    again = runner.invoke(cli, ["comentarios", "apagar", "--id", a, "--motivo", "de novo"])
    assert again.exit_code == 0 and "0 comentário(s) apagado(s)" in again.output
    with db.connect() as conn:
        assert {x for x in (a, b, c) if comment_row(conn, x)["texto_removido_por"]} == {a, b}
        audits = audit_rows(conn)
    assert [(x["origem"], x["quantidade"]) for x in audits] == [("cli", 2), ("cli", 0)]
    assert audits[0]["autor"].startswith("cli:") and audits[0]["criterio"]["ids"] == sorted([a, b])


def test_cli_erasure_by_source_or_date_asks_for_confirmation(db):
    from alumusic.cli import cli

    now = datetime.now(UTC)
    with db.begin() as conn:
        yt = [add_target(conn, fonte="youtube", correct=False) for _ in range(2)]
        old = add_target(conn, fonte="radio", quando=now - timedelta(days=400), correct=False)
        kept = add_target(conn, fonte="radio", correct=False)
    runner = CliRunner()
    refused = runner.invoke(cli, ["comentarios", "apagar", "--fonte", "youtube", "--motivo", "fonte removida"],
                            input="n\n")
    assert refused.exit_code == 1 and "2 comentário(s) da fonte 'youtube' a apagar" in refused.output
    assert "nada foi apagado" in refused.output
    with db.connect() as conn:
        assert not any(comment_row(conn, x)["texto_removido_por"] for x in yt) and audit_rows(conn) == []

    accepted = runner.invoke(cli, ["comentarios", "apagar", "--fonte", "youtube", "--motivo", "fonte removida"],
                             input="y\n")
    assert accepted.exit_code == 0 and "2 comentário(s) apagado(s)" in accepted.output
    cutoff = (now - timedelta(days=30)).strftime("%Y-%m-%d")
    by_date = runner.invoke(cli, ["comentarios", "apagar", "--antes", cutoff, "--motivo", "limpeza", "--sim"])
    assert by_date.exit_code == 0 and "1 comentário(s) apagado(s)" in by_date.output, by_date.output
    assert "recebidos antes de" in by_date.output
    with db.connect() as conn:
        assert comment_row(conn, old)["texto_removido_por"] == "apagamento"
        assert comment_row(conn, kept)["texto_removido_por"] is None
        assert audit_rows(conn)[-1]["criterio"]["antes"].startswith(cutoff)


def test_cli_detects_personal_data_of_rows_stored_before_detection(db):
    from alumusic.cli import cli
    from alumusic.domain import pii

    texts = [f"me chama {EMAIL}", "sem nada pessoal", f"zap (11) {PHONE}", "só música boa",
             "cpf 529.982.247-25 aqui"]
    with db.begin() as conn:
        ids = [add_target(conn, texto=t, classify=False, correct=False) for t in texts]
        erased = add_target(conn, classify=False, correct=False)
        assert erasure.erase(conn, ids=[erased], autor="a", origem="cli", motivo="m") == 1
        # Rows from before migration 0008 hold [] (and an erased one must stay [] whatever its text).
        conn.execute(sa.text("UPDATE comentarios SET dados_pessoais = '[]'"))
        conn.execute(sa.text("UPDATE comentarios SET texto = :t WHERE id = CAST(:id AS uuid)"),
                     {"t": f"texto antigo {EMAIL}", "id": erased})

    result = CliRunner().invoke(cli, ["comentarios", "detectar-dados", "--lote", "2"])
    assert result.exit_code == 0, result.output
    assert "lote 1: 2 lido(s)" in result.output
    assert result.output.strip().splitlines()[-1] == "total: 5 comentário(s) verificado(s), 3 com dados pessoais"
    with db.connect() as conn:
        for cid, texto in zip(ids, texts, strict=True):
            assert comment_row(conn, cid)["dados_pessoais"] == pii.spans_to_json(pii.detect(texto))
        assert comment_row(conn, erased)["dados_pessoais"] == []
    again = CliRunner().invoke(cli, ["comentarios", "detectar-dados"])
    assert again.output.strip().splitlines()[-1] == "total: 2 comentário(s) verificado(s), 0 com dados pessoais"


def test_the_pipeline_never_classifies_a_removed_text_again(db):
    """Neither the queue, nor reprocessing failures, nor reclassifying the period picks an erased comment."""
    from alumusic.repositories.queue import reset_failed

    with db.begin() as conn:
        pending = add_target(conn, classify=False, correct=False)  # erased before any classification
        done = add_target(conn, correct=False)  # automatic classification of version teste-1
        erasure.erase(conn, ids=[pending, done], autor="curadora", origem="painel", motivo="pedido do titular")
        assert reset_failed(conn) == 0
        for scope in (queue.Scope(), queue.Scope(desde=datetime.now(UTC) - timedelta(days=2),
                                                   ate=datetime.now(UTC), versao="teste-2")):
            assert queue.count_candidates(conn, scope) == 0
            assert queue.claim_batch(conn, scope, "run-1", 10, 60) == []


def test_erasure_removes_verbatim_quotes_from_stored_summaries_and_answers(db):
    from alumusic.domain.quotes import clean
    from alumusic.repositories.summaries import upsert_summary
    from alumusic.summary.weeks import IsoWeek

    with db.begin() as conn:
        cid = add_target(conn, correct=False)
        other = "Outro fã escreveu que o show de Recife foi o melhor do ano, sem dúvida nenhuma."
        quoted = clean(pii.mask(TEXT))  # as the prompt's sample showed it
        week = IsoWeek.of((datetime.now(UTC) - timedelta(days=7)).date())
        upsert_summary(conn, week, texto=f'Destaque: "{quoted}". {other}', estatisticas={"citacoes": [quoted, other]},
                       classificador="teste", modelo=None, versao_prompt=None)
        conn.execute(sa.text("INSERT INTO insights_perguntas (pergunta, resposta, origem) VALUES ('quem?', :r, 'api')"),
                     {"r": f"Um fã disse: {quoted}"})
        erasure.erase(conn, ids=[cid], autor="curadora", origem="painel", motivo="pedido do titular")
        summary = conn.execute(sa.text("SELECT texto, estatisticas FROM resumos_semanais")).one()
        answer = conn.execute(sa.text("SELECT resposta FROM insights_perguntas")).scalar_one()
    assert WORD not in summary.texto and WORD not in json.dumps(summary.estatisticas, ensure_ascii=False)
    assert summary.texto == f'Destaque: "[comentário apagado]". {other}'
    assert summary.estatisticas == {"citacoes": ["[comentário apagado]", other]}
    assert answer == "Um fã disse: [comentário apagado]"
