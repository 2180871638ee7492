"""`newswatch run`: the embedded Redis (if needed), a worker child process and the scheduler,
started in that order and stopped in the reverse order on every exit path."""
from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack

from newswatch.config import Config
from newswatch.logs import fields
from newswatch.store.persistence import log_persistence
from alerts.store import SETTLED
from workers.celery_app import make_app
from workers.children import stop_child
from alerts.delivery import sweep_open_deliveries
from workers.embedded_redis import EmbeddedRedis, _die_with_parent
from workers.heartbeat import worker_id
from workers.archive_jobs import drain_archive
from workers.runtime import Runtime
from workers.scheduler import PollScheduler
from workers.status_server import start_status_server
from workers.tasks import TaskQueue
from workers.web_process import WebProcess
from alerts.store import AlertStore

log = logging.getLogger(__name__)


class WorkerProcess:
    """A `newswatch worker` child in its own process group; dies with us (PDEATHSIG).
    It logs at our level and in our format (`logging_options`: level, format).

    `status_socket`: a loopback socket, listening, that the child (and each one restarted after it)
    serves its own /metrics on; the parent reads it there and merges it into the /metrics it serves.
    Without one the child serves nothing."""

    def __init__(self, config: Config, redis_url: str, logging_options: tuple[str, str] = ("info", "text"),
                 status_socket: socket.socket | None = None, archive_jobs: bool = False):
        level, log_format = logging_options
        self.args = [sys.executable, "-m", "workers.cli", "worker", "-c", str(config.path), "--redis-url", redis_url,
                     "--log-level", level, "--log-format", log_format, "--no-persistence-check"]
        # the archive's drain and prune, which the daemon's scheduler leaves to its worker (workers.archive_jobs)
        self.args += ["--archive-jobs"] if archive_jobs else []
        self.args += ["--status-fd", str(status_socket.fileno())] if status_socket else ["--no-status"]
        # one worker id for every child: a restarted child takes over its predecessor's heartbeat entry,
        # so a death shows in /healthz ("not responding") until the next child is up, not for ten minutes
        self.args += ["--worker-id", f"{worker_id()}.child"]
        self.pass_fds = (status_socket.fileno(),) if status_socket else ()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=_die_with_parent, pass_fds=self.pass_fds)
        log.info(fields("worker_started", pid=self.proc.pid))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM: Celery's warm shutdown finishes the task in hand; SIGKILL after `timeout`."""
        proc = self.proc
        if proc is not None and stop_child(proc, timeout):
            log.warning(fields("worker_kill", pid=proc.pid, reason=f"no exit within {timeout:g}s"))


def _stop_event() -> threading.Event:
    stop = threading.Event()

    def handler(signum, _frame):
        log.info(fields("shutdown_requested", signal=signal.Signals(signum).name))
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def _redis_url(config: Config, stack: ExitStack) -> str:
    if config.settings.redis_url:
        return config.settings.redis_url
    embedded = EmbeddedRedis(config.state_dir)
    stack.callback(embedded.stop)
    return embedded.start().url


def _start(config: Config, stack: ExitStack, logging_options: tuple[str, str],
           child_status: socket.socket | None = None, archive_jobs: bool = False
           ) -> tuple[Runtime, TaskQueue, WorkerProcess]:
    """Redis (embedded if none is configured), the Celery app, the runtime and a worker child;
    each registered on `stack` so they stop in reverse order on every exit path."""
    url = _redis_url(config, stack)
    queue = TaskQueue(make_app(url, config.settings.key_prefix))
    rt = Runtime(config, url)
    stack.callback(rt.close)
    log_persistence(rt.state.r, url, log)   # once for the tree: the worker child is told not to
    worker = WorkerProcess(config, url, logging_options, child_status, archive_jobs)
    worker.start()
    stack.callback(worker.stop)
    return rt, queue, worker


def _start_web(config: Config, rt: Runtime, stack: ExitStack, logging_options: tuple[str, str]) -> WebProcess | None:
    """The desk (web/) as a child process when web.enabled and web.port say so."""
    if not config.settings.web.served:
        return None
    web = WebProcess(config, rt.redis_url, logging_options)
    web.start()
    stack.callback(web.stop)
    return web


def run_daemon(config: Config, logging_options: tuple[str, str] = ("info", "text"), web: bool = True) -> int:
    stop = _stop_event()
    with ExitStack() as stack:
        child_status = None
        if config.settings.status.port is not None:  # the child's own /metrics, merged into ours
            child_status = stack.enter_context(socket.create_server(("127.0.0.1", 0)))
        rt, queue, worker = _start(config, stack, logging_options, child_status, archive_jobs=True)
        # the worker child drains and prunes the archive: this process never loads the database
        scheduler = PollScheduler(rt, queue.poll, queue.delivery, enqueue_ingest=queue.ingest, archive_jobs=False)
        status = start_status_server(rt, config.settings.status.host, config.settings.status.port,
                                     scheduler=scheduler,
                                     child_port=child_status.getsockname()[1] if child_status else None)
        if status is not None:
            stack.callback(status.stop)
        scheduler.start()
        stack.callback(scheduler.stop)  # stopped first: nothing new is enqueued while the worker drains
        desk = _start_web(config, rt, stack, logging_options) if web else None
        restarts = 0
        while not stop.wait(1.0):
            if desk is not None:
                desk.watch()
            if not worker.alive():
                restarts += 1
                delay = min(60, 2 ** min(restarts, 6))
                code = worker.proc.returncode if worker.proc is not None else None   # started by _start
                log.error(fields("worker_died", code=code, restart_in=f"{delay}s"))
                if stop.wait(delay):
                    break
                worker.start()
    log.info(fields("stopped"))
    return 0


def run_once(config: Config, timeout: float, logging_options: tuple[str, str] = ("info", "text")) -> int:
    """One pass over every enabled source, wait for the deliveries, exit."""
    stop = _stop_event()
    with ExitStack() as stack:
        rt, queue, worker = _start(config, stack, logging_options)
        run_id = uuid.uuid4().hex
        sources = [s.id for s in config.settings.sources if s.enabled]
        sweep_open_deliveries(rt, queue.delivery)  # left over from an earlier run
        for source_id in sources:
            queue.poll(source_id, run_id=run_id, force=True)
        code = _wait_for_run(rt, run_id, set(sources), worker, stop, time.monotonic() + timeout)
        drain_archive(rt, budget=30.0, force=True)   # the deliveries' statuses, and what a poll left queued
        return code


def _wait_for_run(rt, run_id: str, sources: set[str], worker: WorkerProcess, stop: threading.Event,
                  deadline: float) -> int:
    state = rt.state
    while True:
        done, deliveries = state.run_progress(run_id)
        statuses = [AlertStore(state).delivery(a, c).get("status", "missing") for a, c in deliveries]
        if done >= sources and all(s in SETTLED for s in statuses):
            break
        if stop.is_set() or time.monotonic() > deadline or not worker.alive():
            why = "interrupted" if stop.is_set() else "timed out" if worker.alive() else "worker died"
            log.error(fields("run_incomplete", reason=why, sources_done=len(done & sources),
                             sources=len(sources), deliveries_open=sum(s not in SETTLED for s in statuses)))
            return 1
        time.sleep(0.1)
    failed = [h for h in (state.health(s) for s in sources) if h.get("status") == "failing"]
    sent = statuses.count("sent")
    log.info(fields("run_done", sources=len(sources), sources_failing=len(failed), alerts_sent=sent,
                    deliveries_failed=statuses.count("failed")))
    return 0 if sent == len(statuses) else 1
