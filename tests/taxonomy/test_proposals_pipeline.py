"""A taxonomy that grows, on real PostgreSQL and the Ollama emulator: the model proposes a tag for
an aspect the seed lacks, the pipeline aggregates it across comments (an invalid proposal is
dropped with a log line and never fails the batch), curators approve, merge or reject, every
classification records the taxonomy version, and a backfill after a decision re-tags the examples
without rewriting history."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from alumusic.classification.prompts import PROMPT_VERSION
from alumusic.pipeline import runs
from alumusic.pipeline.run_plan import plan_run
from alumusic.repositories import classifications, erasure, tag_proposals, taxonomy
from alumusic.settings import get_settings
from tests.support.pipeline import MODEL, classification_rows
from tests.support.taxonomy import CASSETE_TEXTS, OTHER_TEXTS, VINIL, VINIL_TEXTS, comments, proposal_row, proposed

OLD = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
PERIOD = {"desde": "2026-11-01", "ate": "2026-11-05"}


def _run(db, run_id="run", **params):
    plan, owners = runs.prepare(db, plan_run(params, get_settings()), run_id)
    return runs.summarize(runs.classify(db, plan, owner) for owner in owners)


def _version(db) -> str:
    with db.connect() as conn:
        return taxonomy.version(conn)


def _current_tags(db, cid) -> dict[str, str]:
    with db.connect() as conn:
        hist = classifications.history(conn, cid)
    current = next(h for h in hist if h["atual"])
    return {t["codigo"]: t["explicacao"] for t in current["tags"]}


def _examples(db, codigo) -> int:
    with db.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM propostas_tags_exemplos WHERE codigo = :c"),
                            {"c": codigo}).scalar_one()


@pytest.mark.usefixtures("ollama_env")
def test_the_model_proposes_a_tag_and_it_is_aggregated_across_comments(db, caplog):
    caplog.set_level(logging.INFO)
    vinil = comments(db, VINIL_TEXTS)
    comments(db, CASSETE_TEXTS + OTHER_TEXTS)
    stats = _run(db, tamanho_lote=3)  # several batches and chunks propose the same code
    assert (stats.classificados, stats.pendentes, stats.falharam) == (7, 0, 0)

    with db.connect() as conn:
        (p,) = tag_proposals.listing(conn)
        codes = conn.execute(sa.text("SELECT codigo FROM propostas_tags")).scalars().all()
    assert codes == ["album_vinil"]  # midia_cassete (unknown area) was dropped, not stored
    assert (p.codigo, p.area, p.estado, p.rotulo, p.comentarios) == ("album_vinil", "album", "pendente",
                                                                      "Edição em vinil", 4)
    assert len(p.exemplos) == 3 and {e.comentario_id for e in p.exemplos} <= set(vinil)
    assert all(e.explicacao == "O comentário fala da edição em vinil." for e in p.exemplos)
    assert p.primeiro_recebido_em is not None and p.ultimo_recebido_em >= p.primeiro_recebido_em
    messages = [r.getMessage() for r in caplog.records]
    assert any("proposta de tag descartada: proposta 'midia_cassete' com área desconhecida" in m for m in messages)
    assert any("tags propostas pelo modelo (aguardam curadoria): album_vinil" in m for m in messages)

    version = _version(db)
    rows = classification_rows(db)
    assert {r["versao_taxonomia"] for r in rows} == {version} and version.startswith("tx")
    assert {r["versao"] for r in rows} == {f"ollama:{MODEL}:{PROMPT_VERSION}:{version}"}
    assert not any("album_vinil" in (r["tags"] or []) for r in rows)  # a proposal is never a stored tag


def test_offline_classifier_never_proposes(db):
    comments(db, VINIL_TEXTS)
    assert _run(db, backend="offline").classificados == 4
    assert proposal_row(db, "album_vinil") is None
    assert {r["versao_taxonomia"] for r in classification_rows(db)} == {_version(db)}  # recorded for every backend


@pytest.mark.usefixtures("ollama_env")
def test_approval_enters_the_taxonomy_and_a_backfill_retags_the_examples(db):
    vinil = comments(db, VINIL_TEXTS, recebido_em=OLD)
    other = comments(db, OTHER_TEXTS, recebido_em=OLD)
    assert _run(db, "inicial").classificados == 6
    before = _version(db)

    with db.begin() as conn:
        assert tag_proposals.approve(conn, "album_vinil", "curadora")
    row = proposal_row(db, "album_vinil")
    assert (row["estado"], row["decidido_por"], row["mesclada_em"]) == ("aprovada", "curadora", None)
    with db.connect() as conn:
        tag = next(t for t in taxonomy.active_tags(conn) if t.codigo == "album_vinil")
    assert (tag.rotulo, tag.descricao) == (VINIL.rotulo, VINIL.descricao)
    after = _version(db)
    assert after != before
    assert all("album_vinil" not in _current_tags(db, cid) for cid in vinil)  # history is not rewritten

    stats = _run(db, "backfill", **PERIOD)
    assert stats.classificados == 6  # every Ollama result of the period was made against the old taxonomy
    for cid in vinil:
        assert _current_tags(db, cid)["album_vinil"] == "O comentário fala da edição em vinil."
        with db.connect() as conn:
            hist = classifications.history(conn, cid)
        assert len(hist) == 2 and "album_vinil" not in {t["codigo"] for t in hist[1]["tags"]}
    assert all("album_vinil" not in _current_tags(db, cid) for cid in other)
    new_rows = [r for r in classification_rows(db) if r["autor"].startswith("backfill/")]
    assert {r["versao_taxonomia"] for r in new_rows} == {after}
    assert _examples(db, "album_vinil") == 4  # now a tag: no more examples
    assert _run(db, "backfill-2", **PERIOD).reivindicados == 0  # idempotent

    (fresh,) = comments(db, ["Sai em vinil também?"])
    _run(db, "depois")
    assert "album_vinil" in _current_tags(db, fresh)


@pytest.mark.usefixtures("ollama_env")
def test_a_merged_proposal_gives_its_examples_the_existing_tag_on_backfill(db):
    vinil = comments(db, VINIL_TEXTS, recebido_em=OLD)
    _run(db, "inicial")
    before = _version(db)
    with db.begin() as conn:
        assert tag_proposals.merge(conn, "album_vinil", "album_lancamento", "curador2")
    row = proposal_row(db, "album_vinil")
    assert (row["estado"], row["mesclada_em"], row["decidido_por"]) == ("mesclada", "album_lancamento", "curador2")
    with db.connect() as conn:
        assert "album_vinil" not in taxonomy.active_codes(conn)
    assert _version(db) != before

    assert _run(db, "backfill", **PERIOD).classificados == 4
    for cid in vinil:  # the model proposed album_vinil again; the merge made it album_lancamento
        tags = _current_tags(db, cid)
        assert "album_vinil" not in tags
        assert tags["album_lancamento"]
    assert _examples(db, "album_vinil") == 4


@pytest.mark.usefixtures("ollama_env")
def test_a_rejected_proposal_stays_out_and_later_proposals_aggregate_into_it(db):
    comments(db, VINIL_TEXTS[:2])
    _run(db, "inicial")
    before = _version(db)
    with db.begin() as conn:
        assert tag_proposals.reject(conn, "album_vinil", "curadora")
    assert _version(db) == before  # nothing a classification carries changed

    comments(db, VINIL_TEXTS[2:])
    _run(db, "depois")
    row = proposal_row(db, "album_vinil")
    assert row["estado"] == "rejeitada" and _examples(db, "album_vinil") == 4
    with db.connect() as conn:
        assert tag_proposals.listing(conn) == []  # not resurfaced among the pending ones
        (rejected,) = tag_proposals.listing(conn, ["rejeitada"])
        assert "album_vinil" not in taxonomy.active_codes(conn)
    assert rejected.comentarios == 4 and rejected.decidido_por == "curadora"


def test_decisions_only_from_pending_or_rejected_and_merge_targets_must_be_active(db, retire_tag):
    proposed(db, VINIL, VINIL_TEXTS[:2])
    other = VINIL.model_copy(update={"codigo": "show_telao"})
    proposed(db, other, ["O telão do show estava apagado"])
    with db.begin() as conn:
        for alvo in ("album_inexistente", "show_telao", "album_vinil"):
            with pytest.raises(ValueError, match="tag de destino inválida"):
                tag_proposals.merge(conn, "album_vinil", alvo, "curadora")
        with pytest.raises(ValueError, match="curador"):
            tag_proposals.approve(conn, "album_vinil", "  ")
        assert not tag_proposals.approve(conn, "album_nada", "curadora")  # never proposed
        assert tag_proposals.reject(conn, "album_vinil", "curadora")
        assert not tag_proposals.reject(conn, "album_vinil", "curadora")
        assert tag_proposals.approve(conn, "album_vinil", "curador2")  # a rejection can be revisited
        assert not tag_proposals.approve(conn, "album_vinil", "curador2")  # final once approved
        assert not tag_proposals.merge(conn, "album_vinil", "album_capa", "curador2")
        assert not tag_proposals.reject(conn, "album_vinil", "curador2")
    retire_tag("show_ingresso")
    with db.begin() as conn:
        with pytest.raises(ValueError, match="tag de destino inválida"):
            tag_proposals.merge(conn, "show_telao", "show_ingresso", "curadora")
        assert tag_proposals.merge(conn, "show_telao", "show_estrutura", "curadora")
    # A proposal of a retired tag's code brings it back when approved.
    proposed(db, VINIL.model_copy(update={"codigo": "show_ingresso"}), ["ingresso esgotou em 1 minuto"])
    with db.begin() as conn:
        assert tag_proposals.approve(conn, "show_ingresso", "curadora")
        assert "show_ingresso" in taxonomy.active_codes(conn)
    with db.connect() as conn:
        assert "album_vinil" in taxonomy.active_codes(conn)
        # Decided ones: the latest decision first.
        assert [p.codigo for p in tag_proposals.listing(conn, ["aprovada", "mesclada"])] == ["show_ingresso",
                                                                                              "show_telao",
                                                                                              "album_vinil"]
    assert proposal_row(db, "album_vinil")["decidido_por"] == "curador2"
    with db.begin() as conn, pytest.raises(sa.exc.IntegrityError):  # the schema refuses a bad code too
        conn.execute(sa.text("INSERT INTO propostas_tags (codigo, rotulo, descricao) VALUES ('Vinil', 'a', 'b')"))


def test_the_taxonomy_version_is_deterministic_and_follows_the_active_codes_and_merges(db, retire_tag):
    start = _version(db)
    (cid,) = proposed(db, VINIL, VINIL_TEXTS[:1])
    assert _version(db) == start  # a pending proposal changes nothing
    with db.begin() as conn:
        tag_proposals.merge(conn, "album_vinil", "album_faixas", "curadora")
    merged = _version(db)
    with db.begin() as conn:  # every write path records it (here the column default of a correction)
        classifications.record_manual_correction(conn, cid, "ELOGIO", [], autor="curadora")
    assert [r["versao_taxonomia"] for r in classification_rows(db)] == [start, merged]
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE propostas_tags SET estado = 'rejeitada', mesclada_em = NULL "
                             "WHERE codigo = 'album_vinil'"))
    assert merged != start and _version(db) == start  # the same taxonomy, the same version
    retire_tag("show_som")
    assert _version(db) not in (start, merged)


def test_an_erased_comment_takes_its_example_explanation_with_it(db):
    keep, erase_me = proposed(db, VINIL, VINIL_TEXTS[:2])
    with db.begin() as conn:
        assert erasure.erase(conn, ids=[erase_me], autor="dpo", origem="cli", motivo="pedido do titular") == 1
    with db.connect() as conn:
        rows = dict(conn.execute(sa.text(
            "SELECT k.comentario_id::text, e.explicacao FROM propostas_tags_exemplos e "
            "JOIN classificacoes k ON k.id = e.classificacao_id")).all())
    assert rows == {keep: VINIL.explicacao, erase_me: "removida com o texto"}
