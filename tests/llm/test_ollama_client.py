"""OllamaClient against loopback emulators: requests sent, errors mapped, hosts used round-robin."""

from __future__ import annotations

import socket
import time

import pytest

from alumusic.classification.contract import BackendUnavailableError
from alumusic.llm.emulator import run_emulator
from alumusic.llm.ollama import ModelNotFoundError, OllamaClient, client_from_settings
from alumusic.settings import Settings

MODEL = "qwen2.5:3b"
HELLO = [{"role": "user", "content": "Olá. Tudo bem?"}]


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # closed when the block ends: refused


def test_chat_sends_a_non_streaming_request_with_options_and_keep_alive(emu):
    client = OllamaClient([emu.url], MODEL, keep_alive="10m", default_options={"num_ctx": 2048})
    text = client.chat(HELLO, options={"temperature": 0})
    assert text == "Resumo (emulador): Olá. Tudo bem?"
    body = emu.received[-1]["body"]
    assert body["stream"] is False and body["keep_alive"] == "10m"
    assert body["options"] == {"num_ctx": 2048, "temperature": 0}
    assert "format" not in body
    client.chat(HELLO, format={"type": "object", "properties": {"a": {"type": "string"}}})
    assert emu.received[-1]["body"]["format"]["properties"] == {"a": {"type": "string"}}


def test_models_listing_and_presence(emu):
    assert OllamaClient([emu.url], MODEL).list_models() == [MODEL]
    assert OllamaClient([emu.url], MODEL).has_model()
    assert not OllamaClient([emu.url], "llama3").has_model()  # llama3 means llama3:latest
    assert not OllamaClient([_closed_port_url()], MODEL).has_model()


def test_connection_refused_is_backend_unavailable():
    with pytest.raises(BackendUnavailableError, match="nenhum host"):
        OllamaClient([_closed_port_url()], MODEL, connect_timeout=1).chat(HELLO)


def test_http_500_is_backend_unavailable(emu):
    emu.set_failure("http_500")
    with pytest.raises(BackendUnavailableError, match="HTTP 500"):
        OllamaClient([emu.url], MODEL).chat(HELLO)


def test_hang_past_read_timeout_is_backend_unavailable(emu):
    emu.set_failure("hang", count=1)
    started = time.monotonic()
    with pytest.raises(BackendUnavailableError, match="não respondeu"):
        OllamaClient([emu.url], MODEL, read_timeout=0.3).chat(HELLO)
    assert time.monotonic() - started < 2.5  # gave up at the read timeout, not when the hang ended


def test_missing_model_is_a_clear_backend_unavailable(emu):
    emu.set_failure("model_missing")
    with pytest.raises(ModelNotFoundError, match="ollama pull qwen2.5:3b"):
        OllamaClient([emu.url], MODEL).chat(HELLO)


def test_round_robin_over_two_hosts_and_fail_over_when_one_is_down(emu):
    with run_emulator() as other:
        client = OllamaClient([emu.url, other.url], MODEL)
        for _ in range(6):
            client.chat(HELLO)
        assert emu.stats["generations"] == 3 and other.stats["generations"] == 3

    down = OllamaClient([_closed_port_url(), emu.url], MODEL, connect_timeout=1)
    assert all(down.chat(HELLO).startswith("Resumo") for _ in range(4))
    assert down.hosts_with_model() == [emu.url]


def test_client_from_settings_uses_every_ollama_setting(emu):
    s = Settings(ollama_hosts=f"{emu.url}/, http://other:11434", ollama_model="m:1", ollama_connect_timeout_s=1.5,
                 ollama_read_timeout_s=9, ollama_num_ctx=1024, ollama_keep_alive="5m")
    c = client_from_settings(s)
    assert (c.hosts, c.model, c.connect_timeout, c.read_timeout, c.keep_alive, c.default_options) == (
        [emu.url, "http://other:11434"], "m:1", 1.5, 9, "5m", {"num_ctx": 1024})
