"""The ``limits`` storage on PostgreSQL that every worker's rate limits share."""

from __future__ import annotations

import time
import uuid

from alumusic.ratelimit_storage import SCHEME, PostgresStorage


def _storage(db_url: str) -> PostgresStorage:
    return PostgresStorage(f"{SCHEME}://", url=db_url)


def test_two_workers_count_into_one_counter(db, db_url):
    key = f"teste:{uuid.uuid4()}"
    one, other = _storage(db_url), _storage(db_url)
    assert [one.incr(key, 60), other.incr(key, 60), one.incr(key, 60, amount=3)] == [1, 2, 5]
    assert other.get(key) == 5


def test_a_given_back_attempt_never_leaves_a_negative_count(db, db_url):
    """A login gives its place back (amount -1) after its window may have ended: that must not
    become credit for the next window."""
    storage = _storage(db_url)
    key = f"teste:{uuid.uuid4()}"
    assert storage.incr(key, 60, amount=-1) == 0  # no window yet
    assert storage.incr(key, 60) == 1 and storage.incr(key, 60, amount=-1) == 0
    assert storage.incr(key, 60, amount=-1) == 0
    expired = f"teste:{uuid.uuid4()}"
    assert storage.incr(expired, 1) == 1
    time.sleep(1.1)
    assert storage.incr(expired, 60, amount=-1) == 0 and storage.incr(expired, 60) == 1
