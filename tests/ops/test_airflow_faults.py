"""Fault tests of the Airflow side (real processes, loopback only, bounded): the supervised stack with
Airflow survives a kill -9 of each Airflow component and a PostgreSQL outage in the middle of a
classification run, and the weekly e-mail survives the SMTP sink being down.

One stack for the module (``devstack.py run --only`` Airflow's four programs and the SMTP sink, the
embedded PostgreSQL under the launcher) in a temp DATA_DIR on free ports. The LLM is the offline
classifier; DAGs are triggered through the api-server's REST API. Recovery times are printed and
written to ``test-artifacts/airflow_faults.json`` (quoted in docs/OPERATIONS.md). The API's 503 during
a PostgreSQL outage is tested in test_faults.py (the API is not in this stack).

Run with ``pytest -m ops tests/ops/test_airflow_faults.py``; ~8 minutes on 2 cores shared with other
sessions (load average 8-10), most of it Airflow's start and task start-up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
import requests
import sqlalchemy as sa

from tests.support.factories import add_comments
from tests.support.observability import samples, value
from tests.support.ops import AIRFLOW_PROGRAMS, ROOT, AirflowApi, alive, free_port, members, running_stack

# The first test also pays for the stack start (Airflow: ~1.5-2.5 min on 2 busy cores).
pytestmark = [pytest.mark.ops, pytest.mark.timeout(420)]

RECIPIENTS = ["curadoria@example.com", "diretoria@example.com"]
# Measured recovery times of this module, printed at its end and kept in test-artifacts/.
RECOVERY: dict[str, float] = {}

# What says "healthy again" for each component: the api-server answers its health check; the others
# write a heartbeat newer than the kill (the health endpoint's status lags by its threshold).
HEARTBEAT = {
    "airflow-scheduler": ("scheduler", "latest_scheduler_heartbeat"),
    "airflow-dag-processor": ("dag_processor", "latest_dag_processor_heartbeat"),
    "airflow-triggerer": ("triggerer", "latest_triggerer_heartbeat"),
}


def _wait(predicate, timeout: float, step: float = 0.5) -> float | None:
    """Seconds until ``predicate()`` held, None when it did not within ``timeout``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate():
            return time.monotonic() - t0
        time.sleep(step)
    return None


@pytest.fixture(scope="module")
def airflow_stack():
    extra = {
        "SUMMARY_RECIPIENTS": ",".join(RECIPIENTS),
        # Two batches at a time: a classify run goes in waves, so an outage can land in the middle of one.
        "LLM_POOL_SLOTS": "2",
        # Airflow's log servers would take the fixed ports 8793/8794 of a developer's `make run`.
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }
    started = time.monotonic()
    with running_stack([*AIRFLOW_PROGRAMS, "mailsink"], extra_env=extra) as st:
        st.airflow = AirflowApi(st)
        st.airflow.login()
        wanted = {"classify_comments", "weekly_summary"}
        assert _wait(lambda: wanted <= st.airflow.dag_ids(), 120), "the DAGs were not parsed within 120 s"
        RECOVERY["stack start to DAGs ready"] = time.monotonic() - started
        st.engine = sa.create_engine(f"postgresql+psycopg2://postgres@/alumusic?host={st.data / 'pg'}",
                                     pool_pre_ping=True)
        try:
            yield st
        finally:
            st.engine.dispose()
    report = {k: round(v, 1) for k, v in RECOVERY.items()}
    print("\nrecovery times (s):\n" + "\n".join(f"  {k}: {v}" for k, v in report.items()))
    out = ROOT / "test-artifacts" / "airflow_faults.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                               "cpus": os.cpu_count(), "seconds": report}, indent=2))


def _counts(engine: sa.Engine, ids: list[str]) -> dict[str, int]:
    try:
        with engine.connect() as conn:
            return dict(conn.execute(sa.text(
                "SELECT status, count(*) FROM comentarios WHERE id = ANY(CAST(:ids AS uuid[])) GROUP BY 1"),
                {"ids": ids}).all())
    except sa.exc.OperationalError:
        return {}  # the database is away


def _classifications_per_comment(engine: sa.Engine, ids: list[str]) -> dict[int, int]:
    """{number of classifications: comments with that many}: {1: len(ids)} when none was classified twice."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT n, count(*) FROM (SELECT c.id, count(k.id) AS n FROM comentarios c "
            "LEFT JOIN classificacoes k ON k.comentario_id = c.id WHERE c.id = ANY(CAST(:ids AS uuid[])) "
            "GROUP BY c.id) per GROUP BY n"), {"ids": ids}).all()
    return dict(rows)


def _backlog(engine: sa.Engine, n: int, tag: str) -> list[str]:
    rows = add_comments(engine, [{"texto": f"{tag}: adorei a faixa {i} do disco novo, que som incrível!"}
                                 for i in range(n)])
    return [r["id"] for r in rows]


def _classify_and_check(st, n: int, tag: str, *, timeout: float = 120) -> float:
    """A backlog of ``n``, a manual classify_comments run: it succeeds, each comment classified once."""
    ids = _backlog(st.engine, n, tag)
    t0 = time.monotonic()
    run_id = st.airflow.trigger("classify_comments", {"tamanho_lote": n})  # one batch: few task starts
    state = st.airflow.wait_run("classify_comments", run_id, timeout)
    assert state == "success", f"{tag}: classify run {run_id} ended {state!r}"
    assert _wait(lambda: _counts(st.engine, ids) == {"classificado": n}, 30), _counts(st.engine, ids)
    assert _classifications_per_comment(st.engine, ids) == {1: n}
    return time.monotonic() - t0


def _heartbeat_after(health: dict | None, program: str, moment: datetime) -> bool:
    if health is None:
        return False
    key, field = HEARTBEAT[program]
    beat = (health.get(key) or {}).get(field)
    return beat is not None and datetime.fromisoformat(beat) > moment


@pytest.mark.parametrize("program", AIRFLOW_PROGRAMS)
def test_kill_9_of_each_airflow_component_is_restarted_and_work_resumes(airflow_stack, program):
    st = airflow_stack
    rpc = st.rpc().supervisor
    info = rpc.getProcessInfo(program)
    assert info["statename"] == "RUNNING"
    old = info["pid"]
    group = members(pgid=old)  # the program and its children (the scheduler's LocalExecutor workers...)
    killed_at = datetime.now(UTC)
    t0 = time.monotonic()
    os.kill(old, signal.SIGKILL)

    def healthy() -> bool:
        now = rpc.getProcessInfo(program)
        if now["statename"] != "RUNNING" or now["pid"] in (0, old):
            return False
        health = st.airflow.health()
        return health is not None if program == "airflow-apiserver" else _heartbeat_after(health, program, killed_at)

    took = _wait(healthy, 120)  # the api-server took 62 s under a load average of 10
    assert took is not None, f"{program} not RUNNING and healthy again within 120 s"
    log = (st.data / "logs" / "supervisord.log").read_text()
    assert f"exited: {program} (terminated by SIGKILL; not expected)" in log  # the restart is logged
    # Nothing of the killed start survives it (scripts/supervised.py kills the old group on restart):
    # no orphaned worker keeps running, no log server keeps its port.
    assert _wait(lambda: not any(alive(p) for p in group), 15) is not None, \
        f"left by the killed {program}: {[p for p in group if alive(p)]}"

    run_took = _classify_and_check(st, 50, f"kill-{program}")
    RECOVERY[f"kill -9 {program}: to healthy"] = took
    RECOVERY[f"kill -9 {program}: to a classify run done"] = time.monotonic() - t0
    print(f"{program}: kill -9 -> restarted and healthy in {took:.1f} s ({len(group)} process(es) in its group);"
          f" then a classify run of 50 comments in {run_took:.1f} s")


def test_postgres_outage_mid_classification_loses_nothing_and_classifies_once(airflow_stack):
    st = airflow_stack
    n = 240
    ids = _backlog(st.engine, n, "pg-outage")
    # 6 batches of 40 in 3 waves of 2 (LLM_POOL_SLOTS): PostgreSQL goes away after the first batch.
    run_id = st.airflow.trigger("classify_comments", {"tamanho_lote": 40, "max_lotes": 6})
    progress = _wait(lambda: _counts(st.engine, ids).get("classificado", 0) >= 40, 120)
    assert progress is not None, f"no progress before the outage: {_counts(st.engine, ids)}"
    before = _counts(st.engine, ids)
    assert before.get("classificado", 0) < n, "the run finished before the outage: nothing tested"

    st.engine.dispose()
    st.devstack("pg", "stop")
    time.sleep(10)
    st.devstack("pg", "start")  # returns when PostgreSQL accepts connections
    back_at, back = datetime.now(UTC), time.monotonic()

    def all_healthy() -> bool:
        health = st.airflow.health()
        return health is not None and all(_heartbeat_after(health, p, back_at) for p in HEARTBEAT)

    healthy = _wait(all_healthy, 90)
    assert healthy is not None, f"Airflow not healthy within 90 s of PostgreSQL's return: {st.airflow.health()}"
    done = _wait(lambda: _counts(st.engine, ids) == {"classificado": n}, 180, step=1)
    assert done is not None, f"not all classified within 180 s of PostgreSQL's return: {_counts(st.engine, ids)}"
    state = st.airflow.wait_run("classify_comments", run_id, 120)
    finished = time.monotonic() - back
    # The run or a later one finishes: the interrupted run itself, or a scheduled one started after.
    later = [r for r in st.airflow.runs("classify_comments") if r["state"] == "success"
             and datetime.fromisoformat(r["start_date"].replace("Z", "+00:00")) > back_at]
    assert state == "success" or later, f"run {run_id} ended {state!r} and no later run succeeded"
    assert _classifications_per_comment(st.engine, ids) == {1: n}  # none classified twice, none lost

    retried = [t for t in st.airflow.task_instances("classify_comments", run_id) if t["try_number"] > 1]
    restarted = [line.split("exited: ", 1)[1].split(" ", 1)[0]
                 for line in (st.data / "logs" / "supervisord.log").read_text().splitlines() if "exited:" in line]
    RECOVERY["PostgreSQL 10 s outage: Airflow healthy after its return"] = healthy
    RECOVERY["PostgreSQL 10 s outage: backlog classified after its return"] = done
    RECOVERY["PostgreSQL 10 s outage: interrupted run finished after its return"] = finished
    print(f"PostgreSQL stopped 10 s with {before} of {n}: Airflow healthy {healthy:.1f} s after its return, "
          f"all classified once after {done:.1f} s, run {state} after {finished:.1f} s; "
          f"{len(retried)} task(s) retried; supervisord restarts so far: {restarted}")


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _delivery(engine: sa.Engine, semana: str) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT texto, enviado_em, destinatarios, tentativas_envio, ultimo_erro_envio, ultimo_erro_em "
            "FROM resumos_semanais WHERE semana = :s"), {"s": semana}).mappings().first()
    return dict(row) if row else None


def _mails_for(folder, semana: str) -> list:
    found = []
    for eml in sorted(folder.glob("*.eml")):
        msg = message_from_bytes(eml.read_bytes())
        if semana in str(make_header(decode_header(msg["Subject"] or ""))):
            found.append(msg)
    return found


def test_smtp_sink_down_keeps_the_summary_records_the_failure_and_retries(airflow_stack):
    st = airflow_stack
    semana = "2026-W40"  # a past week: mailed only because reenviar asks for it, whatever the schedule did
    # weekly_summary runs one at a time (max_active_runs=1): the stack's own scheduled run of last week
    # (created at start, catchup off) must be over first, or the triggered run waits behind its e-mail's
    # retries while the sink is down (and, after the fault tests above, behind their retries).
    active = ("queued", "running")
    assert _wait(lambda: not any(r["state"] in active for r in st.airflow.runs("weekly_summary")), 300) is not None, \
        [(r["dag_run_id"], r["state"]) for r in st.airflow.runs("weekly_summary")]
    rpc = st.rpc().supervisor
    rpc.stopProcess("mailsink")
    assert _wait(lambda: not _port_open(st.ports["smtp"]), 10) is not None
    try:
        run_id = st.airflow.trigger("weekly_summary", {"semana": semana, "reenviar": True})
        failed = _wait(lambda: (d := _delivery(st.engine, semana)) is not None and d["ultimo_erro_envio"], 120)
        assert failed is not None, f"no failed attempt recorded within 120 s: {_delivery(st.engine, semana)}"
        row = _delivery(st.engine, semana)
        assert row["texto"] and row["enviado_em"] is None and row["tentativas_envio"] >= 1
        assert sorted(row["destinatarios"]) == sorted(RECIPIENTS) and row["ultimo_erro_em"] is not None
        assert "Connection refused" in row["ultimo_erro_envio"] or "Errno" in row["ultimo_erro_envio"], row
        email = {t["task_id"]: t for t in st.airflow.task_instances("weekly_summary", run_id)}["email_summary"]
        assert email["state"] not in ("success", "failed"), email  # waiting for its retry
        assert _mails_for(st.data / "mail", semana) == []
    finally:
        rpc.startProcess("mailsink")  # waits until RUNNING
    back = time.monotonic()
    assert _wait(lambda: _port_open(st.ports["smtp"]), 10) is not None

    waited = _wait(lambda: (_delivery(st.engine, semana) or {}).get("enviado_em") is not None, 150)
    assert waited is not None, f"not delivered within 150 s of the sink's return: {_delivery(st.engine, semana)}"
    delivered = time.monotonic() - back
    row = _delivery(st.engine, semana)
    assert row["ultimo_erro_envio"] is None and row["ultimo_erro_em"] is None and row["tentativas_envio"] >= 2
    assert st.airflow.wait_run("weekly_summary", run_id, 60) == "success"
    tries = {t["task_id"]: t["try_number"] for t in st.airflow.task_instances("weekly_summary", run_id)}
    assert tries["build_summary"] == 1 and tries["email_summary"] >= 2  # only the e-mail was retried
    assert _wait(lambda: _mails_for(st.data / "mail", semana), 5) is not None
    [mail] = _mails_for(st.data / "mail", semana)
    assert sorted(a.strip() for a in mail["X-Envelope-To"].split(",")) == sorted(RECIPIENTS)
    RECOVERY["SMTP sink down: e-mail delivered after the sink's return"] = delivered
    print(f"SMTP sink down: attempt failed and recorded {failed:.1f} s after the trigger; delivered by the "
          f"task's retry (try {tries['email_summary']}) {delivered:.1f} s after the sink came back, "
          f"{row['tentativas_envio']} attempts recorded")


def test_airflow_reports_its_own_metrics_to_the_bridge_which_survives_a_kill_9(airflow_stack):
    """``make run``'s default: every Airflow component sends StatsD to the supervised bridge
    (``airflow-metrics``, ``alumusic.airflow_metrics``); its ``/metrics`` has the scheduler's, the
    dag-processor's, the DAG run's and the tasks' metrics, with tags as labels. Killed with SIGKILL it is
    restarted, and Airflow, which never waited for it (UDP), reports to the new process."""
    st = airflow_stack
    url = st.url("airflow_metrics", "/metrics")  # loopback, no METRICS_TOKEN in this stack: answered
    last: dict = {}

    def scraped(*wanted: str) -> bool:
        try:
            resp = requests.get(url, timeout=5)
        except requests.RequestException:
            return False
        last.clear()
        last.update(samples(resp.text) if resp.status_code == 200 else {})
        return all(any(name == w for name, _ in last) for w in wanted)

    def total(name: str, **labels: str) -> float:
        return sum(v for (n, ls), v in last.items() if n == name and labels.items() <= dict(ls).items())

    _classify_and_check(st, 20, "airflow-metrics")  # a DAG run and its tasks, to report on
    wanted = ("airflow_scheduler_heartbeat_total", "airflow_dag_processing_total_parse_time",
              "airflow_dagrun_duration_success_seconds_count", "airflow_ti_finish_total",
              "airflow_task_duration_seconds_count")
    assert _wait(lambda: scraped(*wanted), 90) is not None, sorted({n for n, _ in last})
    names = sorted({n for n, _ in last if n.startswith("airflow_")})
    labels = {n: sorted({k for m, ls in last if m == n for k, v in ls if v and k != "le"}) for n in names}
    print(f"Airflow metrics seen in the bridge ({len(names)}): "
          + ", ".join(n + (f"{{{','.join(labels[n])}}}" if labels[n] else "") for n in names))
    assert total("airflow_scheduler_heartbeat_total") > 0
    assert total("airflow_dagrun_duration_success_seconds_count", dag_id="classify_comments") >= 1
    assert total("airflow_ti_finish_total", dag_id="classify_comments", state="success") >= 1
    assert total("airflow_task_duration_seconds_sum", dag_id="classify_comments") > 0
    dags = st.airflow.dag_ids()
    assert not [n for n in names if any(d in n for d in dags)]  # DAGs are labels, never part of a name
    assert value(last, "alumusic_statsd_bridge_lines_total", resultado="malformada") == 0  # all of Airflow's parse
    print("bridge lines: " + ", ".join(f"{r} {value(last, 'alumusic_statsd_bridge_lines_total', resultado=r):.0f}"
                                       for r in ("aceita", "malformada", "limite", "conflito", "negativo")))

    rpc = st.rpc().supervisor
    old = rpc.getProcessInfo("airflow-metrics")["pid"]
    os.kill(old, signal.SIGKILL)

    def back() -> bool:  # a new process, and the scheduler's heartbeats arriving in it
        now = rpc.getProcessInfo("airflow-metrics")
        return now["statename"] == "RUNNING" and now["pid"] not in (0, old) and scraped(wanted[0])

    took = _wait(back, 60)
    assert took is not None, "the bridge was not restarted with Airflow reporting to it within 60 s"
    assert "exited: airflow-metrics (terminated by SIGKILL; not expected)" in (
        st.data / "logs" / "supervisord.log").read_text()
    assert st.airflow.health() is not None  # Airflow never noticed
    RECOVERY["kill -9 airflow-metrics: Airflow's metrics in the new bridge"] = took
    print(f"airflow-metrics: kill -9 -> restarted, Airflow's heartbeats in the new process after {took:.1f} s")
