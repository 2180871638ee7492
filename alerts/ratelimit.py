"""Per-channel send rate limits, shared by every worker: a sliding window log in Redis.

`rate_limit: [{count: 1, per: 1s}, {count: 20, per: 1m}]` on a channel (Telegram's
own limits for one chat and for a group are the defaults of the telegram channel).
`acquire` either takes a slot for one send or says how long to wait; the caller
re-queues the delivery after that wait, without counting an attempt.
"""
from __future__ import annotations

import secrets
import time

from newswatch.store.state import State

# KEYS: one sorted set per window. ARGV: now, then (count, seconds) per window, then a unique member.
# All windows must have room, else nothing is taken and the longest wait is returned.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local count, per = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('zremrangebyscore', key, '-inf', now - per)
  if redis.call('zcard', key) >= count then
    local oldest = redis.call('zrange', key, 0, 0, 'withscores')
    local w = tonumber(oldest[2]) + per - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  redis.call('zadd', key, now, ARGV[#ARGV] .. ':' .. i)
  redis.call('expire', key, math.ceil(tonumber(ARGV[2 * i + 1])) + 1)
end
return '0'
"""


def limits(channel_cfg) -> list[tuple[int, float]]:
    return [(int(r.count), float(r.per)) for r in (getattr(channel_cfg, "rate_limit", None) or [])]


def acquire(state: State, channel_id: str, windows: list[tuple[int, float]], now: float | None = None) -> float:
    """Take a send slot: 0.0 if taken, else the seconds to wait before trying again."""
    if not windows:
        return 0.0
    now = time.time() if now is None else now
    keys = [state.key("ratelimit", channel_id, f"{count}per{per:g}") for count, per in windows]
    args = [repr(now)] + [v for count, per in windows for v in (count, per)] + [f"{now!r}:{secrets.token_hex(4)}"]
    return float(state.r.eval(_ACQUIRE, len(keys), *keys, *args))
