"""A ``limits`` storage on the product's PostgreSQL, so every worker shares one set of counters.

flask-limiter (the API's token route, the dashboard's login) keeps its counters in a ``limits``
storage. The in-memory one is per gunicorn worker: with N workers an attacker gets N times the
limit. Redis would share them, but this product already runs a PostgreSQL that every worker
reaches, so the counters live there (table ``limites_taxa``, migration 0007, UNLOGGED).

Only the fixed-window strategy is supported (flask-limiter's default). Use it with::

    RATELIMIT_STORAGE_URI = "alumusic+postgresql://"
    RATELIMIT_STORAGE_OPTIONS = {"url": "<SQLAlchemy URL of the product database>"}

Importing this module registers the scheme with ``limits``. Database errors are not swallowed:
they reach the app's handlers (the API answers 503), so a limit is never silently skipped.
"""

from __future__ import annotations

import random
import time

import sqlalchemy as sa
from limits.storage import Storage

SCHEME = "alumusic+postgresql"
# Expired windows are deleted now and then by the writers themselves: no cron job needed.
PURGE_PROBABILITY = 0.01

_INCR = sa.text(
    """
    INSERT INTO limites_taxa (chave, contagem, expira_em)
    VALUES (:chave, GREATEST(:n, 0), clock_timestamp() + make_interval(secs => :expiry))
    ON CONFLICT (chave) DO UPDATE SET
        contagem = CASE WHEN limites_taxa.expira_em <= clock_timestamp() THEN EXCLUDED.contagem
                        ELSE GREATEST(limites_taxa.contagem + :n, 0) END,
        expira_em = CASE WHEN limites_taxa.expira_em <= clock_timestamp() THEN EXCLUDED.expira_em
                         ELSE limites_taxa.expira_em END
    RETURNING contagem
    """
)


class PostgresStorage(Storage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        from alumusic.db import get_engine

        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._engine = get_engine(options.get("url"), autocommit=True)

    @property
    def base_exceptions(self):
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(_INCR, {"chave": key, "n": amount, "expiry": float(expiry)}).scalar_one()
            if random.random() < PURGE_PROBABILITY:
                conn.execute(sa.text("DELETE FROM limites_taxa WHERE expira_em < clock_timestamp()"))
        return int(value)

    def get(self, key: str) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(
                sa.text("SELECT contagem FROM limites_taxa WHERE chave = :chave AND expira_em > clock_timestamp()"),
                {"chave": key},
            ).scalar()
        return int(value or 0)

    def get_expiry(self, key: str) -> float:
        with self._engine.connect() as conn:
            value = conn.execute(
                sa.text("SELECT extract(epoch FROM expira_em) FROM limites_taxa "
                        "WHERE chave = :chave AND expira_em > clock_timestamp()"),
                {"chave": key},
            ).scalar()
        return float(value) if value is not None else time.time()

    def check(self) -> bool:
        try:
            with self._engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self._engine.connect() as conn:
            return conn.execute(sa.text("DELETE FROM limites_taxa")).rowcount

    def clear(self, key: str) -> None:
        with self._engine.connect() as conn:
            conn.execute(sa.text("DELETE FROM limites_taxa WHERE chave = :chave"), {"chave": key})
