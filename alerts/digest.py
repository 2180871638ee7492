"""Digests and quiet hours: a channel's alerts held back, then sent together as one message.

A channel with `digest: 30m` holds each alert when its delivery comes up; a
channel with `quiet_hours` holds them while the quiet hours last. Held alerts
wait in `<p>:digest:<channel>` (a sorted set, score = when held). The scheduler
calls `flush_due` on every sweep: a channel's held alerts become one digest alert
once the oldest has waited the digest period (or, with quiet hours only, once
the quiet hours are over, and never during them).

The flush is one optimistic transaction (WATCH the held set): the digest alert,
its delivery, and every member's delivery marked `digested` commit together or
not at all, so a member is never in two digests and never lost. The digest then
goes through the normal delivery path (retries, rate limit, delivery log). Its
`digest_of` lists the members, so every notifier can render it; its summary is a
plain list for the ones that only know title and summary.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time as dtime
from typing import Any, cast
from zoneinfo import ZoneInfo

import redis

from newswatch.model.alert import Alert
from newswatch.model.severity import severity_rank
from alerts.store import ALERT_TTL, AlertStore
from newswatch.archive.queue import ArchiveQueue
from newswatch.archive.records import delivery_entry
from newswatch.config.registry import ComponentConfig
from newswatch.store.state import State



@dataclass(frozen=True)
class QuietHours:
    start: dtime
    end: dtime
    tz: str = "UTC"

    def active(self, now: float) -> bool:
        local = datetime.fromtimestamp(now, ZoneInfo(self.tz)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end     # over midnight: 22:00–07:00


def holds(channel_cfg: ComponentConfig, now: float) -> bool:
    """Whether this channel's alerts wait for a digest right now."""
    quiet = quiet_hours(channel_cfg)
    return bool(getattr(channel_cfg, "digest", None)) or (quiet is not None and quiet.active(now))


def quiet_hours(channel_cfg: ComponentConfig) -> QuietHours | None:
    q = getattr(channel_cfg, "quiet_hours", None)
    return None if q is None else QuietHours(q.start, q.end, q.timezone)


def hold(state: State, alert_id: str, channel: str, now: float | None = None, store: AlertStore | None = None) -> None:
    """Hold the alert for the channel's next digest; `store`: the caller's (it archives the status)."""
    now = time.time() if now is None else now
    pipe = state.r.pipeline()
    pipe.zadd(state.keys.digest(channel), {alert_id: now}, nx=True)
    pipe.sadd(state.keys.digest_channels(), channel)
    pipe.execute()
    (store or AlertStore(state)).update_delivery(alert_id, channel, "held")   # out of the open index: the held set is the truth


def held(state: State, channel: str) -> list[tuple[str, float]]:
    return state.r.zrange(state.keys.digest(channel), 0, -1, withscores=True)


def _due(channel_cfg: ComponentConfig, members: list[tuple[str, float]], now: float) -> bool:
    if not members:
        return False
    quiet = quiet_hours(channel_cfg)
    if quiet is not None and quiet.active(now):
        return False
    period = getattr(channel_cfg, "digest", None)
    return not period or members[0][1] + period <= now


def digest_alert(channel: str, members: list[dict[str, Any]], now: float) -> Alert:
    ids = sorted(m["id"] for m in members)
    digest_id = "digest-" + hashlib.blake2b("\x00".join([channel, *ids]).encode(), digest_size=10).hexdigest()
    members = sorted(members, key=lambda m: m.get("created_at", ""))
    worst = max((m["severity"] for m in members), key=severity_rank)
    rules = list(dict.fromkeys(m["rule_title"] for m in members))
    lines = [f"• [{m['severity']}] {m['title']}" + (f" — {m['url']}" if m.get("url") else "") for m in members]
    return Alert(id=digest_id, rule_id="digest", rule_title=f"Digest: {len(members)} alerts", severity=worst,
                 item_id="", source_id="", title=f"{len(members)} alerts: " + "; ".join(rules)[:200], url=None,
                 published=None, summary="\n".join(lines), channels=[channel],
                 created_at=datetime.fromtimestamp(now).astimezone().isoformat(),
                 digest_of=[{k: m.get(k) for k in ("id", "rule_id", "rule_title", "severity", "title", "url",
                                                    "published", "source_id", "story_id", "event_id")}
                            | {"explanation": Alert.from_dict(m).explanation()} for m in members])


def flush_channel(state: State, channel_cfg: ComponentConfig, redeliver_after: float,
                  now: float | None = None, archive: ArchiveQueue | None = None) -> str | None:
    """Turn the channel's held alerts into one digest alert if due. Returns the digest id, or None.
    `archive`: the members' `digested` status also goes to the archive queue, in the same transaction."""
    now = time.time() if now is None else now
    key, channel = state.keys.digest(channel_cfg.id), channel_cfg.id
    with state.r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                # after WATCH the pipeline runs commands at once (types-redis types them as queued)
                members = cast("list[tuple[str, float]]", pipe.zrange(key, 0, -1, withscores=True))
                if not _due(channel_cfg, members, now):
                    pipe.unwatch()
                    return None
                payloads = [p for p in (AlertStore(state).alert(a) for a, _ in members) if p is not None]
                alert = digest_alert(channel, payloads, now)
                pipe.multi()
                _commit(state, pipe, alert, [a for a, _ in members], channel, redeliver_after, now)
                if archive is not None:
                    archive.push_in(pipe, [delivery_entry(a, channel, "digested", at=now) for a, _ in members])
                replies = pipe.execute()
                if archive is not None:
                    archive.count_dropped(replies[-1])
                return alert.id
            except redis.WatchError:
                continue


def _commit(state: State, pipe: redis.client.Pipeline[str], alert: Alert, member_ids: list[str], channel: str,
            redeliver_after: float, now: float) -> None:
    delivery = state.keys.delivery(alert.id, channel)
    pipe.set(state.keys.alert(alert.id), json.dumps(alert.to_dict()), ex=ALERT_TTL)
    pipe.zadd(state.keys.alerts(), {alert.id: now})
    pipe.hset(delivery, mapping={"status": "pending", "attempts": 0, "created_at": now, "updated_at": now})
    pipe.expire(delivery, ALERT_TTL)
    pipe.rpush(delivery + ":log", json.dumps({"at": now, "status": "pending", "digest_of": len(member_ids)}))
    pipe.expire(delivery + ":log", ALERT_TTL)
    pipe.zadd(state.keys.open_deliveries(), {f"{alert.id}|{channel}": now})
    pipe.zrem(state.keys.digest(channel), *member_ids)
    for member in member_ids:
        mkey = state.keys.delivery(member, channel)
        pipe.hset(mkey, mapping={"status": "digested", "digest_id": alert.id, "updated_at": now})
        pipe.rpush(mkey + ":log", json.dumps({"at": now, "status": "digested", "digest_id": alert.id}))


def flush_due(state: State, channels: Mapping[str, ComponentConfig], redeliver_after: float,
              enqueue_delivery: Callable[[str, str], object],
              now: float | None = None, archive: ArchiveQueue | None = None) -> list[str]:
    """Flush every channel whose digest is due; enqueue each digest's delivery."""
    done = []
    for channel_id in state.r.smembers(state.keys.digest_channels()):
        cfg = channels.get(channel_id)
        if cfg is None:
            continue
        digest_id = flush_channel(state, cfg, redeliver_after, now, archive)
        if digest_id:
            enqueue_delivery(digest_id, channel_id)
            done.append(digest_id)
    return done
