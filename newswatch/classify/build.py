"""Build the classifier's cache in a child process, so the process that asked for it never holds
the build's garbage.

Building the automaton reads every GeoNames city with its alternate names, makes 150,000
terms and pickles the result: about 190 MB above the loaded classifier at the peak, and a
Python process keeps most of that memory after the objects are freed. A worker that built the
index itself peaked at 311 MB and kept 267 MB; one that loads the cache peaks at 216 MB. So
`index.build_index`, on a cache miss, runs `python -m newswatch.classify.build` with the
tables on its standard input; the child writes the cache files (the same code, `index.write_cache`)
and exits, and the parent loads them like any later start. When the child cannot run or fails,
the parent builds in-process as before (and says so in the log).
"""
from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, AbstractSet

from newswatch.logs import fields

if TYPE_CHECKING:
    from newswatch.classify.tables import Tables

log = logging.getLogger(__name__)
CHILD_TIMEOUT = 600.0  # s; a build takes about 4 s on one core
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def build_in_child(tables: Tables, cache_dir: Path, min_population: int,
                   wordlike: AbstractSet[tuple[str, str]]) -> bool:
    """Write the cache files for these tables from a child process; True when it succeeded."""
    request = pickle.dumps((replace(tables, cities=[]), str(cache_dir), min_population, sorted(wordlike)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
    try:
        done = subprocess.run([sys.executable, "-m", "newswatch.classify.build"], input=request,
                              capture_output=True, timeout=CHILD_TIMEOUT, env=env, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning(fields("classifier_child_build_failed", error=type(exc).__name__))
        return False
    if done.returncode != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        log.warning(fields("classifier_child_build_failed", exit_code=done.returncode, error=last[-300:]))
        return False
    return True


def main() -> int:
    from newswatch.classify.index import write_cache

    tables, cache_dir, min_population, wordlike = pickle.loads(sys.stdin.buffer.read())
    write_cache(tables, Path(cache_dir), min_population, set(wordlike))
    return 0


if __name__ == "__main__":
    sys.exit(main())
