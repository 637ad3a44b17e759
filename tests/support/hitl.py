"""Answering Airflow's human-in-the-loop tasks from a test, the way a data engineer's click does.

``dag.test()`` keeps a run alive while a task waits in AWAITING_INPUT and resumes it once a response
is recorded from outside (Airflow 3.3, ``airflow.sdk.definitions.dag``). ``CoreApi`` is that outside:
the api-server's own Core API application (``airflow.api_fastapi.app.create_app``) in this process,
on the session's metadata database, called over HTTP semantics (Starlette's TestClient) with a JWT
of a Simple-auth-manager user, so the PATCH of a HITL detail goes through the real route (validation,
row locks, ``handle_event_submit``). ``expire_deadlines`` runs the scheduler's own timeout sweep
(``SchedulerJobRunner.check_awaiting_input_timeouts``), which ``dag.test()`` has no scheduler to run.

``answer_in_background`` runs either in a thread while ``dag.test()`` blocks the test's thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future


class CoreApi:
    def __init__(self, username: str) -> None:
        from airflow.api_fastapi.app import create_app, get_auth_manager
        from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
        from fastapi.testclient import TestClient

        self.client = TestClient(create_app(apps="core"), base_url="http://localhost")
        token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=username, role="admin"))
        self.headers = {"Authorization": f"Bearer {token}"}

    def pending(self, dag_id: str, task_id: str) -> list[dict]:
        """HITL details of ``dag_id``'s ``task_id`` still waiting for an answer (the Required Actions list)."""
        resp = self.client.get(f"/api/v2/dags/{dag_id}/dagRuns/~/hitlDetails", headers=self.headers,
                               params={"task_id": task_id, "response_received": "false"})
        resp.raise_for_status()
        return resp.json()["hitl_details"]

    def respond(self, detail: dict, option: str) -> tuple[int, dict]:
        ti = detail["task_instance"]
        resp = self.client.patch(
            f"/api/v2/dags/{ti['dag_id']}/dagRuns/{ti['dag_run_id']}/taskInstances/{ti['task_id']}/"
            f"{ti['map_index']}/hitlDetails", headers=self.headers, json={"chosen_options": [option]})
        return resp.status_code, resp.json()


def wait_pending(api: CoreApi, dag_id: str, task_id: str, *, timeout: float = 90) -> dict:
    """The first HITL detail of ``task_id`` awaiting input (its task parked in AWAITING_INPUT)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for detail in api.pending(dag_id, task_id):
            if detail["task_instance"]["state"] == "awaiting_input":
                return detail
        time.sleep(0.3)
    raise TimeoutError(f"{dag_id}.{task_id} never waited for input within {timeout} s")


def expire_deadlines(detail: dict, *, timeout: float = 30) -> None:
    """Run the scheduler's AWAITING_INPUT timeout sweep once the task's deadline has passed."""
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner

    runner = SchedulerJobRunner(job=Job(), executors=[])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runner.check_awaiting_input_timeouts()
        if not _still_waiting(detail):
            return
        time.sleep(0.5)
    raise TimeoutError("the awaiting-input deadline never passed")


def _still_waiting(detail: dict) -> bool:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState

    with create_session() as session:
        ti = session.get(TaskInstance, detail["task_instance"]["id"])
        return ti.state == TaskInstanceState.AWAITING_INPUT


def answer_in_background(action: Callable[[], object], *, dag_id: str) -> Future:
    """Run ``action`` in a daemon thread; its result (or exception) in the returned future. When it
    fails, ``dag_id``'s tasks still awaiting input are failed so that ``dag.test()`` returns."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(action())
        except BaseException as exc:  # noqa: BLE001 - handed to the test through the future
            future.set_exception(exc)
            _fail_waiting(dag_id)

    threading.Thread(target=run, name="hitl-answer", daemon=True).start()
    return future


def _fail_waiting(dag_id: str) -> None:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import update

    with create_session() as session:
        session.execute(update(TaskInstance).where(TaskInstance.dag_id == dag_id,
                                                   TaskInstance.state == TaskInstanceState.AWAITING_INPUT)
                        .values(state=TaskInstanceState.FAILED))
