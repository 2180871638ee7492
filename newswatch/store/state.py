"""The hot state every stage shares, in Redis (keys: newswatch/store/keys.py).

seen fingerprints (TTL) · per-source cursors (ETag, Last-Modified) · source
health · locks · progress of a `run --once`. What alerts and deliveries keep
is alerts.store.AlertStore's, over this same client and prefix.
"""
from __future__ import annotations

import time
from contextlib import AbstractContextManager
from typing import Iterable, cast

import redis

from newswatch.store.keys import Keys
from newswatch.store.locks import try_lock




def connect(url: str) -> "redis.Redis[str]":
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=30,
                                socket_connect_timeout=10, health_check_interval=30)


class State:
    def __init__(self, client: "redis.Redis[str]", prefix: str):
        self.r = client
        self.prefix = prefix
        self.keys = Keys(prefix)

    # --- seen fingerprints -------------------------------------------------
    def unseen(self, ids: list[str]) -> list[bool]:
        """For each id, True when it has not been seen (one round trip)."""
        if not ids:
            return []
        pipe = self.r.pipeline(transaction=False)
        for item_id in ids:
            pipe.exists(self.keys.seen(item_id))
        return [not n for n in pipe.execute()]

    def mark_seen(self, ids: Iterable[str], ttl: float, values: Iterable[str] | None = None) -> None:
        """Remember items for `ttl` s; `values`: what to keep for each (its story id), else "1"."""
        pipe = self.r.pipeline(transaction=False)
        for item_id, value in zip(ids, values if values is not None else iter(lambda: "1", None)):
            pipe.set(self.keys.seen(item_id), value or "1", ex=max(1, int(ttl)))
        pipe.execute()

    def seen_values(self, ids: list[str]) -> list[str | None]:
        """For each id, what `mark_seen` kept (a story id, or "1"), None when not seen. One round trip."""
        return self.r.mget([self.keys.seen(item_id) for item_id in ids]) if ids else []

    # --- cursors and health --------------------------------------------------
    def cursor(self, source_id: str) -> dict[str, str]:
        return self.r.hgetall(self.keys.cursor(source_id))

    def save_cursor(self, source_id: str, **values: str | None) -> None:
        key = self.keys.cursor(source_id)
        pipe = self.r.pipeline()
        pipe.delete(key)
        clean: dict[str | bytes, str] = {k: v for k, v in values.items() if v}  # str | bytes: redis-py's key type
        if clean:
            pipe.hset(key, mapping=clean)
        pipe.execute()

    def health(self, source_id: str) -> dict[str, str]:
        return self.r.hgetall(self.keys.health(source_id))

    def record_success(self, source_id: str, **info: object) -> None:
        now = time.time()
        key = self.keys.health(source_id)
        pipe = self.r.pipeline()
        pipe.hset(key, mapping={"status": "ok", "last_success": now, "consecutive_failures": 0,
                                "next_poll_at": 0, **{k: str(v) for k, v in info.items()}})
        pipe.hdel(key, "retry_after")
        pipe.execute()

    def record_failure(self, source_id: str, reason: str, *, interval: float, backoff_max: float,
                       retry_after: float | None = None) -> dict[str, str | float]:
        """Mark the source unhealthy and set when it may be polled again (exponential, capped)."""
        key = self.keys.health(source_id)
        failures = self.r.hincrby(key, "consecutive_failures", 1)
        delay = min(interval * (2 ** (failures - 1)), backoff_max)
        if retry_after is not None:  # the server said how long (Retry-After, Telegram's flood wait): exactly that
            delay = retry_after
        now = time.time()
        info: dict[str, str | float] = {"status": "failing", "last_error": reason, "last_error_at": now,
                                        "next_poll_at": now + delay, "backoff": delay}
        if retry_after is not None:
            info["retry_after"] = retry_after
        # types-redis wants a Mapping[str | bytes, ...]; Mapping's key type is invariant, so dict[str, ...] is refused
        self.r.hset(key, mapping=info)  # type: ignore[arg-type]
        return {**info, "consecutive_failures": failures}

    # --- locks ------------------------------------------------------------------------
    def lock(self, *parts: str, ttl: float) -> AbstractContextManager[bool]:
        """`with state.lock("poll", source_id, ttl=60) as ours:` (newswatch.store.locks.try_lock)."""
        return try_lock(self.r, self.keys.lock(*parts), ttl)

    def lock_held(self, *parts: str) -> bool:
        return bool(self.r.exists(self.keys.lock(*parts)))

    # --- run tracking (run --once) -------------------------------------------------
    def run_done(self, run_id: str, source_id: str, deliveries: list[tuple[str, str]]) -> None:
        pipe = self.r.pipeline()
        pipe.sadd(self.keys.run(run_id, "sources"), source_id)
        if deliveries:
            pipe.sadd(self.keys.run(run_id, "deliveries"), *[f"{a}|{c}" for a, c in deliveries])
        for suffix in ("sources", "deliveries"):
            pipe.expire(self.keys.run(run_id, suffix), 86400)
        pipe.execute()

    def run_progress(self, run_id: str) -> tuple[set[str], list[tuple[str, str]]]:
        sources = self.r.smembers(self.keys.run(run_id, "sources"))
        deliveries = [cast("tuple[str, str]", tuple(m.split("|", 1)))  # members are "alert|channel" (run_done)
                      for m in self.r.smembers(self.keys.run(run_id, "deliveries"))]
        return sources, deliveries
