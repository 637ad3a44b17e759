"""Backend selection (LLM_BACKEND=ollama|offline|auto) against emulators and closed ports."""

from __future__ import annotations

import logging
import socket

import pytest

from alumusic.llm import backend
from alumusic.llm.ollama import OllamaClient
from alumusic.settings import Settings

MODEL = "qwen2.5:3b"


@pytest.fixture(autouse=True)
def _fresh_decisions():
    backend.reset_backend_cache()
    yield
    backend.reset_backend_cache()


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _settings(backend: str, hosts: list[str], model: str = MODEL, **kw) -> Settings:
    return Settings(llm_backend=backend, ollama_hosts=hosts, ollama_model=model, database_url=None,
                    ollama_connect_timeout_s=1, **kw)


def test_explicit_backends_need_no_probe():
    unreachable = [_closed_port_url()]
    assert backend.resolve_backend(_settings("offline", unreachable)) == "offline"
    assert backend.resolve_backend(_settings("ollama", unreachable)) == "ollama"


def test_auto_picks_ollama_only_when_reachable_with_the_model(emu):
    assert backend.resolve_backend(_settings("auto", [_closed_port_url()])) == "offline"
    assert backend.resolve_backend(_settings("auto", [emu.url], model="llama3:70b")) == "offline"
    assert backend.resolve_backend(_settings("auto", [emu.url])) == "ollama"
    assert backend.resolve_backend(_settings("auto", [_closed_port_url(), emu.url])) == "ollama"


def test_auto_sees_a_missing_model(emu):
    emu.set_failure("model_missing")
    try:
        assert backend.resolve_backend(_settings("auto", [emu.url])) == "offline"
    finally:
        emu.set_failure(None)


def test_auto_decision_is_logged_once(emu, caplog):
    s = _settings("auto", [emu.url])
    with caplog.at_level(logging.INFO, logger="alumusic.llm.backend"):
        for _ in range(3):
            assert backend.resolve_backend(s) == "ollama"
    assert [r.getMessage() for r in caplog.records if "LLM_BACKEND=auto" in r.getMessage()] == [
        f"LLM_BACKEND=auto: using Ollama model {MODEL} on {emu.url}"]


def test_get_text_client_follows_the_backend(emu):
    assert backend.get_text_client(_settings("auto", [_closed_port_url()])) is None
    assert backend.get_text_client(_settings("offline", [emu.url])) is None
    client = backend.get_text_client(_settings("auto", [emu.url]))
    assert isinstance(client, OllamaClient)
    assert client.chat([{"role": "user", "content": "Semana calma. Poucos comentários."}]) == (
        "Resumo (emulador): Semana calma. Poucos comentários.")


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown LLM backend"):
        backend.resolve_backend(_settings("offline", ["http://127.0.0.1:9"]), "gpt")
