"""One lock shape for every short exclusive job (a poll of a source, a send of a delivery)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import redis
from redis.exceptions import LockError


@contextmanager
def try_lock(client: "redis.Redis[str]", key: str, ttl: float) -> Iterator[bool]:
    """Take the lock without waiting; yields whether it is ours. It expires after `ttl` s, so a
    holder that dies frees it; releasing one that expired meanwhile is no error."""
    lock = client.lock(key, timeout=ttl, blocking=False)
    acquired = bool(lock.acquire())
    try:
        yield acquired
    finally:
        if acquired:
            try:
                lock.release()
            except LockError:
                pass
