"""glibc's malloc in a process with many threads: at most two arenas.

glibc gives each thread that contends for the heap an arena of its own, up to 8 per core. A worker's
eight pool threads each parse, classify and archive feeds, and what each frees stays in its own arena,
so the worker's resident memory grew by 90 MB over 1,000 polls. With two arenas it grew by 55 MB, the
poll cycle taking as long (BENCHMARKS.md §13.3). Setting MALLOC_ARENA_MAX in the environment does the
same and wins: this only applies when it is not set.
"""
from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8   # glibc's mallopt parameter (malloc.h)
WORKER_ARENAS = 2


def limit_arenas(count: int = WORKER_ARENAS) -> bool:
    """At most `count` malloc arenas from now on (call it before the threads start). False when the
    environment sets MALLOC_ARENA_MAX already, or the C library has no such setting (musl ignores it)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt   # the C library the interpreter runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, count))
