"""`newswatch run`'s web child (workers/web_process.py), a real `python -m web serve` process: it serves the
desk on web.port; on a port already taken it exits 3, which is logged once and not restarted."""
from __future__ import annotations

import socket
import time
import urllib.request

import yaml

from tests.e2e.conftest import wait_until
from tests.support.redis_server import free_port
from workers.registry import load_config
from workers.web_process import EXIT_PORT, WebProcess


def config(tmp_path, redis_url, key_prefix, port):
    (tmp_path / "rules.yaml").write_text("[]")
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({"redis_url": redis_url, "key_prefix": key_prefix, "rules": ["rules.yaml"],
                                    "state_dir": str(tmp_path / "state"), "web": {"port": port},
                                    "channels": [{"id": "out", "type": "stdout"}]}))
    return load_config(path, dry_run=True)


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def test_the_child_serves_the_desk_and_stops_on_sigterm(tmp_path, redis_url, key_prefix):
    port = free_port()
    web = WebProcess(config(tmp_path, redis_url, key_prefix, port), redis_url, ("info", "text"))
    web.start()
    try:
        wait_until(lambda: answers(port), 30, "the desk on web.port")
    finally:
        web.stop()
    assert web.proc is not None and web.proc.returncode == 0 and not answers(port)


def test_a_port_taken_is_logged_once_and_not_restarted(tmp_path, redis_url, key_prefix, caplog):
    with socket.create_server(("127.0.0.1", 0)) as held:
        web = WebProcess(config(tmp_path, redis_url, key_prefix, held.getsockname()[1]), redis_url, ("info", "text"))
        web.start()
        wait_until(lambda: web.proc.poll() is not None, 30, "the child to give up")
        first = web.proc
        for _ in range(3):
            web.watch()
            time.sleep(0.1)
    assert first.returncode == EXIT_PORT and web.proc is first and web.given_up
    assert [r.getMessage() for r in caplog.records].count('web_process_stopped code=3 reason="port taken"') == 1
