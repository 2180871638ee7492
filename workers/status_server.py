"""`/metrics` (Prometheus text) and `/healthz` (JSON) on a local port, in a background thread.

`/metrics` is what this process did (its runtime's `Metrics`), plus, in the process that holds the
scheduler lease and only there, the gauges of the deployment's shared state (`SchedulerGauges`),
plus, in `newswatch run`, what its worker child did (`ChildMetrics`, merged in): summing every
process's `/metrics` counts each poll and each delivery once.

`/healthz` is workers/health.py's report: 503 naming each failing check (Redis not writable, a
stale worker, no scheduler lease, a delivery overdue), "degraded" with failing sources or open
source incidents, else "ok".

The port is served by `BoundedHTTPServer` (workers/bounded_http.py): each connection lives at most
10 s and at most 64 are open at once, the oldest idle one closed to make room, so idle or trickling
connections can neither pile up nor lock a scraper out.
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import urllib.request

import redis
from prometheus_client.metrics_core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families

from newswatch.config.health import HealthConfig
from newswatch.logs import fields
from workers.bounded_http import BoundedHandler, BoundedHTTPServer
from newswatch.metrics import render
from newswatch.store.state import State
from workers.health import health

log = logging.getLogger(__name__)


class SchedulerGauges:
    """A scheduler process's gauges. `newswatch_scheduler_lease_held` (1 or 0) from every scheduler, so
    the sum is the number of active schedulers; the deployment's shared state (open deliveries, queue
    depth, failing sources) and the scheduler lag only from the lease holder, read at scrape time, so
    summing the targets never counts them twice. Redis unreachable: those are left out of the scrape."""

    def __init__(self, scheduler, state: State, sources: list[str], queue_names: tuple[str, ...]):
        self.scheduler, self.state, self.sources, self.queue_names = scheduler, state, sources, queue_names

    def collect(self):
        held = self.scheduler.lease.held
        yield GaugeMetricFamily("newswatch_scheduler_lease_held", "1 while this scheduler holds the lease.",
                                value=int(held))
        if not held:
            return
        if self.scheduler.last_lag is not None:
            yield GaugeMetricFamily("newswatch_scheduler_lag_seconds", "How late the last poll job started.",
                                    value=self.scheduler.last_lag)
        try:
            yield from self._shared_state()
        except redis.RedisError as exc:
            log.debug(fields("metrics_gauges_unavailable", reason=type(exc).__name__))

    def _shared_state(self) -> list:
        state, sources, queue_names = self.state, self.sources, self.queue_names
        pipe = state.r.pipeline(transaction=False)
        pipe.zcard(state.keys.open_deliveries())
        for q in queue_names:
            pipe.llen(state.keys.celery_queue(q))
        for source_id in sources:
            pipe.hget(state.keys.health(source_id), "status")
        pipe.llen(state.keys.archive_queue())
        pipe.llen(state.keys.archive_processing())
        open_deliveries, *rest, archive_queued, archive_processing = pipe.execute()
        depths, statuses = rest[:len(queue_names)], rest[len(queue_names):]
        queue_depth = GaugeMetricFamily("newswatch_queue_depth", "Tasks waiting in each queue.", labels=["queue"])
        for q, n in zip(queue_names, depths):
            queue_depth.add_metric([q], n)
        failing = GaugeMetricFamily("newswatch_source_failing", "1 while a source's last poll failed.",
                                    labels=["source_id"])
        for source_id, status in zip(sources, statuses):
            failing.add_metric([source_id], int(status == "failing"))
        archive = GaugeMetricFamily("newswatch_archive_waiting", "Entries (items, alerts, delivery statuses) "
                                    "waiting in Redis to be written to the archive database.",
                                    value=archive_queued + archive_processing)
        return [GaugeMetricFamily("newswatch_deliveries_open", "Deliveries not yet sent or failed.",
                                  value=open_deliveries), queue_depth, failing, archive]


class ChildUnavailable(Exception):
    pass


class ChildMetrics:
    """`newswatch run`: the worker child's own `/metrics`, read at scrape time and merged into the
    parent's. A child that does not answer fails the scrape (503) rather than drop its counters from
    it, which Prometheus would take for a reset and count again afterwards."""

    def __init__(self, port: int, timeout: float = 5.0):
        self.url, self.timeout = f"http://127.0.0.1:{port}/metrics", timeout

    def collect(self):
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout) as resp:
                text = resp.read().decode()
        except OSError as exc:
            raise ChildUnavailable(f"worker child not answering ({type(exc).__name__})") from exc
        return list(text_string_to_metric_families(text))


class StatusServer:
    """`collectors`: anything with `collect()` (this process's `Metrics`, `SchedulerGauges`, `ChildMetrics`).
    `sock`: a listening socket to serve on instead of binding (host, port): `newswatch run` hands its
    worker child one, so the parent knows where to read the child's metrics."""

    def __init__(self, state: State, redis_url: str, sources: list[str], collectors: list,
                 host: str = "127.0.0.1", port: int = 0, sock: socket.socket | None = None,
                 health_cfg: HealthConfig | None = None):
        self.state, self.sources, self.collectors = state, sources, collectors
        self.health_cfg = health_cfg or HealthConfig()
        self.probe = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=2,
                                          socket_connect_timeout=2)
        if sock is None:
            self.httpd = BoundedHTTPServer((host, port), self._handler())
        else:
            self.httpd = BoundedHTTPServer(sock.getsockname()[:2], self._handler(), bind_and_activate=False)
            self.httpd.socket.close()
            self.httpd.socket = sock
        self.port = self.httpd.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="status-http", daemon=True)

    def _handler(self):
        server = self

        class Handler(BoundedHandler):
            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                if path == "/metrics":
                    try:
                        body = render(*server.collectors)
                        self._reply(200, body, "text/plain; version=0.0.4; charset=utf-8")
                    except ChildUnavailable as exc:
                        self._reply(503, f"{exc}\n".encode(), "text/plain")
                elif path == "/healthz":
                    code, report = health(server.state, server.sources, server.probe, server.health_cfg)
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


def start_status_server(rt, host: str, port: int | None, *, scheduler=None, child_port: int | None = None,
                        sock: socket.socket | None = None) -> StatusServer | None:
    """Serve if a port is configured (or a socket handed over); a port already taken is logged, never fatal.
    `scheduler`: this process's PollScheduler (its gauges); `child_port`: `newswatch run`'s worker child."""
    if port is None and sock is None:
        return None
    from workers.celery_app import queues
    sources = [s.id for s in rt.settings.sources]
    collectors: list = [rt.metrics]
    if scheduler is not None:
        collectors.append(SchedulerGauges(scheduler, rt.state, sources, queues(rt.settings.key_prefix)))
    if child_port is not None:
        collectors.append(ChildMetrics(child_port))
    try:
        return StatusServer(rt.state, rt.redis_url, sources, collectors, host, port or 0, sock,
                            health_cfg=rt.settings.health).start()
    except OSError as exc:
        log.warning(fields("status_server_unavailable", port=port, reason=exc.strerror or str(exc)))
        return None


def status_server_for(rt, args, scheduler=None) -> StatusServer | None:
    """/metrics and /healthz when `status.port` (or --status-port) is set; --no-status: never;
    --status-fd: on the listening socket `newswatch run` handed its worker child."""
    if args.no_status:
        return None
    if args.status_fd is not None:
        return start_status_server(rt, "127.0.0.1", None, sock=socket.socket(fileno=args.status_fd))
    port = args.status_port if args.status_port is not None else rt.settings.status.port
    return start_status_server(rt, rt.settings.status.host, port, scheduler=scheduler)
