"""What the factory builds over the taxonomy it is given, and the taxonomy the pipeline gives it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alumusic.classification import factory
from alumusic.classification.ollama import OllamaClassifier
from alumusic.domain import describe, seed_tags
from alumusic.pipeline.runs import current_taxonomy
from alumusic.repositories import taxonomy
from alumusic.settings import Settings

MODEL = "qwen2.5:3b"
SEED = describe(seed_tags())


def _settings(backend: str, hosts: list[str], model: str = MODEL) -> Settings:
    return Settings(llm_backend=backend, ollama_hosts=hosts, ollama_model=model, database_url=None,
                    ollama_connect_timeout_s=1)


def test_get_classifier_ollama_with_given_taxonomy_and_model(make_emulator):
    emu = make_emulator(models=("llama3",))
    given = {"voz_timbre": SEED["voz_timbre"], "show_novo": ""}
    clf = factory.get_classifier("ollama", "llama3", taxonomy=given, settings=_settings("offline", [emu.url]))
    assert clf.classify("que voz linda").categoria
    assert isinstance(clf, OllamaClassifier)
    assert clf.model == "llama3" and clf.provenance.versao.startswith("ollama:llama3:")
    assert clf.schema["properties"]["tags_funcionalidades"]["items"]["properties"]["codigo"]["enum"] == [
        "show_novo", "voz_timbre"]
    assert f"voz_timbre: {SEED['voz_timbre'].split(' — ', 1)[-1]}" in clf.system  # p4: what it covers, no label


def test_the_configured_backend_is_used_when_none_is_named(emu):
    clf = factory.get_classifier(taxonomy=SEED, settings=_settings("ollama", [emu.url]))
    assert isinstance(clf, OllamaClassifier) and set(clf.tags) == set(SEED)
    offline = factory.get_classifier(taxonomy={"voz_timbre": ""}, settings=_settings("offline", [emu.url]))
    assert offline.provenance.classificador == "offline"
    assert {t.codigo for t in offline.classify("que voz linda, timbre perfeito").tags_funcionalidades} <= {"voz_timbre"}


def test_the_pipeline_reads_the_active_taxonomy_from_the_database(db):
    with db.begin() as conn:
        conn.execute(sa.text("INSERT INTO taxonomia_tags (codigo, rotulo, descricao) VALUES "
                             "('clip_legenda_novo', 'Legenda nova', 'Tag criada por curador')"))
        conn.execute(sa.text("UPDATE taxonomia_tags SET ativo = false WHERE codigo = 'voz_potencia'"))
    try:
        known = current_taxonomy(db)
        assert "clip_legenda_novo" in known and "voz_potencia" not in known
        assert known["clip_legenda_novo"] == "Legenda nova — Tag criada por curador"
        assert set(current_taxonomy(db, ["clip_legenda_novo", "voz_timbre", "voz_potencia"])) == {
            "clip_legenda_novo", "voz_timbre"}
    finally:
        with db.begin() as conn:
            conn.execute(sa.text("UPDATE taxonomia_tags SET ativo = true WHERE codigo = 'voz_potencia'"))


def test_the_seed_data_file_is_what_the_migration_inserted(db):
    with db.connect() as conn:
        assert taxonomy.active_tags(conn) == sorted(seed_tags(), key=lambda t: t.codigo)
    assert len(seed_tags()) == 40


def test_offline_and_ollama_versions_differ(emu):
    s = _settings("offline", [emu.url])
    offline = factory.get_classifier(taxonomy=SEED, settings=s)
    ollama = factory.get_classifier("ollama", taxonomy=SEED, settings=s)
    assert offline.provenance.classificador == "offline" and ollama.provenance.classificador == "ollama"
    assert offline.provenance.versao != ollama.provenance.versao


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown LLM backend"):
        factory.get_classifier("gpt", taxonomy=SEED, settings=_settings("offline", ["http://127.0.0.1:9"]))
