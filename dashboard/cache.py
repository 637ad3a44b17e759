"""Server-side cache with single flight: N viewers cost at most one round of queries per TTL.

flask-caching's FileSystemCache is shared by every gunicorn worker of the host. On a miss, one
caller computes while the others wait on a lock (a thread lock in the process, ``flock`` across
processes) and then read what it stored, so a burst of viewers after expiry still runs the
queries once.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask_caching import Cache


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
        value = self._cache.get(key)
        if value is not None:
            return value
        with self._thread_lock(key), self._file_lock(key):
            value = self._cache.get(key)  # another worker may have filled it while we waited
            if value is None:
                value = compute()
                self._cache.set(key, value, timeout=ttl)
        return value

    def clear(self) -> None:
        self._cache.clear()

    def _thread_lock(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _file_lock(self, key: str) -> _FileLock:
        return _FileLock(self._dir / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.lock")


class _FileLock:
    def __init__(self, path: Path):
        self._path = path
        self._fh = None

    def __enter__(self) -> None:
        self._fh = self._path.open("a+")
        fcntl.flock(self._fh, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()
