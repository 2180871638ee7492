"""Lua scripts live as `.lua` files beside the module that runs them (package data); loaded here
once per client and run by EVALSHA (redis-py's `Script` falls back to EVAL after a restart)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import redis
from redis.commands.core import Script


@lru_cache(maxsize=None)
def lua_source(package: str, name: str) -> str:
    """The text of `<package>/lua/<name>.lua`."""
    return (resources.files(package) / "lua" / f"{name}.lua").read_text(encoding="utf-8")


def script(client: "redis.Redis[str]", package: str, name: str) -> Script:
    return client.register_script(lua_source(package, name))
