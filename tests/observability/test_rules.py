"""The pure pieces: who may read /metrics, how a host becomes a label, when an alarm fires."""

from __future__ import annotations

import pytest

from alumusic.domain.alarms import failure_rate_check, pending_age_check
from alumusic.metrics import LlmCalls, access, host_label


@pytest.mark.parametrize(("addr", "auth", "token", "code"), [
    ("127.0.0.1", None, None, 200), ("::1", None, None, 200), ("127.8.9.10", None, None, 200),
    ("10.0.0.5", None, None, 403), ("203.0.113.1", "Bearer qualquer", None, 403), (None, None, None, 403),
    ("nao-e-ip", None, None, 403), ("127.0.0.1", None, "t0k3n", 401), ("127.0.0.1", "Bearer t0k3n", "t0k3n", 200),
    ("203.0.113.1", "Bearer t0k3n", "t0k3n", 200), ("203.0.113.1", "bearer t0k3n", "t0k3n", 200),
    ("203.0.113.1", "Bearer t0k3", "t0k3n", 401), ("203.0.113.1", "Token t0k3n", "t0k3n", 401),
    ("203.0.113.1", "Bearer \udcff", "t0k3n", 401),
])
def test_access(addr, auth, token, code):
    assert access(addr, auth, token) == code


@pytest.mark.parametrize(("url", "label"), [
    ("http://ollama:11434", "http://ollama:11434"), ("https://u:senha@gpu-1.lan:443/x?y=1", "https://gpu-1.lan:443"),
    ("http://[::1]:11434/", "http://[::1]:11434"), ("http://h:99999", "invalido"), ("sem-esquema", "invalido"),
])
def test_host_label(url, label):
    assert host_label(url) == label


def test_llm_calls_accumulate_per_host_and_drain_once():
    calls = LlmCalls()
    calls.record("http://a:1", 0.5)
    calls.record("http://u:p@a:1/", 1.5, TimeoutError("segredo no texto"))
    (host,) = calls.drain()
    assert (host.host, host.chamadas, host.erros, host.segundos, host.ultimo_erro) == ("http://a:1", 2, 1, 2.0,
                                                                                       "TimeoutError")
    assert calls.drain() == []


def test_alarm_rules():
    assert not pending_age_check(None, 30).firing
    assert not pending_age_check(1800.0, 30).firing and pending_age_check(1801.0, 30).firing
    assert failure_rate_check(80, 21, rate=0.2, window_minutes=60, min_attempts=20).firing
    assert not failure_rate_check(80, 20, rate=0.2, window_minutes=60, min_attempts=20).firing  # exactly 20%
    assert not failure_rate_check(0, 19, rate=0.2, window_minutes=60, min_attempts=20).firing  # too few
