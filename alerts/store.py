"""What alerts and their deliveries keep in Redis: the alert log, one delivery record per
(alert, channel) with its attempts and an index of the open ones, the realert windows per
(rule, story) and the sources that reported a story. `open_alert` is the one atomic step
(lua/open_alert.lua) that makes "one alert per story per window" hold across workers.
"""
from __future__ import annotations

import json
import time
from typing import Any, Literal, overload

from newswatch.archive.queue import ArchiveQueue
from newswatch.archive.records import delivery_entry
from newswatch.store.scripts import script
from newswatch.store.state import State

OPEN = ("pending", "sending", "retrying")
DONE = ("sent", "failed", "silenced", "digested")
SETTLED = DONE + ("held",)  # held: waiting in a channel's digest (alerts.digest), out of the open index
DELIVERY_LOG_MAX = 50  # attempts kept per (alert, channel)
ALERT_TTL = 90 * 86400  # alert records and their delivery log are kept this long
STORY_SOURCES_TTL = 7 * 86400  # a story's "reported by" set lives this long (or the realert) after its last copy


class AlertStore:
    """`archive`: where a delivery's settled status goes for the archive (newswatch.archive.queue),
    in the same MULTI as the status itself; None in tools that only read or in tests."""

    def __init__(self, state: State, archive: ArchiveQueue | None = None):
        self.state = state
        self.archive = archive
        self._open = script(state.r, "alerts", "open_alert")

    def create_alert(self, alert_id: str, payload: dict[str, Any], channels: list[str], redeliver_after: float) -> bool:
        """Store a new alert and open a delivery per channel. False when it already existed."""
        k = self.state.keys
        if not self.state.r.set(k.alert(alert_id), json.dumps(payload), nx=True, ex=ALERT_TTL):
            return False
        now = time.time()
        pipe = self.state.r.pipeline()
        pipe.zadd(k.alerts(), {alert_id: now})
        for channel in channels:
            pipe.hset(k.delivery(alert_id, channel),
                      mapping={"status": "pending", "attempts": 0, "created_at": now, "updated_at": now})
            pipe.expire(k.delivery(alert_id, channel), ALERT_TTL)
            pipe.zadd(k.open_deliveries(), {f"{alert_id}|{channel}": now + redeliver_after})
        pipe.execute()
        return True

    def open_alert(self, alert_id: str, payload: dict[str, Any], channels: list[str], redeliver_after: float, *,
                   rule_id: str, story_id: str, realert: float, source_id: str = "",
                   happening: str | None = None) -> tuple[str, str]:
        """Store a new alert unless it exists or the rule's realert window for the happening (the item's
        event, else `story_id`; alerts.dispatch.happening) is open; one atomic step (Lua), so concurrent
        workers and re-polls agree. Returns (status, alert id):
        ('created', alert_id) · ('exists', alert_id) · ('suppressed', id of the window's alert).
        The source is added to the story's "reported by" set in every case."""
        k = self.state.keys
        now = time.time()
        keys = [k.alert(alert_id), k.realert(rule_id, happening or story_id), k.alerts(),
                k.open_deliveries(), k.story_sources(story_id),
                *[k.delivery(alert_id, c) for c in channels]]
        window_ms = max(1, int(realert * 1000)) if realert > 0 else 0
        args = [alert_id, json.dumps(payload), ALERT_TTL, window_ms, repr(now), repr(now + redeliver_after),
                source_id, max(STORY_SOURCES_TTL, int(realert) + 1), *channels]
        status, which = self._open(keys=keys, args=args)
        return status, which

    def realert_holder(self, rule_id: str, happening: str) -> str | None:
        """The alert that opened the rule's realert window on the happening (a story id, or
        "event:<id>"), while it is open."""
        k = self.state.keys
        return self.state.r.get(k.realert(rule_id, happening))

    def story_sources(self, story_id: str) -> set[str]:
        """Sources whose copy of the story matched a rule ("also reported by")."""
        k = self.state.keys
        return self.state.r.smembers(k.story_sources(story_id))

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        k = self.state.keys
        raw = self.state.r.get(k.alert(alert_id))
        return json.loads(raw) if raw else None

    def delivery(self, alert_id: str, channel: str) -> dict[str, str]:
        k = self.state.keys
        return self.state.r.hgetall(k.delivery(alert_id, channel))

    def delivery_and_alert(self, alert_id: str, channel: str) -> tuple[dict[str, str], dict[str, Any] | None]:
        """The delivery record and the alert, in one round trip."""
        k = self.state.keys
        pipe = self.state.r.pipeline(transaction=False)
        pipe.hgetall(k.delivery(alert_id, channel))
        pipe.get(k.alert(alert_id))
        record, raw = pipe.execute()
        return record, (json.loads(raw) if raw else None)

    @overload
    def update_delivery(self, alert_id: str, channel: str, status: str, *, due_in: float | None = None,
                        count_attempt: Literal[True], attempts: int | None = None, **info: object) -> int: ...

    @overload
    def update_delivery(self, alert_id: str, channel: str, status: str, *, due_in: float | None = None,
                        count_attempt: bool = False, attempts: int | None = None, **info: object) -> int | None: ...

    def update_delivery(self, alert_id: str, channel: str, status: str, *, due_in: float | None = None,
                        count_attempt: bool = False, attempts: int | None = None, **info: object) -> int | None:
        """Record a delivery's new status. Open ones stay in the index, due again after `due_in` s.
        `count_attempt`: also add one to its attempts, in the same transaction, and return the count.
        A settled status also goes to the archive queue, in that transaction (`attempts`: how many
        sends it took, when the caller knows)."""
        k = self.state.keys
        now = time.time()
        member = f"{alert_id}|{channel}"
        pipe = self.state.r.pipeline()
        if count_attempt:
            pipe.hincrby(k.delivery(alert_id, channel), "attempts", 1)
        pipe.hset(k.delivery(alert_id, channel),
                  mapping={"status": status, "updated_at": now, **{k: str(v) for k, v in info.items()}})
        log_key = k.delivery_log(alert_id, channel)
        entry = {"at": now, "status": status, **{k: str(v) for k, v in info.items() if v not in ("", None)}}
        pipe.rpush(log_key, json.dumps(entry))
        pipe.ltrim(log_key, -DELIVERY_LOG_MAX, -1)
        pipe.expire(log_key, ALERT_TTL)
        pipe.zrem(k.overdue_deliveries(), member)   # touched: no longer waiting on nobody
        if status in SETTLED:
            pipe.zrem(k.open_deliveries(), member)
        elif due_in is not None:
            pipe.zadd(k.open_deliveries(), {member: now + due_in})
        archive = self.archive if status in SETTLED else None
        if archive is not None:
            archive.push_in(pipe, [delivery_entry(alert_id, channel, status, attempts=attempts, at=now,
                                                  last_error=str(info.get("last_error") or "") or None)])
        replies = pipe.execute()
        if archive is not None:
            archive.count_dropped(replies[-1])
        return int(replies[0]) if count_attempt else None

    def delivery_log(self, alert_id: str, channel: str) -> list[dict[str, Any]]:
        """Every status change of one delivery, oldest first (the last DELIVERY_LOG_MAX)."""
        k = self.state.keys
        return [json.loads(e) for e in self.state.r.lrange(k.delivery_log(alert_id, channel), 0, -1)]

    def reopen_delivery(self, alert_id: str, channel: str) -> bool:
        """Make a finished delivery pending again (an operator's retry). False if the alert is gone."""
        k = self.state.keys
        if not self.state.r.exists(k.alert(alert_id)):
            return False
        self.state.r.hset(k.delivery(alert_id, channel), mapping={"attempts": 0})
        self.update_delivery(alert_id, channel, "pending", due_in=0, retried_by="operator")
        return True

    def overdue_deliveries(self, now: float | None = None, limit: int = 500) -> list[tuple[str, str]]:
        return [(alert_id, channel) for alert_id, channel, _ in self.overdue_with_due(now, limit)]

    def overdue_with_due(self, now: float | None = None, limit: int = 500) -> list[tuple[str, str, float]]:
        """(alert, channel, the due time it missed) of the open deliveries past due, earliest first."""
        k = self.state.keys
        members = self.state.r.zrangebyscore(k.open_deliveries(), 0, now or time.time(), start=0, num=limit,
                                             withscores=True)
        return [(alert_id, channel, float(due)) for m, due in members for alert_id, channel in [m.split("|", 1)]]

    def postpone_delivery(self, alert_id: str, channel: str, seconds: float, missed: float | None = None) -> None:
        """The sweep re-enqueued an overdue delivery: due again in `seconds`. `missed`: the due time it
        had missed, remembered (the first one) until the delivery is next touched (`update_delivery`), so
        that moving its due time never hides how long it has waited (`oldest_overdue`, /healthz)."""
        k = self.state.keys
        member = f"{alert_id}|{channel}"
        pipe = self.state.r.pipeline()
        pipe.zadd(k.open_deliveries(), {member: time.time() + seconds}, xx=True)
        if missed is not None:
            pipe.zadd(k.overdue_deliveries(), {member: missed}, nx=True)
        pipe.execute()

    def oldest_overdue(self, now: float | None = None) -> tuple[str, float] | None:
        """The open delivery that has waited longest past its due time, and since when (its first missed
        due time): None when every open delivery is on time."""
        k = self.state.keys
        now = time.time() if now is None else now
        pipe = self.state.r.pipeline(transaction=False)
        pipe.zrange(k.open_deliveries(), 0, 0, withscores=True)
        pipe.zrange(k.overdue_deliveries(), 0, 0, withscores=True)
        found = [(m, float(due)) for rows in pipe.execute() for m, due in rows if float(due) <= now]
        return min(found, key=lambda f: f[1]) if found else None

    def recent_alerts(self, since: float = 0, limit: int = 1000) -> list[str]:
        """The alerts created since `since`, oldest first (the first `limit`)."""
        k = self.state.keys
        return self.state.r.zrangebyscore(k.alerts(), since, "+inf", start=0, num=limit)

    def newest_alerts(self, since: float = 0, limit: int = 100, before: float | None = None) -> list[str]:
        """The newest `limit` alerts created since `since` (and before `before`), newest first."""
        k = self.state.keys
        top: float | str = f"({before!r}" if before is not None else "+inf"
        return self.state.r.zrevrangebyscore(k.alerts(), top, since, start=0, num=limit)

    def created_after(self, after: float, limit: int = 100) -> list[tuple[str, float]]:
        """(alert id, when stored) of the alerts stored after `after`, oldest first: what a live view has not shown."""
        k = self.state.keys
        return [(a, float(t)) for a, t in self.state.r.zrangebyscore(k.alerts(), f"({after!r}", "+inf", start=0,
                                                                     num=limit, withscores=True)]
