"""scripts/devstack.py's CeleryExecutor option, without starting anything: the programs it gives
supervisord and what it refuses (the running stack is tests/ops/test_celery.py)."""

from __future__ import annotations

import importlib.util
import shlex

from tests.support.ops import DEVSTACK


def _devstack():
    spec = importlib.util.spec_from_file_location("devstack_under_test", DEVSTACK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_celery_programs_are_a_socket_only_redis_and_named_workers():
    ds = _devstack()
    programs = ds.celery_programs(3, 2, with_redis=True)
    assert list(programs) == ["redis", "airflow-worker-1", "airflow-worker-2", "airflow-worker-3"]
    redis = programs["redis"]
    assert redis[redis.index("--port") + 1] == "0"  # no TCP port: it can never meet another Redis
    assert redis[redis.index("--unixsocket") + 1] == str(ds.REDIS_SOCK)
    assert programs["airflow-worker-2"][-5:] == ["--celery-hostname", "worker2@%h", "--concurrency", "2",
                                                "--skip-serve-logs"]
    assert "redis" not in ds.celery_programs(1, 4, with_redis=False)  # a broker of one's own
    conf = ds.supervisor_config(programs)
    assert "worker3@%%h" in conf  # supervisord expands %(...)s: a literal % is doubled
    assert shlex.join(redis).replace("%", "%%") in conf


def test_unknown_executor_or_no_workers_is_refused_before_anything_starts(capsys):
    ds = _devstack()
    assert ds.run({"api"}, executor="kubernetes") == 2
    assert "unknown executor" in capsys.readouterr().out
    assert ds.run({"airflow-scheduler"}, executor="celery", workers=0) == 2
    assert "--workers must be at least 1" in capsys.readouterr().out
