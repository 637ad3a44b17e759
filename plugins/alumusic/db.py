"""Connections to the product database.

One SQLAlchemy engine per URL and process. Sessions run in the configured time zone, which the
SQL views use for days and ISO weeks.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from alumusic.settings import get_settings

_engines: dict[tuple[str | sa.URL, bool], sa.Engine] = {}
_lock = threading.Lock()


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` / ``postgres://`` URLs (Airflow, Heroku style) too."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


class DatabaseNotConfigured(RuntimeError):
    """No DATABASE_URL: services never start a database server of their own."""


def database_url() -> str:
    """The configured product database URL."""
    url = get_settings().database_url
    if not url:
        raise DatabaseNotConfigured("DATABASE_URL is not set (make run sets it for the local stack)")
    return normalise_url(url)


def get_engine(url: str | sa.URL | None = None, *, autocommit: bool = False) -> sa.Engine:
    """The process's engine for ``url`` (default: the configured product database).

    ``autocommit=True`` is the API's request pool: each statement commits alone (no BEGIN/COMMIT
    round trips), no pre-ping and no rollback on return (each costs a round trip or a GIL
    hand-off per request); its caller retries once on a dead connection (``api.database.run``).
    """
    if isinstance(url, sa.URL):
        url = url.set(drivername="postgresql+psycopg2")
    else:
        url = normalise_url(url) if url else database_url()
    key = (url, autocommit)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            tz = get_settings().timezone
            options = (
                {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None, "skip_autocommit_rollback": True}
                if autocommit else {"pool_pre_ping": True}
            )
            engine = sa.create_engine(
                url,
                pool_size=8,  # >= gunicorn threads per worker
                max_overflow=8,
                pool_recycle=1800,
                # word_similarity_threshold: how close a typo must be for the free-text search's
                # "<%" (repositories.comment_search.text_condition; 0.6 by default misses one wrong
                # letter inside a short word).
                connect_args={"options": f"-c timezone={tz} -c pg_trgm.word_similarity_threshold=0.5",
                              "connect_timeout": 5},
                **options,
            )
            _engines[key] = engine
        return engine


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
