"""Taxonomy fixtures: the pipeline's own Ollama emulator, wired in through settings (tests/support/pipeline.py)."""

from __future__ import annotations

import pytest

from tests.support import pipeline


@pytest.fixture
def ollama_env(make_emulator, monkeypatch):
    yield from pipeline.ollama_env(make_emulator, monkeypatch)


@pytest.fixture
def retire_tag(db):
    """``retire_tag(codigo)`` deactivates a seed tag for this test; every one comes back afterwards
    (the database reset between tests keeps the seed rows as they are)."""
    import sqlalchemy as sa

    retired: list[str] = []

    def retire(codigo: str) -> None:
        with db.begin() as conn:
            conn.execute(sa.text("UPDATE taxonomia_tags SET ativo = false WHERE codigo = :c"), {"c": codigo})
        retired.append(codigo)

    yield retire
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE taxonomia_tags SET ativo = true WHERE codigo = ANY(:c)"), {"c": retired})
