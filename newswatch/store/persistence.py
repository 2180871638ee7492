"""Whether the Redis in use keeps its data across a crash: what "never twice" rests on.

Seen fingerprints, realert windows and delivery records live in Redis. A Redis that persists
nothing loses them all when it is killed (SIGKILL, OOM killer, power loss), and every item still in
its feeds alerts again; one that only snapshots (RDB `save` points) loses what changed since the last
snapshot. Exactly-once needs the append-only file (`appendonly yes`, `appendfsync everysec`: at most
the last second is lost). `check`, `status` and the daemon's start say so once, loudly.

A managed Redis may refuse `CONFIG`: then `INFO persistence` tells whether the AOF is on, and if it
is not, persistence is reported as unknown (snapshots may still be configured), never as a failure.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import redis

from newswatch.logs import fields

ADVICE = "exactly-once needs the append-only file: appendonly yes (appendfsync everysec)"


@dataclass(frozen=True)
class Persistence:
    aof: bool | None            # appendonly; None: unknown
    save: str | None            # RDB save points ("" none); None: unknown
    why_unknown: str = ""

    @property
    def status(self) -> str:
        """aof | rdb | none | unknown."""
        if self.aof:
            return "aof"
        if self.aof is None or self.save is None:
            return "unknown"
        return "rdb" if self.save.strip() else "none"

    def problem(self) -> str | None:
        """What a crash of this Redis would cost, and the fix; None when it keeps an append-only file."""
        if self.status == "none":
            return ("persists nothing (appendonly no, save ''): if it stops or is killed, every seen "
                    "fingerprint, realert window and delivery record is lost and items alert again; " + ADVICE)
        if self.status == "rdb":
            return (f"only takes snapshots (appendonly no, save '{self.save}'): a crash loses what changed "
                    "since the last one, and those items alert again; " + ADVICE)
        if self.status == "unknown":
            return f"may not persist: its persistence is unknown ({self.why_unknown}); {ADVICE}"
        return None


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def persistence(client: "redis.Redis[str]") -> Persistence:
    """Ask the server (CONFIG GET, else INFO persistence). Connection errors are the caller's."""
    try:
        aof = _text(client.config_get("appendonly").get("appendonly", ""))
        save = _text(client.config_get("save").get("save", ""))
        return Persistence(aof == "yes", save)
    except redis.ResponseError as exc:   # CONFIG renamed or refused (managed Redis, ACLs)
        refused = f"CONFIG refused: {str(exc)[:80]}"
    try:
        info = client.info("persistence")
    except redis.ResponseError as exc:
        return Persistence(None, None, f"{refused}; INFO refused: {str(exc)[:80]}")
    if int(info.get("aof_enabled", 0) or 0):
        return Persistence(True, None)
    return Persistence(None, None, f"{refused}; INFO says the append-only file is off")


def redis_location(url: str) -> str:
    """The Redis URL without its password (redis://:secret@host -> redis://host)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, ""))


def log_persistence(client: "redis.Redis[str]", url: str, log: logging.Logger) -> Persistence | None:
    """Log the Redis's persistence once: a warning when a crash would lose state, else info.
    None (and nothing logged) when the Redis does not answer: the commands report that themselves."""
    try:
        found = persistence(client)
    except (redis.RedisError, OSError):
        return None
    problem = found.problem()
    event = fields("redis_persistence", status=found.status, redis=redis_location(url),
                   problem=problem if found.status != "unknown" else None,
                   note=problem if found.status == "unknown" else None)
    log.log(logging.WARNING if found.status in ("none", "rdb") else logging.INFO, event)
    return found


def persistence_warning(url: str, timeout: float = 2.0) -> str | None:
    """For `check` and `status`: one line saying what is wrong with the persistence of the Redis at `url`,
    or None when it keeps an append-only file or does not answer within `timeout`."""
    client: "redis.Redis[str]" = redis.Redis.from_url(url, decode_responses=True, socket_timeout=timeout,
                                                      socket_connect_timeout=timeout)
    try:
        problem = persistence(client).problem()
    except (redis.RedisError, OSError):
        return None
    finally:
        client.close()
    return f"newswatch: warning: the Redis at {redis_location(url)} {problem}" if problem else None
