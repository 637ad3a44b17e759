"""gunicorn settings shared by the API and the dashboard: Prometheus' multiprocess bookkeeping.

    gunicorn -c python:alumusic.gunicorn_conf --workers 2 ... api.wsgi:app

Each worker writes its metrics to files in ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` sums them
(``alumusic.metrics``), so a scrape shows every worker's counts whichever worker answers it.

The directory must belong to one server only (the API and the dashboard must never share one).
This module is imported by the master before anything else (gunicorn reads its config first; the
worker class, which imports the metrics, comes after), so it sets the variable here: the given
``PROMETHEUS_MULTIPROC_DIR``, or a directory of this master (``<tmp>/alumusic-metrics/<pid>``,
removed when it exits). Either way it starts empty: the counts start at zero with the server.
When a worker exits, its live gauges are dropped; its counters and histograms stay in the sums.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

_given = os.environ.get(MULTIPROC_ENV)
_dir = Path(_given or Path(tempfile.gettempdir()) / "alumusic-metrics" / str(os.getpid()))
_dir.mkdir(parents=True, exist_ok=True)
for _stale in _dir.glob("*.db"):  # a previous server's counts
    _stale.unlink(missing_ok=True)
os.environ[MULTIPROC_ENV] = str(_dir)  # before prometheus_client is imported: it picks its mode then


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if not _given:  # our own directory: nothing else reads it
        shutil.rmtree(_dir, ignore_errors=True)
