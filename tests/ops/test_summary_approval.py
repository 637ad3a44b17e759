"""Approved summaries on the real stack: SUMMARY_APPROVAL=true, Airflow's api-server, scheduler and
dag-processor (no triggerer: on Airflow 3.3 a human-in-the-loop task waits in AWAITING_INPUT without
one), the SMTP sink and the embedded PostgreSQL, under ``devstack.py run --only``.

The schedule's own run (the DAG starts unpaused) is the first to ask. A data engineer's click is the api-server's REST API: PATCH of the task's HITL detail as user admin.
The deadline is the scheduler's own timeout sweep (the deadline is 36 s here, 24 h by default).
tests/dags/test_weekly_summary_approval.py covers the same decisions with dag.test(); this one shows
that the deployed pieces (DAG parsed by the dag-processor, the worker resuming the task) agree.

Run with ``pytest -m ops tests/ops/test_summary_approval.py``.
"""

from __future__ import annotations

import shutil
import time
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from alumusic.summary.weeks import last_complete_week
from tests.support.ops import ROOT, AirflowApi, free_port, running_stack

pytestmark = [pytest.mark.ops, pytest.mark.timeout(420)]

DAG_ID, TASK = "weekly_summary", "approve_summary"
RECIPIENTS = ["curadoria@example.com", "diretoria@example.com"]
TIMES: dict[str, float] = {}
READING_S = 10  # a person reads the summary before answering (see _decide)


def _wait(predicate, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(step)
    return None


@pytest.fixture(scope="module")
def stack():
    extra = {
        "SUMMARY_RECIPIENTS": ",".join(RECIPIENTS),
        "SUMMARY_APPROVAL": "true",
        "SUMMARY_APPROVAL_DEFAULT": "aprovar",
        "SUMMARY_APPROVAL_TIMEOUT_HOURS": "0.01",  # 36 s
        "AIRFLOW__SCHEDULER__TRIGGER_TIMEOUT_CHECK_INTERVAL": "2",  # the awaiting-input sweep's period
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }
    started = time.monotonic()
    with running_stack(["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "mailsink"],
                       extra_env=extra) as st:
        st.airflow = AirflowApi(st)
        st.airflow.login()
        assert _wait(lambda: DAG_ID in st.airflow.dag_ids(), 120), "weekly_summary was not parsed within 120 s"
        TIMES["stack start to DAG ready"] = time.monotonic() - started
        st.engine = sa.create_engine(f"postgresql+psycopg2://postgres@/alumusic?host={st.data / 'pg'}",
                                     pool_pre_ping=True)
        try:
            yield st
        finally:
            st.engine.dispose()
    print("\nsummary approval on the stack (s): " + ", ".join(f"{k}: {v:.1f}" for k, v in TIMES.items()))


def _pending(st, run_id: str) -> dict | None:
    status, body = st.airflow.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}/hitlDetails")
    for detail in body.get("hitl_details", []) if status == 200 else []:
        if detail["task_instance"]["task_id"] == TASK and detail["task_instance"]["state"] == "awaiting_input":
            return detail
    return None


def _click(st, run_id: str, option: str) -> int:
    status, _ = st.airflow.call(
        "PATCH", f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}/taskInstances/{TASK}/-1/hitlDetails",
        {"chosen_options": [option]})
    return status


def _row(st, semana: str) -> dict:
    with st.engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT texto, enviado_em, aprovacao, aprovacao_por, aprovacao_prazo_esgotado "
            "FROM resumos_semanais WHERE semana = :s"), {"s": semana}).mappings().one())


def _mails(st, semana: str) -> list:
    found = []
    for eml in sorted((st.data / "mail").glob("*.eml")):
        msg = message_from_bytes(eml.read_bytes())
        if semana in str(make_header(decode_header(msg["Subject"] or ""))):
            found.append(msg)
    return found


def _keep_logs(st) -> Path:
    """The stack's logs (programs and tasks) copied where a failure can be read after teardown."""
    out = ROOT / "test-artifacts" / "summary_approval_logs"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(st.data / "logs", out / "programs", dirs_exist_ok=True)
    shutil.copytree(st.data / "airflow" / "logs", out / "tasks", dirs_exist_ok=True)
    return out


def _states(st, run_id: str) -> dict[str, str]:
    """Each task's state; a failed task's log is printed (what a failure needs)."""
    states: dict[str, str] = {}
    for t in st.airflow.task_instances(DAG_ID, run_id):
        states[t["task_id"]] = t["state"]
        if t["state"] == "failed":
            _, body = st.airflow.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}/taskInstances/"
                                             f"{t['task_id']}/logs/{t['try_number']}?full_content=true")
            lines = [e.get("event", str(e)) if isinstance(e, dict) else str(e) for e in body.get("content", [])]
            print(f"--- {t['task_id']} (failed), end of its log:\n" + "\n".join(lines[-60:]))
            print(f"--- the stack's logs are kept in {_keep_logs(st)}")
    return states


def _scheduled_run(st) -> str | None:
    runs = [r for r in st.airflow.runs(DAG_ID) if r.get("run_type") == "scheduled"]
    return runs[0]["dag_run_id"] if runs else None


def _decide(st, semana: str, option: str, run_id: str | None = None) -> str:
    """A run that re-sends ``semana`` (so it is due and asks), answered ``option`` from the REST API
    after a reading pause. An answer given before the scheduler has processed the exit of the process
    that parked the task gets the resumed task failed by Airflow 3.3 ("state changed externally"; seen
    on this stack with answers up to ~5 s after the request under load); approve_summary's one retry
    then asks again, and this answers the new request too (counted in TIMES)."""
    run_id = run_id or st.airflow.trigger(DAG_ID, {"semana": semana, "reenviar": True})
    t0 = time.monotonic()
    for attempt in (1, 2):
        detail = _wait(lambda: _pending(st, run_id), 90)
        assert detail is not None, f"{run_id}: no approval request within 90 s: {_states(st, run_id)}"
        if attempt == 1:
            TIMES[f"trigger to Required Actions ({option})"] = time.monotonic() - t0
            assert semana in detail["subject"] and detail["options"] == ["Approve", "Reject"]
            assert _row(st, semana)["aprovacao"] == "aguardando"
        time.sleep(READING_S)
        assert _click(st, run_id, option) == 200
        assert _click(st, run_id, option) == 409  # one answer per request
        t1 = time.monotonic()
        ended = _wait(lambda: st.airflow.run(DAG_ID, run_id).get("state") in ("success", "failed")
                      or _pending(st, run_id), 90)
        if not _pending(st, run_id):  # ended (or timed out: asserted below); else it asked again
            break
        TIMES["answers lost to the Airflow race (asked again)"] = TIMES.get(
            "answers lost to the Airflow race (asked again)", 0) + 1
    assert ended and st.airflow.wait_run(DAG_ID, run_id, 30) == "success", _states(st, run_id)
    TIMES[f"click to run end ({option})"] = time.monotonic() - t1
    return run_id


def test_approve_sends_and_reject_stores_without_sending(stack):
    """The schedule's own run (the stack starts with the DAG unpaused: Monday's run of the last complete
    week) waits for approval and is approved; a re-send of the same week is then rejected."""
    st, semana = stack, last_complete_week("America/Sao_Paulo").label
    scheduled = _wait(lambda: _scheduled_run(st), 60)
    assert scheduled, f"no scheduled run within 60 s: {st.airflow.runs(DAG_ID)}"
    run_id = _decide(st, semana, "Approve", scheduled)
    row = _row(st, semana)
    assert row["aprovacao"] == "aprovado" and row["aprovacao_por"] == "admin" and not row["aprovacao_prazo_esgotado"]
    assert row["enviado_em"] is not None and _states(st, run_id)["email_summary"] == "success"
    assert _wait(lambda: len(_mails(st, semana)) == 1, 10)

    run_id = _decide(st, semana, "Reject")
    row = _row(st, semana)
    assert row["aprovacao"] == "rejeitado" and row["aprovacao_por"] == "admin"
    assert _states(st, run_id)["email_summary"] == "skipped"
    time.sleep(1)
    assert len(_mails(st, semana)) == 1  # still only the approved one


def test_unanswered_request_gets_the_default_at_the_deadline(stack):
    st, semana = stack, "2026-W41"
    run_id = st.airflow.trigger(DAG_ID, {"semana": semana, "reenviar": True})
    assert _wait(lambda: _pending(st, run_id), 90), f"no approval request: {_states(st, run_id)}"
    t0 = time.monotonic()
    assert st.airflow.wait_run(DAG_ID, run_id, 120) == "success", _states(st, run_id)
    TIMES["request to default applied and run end (36 s deadline)"] = time.monotonic() - t0
    row = _row(st, semana)
    assert row["aprovacao"] == "aprovado" and row["aprovacao_por"] is None and row["aprovacao_prazo_esgotado"]
    assert row["enviado_em"] is not None and _wait(lambda: len(_mails(st, semana)) == 1, 10)
