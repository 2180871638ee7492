"""A Redis that persists nothing breaks "never twice" (a SIGKILL loses every fingerprint): `check`, `status`
and the daemon's start (`worker`, `scheduler`, `run`) say so once, loudly; a Redis with an append-only file
gets no warning; a Redis refusing CONFIG is "unknown", never a failure. Real redis-server processes on
127.0.0.1, each on a free port with its own configuration."""
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import yaml

from newswatch.store.persistence import persistence, persistence_warning
from tests.e2e.conftest import procs, wait_until  # noqa: F401 — procs: the fixture
from workers.embedded_redis import EmbeddedRedis

ROOT = Path(__file__).resolve().parents[2]
NONE = "persists nothing (appendonly no, save ''): if it stops or is killed, every seen fingerprint"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_server(tmp_path):
    """start(*options) -> the URL of a new redis-server with those options (stopped at the end)."""
    started: list[subprocess.Popen] = []

    def start(*options: str, password: str | None = None) -> str:
        port = free_port()
        auth = ["--requirepass", password] if password else []
        proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
                                 *auth, *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(proc)
        url = f"redis://:{password}@127.0.0.1:{port}/0" if password else f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        wait_until(lambda: _answers(client), 10, f"redis-server on port {port}")
        return url

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(10)


def _answers(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


def config_for(tmp_path: Path, url: str) -> str:
    (tmp_path / "rules.yaml").write_text("[]\n")
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({"redis_url": url, "key_prefix": f"nwtest-persist-{time.monotonic_ns()}",
                                    "rules": ["rules.yaml"], "channels": [{"id": "out", "type": "stdout"}],
                                    "classify": {"enabled": False}}))
    return str(path)


def newswatch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workers.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_check_and_status_warn_when_redis_persists_nothing(tmp_path, redis_server):
    url = redis_server("--save", "", "--appendonly", "no")
    cfg = config_for(tmp_path, url)
    check = newswatch("check", "-c", cfg)
    assert check.returncode == 0 and check.stdout.startswith("ok: ")
    assert check.stderr.count("newswatch: warning:") == 1
    assert f"newswatch: warning: the Redis at {url} {NONE}" in check.stderr
    assert "appendonly yes (appendfsync everysec)" in check.stderr
    status = newswatch("status", "-c", cfg)
    assert status.returncode == 0 and f"the Redis at {url} {NONE}" in status.stderr


def test_no_warning_with_an_append_only_file(tmp_path, redis_server):
    cfg = config_for(tmp_path, redis_server("--save", "", "--appendonly", "yes"))
    check, status = newswatch("check", "-c", cfg), newswatch("status", "-c", cfg)
    assert check.returncode == 0 and status.returncode == 0
    assert "warning" not in check.stderr and "warning" not in status.stderr


def test_snapshots_only_and_a_refused_config_are_said_too(redis_server):
    rdb = persistence_warning(redis_server("--save", "300", "1", "--appendonly", "no"))
    assert "only takes snapshots (appendonly no, save '300 1'): a crash loses what changed" in rdb
    managed = persistence_warning(redis_server("--rename-command", "CONFIG", "", "--appendonly", "no"))
    assert "its persistence is unknown (CONFIG refused" in managed and "INFO says the append-only file is off" in managed
    assert persistence_warning(redis_server("--rename-command", "CONFIG", "", "--appendonly", "yes")) is None
    assert persistence_warning(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5) is None   # no Redis: nothing


def test_the_password_is_never_shown(redis_server):
    url = redis_server("--save", "", "--appendonly", "no", password="s3cret-pw")
    warning = persistence_warning(url)
    assert "s3cret-pw" not in warning and f"the Redis at redis://127.0.0.1:{url.rsplit(':', 1)[1]} {NONE}" in warning


def test_worker_scheduler_and_run_warn_once_at_start(tmp_path, redis_server, procs):
    cfg = config_for(tmp_path, redis_server("--save", "", "--appendonly", "no"))
    worker = procs("worker", "-c", cfg, "--no-status", "--concurrency", "1")
    scheduler = procs("scheduler", "-c", cfg, "--no-status")
    run = procs("run", "-c", cfg)
    for proc in (worker, scheduler, run):
        wait_until(lambda: "redis_persistence status=none" in proc.stderr(), 60, "the persistence warning",
                   procs=[proc])
    wait_until(lambda: "warm_up_done" in run.stderr(), 60, "run's worker child ready", procs=[run])
    for proc in (worker, scheduler, run):                     # run's worker child does not say it again
        [line] = [x for x in proc.stderr().splitlines() if "redis_persistence" in x]
        assert " WARNING " in line and "appendonly yes (appendfsync everysec)" in line
        assert proc.terminate() == 0


def test_the_embedded_redis_keeps_an_append_only_file(tmp_path):
    with EmbeddedRedis(tmp_path / "state") as embedded:
        client = redis.Redis(unix_socket_path=str(embedded.socket), decode_responses=True)
        found = persistence(client)
        assert found.status == "aof" and found.problem() is None
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        assert client.config_get("save") == {"save": "300 1"}    # and a snapshot (`--save "300 1"` gave none)
        client.close()
