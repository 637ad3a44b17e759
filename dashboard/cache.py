"""Server-side cache with single flight: N viewers cost at most one round of queries per TTL.

flask-caching's FileSystemCache is shared by every gunicorn worker of the host; dogpile's ``Lock``
decides who computes. Each entry remembers when it was computed and is kept ``STALE_FACTOR`` x TTL:

- fresh (younger than the TTL): served as is;
- stale: served as is, and one background thread (per host) recomputes it, so no viewer waits for
  the queries after the first computation;
- missing (first request, or stale for too long): one caller computes while the others wait on the
  same lock and then read what it stored.

The lock of a key is held by one thread of one process of the host at a time (a thread lock, then
``flock`` on a file), and can be released by another thread, as dogpile's background creation needs.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dogpile import Lock, NeedRegenerationException
from dogpile.util import NameRegistry
from flask import Flask
from flask_caching import Cache

from alumusic.metrics import DASHBOARD_CACHE

log = logging.getLogger(__name__)
STALE_FACTOR = 10


class SharedCache:
    def __init__(self, server: Flask, directory: Path, namespace: str):
        directory.mkdir(parents=True, exist_ok=True)
        self._dir = directory
        self._prefix = hashlib.sha256(namespace.encode()).hexdigest()[:16] + ":"
        self._cache = Cache(server, config={"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(directory),
                                            "CACHE_THRESHOLD": 100, "CACHE_DEFAULT_TIMEOUT": 60})
        self._locks = NameRegistry(self._new_lock)  # one lock object per key while in use

    def get_or_compute(self, key: str, compute: Callable[[], Any], ttl: int) -> Any:
        key = self._prefix + key

        def cached() -> tuple[Any, float]:
            entry = self._cache.get(key)  # (value, computed at); gone after STALE_FACTOR x ttl
            if entry is None:
                raise NeedRegenerationException()
            return entry

        def store() -> tuple[Any, float]:
            computed_by.add(threading.get_ident())  # the background refresh runs in another thread
            entry = (compute(), time.time())
            self._cache.set(key, entry, timeout=ttl * STALE_FACTOR)
            return entry

        def refresh_in_background(lock: _HostLock) -> None:
            def run() -> None:
                try:
                    entry = self._cache.get(key)
                    if entry is None or time.time() - entry[1] > ttl:  # not refreshed meanwhile
                        store()
                except Exception:  # keep serving the stale value; the next request retries
                    log.exception("background refresh of %s failed", key)
                finally:
                    lock.release()

            threading.Thread(target=run, name="cache-refresh", daemon=True).start()

        computed_by: set[int] = set()
        with Lock(self._locks.get(key), store, cached, ttl, refresh_in_background) as value:
            DASHBOARD_CACHE.labels("falta" if threading.get_ident() in computed_by else "acerto").inc()
            return value

    def clear(self) -> None:
        self._cache.clear()

    def _new_lock(self, key: str) -> _HostLock:
        return _HostLock(self._dir / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.lock")


class _HostLock:
    """dogpile's mutex interface over a thread lock and an exclusive ``flock`` on ``path``."""

    def __init__(self, path: Path):
        self._path = path
        self._thread_lock = threading.Lock()
        self._fh = None

    def acquire(self, wait: bool = True) -> bool:
        if not self._thread_lock.acquire(wait):
            return False
        fh = self._path.open("a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # BlockingIOError: another process holds it
            fh.close()
            self._thread_lock.release()
            if wait:
                raise
            return False
        self._fh = fh
        return True

    def release(self) -> None:
        fh, self._fh = self._fh, None
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()
        self._thread_lock.release()

    def locked(self) -> bool:
        return self._thread_lock.locked()
