"""Pipeline fixtures: the loopback Ollama emulator, wired in through settings."""

from __future__ import annotations

import pytest

from tests.pipeline import helpers


@pytest.fixture(scope="session")
def emu():
    with helpers.start_emulator() as emu:
        yield emu


@pytest.fixture
def ollama_env(emu, monkeypatch):
    yield from helpers.ollama_env(emu, monkeypatch)
