"""The Celery app: Redis broker, acks_late, one queue for polls and one for deliveries.

Each process builds its own app (`make_app`); nothing is module-level state. A worker also
registers the tasks, bound to its `Runtime` (workers.tasks.register_tasks); any process sends
them by name through a `TaskQueue`, so a scheduler or a CLI command needs no runtime of a worker.
"""
from __future__ import annotations

import logging

from celery import Celery
from celery.signals import setup_logging, worker_shutting_down

from newswatch.logs import fields
from newswatch.store.keys import Keys

log = logging.getLogger(__name__)


@setup_logging.connect
def _keep_newswatch_logging(**_: object) -> None:
    """A receiver here tells Celery to configure no logging at all: the command already set up
    the root handler (newswatch.logs.setup_logging: level, text or json), and Celery's records
    (celery.*, kombu.*) go through it like ours. Without it, Celery adds its own text handlers."""


@worker_shutting_down.connect
def _log_shutdown(sig: str = "", how: str = "", **_: object) -> None:
    log.info(fields("worker_shutting_down", signal=sig, how=how.lower()))


class CeleryConsole:
    """Stands in for `sys.__stdout__` in a worker process. Celery prints its console chatter there
    ("worker: Warm shutdown (MainProcess)"), but stdout belongs to the stdout channel's JSON lines
    and stderr to the logs: what it prints becomes a log record (`celery_output text=...`), and the
    lines it would write straight to the file descriptor are left out (no descriptor here; the
    shutdown is logged as `worker_shutting_down`)."""

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                log.info(fields("celery_output", text=line.strip()))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> None:   # celery.apps.worker.safe_say writes to a descriptor only when there is one
        return None

POLL_TASK = "newswatch.poll_source"
DELIVER_TASK = "newswatch.deliver"
INGEST_TASK = "newswatch.ingest_items"  # items a live listener received, through the same pipeline
HEARTBEAT_TASK = "newswatch.heartbeat"  # sent by a worker to its own queue, run by its pool (workers/heartbeat.py)


def broker_url(redis_url: str) -> str:
    """redis-py speaks unix://, kombu speaks redis+socket://."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url[len("unix://"):]
    return redis_url


def queues(prefix: str) -> tuple[str, str]:
    return Keys(prefix).task_queues()


def make_app(redis_url: str, prefix: str) -> Celery:
    poll_q, deliver_q = queues(prefix)
    app = Celery("newswatch", set_as_current=False)
    app.conf.update(
        broker_url=broker_url(redis_url),
        broker_transport_options={
            # Every broker key under our prefix, so deployments and test runs sharing a Redis never mix.
            "global_keyprefix": Keys(prefix).celery_prefix(),
            # A task held by a dead worker comes back after this; our own sweep of open
            # deliveries (DeliveryConfig.redeliver_after) is faster and does not depend on it.
            "visibility_timeout": 3600,
        },
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_routes={POLL_TASK: {"queue": poll_q}, INGEST_TASK: {"queue": poll_q}, DELIVER_TASK: {"queue": deliver_q}},
        task_default_queue=f"{prefix}.default",
        worker_hijack_root_logger=False,   # and _keep_newswatch_logging: Celery's logs in our format
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        worker_enable_remote_control=False,
        enable_utc=True,
    )
    return app
