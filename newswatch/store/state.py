"""Everything newswatch remembers, in Redis, under one key prefix.

seen fingerprints (TTL) · per-source cursors (ETag, Last-Modified) · source
health · the alert log · per-(alert, channel) delivery records with an index
of the open ones · realert windows per (rule, story) and the sources that
reported a story · locks and the scheduler lease.
"""
from __future__ import annotations

import json
import time
from typing import Iterable

import redis

OPEN = ("pending", "sending", "retrying")
DONE = ("sent", "failed", "silenced", "digested")
SETTLED = DONE + ("held",)  # held: waiting in a channel's digest (alerts.digest), out of the open index
DELIVERY_LOG_MAX = 50  # attempts kept per (alert, channel)
ALERT_TTL = 90 * 86400  # alert records and their delivery log are kept this long
STORY_SOURCES_TTL = 7 * 86400  # a story's "reported by" set lives this long (or the realert) after its last copy

# One atomic step for "this item matched this rule": record the source on the story, then
# - the alert already exists (this very item made it: a re-poll)  -> 'exists'
# - the rule's realert window for the story is open (another copy) -> 'suppressed', the window's alert id
# - else open the window (if realert > 0), store the alert, open its deliveries -> 'created'
# KEYS: alert, realert, alerts index, open deliveries, story sources, delivery:<alert>:<channel>...
# ARGV: alert id, payload, alert ttl s, realert ms (0: no window), now, due, source id, story ttl s, channels...
_OPEN_ALERT = """
if ARGV[7] ~= '' then
  redis.call('sadd', KEYS[5], ARGV[7])
  redis.call('expire', KEYS[5], ARGV[8])
end
if redis.call('exists', KEYS[1]) == 1 then return {'exists', ARGV[1]} end
local window = tonumber(ARGV[4])
if window > 0 then
  local holder = redis.call('get', KEYS[2])
  if holder then return {'suppressed', holder} end
  redis.call('set', KEYS[2], ARGV[1], 'PX', window)
end
redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('zadd', KEYS[3], ARGV[5], ARGV[1])
for i = 9, #ARGV do
  local delivery = KEYS[i - 3]
  redis.call('hset', delivery, 'status', 'pending', 'attempts', 0, 'created_at', ARGV[5], 'updated_at', ARGV[5])
  redis.call('expire', delivery, ARGV[3])
  redis.call('rpush', delivery .. ':log', cjson.encode({at = tonumber(ARGV[5]), status = 'pending'}))
  redis.call('expire', delivery .. ':log', ARGV[3])
  redis.call('zadd', KEYS[4], ARGV[6], ARGV[1] .. '|' .. ARGV[i])
end
return {'created', ARGV[1]}
"""


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=30,
                                socket_connect_timeout=10, health_check_interval=30)


class State:
    def __init__(self, client: redis.Redis, prefix: str):
        self.r = client
        self.prefix = prefix

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix,) + parts)

    # --- seen fingerprints -------------------------------------------------
    def unseen(self, ids: list[str]) -> list[bool]:
        """For each id, True when it has not been seen (one round trip)."""
        if not ids:
            return []
        pipe = self.r.pipeline(transaction=False)
        for item_id in ids:
            pipe.exists(self.key("seen", item_id))
        return [not n for n in pipe.execute()]

    def mark_seen(self, ids: Iterable[str], ttl: float, values: Iterable[str] | None = None) -> None:
        """Remember items for `ttl` s; `values`: what to keep for each (its story id), else "1"."""
        pipe = self.r.pipeline(transaction=False)
        for item_id, value in zip(ids, values if values is not None else iter(lambda: "1", None)):
            pipe.set(self.key("seen", item_id), value or "1", ex=max(1, int(ttl)))
        pipe.execute()

    def seen_values(self, ids: list[str]) -> list[str | None]:
        """For each id, what `mark_seen` kept (a story id, or "1"), None when not seen. One round trip."""
        return self.r.mget([self.key("seen", item_id) for item_id in ids]) if ids else []

    # --- cursors and health --------------------------------------------------
    def cursor(self, source_id: str) -> dict:
        return self.r.hgetall(self.key("cursor", source_id))

    def save_cursor(self, source_id: str, **values: str | None) -> None:
        key = self.key("cursor", source_id)
        pipe = self.r.pipeline()
        pipe.delete(key)
        clean = {k: v for k, v in values.items() if v}
        if clean:
            pipe.hset(key, mapping=clean)
        pipe.execute()

    def health(self, source_id: str) -> dict:
        return self.r.hgetall(self.key("health", source_id))

    def record_success(self, source_id: str, **info: object) -> None:
        now = time.time()
        key = self.key("health", source_id)
        pipe = self.r.pipeline()
        pipe.hset(key, mapping={"status": "ok", "last_success": now, "consecutive_failures": 0,
                                "next_poll_at": 0, **{k: str(v) for k, v in info.items()}})
        pipe.hdel(key, "retry_after")
        pipe.execute()

    def record_failure(self, source_id: str, reason: str, *, interval: float, backoff_max: float,
                       retry_after: float | None = None) -> dict:
        """Mark the source unhealthy and set when it may be polled again (exponential, capped)."""
        key = self.key("health", source_id)
        failures = self.r.hincrby(key, "consecutive_failures", 1)
        delay = min(interval * (2 ** (failures - 1)), backoff_max)
        if retry_after is not None:  # the server said how long (Retry-After, Telegram's flood wait): exactly that
            delay = retry_after
        now = time.time()
        info = {"status": "failing", "last_error": reason, "last_error_at": now,
                "next_poll_at": now + delay, "backoff": delay}
        if retry_after is not None:
            info["retry_after"] = retry_after
        self.r.hset(key, mapping=info)
        return {**info, "consecutive_failures": failures}

    # --- alerts and deliveries ----------------------------------------------------
    def create_alert(self, alert_id: str, payload: dict, channels: list[str], redeliver_after: float) -> bool:
        """Store a new alert and open a delivery per channel. False when it already existed."""
        if not self.r.set(self.key("alert", alert_id), json.dumps(payload), nx=True, ex=ALERT_TTL):
            return False
        now = time.time()
        pipe = self.r.pipeline()
        pipe.zadd(self.key("alerts"), {alert_id: now})
        for channel in channels:
            pipe.hset(self.key("delivery", alert_id, channel),
                      mapping={"status": "pending", "attempts": 0, "created_at": now, "updated_at": now})
            pipe.expire(self.key("delivery", alert_id, channel), ALERT_TTL)
            pipe.zadd(self.key("deliveries", "open"), {f"{alert_id}|{channel}": now + redeliver_after})
        pipe.execute()
        return True

    def open_alert(self, alert_id: str, payload: dict, channels: list[str], redeliver_after: float, *,
                   rule_id: str, story_id: str, realert: float, source_id: str = "") -> tuple[str, str]:
        """Store a new alert unless it exists or the rule's realert window for the story is open; one
        atomic step (Lua), so concurrent workers and re-polls agree. Returns (status, alert id):
        ('created', alert_id) · ('exists', alert_id) · ('suppressed', id of the window's alert).
        The source is added to the story's "reported by" set in every case."""
        now = time.time()
        keys = [self.key("alert", alert_id), self.key("realert", rule_id, story_id), self.key("alerts"),
                self.key("deliveries", "open"), self.story_sources_key(story_id),
                *[self.key("delivery", alert_id, c) for c in channels]]
        window_ms = max(1, int(realert * 1000)) if realert > 0 else 0
        args = [alert_id, json.dumps(payload), ALERT_TTL, window_ms, repr(now), repr(now + redeliver_after),
                source_id, max(STORY_SOURCES_TTL, int(realert) + 1), *channels]
        status, which = self.r.eval(_OPEN_ALERT, len(keys), *keys, *args)
        return status, which

    def realert_holder(self, rule_id: str, story_id: str) -> str | None:
        """The alert that opened the rule's realert window on the story, while it is open."""
        return self.r.get(self.key("realert", rule_id, story_id))

    def story_sources(self, story_id: str) -> set[str]:
        """Sources whose copy of the story matched a rule ("also reported by")."""
        return self.r.smembers(self.story_sources_key(story_id))

    def story_sources_key(self, story_id: str) -> str:
        return self.key("story", story_id, "sources")

    def alert(self, alert_id: str) -> dict | None:
        raw = self.r.get(self.key("alert", alert_id))
        return json.loads(raw) if raw else None

    def delivery(self, alert_id: str, channel: str) -> dict:
        return self.r.hgetall(self.key("delivery", alert_id, channel))

    def delivery_and_alert(self, alert_id: str, channel: str) -> tuple[dict, dict | None]:
        """The delivery record and the alert, in one round trip."""
        pipe = self.r.pipeline(transaction=False)
        pipe.hgetall(self.key("delivery", alert_id, channel))
        pipe.get(self.key("alert", alert_id))
        record, raw = pipe.execute()
        return record, (json.loads(raw) if raw else None)

    def update_delivery(self, alert_id: str, channel: str, status: str, *,
                        due_in: float | None = None, count_attempt: bool = False, **info: object) -> int | None:
        """Record a delivery's new status. Open ones stay in the index, due again after `due_in` s.
        `count_attempt`: also add one to its attempts, in the same transaction, and return the count."""
        now = time.time()
        member = f"{alert_id}|{channel}"
        pipe = self.r.pipeline()
        if count_attempt:
            pipe.hincrby(self.key("delivery", alert_id, channel), "attempts", 1)
        pipe.hset(self.key("delivery", alert_id, channel),
                  mapping={"status": status, "updated_at": now, **{k: str(v) for k, v in info.items()}})
        log_key = self.key("delivery", alert_id, channel, "log")
        entry = {"at": now, "status": status, **{k: str(v) for k, v in info.items() if v not in ("", None)}}
        pipe.rpush(log_key, json.dumps(entry))
        pipe.ltrim(log_key, -DELIVERY_LOG_MAX, -1)
        pipe.expire(log_key, ALERT_TTL)
        if status in SETTLED:
            pipe.zrem(self.key("deliveries", "open"), member)
        elif due_in is not None:
            pipe.zadd(self.key("deliveries", "open"), {member: now + due_in})
        replies = pipe.execute()
        return int(replies[0]) if count_attempt else None

    def delivery_log(self, alert_id: str, channel: str) -> list[dict]:
        """Every status change of one delivery, oldest first (the last DELIVERY_LOG_MAX)."""
        return [json.loads(e) for e in self.r.lrange(self.key("delivery", alert_id, channel, "log"), 0, -1)]

    def reopen_delivery(self, alert_id: str, channel: str) -> bool:
        """Make a finished delivery pending again (an operator's retry). False if the alert is gone."""
        if not self.r.exists(self.key("alert", alert_id)):
            return False
        self.r.hset(self.key("delivery", alert_id, channel), mapping={"attempts": 0})
        self.update_delivery(alert_id, channel, "pending", due_in=0, retried_by="operator")
        return True

    def overdue_deliveries(self, now: float | None = None, limit: int = 500) -> list[tuple[str, str]]:
        members = self.r.zrangebyscore(self.key("deliveries", "open"), 0, now or time.time(), start=0, num=limit)
        return [tuple(m.split("|", 1)) for m in members]

    def postpone_delivery(self, alert_id: str, channel: str, seconds: float) -> None:
        self.r.zadd(self.key("deliveries", "open"), {f"{alert_id}|{channel}": time.time() + seconds}, xx=True)

    def recent_alerts(self, since: float = 0, limit: int = 1000) -> list[str]:
        return self.r.zrangebyscore(self.key("alerts"), since, "+inf", start=0, num=limit)

    # --- locks ------------------------------------------------------------------------
    def lock(self, *parts: str, ttl: float):
        return self.r.lock(self.key("lock", *parts), timeout=ttl, blocking=False)

    def lock_held(self, *parts: str) -> bool:
        return bool(self.r.exists(self.key("lock", *parts)))

    # --- run tracking (run --once) -------------------------------------------------
    def run_done(self, run_id: str, source_id: str, deliveries: list[tuple[str, str]]) -> None:
        pipe = self.r.pipeline()
        pipe.sadd(self.key("run", run_id, "sources"), source_id)
        if deliveries:
            pipe.sadd(self.key("run", run_id, "deliveries"), *[f"{a}|{c}" for a, c in deliveries])
        for suffix in ("sources", "deliveries"):
            pipe.expire(self.key("run", run_id, suffix), 86400)
        pipe.execute()

    def run_progress(self, run_id: str) -> tuple[set[str], list[tuple[str, str]]]:
        sources = self.r.smembers(self.key("run", run_id, "sources"))
        deliveries = [tuple(m.split("|", 1)) for m in self.r.smembers(self.key("run", run_id, "deliveries"))]
        return sources, deliveries
