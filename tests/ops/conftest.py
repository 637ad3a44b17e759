"""Fault tests on real processes (marker ``ops``: ``pytest -m ops``): a supervised stack in a temp data dir.

``stack`` (one per module) runs ``scripts/devstack.py run --only api,dashboard,mailsink`` (the embedded
PostgreSQL, the API and the dashboard under gunicorn, the SMTP sink, all under supervisord) on free
loopback ports and a temp DATA_DIR, so it never meets a developer's ``make run``. Teardown stops it the
way Ctrl-C does and asserts that no process of it is left (``tests.support.ops.running_stack``, which
the modules needing other programs call with their own list).
"""

from __future__ import annotations

import pytest

from tests.support.ops import running_stack


@pytest.fixture(scope="module")
def stack():
    with running_stack(["api", "dashboard", "mailsink"], ready_timeout=120) as st:
        yield st
