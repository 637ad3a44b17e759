"""The Ollama emulator speaks Ollama's HTTP API (raw HTTP here, no project client in between)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import jsonschema
import pytest
import requests

from alumusic.classification import prompts
from alumusic.classification.contract import CATEGORIAS
from alumusic.llm.emulator import object_for_schema
from alumusic.repositories.taxonomy import seed_tags

MODEL = "qwen2.5:3b"
SCHEMA = prompts.classification_schema(t.codigo for t in seed_tags())


def _chat_body(content: str, **extra) -> dict:
    return {"model": MODEL, "messages": [{"role": "user", "content": content}], **extra}


def test_version_and_tags(emu):
    assert requests.get(f"{emu.url}/api/version", timeout=5).json()["version"]
    models = requests.get(f"{emu.url}/api/tags", timeout=5).json()["models"]
    assert [m["name"] for m in models] == [MODEL]


def test_chat_non_streaming_honours_classification_schema(emu):
    body = _chat_body(prompts.user_message("que clipe lindo, a coreografia ficou perfeita"),
                      stream=False, format=SCHEMA)
    resp = requests.post(f"{emu.url}/api/chat", json=body, timeout=10)
    assert resp.status_code == 200
    data = resp.json()
    assert data["done"] is True and data["done_reason"] == "stop"
    answer = json.loads(data["message"]["content"])
    jsonschema.validate(answer, SCHEMA)
    assert answer["categoria"] in CATEGORIAS


def test_chat_streams_ndjson_by_default_with_the_same_content(emu):
    body = _chat_body(prompts.user_message("quando sai o album novo?"), format=SCHEMA)
    whole = requests.post(f"{emu.url}/api/chat", json={**body, "stream": False}, timeout=10).json()
    resp = requests.post(f"{emu.url}/api/chat", json=body, timeout=10, stream=True)  # no "stream" key
    assert resp.headers["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in resp.iter_lines() if line]
    assert len(lines) > 2
    assert all(not line["done"] for line in lines[:-1]) and lines[-1]["done"] is True
    assert "".join(line["message"]["content"] for line in lines) == whole["message"]["content"]


def test_generate_streaming_and_not_without_format_answers_from_the_prompt(emu):
    prompt = "Semana 2026-W47: 120 comentários. ELOGIO subiu 10%. Artista em alta: Banda X. Outros dados."
    whole = requests.post(f"{emu.url}/api/generate", json={"model": MODEL, "prompt": prompt, "stream": False},
                          timeout=10).json()
    text = whole["response"]
    assert text.startswith("Resumo (emulador): ")
    # Built only from the prompt: every word of the answer after the prefix comes from it.
    assert set(text.removeprefix("Resumo (emulador): ").split()) <= set(prompt.split())
    resp = requests.post(f"{emu.url}/api/generate", json={"model": MODEL, "prompt": prompt}, timeout=10)
    lines = [json.loads(line) for line in resp.text.splitlines() if line]
    assert "".join(line["response"] for line in lines) == text
    assert lines[-1]["done"] is True


def test_other_schema_gets_a_deterministic_object_satisfying_it(emu):
    schema = {"type": "object", "properties": {
        "resposta": {"type": "string", "maxLength": 200},
        "semanas": {"type": "array", "items": {"type": "string", "enum": ["2026-W47", "2026-W46"]}},
        "nota": {"type": "integer", "minimum": 1, "maximum": 5},
        "ok": {"type": "boolean"}}, "required": ["resposta", "semanas", "nota", "ok"]}
    answers = []
    for _ in range(2):
        data = requests.post(f"{emu.url}/api/chat", json=_chat_body("pergunta", stream=False, format=schema),
                             timeout=10).json()
        answers.append(json.loads(data["message"]["content"]))
    jsonschema.validate(answers[0], schema)
    assert answers[0] == answers[1]
    assert object_for_schema({"type": "number", "minimum": 0, "maximum": 1}) == 0.5


def test_unknown_model_and_model_missing_are_404(emu):
    resp = requests.post(f"{emu.url}/api/chat", json={**_chat_body("oi"), "model": "outro:1b"}, timeout=5)
    assert resp.status_code == 404 and "not found" in resp.json()["error"]
    emu.set_failure("model_missing")
    assert requests.get(f"{emu.url}/api/tags", timeout=5).json()["models"] == []
    assert requests.post(f"{emu.url}/api/chat", json=_chat_body("oi", stream=False), timeout=5).status_code == 404
    emu.set_failure(None)
    assert requests.post(f"{emu.url}/api/chat", json=_chat_body("oi", stream=False), timeout=5).status_code == 200


def test_fail_first_n_requests_then_recover(emu):
    emu.set_failure("http_500", count=2)
    codes = [requests.post(f"{emu.url}/api/chat", json=_chat_body("oi", stream=False), timeout=5).status_code
             for _ in range(3)]
    assert codes == [500, 500, 200]
    assert emu.stats["failures_injected"] == 2


@pytest.mark.parametrize("mode", ["invalid_json", "truncated", "out_of_enum", "unknown_tag"])
def test_bad_answer_modes_break_the_contract(emu, mode):
    emu.set_failure(mode, count=1)
    body = _chat_body(prompts.user_message("amei"), stream=False, format=SCHEMA)
    data = requests.post(f"{emu.url}/api/chat", json=body, timeout=5).json()
    content = data["message"]["content"]
    if mode in ("invalid_json", "truncated"):
        with pytest.raises(ValueError):
            json.loads(content)
        assert (data["done_reason"] == "length") == (mode == "truncated")
    else:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(json.loads(content), SCHEMA)


def test_clearing_the_failure_ends_a_hang_in_progress(emu):
    emu.set_failure("hang")
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(requests.post, f"{emu.url}/api/chat", json=_chat_body("oi", stream=False), timeout=10)
        deadline = time.monotonic() + 5
        while emu.stats["active"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert emu.stats["active"] == 1
        started = time.monotonic()
        emu.set_failure(None)
        response = pending.result()
    assert response.status_code == 500 and "hang" in response.json()["error"]
    assert time.monotonic() - started < emu.hang_s / 2  # released, not timed out
    assert emu.wait_idle(1.0)


def test_keep_alive_connections_send_without_nagle_delay(emu):
    """Headers and body are separate writes: with Nagle on, each keep-alive answer waited for the
    client's delayed ACK (~40 ms), so 200 ms of latency served as 244 ms. Ollama sets NODELAY."""
    with requests.Session() as session:  # keeps the connection open, so the server still holds it
        session.get(f"{emu.url}/api/version", timeout=5).raise_for_status()
        with emu.server._connections_lock:
            connections = list(emu.server._connections)
        assert connections
        assert all(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for c in connections)


def test_concurrency_beyond_num_parallel_queues(emu):
    emu.latency_s = 0.1
    try:
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda _: requests.post(
                f"{emu.url}/api/chat", json=_chat_body("oi", stream=False), timeout=10).status_code, range(8)))
    finally:
        emu.latency_s = 0.0
    assert codes == [200] * 8
    assert emu.stats["max_concurrency"] == 2  # reached, never exceeded
    assert emu.stats["generations"] == 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_serves_and_stops_on_sigterm():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "alumusic.llm.emulator", "--port", str(port),
                             "--latency-ms", "5", "--num-parallel", "2", "--model", "llama3"],
                            env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                tags = requests.get(f"http://127.0.0.1:{port}/api/tags", timeout=1).json()
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, "emulator did not start"
                time.sleep(0.1)
        assert [m["name"] for m in tags["models"]] == ["llama3:latest"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
