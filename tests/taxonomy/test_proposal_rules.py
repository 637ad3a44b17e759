"""A taxonomy that grows, without a database: what a valid proposal is, how the Ollama classifier
reads ``tags_novas`` (bad proposals dropped with a log line, never a failed answer), and how a
proposal resolves once curators decided about its code."""

from __future__ import annotations

import json
import logging

import pytest

from alumusic.classification import prompts
from alumusic.classification.ollama import OllamaClassifier
from alumusic.domain import Classification, Provenance, Tag, TagProposal, seed_tags
from alumusic.domain.proposals import (
    MESCLADA,
    PENDENTE,
    REJEITADA,
    ProposalState,
    resolve,
    seed_areas,
    validate_proposal,
)
from alumusic.llm.ollama import OllamaClient
from ollama_emulator.answers import classification_answer

MODEL = "qwen2.5:3b"
TAGS = {t.codigo: t.descricao for t in seed_tags()}
VINIL = {"codigo": "album_vinil", "rotulo": "Edição em vinil", "descricao": "Edições em vinil (LP)",
         "explicacao": "Pede o disco em vinil."}


def test_a_valid_proposal_is_snake_case_area_aspect_of_a_seed_area():
    assert {"voz", "letra", "musica", "show", "album", "clip", "spam"} <= seed_areas()
    p = validate_proposal({**VINIL, "rotulo": "  Edição   em vinil "})
    assert p == TagProposal(codigo="album_vinil", rotulo="Edição em vinil", descricao="Edições em vinil (LP)",
                            explicacao="Pede o disco em vinil.")
    assert validate_proposal({**VINIL, "codigo": "show_telao_led2"}).codigo == "show_telao_led2"


@pytest.mark.parametrize(("change", "reason"), [
    ({"codigo": "Album_Vinil"}, "inválida (codigo)"),
    ({"codigo": "album-vinil"}, "inválida (codigo)"),
    ({"codigo": "vinil"}, "inválida (codigo)"),
    ({"codigo": "álbum_vinil"}, "inválida (codigo)"),
    ({"codigo": "album_" + "x" * 64}, "inválida (codigo)"),
    ({"codigo": "midia_cassete"}, "área desconhecida 'midia'"),
    ({"codigo": "_vinil"}, "inválida (codigo)"),
    ({"rotulo": "   "}, "inválida (rotulo)"),
    ({"descricao": None}, "inválida (descricao)"),
    ({"explicacao": ""}, "inválida (explicacao)"),
])
def test_an_invalid_proposal_says_why(change, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        validate_proposal({**VINIL, **change})


def test_a_proposal_that_is_not_an_object_is_invalid():
    for item in ("album_vinil", None, ["album_vinil"], 3):
        with pytest.raises(ValueError, match="não é objeto"):
            validate_proposal(item)


def _classifier(emu) -> OllamaClassifier:
    return OllamaClassifier(OllamaClient([emu.url], MODEL), TAGS)


def _reply(**extra) -> str:
    return json.dumps({"categoria": "SUGESTÃO", "tags_funcionalidades": [
        {"codigo": "album_lancamento", "explicacao": "Pede o lançamento."}], "confianca": 0.8, **extra})


def test_the_classifier_reads_a_proposal_and_drops_bad_ones_with_a_log_line(emu, caplog):
    clf = _classifier(emu)
    emu.set_reply(_reply(tags_novas=[VINIL]))
    result = clf.classify("lança em vinil por favor")
    assert result.propostas == (validate_proposal(VINIL),)
    assert [t.codigo for t in result.tags_funcionalidades] == ["album_lancamento"]

    caplog.set_level(logging.WARNING, logger="alumusic.classification.ollama")
    for bad in ([{**VINIL, "codigo": "midia_cassete"}], [{**VINIL, "codigo": "Vinil!"}], "album_vinil", [7]):
        caplog.clear()
        emu.set_reply(_reply(tags_novas=bad))
        result = clf.classify("lança em vinil por favor")  # the classification stands, no retry
        assert result.propostas == () and result.categoria == "SUGESTÃO"
        assert any("proposta de tag descartada" in r.getMessage() for r in caplog.records), bad
    # An answer without the field (an older prompt's shape) is still valid.
    emu.set_reply(_reply())
    assert clf.classify("lança em vinil").propostas == ()
    assert len([r for r in emu.received if r["path"] == "/api/chat"]) == 6  # one call each: a bad proposal never costs a corrective retry


def test_a_proposal_of_a_known_code_is_that_tag(emu):
    emu.set_reply(_reply(tags_novas=[{**VINIL, "codigo": "show_agenda", "explicacao": "Quer show."}]))
    result = _classifier(emu).classify("vem pra cá")
    assert result.propostas == ()
    assert {t.codigo: t.explicacao for t in result.tags_funcionalidades} == {
        "album_lancamento": "Pede o lançamento.", "show_agenda": "Quer show."}


def test_prompt_schema_and_version_carry_the_proposals(emu):
    assert int(prompts.PROMPT_VERSION.removeprefix("p")) >= 3  # p3 introduced the proposals
    v = prompts.PROMPT_VERSION
    schema = prompts.classification_schema(TAGS)
    assert schema["properties"]["tags_novas"]["maxItems"] == 1
    assert "tags_novas" in schema["required"]
    system = prompts.system_prompt(TAGS)
    assert "tags_novas" in system and "album_vinil" in system and "clip, fa, feat" in system
    plain = _classifier(emu)
    versioned = OllamaClassifier(OllamaClient([emu.url], MODEL), TAGS, versao_taxonomia="tx0123456789")
    assert plain.provenance.versao == f"ollama:{MODEL}:{v}"
    assert versioned.provenance.versao == f"ollama:{MODEL}:{v}:tx0123456789"


def test_the_emulator_proposes_for_its_cue_and_uses_the_tag_once_it_exists():
    schema = prompts.classification_schema(TAGS)
    answer = classification_answer("Cadê o vinil desse álbum?", schema)
    assert [t["codigo"] for t in answer["tags_novas"]] == ["album_vinil"]
    assert "album_vinil" not in {t["codigo"] for t in answer["tags_funcionalidades"]}
    grown = classification_answer("Cadê o vinil desse álbum?", prompts.classification_schema([*TAGS, "album_vinil"]))
    assert grown["tags_novas"] == []
    assert "album_vinil" in {t["codigo"] for t in grown["tags_funcionalidades"]}
    assert classification_answer("Que clipe lindo", schema)["tags_novas"] == []
    old_schema = {k: v for k, v in schema.items()}
    old_schema["properties"] = {k: v for k, v in schema["properties"].items() if k != "tags_novas"}
    assert "tags_novas" not in classification_answer("Cadê o vinil?", old_schema)


def _result(tags=(), propostas=()) -> Classification:
    return Classification(categoria="SUGESTÃO", tags_funcionalidades=tuple(Tag(codigo=c, explicacao="x") for c in tags),
                          propostas=tuple(validate_proposal({**VINIL, "codigo": c}) for c in propostas),
                          confianca=0.7, proveniencia=Provenance(classificador="ollama", versao="v"), latencia_ms=1)


def test_resolve_by_what_curators_decided():
    active = set(TAGS)
    new, left = resolve(_result(["album_lancamento"], ["album_vinil"]), {}, active)  # never seen: a proposal
    assert [p.codigo for p in left] == ["album_vinil"] and new.propostas == ()
    assert [t.codigo for t in new.tags_funcionalidades] == ["album_lancamento"]

    for estado in (PENDENTE, REJEITADA):  # aggregated into the existing proposal, decided or not
        _, left = resolve(_result(propostas=["album_vinil"]), {"album_vinil": ProposalState(estado)}, active)
        assert [p.codigo for p in left] == ["album_vinil"]

    approved, left = resolve(_result(propostas=["album_vinil"]), {}, active | {"album_vinil"})
    assert left == [] and {t.codigo: t.explicacao for t in approved.tags_funcionalidades} == {
        "album_vinil": "Pede o disco em vinil."}

    merged_state = {"album_vinil": ProposalState(MESCLADA, "album_lancamento")}
    merged, left = resolve(_result(propostas=["album_vinil"]), merged_state, active)
    assert left == [] and [t.codigo for t in merged.tags_funcionalidades] == ["album_lancamento"]
    # Merged into a tag the classification already has: one tag, the model's own explanation kept.
    both, _ = resolve(_result(["album_lancamento"], ["album_vinil"]), merged_state, active)
    assert [(t.codigo, t.explicacao) for t in both.tags_funcionalidades] == [("album_lancamento", "x")]
    # Merged into a tag retired since: it stays an example of the merged proposal.
    _, left = resolve(_result(propostas=["album_vinil"]), merged_state, active - {"album_lancamento"})
    assert [p.codigo for p in left] == ["album_vinil"]
