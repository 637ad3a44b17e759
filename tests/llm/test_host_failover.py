"""Round-robin over OLLAMA_HOSTS when a host stops answering: the call fails over, the host leaves the
rotation for a short cool-down (so later calls do not wait on it) and is used again once it answers."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from alumusic.domain import BackendUnavailableError
from alumusic.llm.ollama import OllamaClient
from ollama_emulator import run_emulator
from tests.support.emulator_process import EmulatorProcess

MODEL = "qwen2.5:3b"
HELLO = [{"role": "user", "content": "Olá. Tudo bem?"}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_host_that_goes_away_is_skipped_and_used_again_when_it_is_back(emu):
    port = _free_port()
    with run_emulator(port=port) as other:
        client = OllamaClient([emu.url, other.url], MODEL, host_cooldown_s=0.5)
        assert {client.chat_response(HELLO).host for _ in range(4)} == {emu.url, other.url}
    # `other` is gone (refused): every call is served by the host that answers.
    served = [client.chat_response(HELLO).host for _ in range(10)]
    assert served == [emu.url] * 10
    assert client.hosts_cooling_down() == [other.url]

    with run_emulator(port=port) as back:
        time.sleep(0.6)  # the cool-down ends: the next call tries it again
        served = [client.chat_response(HELLO).host for _ in range(6)]
        assert served.count(back.url) == 3 and back.stats["generations"] == 3
        assert client.hosts_cooling_down() == []


def test_while_a_host_cools_down_it_is_not_tried_at_all(emu):
    with socket.socket() as s:  # a port that accepts nothing: each connect attempt is refused
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    client = OllamaClient([dead, emu.url], MODEL, host_cooldown_s=60)
    tried: list[str] = []
    real = client._session

    def counting_session():
        session = real()
        if not getattr(session, "_counting", False):
            original = session.request

            def request(method, url, **kwargs):
                tried.append(url.rsplit("/api", 1)[0])
                return original(method, url, **kwargs)

            session.request, session._counting = request, True
        return session

    client._session = counting_session
    for _ in range(8):
        assert client.chat_response(HELLO).host == emu.url
    assert tried.count(dead) == 1 and tried.count(emu.url) == 8


def test_a_hung_host_fails_over_at_the_read_timeout_then_is_left_out(emu, make_emulator):
    hung = make_emulator(hang_s=5.0)
    hung.set_failure("hang")
    client = OllamaClient([hung.url, emu.url], MODEL, read_timeout=0.3, host_cooldown_s=30)
    started = time.monotonic()
    first = client.chat_response(HELLO)
    assert first.host == emu.url and 0.3 <= time.monotonic() - started < 3
    started = time.monotonic()
    assert [client.chat_response(HELLO).host for _ in range(5)] == [emu.url] * 5
    assert time.monotonic() - started < 1.5  # nobody waited on the hung host again
    assert hung.stats["requests"] == 1
    hung.set_failure(None)


def test_when_no_host_answers_the_call_is_backend_unavailable_naming_each():
    ports = [_free_port(), _free_port()]
    client = OllamaClient([f"http://127.0.0.1:{p}" for p in ports], MODEL, connect_timeout=1, host_cooldown_s=60)
    for _ in range(2):  # also while both cool down: each is still tried (there is nothing else)
        with pytest.raises(BackendUnavailableError, match="nenhum host") as err:
            client.chat(HELLO)
        assert all(str(p) in str(err.value) for p in ports)


def test_a_host_killed_mid_answer_fails_the_call_over_and_comes_back(emu, tmp_path):
    victim = EmulatorProcess(_free_port(), tmp_path, latency_ms=1500).start()
    try:
        client = OllamaClient([victim.url, emu.url], MODEL, host_cooldown_s=0.5)
        answer: dict = {}
        call = threading.Thread(target=lambda: answer.update(r=client.chat_response(HELLO)))
        started = time.monotonic()
        call.start()  # the first call goes to the victim, which takes 1.5 s to answer
        time.sleep(0.5)
        victim.kill()  # kill -9 mid-answer: the connection is reset
        call.join(10)
        assert answer["r"].host == emu.url and answer["r"].content.startswith("Resumo")
        assert time.monotonic() - started < 1.4  # answered by the other host, not after the victim's latency
        assert emu.stats["generations"] == 1

        victim.latency_ms = 0
        victim.start()
        time.sleep(0.6)
        assert {client.chat_response(HELLO).host for _ in range(4)} == {victim.url, emu.url}
        assert victim.stop()["generations"] == 2
    finally:
        victim.kill()
