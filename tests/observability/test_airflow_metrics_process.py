"""``python -m alumusic.airflow_metrics`` as a real process: real UDP datagrams in, ``/metrics`` over HTTP
out under the API's access rule, hostile input that leaves it up, and Airflow's own StatsD client
(configured by ``alumusic.airflow_env.statsd_metrics_env``, as ``make run`` and compose do) feeding it.
The whole Airflow stack feeding it is tests/ops/test_airflow_faults.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
import requests

from alumusic.airflow_env import statsd_metrics_env
from alumusic.airflow_metrics import MAX_NAMES
from tests.support.airflow_metrics import bridge_process
from tests.support.observability import value

TOKEN = "token-das-metricas-do-airflow-123"


def test_datagrams_on_the_wire_become_exact_metrics(tmp_path):
    with bridge_process(tmp_path) as b:
        found = b.send_and_wait(
            "airflow.scheduler_heartbeat:1|c",
            "airflow.scheduler_heartbeat:1|c|@0.25\nairflow.pool.open_slots,pool_name=llm:4|g",
            "airflow.pool.open_slots,pool_name=llm:-1|g\nairflow.task.duration,dag_id=d,task_id=t:2500|ms",
            "airflow.task.duration,dag_id=d,task_id=t:500|ms",
        )
        assert value(found, "airflow_scheduler_heartbeat_total") == 5
        assert value(found, "airflow_pool_open_slots", pool_name="llm") == 3
        assert value(found, "airflow_task_duration_seconds_count", dag_id="d", task_id="t") == 2
        assert value(found, "airflow_task_duration_seconds_sum", dag_id="d", task_id="t") == 3.0
        assert value(found, "airflow_task_duration_seconds_bucket", dag_id="d", task_id="t", le="1.0") == 1
        assert value(found, "alumusic_statsd_bridge_last_datagram_timestamp_seconds") > 0
        assert value(found, "process_resident_memory_bytes") > 0


def _error(resp: requests.Response, code: int) -> dict:
    assert resp.status_code == code, resp.text
    assert resp.headers["Content-Type"] == "application/json"
    body = resp.json()["erro"]
    assert body["codigo"] == code and body["mensagem"] and body["detalhes"] == []
    return body


def test_with_metrics_token_every_scrape_needs_it(tmp_path):
    with bridge_process(tmp_path, token=TOKEN) as b:
        b.send_and_wait("airflow.scheduler_heartbeat:1|c")
        for headers in ({}, {"Authorization": "Bearer errado"}, {"Authorization": f"Basic {TOKEN}"},
                        {"Authorization": "Bearer"}, {"Authorization": f"Bearer {TOKEN}x"}):
            resp = b.get(headers=headers)
            assert "airflow_" not in resp.text
            _error(resp, 401)
            assert resp.headers["WWW-Authenticate"] == "Bearer"
        resp = b.get(headers={"Authorization": f"Bearer {TOKEN}"})
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/plain")
        assert "airflow_scheduler_heartbeat_total 1.0" in resp.text
        assert b.get("/health", headers={}).json() == {"status": "ok"}  # no data: no token
        _error(b.get("/outra", headers={}), 404)
        _error(requests.post(b.base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5), 405)


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: the kernel only picks the source address
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_without_token_only_loopback_clients_are_answered(tmp_path):
    with bridge_process(tmp_path, host="0.0.0.0") as b:
        b.send_and_wait("airflow.scheduler_heartbeat:1|c")
        resp = b.get()
        assert resp.status_code == 200 and "airflow_scheduler_heartbeat_total 1.0" in resp.text
        address = _non_loopback_address()
        if address is None:
            pytest.skip("this machine has no non-loopback IPv4 address to scrape from")
        resp = requests.get(f"http://{address}:{b.http_port}/metrics", timeout=5)
        _error(resp, 403)
        assert "airflow_" not in resp.text


def test_hostile_datagrams_leave_it_up_and_bounded(tmp_path):
    with bridge_process(tmp_path) as b:
        b.send_and_wait("airflow.scheduler_heartbeat:1|c")
        rss_before = b.rss_bytes()
        huge = b"airflow.x:" + b"9" * 65_000 + b"|c"  # one line as big as a UDP datagram gets
        garbage = [os.urandom(1200) for _ in range(50)] + [b"\x00" * 65_000, b"\n" * 60_000, b":|@#,=" * 5000]
        found = b.send_and_wait(huge, *garbage)
        assert value(found, "alumusic_statsd_bridge_lines_total", resultado="malformada") >= 51
        # 10,000 invented names, 100 per datagram: the first MAX_NAMES are kept, the rest counted and dropped.
        for start in range(0, 10_000, 1_000):
            found = b.send_and_wait(*("\n".join(f"airflow.lixo_{i}:1|g" for i in range(j, j + 100))
                                      for j in range(start, start + 1_000, 100)))
        assert value(found, "alumusic_statsd_bridge_metric_names") == MAX_NAMES
        assert value(found, "alumusic_statsd_bridge_lines_total", resultado="limite") == 10_000 + 1 - MAX_NAMES
        # still counting what it already knew
        found = b.send_and_wait("airflow.scheduler_heartbeat:1|c")
        assert value(found, "airflow_scheduler_heartbeat_total") == 2
        grown = b.rss_bytes() - rss_before
        print(f"bridge RSS {rss_before / 2**20:.1f} MiB -> {b.rss_bytes() / 2**20:.1f} MiB "
              f"after 10,000 names ({MAX_NAMES} kept); scrape {len(b.get().content) / 1024:.0f} KiB")
        assert grown < 64 * 2**20  # bounded by the caps, not by what was sent
        # hostile HTTP: a request line that is not HTTP, and a header flood
        with socket.create_connection(("127.0.0.1", b.http_port), timeout=5) as s:
            s.sendall(b"\x16\x03\x01garbage\r\n\r\n")
            s.recv(1024)
        assert b.get(headers={"X-" + "a" * 8000: "b" * 60_000}).status_code in (200, 400, 431)
        assert b.proc.poll() is None
        assert b.get().status_code == 200


AIRFLOW_CLIENT = """
from airflow._shared.observability.metrics import stats
from airflow.configuration import conf
from airflow.observability.metrics import stats_utils

# What the scheduler, the dag-processor and the triggerer do at start.
stats.initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=conf.getboolean("metrics", "legacy_names_on"))
stats.incr("scheduler_heartbeat", 1, 1)
tags = {"dag_id": "classify_comments", "task_id": "classify_batch"}
stats.incr("ti.finish", tags={**tags, "state": "success", "run_id": "manual__2026-01-01"})
stats.timing("task.duration", 1500.0, tags=tags)
stats.gauge("pool.open_slots", 3, tags={"pool_name": "llm"})
# Airflow 3.3 sends this one with the DAG inside the name, legacy names or not (blocked by statsd_metrics_env).
stats.timing("dagrun.classify_comments.first_task_scheduling_delay", 2000.0, tags={"dag_id": "classify_comments"})
stats.timing("dagrun.first_task_scheduling_delay", 2000.0, tags={"dag_id": "classify_comments"})
stats.gauge("dag_processing.import_errors", 0)
"""


def test_airflows_own_statsd_client_feeds_it_with_labels(tmp_path):
    """Airflow's StatsD logger, configured only by ``statsd_metrics_env``: tags arrive as labels, run ids
    never (unbounded), and no legacy names with the DAG and task inside."""
    with bridge_process(tmp_path) as b:
        env = {**os.environ, **statsd_metrics_env("127.0.0.1", b.statsd_port)}
        done = subprocess.run([sys.executable, "-c", AIRFLOW_CLIENT], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        found = b.wait_for(lambda f: value(f, "airflow_dag_processing_import_errors") is not None)
        assert value(found, "airflow_scheduler_heartbeat_total") == 1
        assert value(found, "airflow_ti_finish_total", dag_id="classify_comments", task_id="classify_batch",
                     state="success") == 1
        assert value(found, "airflow_task_duration_seconds_sum", dag_id="classify_comments",
                     task_id="classify_batch") == 1.5
        assert value(found, "airflow_pool_open_slots", pool_name="llm") == 3
        assert value(found, "airflow_dagrun_first_task_scheduling_delay_seconds_count", dag_id="classify_comments") == 1
        names = {name for name, _ in found}
        assert not any("classify_comments" in name for name in names), sorted(names)  # no legacy names
        assert not any(k == "run_id" for _, labels in found for k, _ in labels)
        assert value(found, "alumusic_statsd_bridge_lines_total", resultado="malformada") == 0
