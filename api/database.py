"""The product database as the API uses it: one pool per URL and process, tuned for short requests.

``DATABASE_URL`` in the app config overrides the settings (tests point an app at a refusing
server this way); otherwise the product URL of ``alumusic.db`` is used.

Why not ``alumusic.db.get_engine``: that pool pings the server on every checkout
(``pool_pre_ping``), which is one extra round trip per request, and under load on 2 shared cores
each round trip costs milliseconds. The API instead runs its statements in autocommit (each write
is one atomic statement: nothing half-written) and, when a pooled connection turns out to be dead
(server restart), SQLAlchemy invalidates the pool and :func:`run` retries once on a fresh
connection — safe because every statement the API runs is a read or an idempotent insert.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app

from alumusic.db import database_url, normalise_url
from alumusic.settings import get_settings

T = TypeVar("T")
_engines: dict[str, sa.Engine] = {}
_lock = threading.Lock()


def engine(*, autocommit: bool = False) -> sa.Engine:
    """The app's engine; ``autocommit=True`` gives the pool :func:`run` uses (each statement
    commits alone, no BEGIN/COMMIT round trips), the default one has ordinary transactions."""
    configured = current_app.config.get("DATABASE_URL")
    url = normalise_url(configured) if configured else database_url()
    key = f"{url}#{'autocommit' if autocommit else 'tx'}"
    with _lock:
        eng = _engines.get(key)
        if eng is None:
            eng = sa.create_engine(
                url,
                pool_size=8,  # >= gunicorn threads per worker
                max_overflow=8,
                pool_recycle=1800,
                connect_args={"options": f"-c timezone={get_settings().timezone}", "connect_timeout": 5},
                # Autocommit connections never hold a transaction: skip the driver's rollback() on
                # close and on return to the pool (a no-op in autocommit, but it hands the GIL away:
                # ~0.5 ms per request under load in the worker profile).
                **({"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None,
                    "skip_autocommit_rollback": True} if autocommit else {}),
            )
            _engines[key] = eng
        return eng


def run(fn: Callable[[sa.Connection], T]) -> T:
    """``fn(conn)`` on an autocommit connection, retried once if the connection was found dead.

    ``fn`` must be a read or an idempotent single-statement write (each statement commits alone).
    """
    for attempt in (1, 2):
        try:
            with engine(autocommit=True).connect() as conn:
                return fn(conn)
        except sa.exc.DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
    raise AssertionError("unreachable")


def dispose_all() -> None:
    with _lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()
