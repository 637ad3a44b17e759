"""OllamaClient against loopback emulators: requests sent, errors mapped, hosts used round-robin,
token log-probabilities asked for and read (or absent, from an older server)."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest

from alumusic.classification import prompts
from alumusic.domain import BackendUnavailableError
from alumusic.llm.ollama import ModelNotFoundError, OllamaClient, TokenLogprob, client_from_settings, parse_logprobs
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


def test_round_robin_over_two_hosts_and_fail_over_when_one_is_down(emu, make_emulator):
    other = make_emulator()
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


# --- log-probabilities -------------------------------------------------------------------------
SCHEMA = prompts.classification_schema(["voz_timbre"])
CLASSIFY = [{"role": "user", "content": prompts.user_message("a crítica do show foi péssima, que horror")}]


def test_logprobs_are_asked_for_at_the_top_level_and_returned_per_token(emu):
    client = OllamaClient([emu.url], MODEL)
    resp = client.chat_response(CLASSIFY, format=SCHEMA, logprobs=True, top_logprobs=3)
    body = emu.received[-1]["body"]
    assert body["logprobs"] is True and body["top_logprobs"] == 3 and "logprobs" not in body["options"]
    assert resp.logprobs and all(isinstance(t, TokenLogprob) for t in resp.logprobs)
    # The tokens' bytes spell the answer (some tokens hold part of a UTF-8 character: "CRÍTICA").
    assert b"".join(t.raw for t in resp.logprobs).decode("utf-8") == resp.content
    partial = [t for t in resp.logprobs if t.token == "\ufffd"]
    assert partial and all(t.token_bytes is not None and len(t.token_bytes) == 1 for t in partial)
    assert all(t.logprob <= 0 for t in resp.logprobs)
    assert all(0 < len(t.top_logprobs) <= 3 and not t.top_logprobs[0].top_logprobs for t in resp.logprobs)
    assert resp.eval_count == len(resp.logprobs)

    without = client.chat_response(CLASSIFY, format=SCHEMA)
    assert without.logprobs is None and without.content == resp.content
    assert "logprobs" not in emu.received[-1]["body"] and "top_logprobs" not in emu.received[-1]["body"]
    only_tokens = client.chat_response(CLASSIFY, format=SCHEMA, logprobs=True)
    assert "top_logprobs" not in emu.received[-1]["body"]
    assert [t.top_logprobs for t in only_tokens.logprobs] == [()] * len(only_tokens.logprobs)


def test_an_older_server_answers_without_logprobs(make_emulator):
    old = make_emulator(logprobs=False)
    resp = OllamaClient([old.url], MODEL).chat_response(CLASSIFY, format=SCHEMA, logprobs=True, top_logprobs=2)
    assert resp.logprobs is None and json.loads(resp.content)["categoria"]
    assert old.received[-1]["body"]["logprobs"] is True  # asked for, ignored


def test_unreadable_logprobs_are_dropped_with_a_warning_not_an_error(emu, caplog):
    emu.set_failure("logprobs_invalid", count=1)
    with caplog.at_level(logging.WARNING, logger="alumusic.llm.ollama"):
        resp = OllamaClient([emu.url], MODEL).chat_response(CLASSIFY, format=SCHEMA, logprobs=True)
    assert resp.logprobs is None and json.loads(resp.content)["categoria"]
    assert "logprobs ilegíveis" in caplog.text


@pytest.mark.parametrize("payload, problem", [
    ({"content": []}, "lista"),
    ([{"token": "a"}], "logprob não é número"),
    ([{"token": "a", "logprob": True}], "logprob não é número"),
    ([{"token": 1, "logprob": -0.1}], "token não é texto"),
    ([{"token": "a", "logprob": -0.1, "bytes": [97, 300]}], "bytes"),
    ([{"token": "a", "logprob": -0.1, "top_logprobs": [{"token": "b"}]}], r"top_logprobs\[0\]\.logprob"),
    (["a"], "não é um objeto"),
])
def test_parse_logprobs_rejects_what_is_not_the_documented_shape(payload, problem):
    with pytest.raises(ValueError, match=problem):
        parse_logprobs(payload)


def test_parse_logprobs_keeps_bytes_and_alternatives():
    [token] = parse_logprobs([{"token": "\ufffd", "logprob": -0.5, "bytes": [195],
                               "top_logprobs": [{"token": "\ufffd", "logprob": -0.5, "bytes": [195]},
                                                {"token": "a", "logprob": -1}]}])
    assert token.raw == b"\xc3" and token.top_logprobs[1] == TokenLogprob("a", -1.0)
    assert TokenLogprob("ção", -0.1).raw == "ção".encode()  # without bytes: the text's UTF-8


def test_top_logprobs_needs_logprobs_and_ollamas_range(emu):
    client = OllamaClient([emu.url], MODEL)
    with pytest.raises(ValueError, match="needs logprobs"):
        client.chat_response(HELLO, top_logprobs=2)
    with pytest.raises(ValueError, match="between 0 and 20"):
        client.chat_response(HELLO, logprobs=True, top_logprobs=21)
    assert not emu.received  # refused before any request
