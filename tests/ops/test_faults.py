"""Fault tests (real processes, loopback only, bounded): the supervised stack survives a killed service
and a PostgreSQL outage, and the SMTP sink keeps what it receives.

Run with ``pytest -m ops tests/ops``; the module's stack starts in ~10 s, the whole module takes ~1 minute.
"""

from __future__ import annotations

import json
import os
import signal
import smtplib
import threading
import time
import uuid
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from tests.support.ops import http_status

pytestmark = [pytest.mark.ops, pytest.mark.timeout(240)]

HEALTH = {"api": "/api/health", "dashboard": "/health"}


def _wait(predicate, timeout: float, step: float = 0.25) -> float | None:
    """Seconds until ``predicate()`` held, None when it did not within ``timeout``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate():
            return time.monotonic() - t0
        time.sleep(step)
    return None


@pytest.mark.parametrize("service", ["api", "dashboard"])
def test_kill_9_of_the_gunicorn_master_is_restarted_by_supervisord(stack, service):
    rpc = stack.rpc().supervisor
    old = rpc.getProcessInfo(service)["pid"]
    assert old and http_status(stack.url(service, HEALTH[service])) == 200
    os.kill(old, signal.SIGKILL)

    def restarted() -> bool:
        info = rpc.getProcessInfo(service)
        return (info["statename"] == "RUNNING" and info["pid"] not in (0, old)
                and http_status(stack.url(service, HEALTH[service])) == 200)

    took = _wait(restarted, 60)
    assert took is not None, f"{service} not restarted within 60 s"
    print(f"{service}: kill -9 of the master -> RUNNING again and healthy in {took:.1f} s")
    log = (stack.data / "logs" / "supervisord.log").read_text()
    assert f"exited: {service} (terminated by SIGKILL; not expected)" in log  # the restart is logged
    # The old master's orphaned workers notice and exit: the port belongs to the new master alone.
    assert _wait(lambda: not _pid_alive(old), 10) is not None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def test_postgres_outage_503_then_recovers_and_nothing_acknowledged_is_lost(stack):
    creds = stack.credentials()
    body = json.dumps({"cliente": creds["api_client"], "segredo": creds["api_client_secret"]}).encode()
    import urllib.request

    req = urllib.request.Request(stack.url("api", "/api/auth/token"), data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        token = json.loads(resp.read())["access_token"]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    acknowledged: set[str] = set()
    codes: dict[int, int] = {}
    stop = threading.Event()

    def post_stream() -> None:
        while not stop.is_set():
            cid = str(uuid.uuid4())
            data = json.dumps({"id": cid, "texto": f"comentário de teste {cid[:8]}", "artista": "Banda Teste"})
            code = http_status(stack.url("api", "/api/comentarios"), data=data.encode(), headers=headers, timeout=5)
            codes[code] = codes.get(code, 0) + 1
            if code in (200, 201):
                acknowledged.add(cid)
            elif code != 503:
                time.sleep(0.05)

    threads = [threading.Thread(target=post_stream, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(2)
    stack.devstack("pg", "stop")
    outage_start = time.monotonic()
    saw_503 = _wait(lambda: http_status(stack.url("api", "/api/health")) == 503, 8)
    time.sleep(max(0.0, 10 - (time.monotonic() - outage_start)))
    back = time.monotonic()
    stack.devstack("pg", "start")
    healthy = _wait(lambda: http_status(stack.url("api", "/api/health")) == 200, 60)
    recovered = None if healthy is None else time.monotonic() - back  # from `pg start` (it waits for ready)
    created = codes.get(201, 0)
    assert _wait(lambda: codes.get(201, 0) > created, 20) is not None, "POSTs did not succeed again"
    time.sleep(2)  # a little more stream after the recovery
    stop.set()
    for t in threads:
        t.join(10)
    print(f"outage 10 s: codes {dict(sorted(codes.items()))}; API healthy {recovered:.1f} s after the restart"
          if recovered is not None else f"codes {codes}")

    assert saw_503 is not None, "the API did not answer 503 while PostgreSQL was away"
    assert codes.get(503, 0) > 0, codes
    assert recovered is not None and recovered < 60, "API did not recover within 60 s"
    assert set(codes) <= {0, 200, 201, 503}, codes  # 0: a connection cut mid-request (not acknowledged)
    engine = sa.create_engine(f"postgresql+psycopg2://postgres@/alumusic?host={stack.data / 'pg'}")
    try:
        with engine.connect() as conn:
            stored = {str(r[0]) for r in conn.execute(sa.text("SELECT id FROM comentarios"))}
    finally:
        engine.dispose()
    assert acknowledged and acknowledged <= stored, f"lost: {len(acknowledged - stored)}"
    print(f"acknowledged {len(acknowledged)} == stored {len(stored & acknowledged)}")


def test_smtp_sink_keeps_each_message_as_eml(stack):
    msg = EmailMessage()
    msg["From"] = "resumo@alumusic.local"
    msg["To"] = "curadoria@example.com"
    msg["Subject"] = "Resumo semanal — teste"
    msg.set_content("Olá, curadoria: o resumo da semana.")
    mail = stack.data / "mail"
    before = set(mail.glob("*.eml"))
    with smtplib.SMTP("127.0.0.1", stack.ports["smtp"], timeout=10) as smtp:
        smtp.send_message(msg)
    assert _wait(lambda: set(mail.glob("*.eml")) - before, 5) is not None
    (eml,) = set(mail.glob("*.eml")) - before
    text = eml.read_text()
    assert "X-Envelope-To: curadoria@example.com" in text and "Subject:" in text
    assert "resumo da semana" in text


def test_the_banner_says_where_mail_goes(stack):
    out = stack.output.read_text()
    assert f"E-mails         {stack.data / 'mail'}/" in out
