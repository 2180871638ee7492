"""newswatch.malloc.limit_arenas: glibc takes the setting, unless MALLOC_ARENA_MAX already says."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CALL = "from newswatch.malloc import limit_arenas; print(limit_arenas())"


def run(env_extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    return subprocess.run([sys.executable, "-c", CALL], cwd=ROOT, env={**env, **env_extra}, capture_output=True,
                          text=True, check=True, timeout=60).stdout.strip()


def test_glibc_takes_the_limit():
    assert os.confstr("CS_GNU_LIBC_VERSION"), "these tests run on glibc"
    assert run({}) == "True"


def test_the_environment_wins():
    assert run({"MALLOC_ARENA_MAX": "4"}) == "False"
