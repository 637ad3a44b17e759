"""The Ollama emulator for tests (a pytest plugin, see tests/conftest.py): ``ollama_emulator``.

- ``emu``: the session's emulator (2 slots, so queueing is easy to provoke), healthy and with
  zeroed counters at the start of each test; the test's faults, hangs and latency end with it.
- ``ollama``: ``emu`` plus settings pointing the configured LLM backend at it.
- ``make_emulator(**options)``: an emulator of the test's own (other models, slots, latency;
  ``run_emulator``'s options), stopped when the test ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from ollama_emulator import Emulator, run_emulator


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    """The session's emulator as started (tests use ``emu``, which resets it)."""
    with run_emulator(num_parallel=2, hang_s=3.0) as server:
        yield server


@pytest.fixture
def emu(emulator_server: Emulator) -> Iterator[Emulator]:
    """The session's emulator, healthy, idle and with zeroed counters; reset again afterwards."""

    def reset() -> None:
        emulator_server.set_failure(None)  # also ends hangs in progress
        emulator_server.latency_s = 0.0
        assert emulator_server.wait_idle(), "an emulator generation outlived its test"

    reset()
    emulator_server.reset_stats()
    yield emulator_server
    reset()


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Emulator]]:
    """``make_emulator(models=..., num_parallel=..., latency_s=..., hang_s=...)`` starts an
    emulator of this test's own; every one started is stopped when the test ends."""
    with contextlib.ExitStack() as running:
        yield lambda **options: running.enter_context(run_emulator(**options))


@pytest.fixture
def ollama(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """Settings pointing the configured LLM backend at ``emu`` (short read timeout for 'hang')."""
    from alumusic.llm.backend import reset_backend_cache
    from alumusic.settings import get_settings

    monkeypatch.setenv("LLM_BACKEND", "ollama")
    monkeypatch.setenv("OLLAMA_HOSTS", emu.url)
    monkeypatch.setenv("OLLAMA_READ_TIMEOUT_S", "1.5")
    get_settings.cache_clear()
    reset_backend_cache()
    yield emu
    monkeypatch.undo()
    get_settings.cache_clear()
    reset_backend_cache()
