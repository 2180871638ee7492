"""Per-channel send rate limits, shared by every worker: a sliding window log in Redis.

`rate_limit: [{count: 1, per: 1s}, {count: 20, per: 1m}]` on a channel (Telegram's
own limits for one chat and for a group are the defaults of the telegram channel).
`acquire` either takes a slot for one send or says how long to wait; the caller
re-queues the delivery after that wait, without counting an attempt.
"""
from __future__ import annotations

import secrets
import time

from newswatch.config.registry import ComponentConfig
from newswatch.store.scripts import script
from newswatch.store.state import State



def limits(channel_cfg: ComponentConfig) -> list[tuple[int, float]]:
    return [(int(r.count), float(r.per)) for r in (getattr(channel_cfg, "rate_limit", None) or [])]


def acquire(state: State, channel_id: str, windows: list[tuple[int, float]], now: float | None = None) -> float:
    """Take a send slot: 0.0 if taken, else the seconds to wait before trying again."""
    if not windows:
        return 0.0
    now = time.time() if now is None else now
    keys = [state.keys.ratelimit(channel_id, f"{count}per{per:g}") for count, per in windows]
    args = [repr(now)] + [v for count, per in windows for v in (count, per)] + [f"{now!r}:{secrets.token_hex(4)}"]
    return float(script(state.r, "alerts", "ratelimit_acquire")(keys=keys, args=args))
