"""`/metrics` (Prometheus text) and `/healthz` (JSON) on a local port, in a background thread.

`/healthz` answers 200 when Redis answers and a scheduler holds the lease, else
503; failing sources are listed (and make the status "degraded") but do not by
themselves make the process unhealthy: a dead feed is the operator's business,
not a reason for an orchestrator to restart a worker.
"""
from __future__ import annotations

import http.server
import json
import logging
import threading

import redis

from newswatch.logs import fields
from newswatch.metrics import render
from newswatch.store.state import State

log = logging.getLogger(__name__)


def health(state: State, sources: list[str], probe: redis.Redis) -> tuple[int, dict]:
    try:
        probe.ping()
    except redis.RedisError as exc:
        return 503, {"status": "unhealthy", "redis": f"unreachable ({type(exc).__name__})"}
    lease = bool(probe.exists(state.keys.scheduler_lease()))
    failing = {}
    for source_id in sources:
        h = probe.hgetall(state.keys.health(source_id))
        if h.get("status") == "failing":
            failing[source_id] = h.get("last_error", "")
    status = "unhealthy" if not lease else ("degraded" if failing else "ok")
    return (200 if lease else 503), {"status": status, "redis": "ok", "scheduler_lease": lease,
                                     "sources_failing": failing}


def gauges(state: State, sources: list[str], queue_names: tuple[str, ...]) -> dict:
    pipe = state.r.pipeline(transaction=False)
    pipe.zcard(state.keys.open_deliveries())
    for q in queue_names:
        pipe.llen(f"{state.prefix}:celery:{q}")
    for source_id in sources:
        pipe.hget(state.keys.health(source_id), "status")
    open_deliveries, *rest = pipe.execute()
    depths, statuses = rest[:len(queue_names)], rest[len(queue_names):]
    return {
        "deliveries_open": ("Deliveries not yet sent or failed.", float(open_deliveries)),
        "queue_depth": ("Tasks waiting in each queue.", [({"queue": q}, n) for q, n in zip(queue_names, depths)]),
        "source_failing": ("1 while a source's last poll failed.",
                           [({"source_id": s}, int(st == "failing")) for s, st in zip(sources, statuses)]),
    }


class StatusServer:
    def __init__(self, state: State, redis_url: str, sources: list[str], queue_names: tuple[str, ...],
                 host: str = "127.0.0.1", port: int = 0):
        self.state, self.sources, self.queue_names = state, sources, queue_names
        self.probe = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=2,
                                          socket_connect_timeout=2)
        self.httpd = http.server.ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="status-http", daemon=True)

    def _handler(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                if path == "/metrics":
                    try:
                        body = render(server.state, gauges(server.state, server.sources, server.queue_names))
                        self._reply(200, body.encode(), "text/plain; version=0.0.4; charset=utf-8")
                    except redis.RedisError as exc:
                        self._reply(503, f"redis unreachable ({type(exc).__name__})\n".encode(), "text/plain")
                elif path == "/healthz":
                    code, report = health(server.state, server.sources, server.probe)
                    self._reply(code, json.dumps(report).encode(), "application/json")
                else:
                    self._reply(404, b"not found: try /metrics or /healthz\n", "text/plain")

            def _reply(self, code: int, body: bytes, ctype: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # quiet: scrapes every 15 s would flood the log
                pass

        return Handler

    def start(self) -> "StatusServer":
        self.thread.start()
        log.info(fields("status_server_started", port=self.port))
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.probe.close()


def start_status_server(rt, host: str, port: int | None) -> StatusServer | None:
    """Serve if a port is configured; a port already taken is logged, never fatal."""
    if port is None:
        return None
    from workers.celery_app import queues
    try:
        return StatusServer(rt.state, rt.redis_url, [s.id for s in rt.settings.sources],
                            queues(rt.settings.key_prefix), host, port).start()
    except OSError as exc:
        log.warning(fields("status_server_unavailable", port=port, reason=exc.strerror or str(exc)))
        return None


