"""The product database as the API uses it: ``alumusic.db`` engines, tuned for short requests.

``DATABASE_URL`` in the app config overrides the settings (tests point an app at a refusing
server this way); otherwise the product URL of ``alumusic.db`` is used.

Requests skip the pre-ping of the ordinary pool (one extra round trip per request, milliseconds
under load on 2 shared cores): they run their statements in autocommit (each write
is one atomic statement: nothing half-written) and, when a pooled connection turns out to be dead
(server restart), SQLAlchemy invalidates the pool and :func:`run` retries once on a fresh
connection — safe because every statement the API runs is a read or an idempotent insert.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app

from alumusic.db import get_engine

T = TypeVar("T")


def engine(*, autocommit: bool = False) -> sa.Engine:
    """The app's engine (``DATABASE_URL`` in the app config, else the settings'); ``autocommit=True``
    gives the request pool :func:`run` uses, the default one has ordinary transactions."""
    return get_engine(current_app.config.get("DATABASE_URL"), autocommit=autocommit)


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
