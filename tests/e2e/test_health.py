"""A worker whose task threads are all stuck is named stale by /healthz (503) and `newswatch status`,
although its process and its HTTP thread are fine; it is fresh again once the thread comes back.
Real processes: `newswatch worker --concurrency 1`, `newswatch scheduler`, a feed server that holds
the fetch open (`http.timeout` is 10 minutes)."""
import json
import threading
import time
import urllib.error
import urllib.request

from tests.e2e.conftest import wait_until, write_config
from tests.support.http_server import LocalHTTPServer, Response
from tests.support.redis_server import free_port
from workers.cli import main

EMPTY_FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def healthz(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except OSError:
        return 0, {}


def test_b_a_worker_with_every_task_thread_stuck_is_stale(tmp_path, procs, redis_url, key_prefix, capsys):
    release = threading.Event()

    def hang(_request) -> Response:
        release.wait(120)
        return Response(body=EMPTY_FEED, headers={"Content-Type": "application/rss+xml"})

    with LocalHTTPServer() as http:
        http.route("/hang.xml", hang)
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "classify": {"enabled": False},
            "health": {"heartbeat": "500ms", "worker_stale": "3s"},
            "http": {"timeout": "10m"},
            "sources": [{"id": "hang", "type": "rss", "url": http.url("/hang.xml"), "interval": "1h"}],
            "channels": [{"id": "out", "type": "stdout"}]}, rules=[])
        port = free_port()
        worker = procs("worker", "-c", str(cfg), "--concurrency", "1", "--status-port", str(port))
        report = wait_until(lambda: healthz(port)[1].get("workers"), 40, "the worker on /healthz", procs=[worker])
        [wid] = report
        time.sleep(4)   # longer than worker_stale: only heartbeats run by its pool keep it fresh
        code, report = healthz(port)
        assert report["workers"][wid]["status"] == "ok" and "workers" not in report["failing"], report
        assert code == 503 and list(report["failing"]) == ["scheduler_lease"]   # no scheduler yet

        scheduler = procs("scheduler", "-c", str(cfg))        # enqueues the poll that hangs
        wait_until(lambda: http.requests_for("/hang.xml"), 30, "the poll", procs=[worker, scheduler])
        def named_stale():
            code, report = healthz(port)
            return (code, report) if "workers" in report.get("failing", {}) else None
        code, report = wait_until(named_stale, 20, "the worker named stale", procs=[worker, scheduler])
        assert code == 503 and list(report["failing"]) == ["workers"], report
        assert report["failing"]["workers"][wid].startswith("stale: its task threads have run nothing for ")
        assert worker.proc.poll() is None                     # the process itself is fine
        assert main(["status", "-c", str(cfg), "--format", "json"]) == 0
        status = json.loads(capsys.readouterr().out)["health"]
        assert status["status"] == "unhealthy" and wid in status["failing"]["workers"]

        release.set()                                         # the fetch returns: the thread is back
        wait_until(lambda: healthz(port)[0] == 200, 20, "healthy again", procs=[worker, scheduler])
        assert scheduler.terminate() == 0 and worker.terminate() == 0
