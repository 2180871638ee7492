"""Silences: "don't send alerts of this rule for a while", stored in Redis, honoured by every worker.

Alertmanager is the model: a silence has an id, a matcher, a start, an end and a
reason; expiring one sets its end to now, and it is kept (shown by `silence list
--all`) until a day after it ended. The matcher here is a rule id, or a glob
(`sahel-*`), optionally restricted to one channel. A delivery checked while a
silence matches is recorded as `silenced` (final) and never sent; that is decided
at send time, so a silence added after an alert was created still holds it back.
"""
from __future__ import annotations

import fnmatch
import json
import secrets
import time
from dataclasses import asdict, dataclass

from newswatch.store.state import State

KEEP_EXPIRED = 86400  # an ended silence stays listed this long


@dataclass
class Silence:
    id: str
    rule: str               # a rule id or a glob over rule ids
    channel: str | None     # only this channel, or every channel
    starts_at: float
    ends_at: float
    reason: str
    created_by: str = ""

    def active(self, now: float) -> bool:
        return self.starts_at <= now < self.ends_at

    def matches(self, rule_id: str, channel_id: str | None) -> bool:
        if self.channel is not None and channel_id is not None and self.channel != channel_id:
            return False
        return fnmatch.fnmatchcase(rule_id, self.rule)


class Silences:
    def __init__(self, state: State):
        self.state = state
        self.key = state.keys.silences()

    def add(self, rule: str, duration: float, reason: str, *, channel: str | None = None,
            created_by: str = "", now: float | None = None) -> Silence:
        if not rule.strip():
            raise ValueError("a silence needs a rule id or a glob such as 'sahel-*'")
        if duration <= 0:
            raise ValueError("a silence needs a positive duration, e.g. --for 4h")
        if not reason.strip():
            raise ValueError("give a --reason: whoever reads `silence list` later needs to know why")
        now = time.time() if now is None else now
        silence = Silence(secrets.token_hex(4), rule.strip(), channel, now, now + duration, reason.strip(),
                          created_by)
        self.state.r.hset(self.key, silence.id, json.dumps(asdict(silence)))
        return silence

    def all(self, now: float | None = None) -> list[Silence]:
        """Every silence still kept, newest first; ended ones older than a day are removed here."""
        now = time.time() if now is None else now
        found: list[Silence] = []
        stale: list[Silence] = []
        for raw in self.state.r.hgetall(self.key).values():
            silence = Silence(**json.loads(raw))
            (stale if silence.ends_at + KEEP_EXPIRED < now else found).append(silence)
        if stale:
            self.state.r.hdel(self.key, *[s.id for s in stale])
        return sorted(found, key=lambda s: s.starts_at, reverse=True)

    @staticmethod
    def silencing_in(raw: dict[str, str], rule_id: str, channel_id: str | None,
                     now: float | None = None) -> Silence | None:
        """`silencing` over the raw hash (HGETALL of `<p>:silences`) a caller read in its own pipeline."""
        now = time.time() if now is None else now
        active = [s for s in (Silence(**json.loads(v)) for v in raw.values()) if s.active(now)]
        for silence in sorted(active, key=lambda s: s.starts_at, reverse=True):
            if silence.matches(rule_id, channel_id):
                return silence
        return None

    def active(self, now: float | None = None) -> list[Silence]:
        now = time.time() if now is None else now
        return [s for s in self.all(now) if s.active(now)]

    def expire(self, silence_id: str, now: float | None = None) -> Silence:
        raw = self.state.r.hget(self.key, silence_id)
        if raw is None:
            raise KeyError(f"no silence with id {silence_id!r} (see `newswatch silence list --all`)")
        silence = Silence(**json.loads(raw))
        silence.ends_at = min(silence.ends_at, time.time() if now is None else now)
        self.state.r.hset(self.key, silence.id, json.dumps(asdict(silence)))
        return silence

    def silencing(self, rule_id: str, channel_id: str | None, now: float | None = None) -> Silence | None:
        """The active silence that holds back this rule's alerts on this channel, if any."""
        return self.silencing_in(self.state.r.hgetall(self.key), rule_id, channel_id, now)
