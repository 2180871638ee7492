"""The Celery app: Redis broker, acks_late, one queue for polls and one for deliveries.

Each process builds its own app (`make_app`); nothing is module-level state. A worker also
registers the tasks, bound to its `Runtime` (workers.tasks.register_tasks); any process sends
them by name through a `TaskQueue`, so a scheduler or a CLI command needs no runtime of a worker.
"""
from __future__ import annotations

from celery import Celery

POLL_TASK = "newswatch.poll_source"
DELIVER_TASK = "newswatch.deliver"
INGEST_TASK = "newswatch.ingest_items"  # items a live listener received, through the same pipeline


def broker_url(redis_url: str) -> str:
    """redis-py speaks unix://, kombu speaks redis+socket://."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url[len("unix://"):]
    return redis_url


def queues(prefix: str) -> tuple[str, str]:
    return f"{prefix}.poll", f"{prefix}.deliver"


def make_app(redis_url: str, prefix: str) -> Celery:
    poll_q, deliver_q = queues(prefix)
    app = Celery("newswatch", set_as_current=False)
    app.conf.update(
        broker_url=broker_url(redis_url),
        broker_transport_options={
            # Every broker key under our prefix, so deployments and test runs sharing a Redis never mix.
            "global_keyprefix": f"{prefix}:celery:",
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
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        worker_enable_remote_control=False,
        enable_utc=True,
    )
    return app
