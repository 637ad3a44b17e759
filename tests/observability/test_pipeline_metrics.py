"""A classification run against the Ollama emulator leaves its numbers where /metrics and the
alarms read them: calls and errors per host, outcomes per minute, classifications per version."""

from __future__ import annotations

import pytest

from alumusic.metrics import LLM_CALLS
from alumusic.pipeline import runs
from alumusic.pipeline.run_plan import plan_run
from alumusic.repositories import status
from alumusic.settings import get_settings
from tests.support.observability import samples, value
from tests.support.pipeline import ollama_env, pending_comments


@pytest.fixture
def emulated(make_emulator, monkeypatch):
    env = ollama_env(make_emulator, monkeypatch)
    emu = next(env)
    LLM_CALLS.drain()  # calls of earlier tests in this process
    yield emu
    next(env, None)


def test_a_run_records_host_calls_activity_and_rate(db, emulated, client):
    pending_comments(db, 6)
    plan, owners = runs.prepare(db, plan_run({"backend": "ollama"}, get_settings()), "run-obs")
    total = runs.summarize(runs.classify(db, plan, owner) for owner in owners)
    assert total.classificados == 6
    with db.connect() as conn:
        (host,) = status.hosts(conn)
        act = status.activity(conn, 5)
        state = status.pipeline_state(conn)
    assert host.host == emulated.url and host.erros == 0
    assert host.chamadas >= 6 and host.segundos > 0  # 6 chats, plus the model check on /api/tags
    assert act == {"classificados": 6, "erros": 0, "falharam": 0}
    assert state.pendentes == 0 and sum(state.por_minuto.values()) == pytest.approx(6 / status.RATE_WINDOW_MINUTES)

    found = samples(client.get("/metrics").get_data(as_text=True))
    assert value(found, "alumusic_llm_requests_total", host=emulated.url, resultado="ok") == host.chamadas
    assert value(found, "alumusic_llm_requests_total", host=emulated.url, resultado="erro") == 0
    assert value(found, "alumusic_llm_request_duration_seconds_count", host=emulated.url) == host.chamadas
    (versao,) = {k[1] for k in state.por_minuto}
    assert value(found, "alumusic_pipeline_classified_per_minute", classificador="ollama", versao=versao) == \
        pytest.approx(0.6)


def test_failed_calls_count_as_errors_of_their_host(db, emulated):
    pending_comments(db, 3)
    plan, owners = runs.prepare(db, plan_run({"backend": "ollama"}, get_settings()), "run-obs-2")
    emulated.set_failure("http_500")
    runs.summarize(runs.classify(db, plan, owner) for owner in owners)
    with db.connect() as conn:
        (host,) = status.hosts(conn)
    assert host.erros >= 1 and host.ultimo_erro == "BackendUnavailableError" and host.ultimo_erro_em is not None
