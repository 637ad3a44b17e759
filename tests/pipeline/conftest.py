"""Pipeline fixtures: an Ollama emulator per test (tests/support/emulator.py), wired in through settings
(tests/support/pipeline.py)."""

from __future__ import annotations

import pytest

from tests.support import pipeline


@pytest.fixture
def ollama_env(make_emulator, monkeypatch):
    yield from pipeline.ollama_env(make_emulator, monkeypatch)
