"""Server-side cache with single flight: N viewers cost at most one round of queries per TTL.

flask-caching's FileSystemCache is shared by every gunicorn worker of the host. Each entry
remembers when it stops being fresh (the TTL) and is kept a while longer (``STALE_FACTOR`` x TTL):

- fresh: served as is;
- stale: served as is, and one background thread (per host: a thread lock in the process,
  ``flock`` across workers) recomputes it, so no viewer waits for the queries after the first
  computation;
- missing (first request, or stale for too long): one caller computes while the others wait on the
  same locks and then read what it stored.
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

from flask import Flask
from flask_caching import Cache

log = logging.getLogger(__name__)
STALE_FACTOR = 10


class SharedCache:
    def __init__(self, server: Flask, directory: Path, namespace: str):
        directory.mkdir(parents=True, exist_ok=True)
        self._dir = directory
        self._prefix = hashlib.sha256(namespace.encode()).hexdigest()[:16] + ":"
        self._cache = Cache(server, config={"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(directory),
                                            "CACHE_THRESHOLD": 100, "CACHE_DEFAULT_TIMEOUT": 60})
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def get_or_compute(self, key: str, compute: Callable[[], Any], ttl: int) -> Any:
        key = self._prefix + key
        entry = self._cache.get(key)
        if entry is not None:
            value, fresh_until = entry
            if time.time() >= fresh_until:
                self._refresh_in_background(key, compute, ttl)
            return value
        with self._thread_lock(key), _FileLock(self._lock_path(key)):
            entry = self._cache.get(key)  # another worker may have filled it while we waited
            if entry is None:
                return self._store(key, compute(), ttl)
            return entry[0]

    def clear(self) -> None:
        self._cache.clear()

    def _store(self, key: str, value: Any, ttl: int) -> Any:
        self._cache.set(key, (value, time.time() + ttl), timeout=ttl * STALE_FACTOR)
        return value

    def _refresh_in_background(self, key: str, compute: Callable[[], Any], ttl: int) -> None:
        lock = self._thread_lock(key)
        if not lock.acquire(blocking=False):
            return  # this process is already refreshing it
        file_lock = _FileLock(self._lock_path(key))
        if not file_lock.try_acquire():
            lock.release()
            return  # another worker is refreshing it

        def run() -> None:
            try:
                entry = self._cache.get(key)
                if entry is None or time.time() >= entry[1]:  # not refreshed meanwhile
                    self._store(key, compute(), ttl)
            except Exception:  # keep serving the stale value; the next request retries
                log.exception("background refresh of %s failed", key)
            finally:
                file_lock.release()
                lock.release()

        threading.Thread(target=run, name="cache-refresh", daemon=True).start()

    def _thread_lock(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _lock_path(self, key: str) -> Path:
        return self._dir / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.lock"


class _FileLock:
    """An exclusive ``flock`` on a file: held by one process of the host at a time."""

    def __init__(self, path: Path):
        self._path = path
        self._fh = None

    def try_acquire(self) -> bool:
        self._fh = self._path.open("a+")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.close()
            return False
        return True

    def release(self) -> None:
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()

    def __enter__(self) -> None:
        self._fh = self._path.open("a+")
        fcntl.flock(self._fh, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        self.release()
