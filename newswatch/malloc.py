"""glibc's malloc in a process with many threads: one arena.

glibc gives each thread that contends for the heap an arena of its own, up to 8 per core. A worker's
eight pool threads each parsed, classified and archived feeds, and what each freed stayed in its own arena,
so the worker's resident memory grew by 90 MB over 1,000 polls; with two arenas it grew by 55 MB, the
poll cycle taking as long (BENCHMARKS.md §13.3). Since at most `worker.pipelines` (2) polls parse and
process at once (workers.polling.pipeline_slot), one arena is enough: the worker's peak 222-226 -> 215 MB, the
poll cycle as fast (8.8-9.8 s against 9.3-10.1 s with two, same runs). Setting MALLOC_ARENA_MAX in the
environment wins: this only applies when it is not set.
"""
from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8   # glibc's mallopt parameter (malloc.h)
WORKER_ARENAS = 1


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
