"""The Celery tasks (thin wrappers over workers.polling and alerts.delivery) and how to enqueue them.

Processes that only enqueue (the scheduler, `run --once`, the CLI) import this for `TaskQueue`; what the
tasks run (the poll pipeline with the classifier's modules, delivery) is imported by `register_tasks`, in
a worker."""
from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Celery, Task

from alerts.notifiers import send_timeout
from newswatch.model.item import Item
from workers.celery_app import DELIVER_TASK, HEARTBEAT_TASK, INGEST_TASK, POLL_TASK

if TYPE_CHECKING:
    from workers.runtime import Runtime


class TaskQueue:
    """Sends the tasks by name: what the scheduler, `run --once` and the CLI enqueue with."""

    def __init__(self, app: Celery):
        self.app = app

    def delivery(self, alert_id: str, channel_id: str) -> None:
        self.app.send_task(DELIVER_TASK, (alert_id, channel_id))

    def poll(self, source_id: str, run_id: str | None = None, force: bool = False) -> None:
        self.app.send_task(POLL_TASK, (source_id,), {"run_id": run_id, "force": force})

    def ingest(self, source_id: str, items: list[Item], cursor: dict[str, str]) -> None:
        self.app.send_task(INGEST_TASK, (source_id, [item.to_dict() for item in items], cursor))


DELIVERY_MARGIN = 30.0   # seconds a deliver task may take besides the send: Redis, templates, the digest
HARD_GRACE = 30.0        # Celery's hard limit: this long after the soft one


def deliver_limit(rt: Runtime, channel_id: str) -> float:
    """The longest a delivery to `channel_id` may take: its send's deadline (`timeout`) plus a margin."""
    channel = rt.channels.get(channel_id)
    return (send_timeout(channel) if channel is not None else 0.0) + DELIVERY_MARGIN


def register_tasks(app: Celery, rt: Runtime) -> None:
    """The worker's tasks, bound to its runtime (no module-level current runtime). Each declares Celery's
    soft and hard time limits (the longest of its kind in this config), which the threads pool does not
    enforce; each run is watched against its own limit by `task_guard` instead (workers/task_guard.py)."""
    from alerts.delivery import DeliveryStatus, deliver_once
    from workers.heartbeat import beat
    from workers.polling import PIPELINE_MARGIN, PollStatus, ingest_once, poll_limit, poll_once
    from workers.task_guard import task_guard
    queue = TaskQueue(app)
    poll_soft = max([poll_limit(rt, source_id) for source_id in rt.sources], default=PIPELINE_MARGIN)
    deliver_soft = max([deliver_limit(rt, channel_id) for channel_id in rt.channels], default=DELIVERY_MARGIN)

    @app.task(name=POLL_TASK, acks_late=True, soft_time_limit=poll_soft, time_limit=poll_soft + HARD_GRACE)
    def poll_source(source_id: str, run_id: str | None = None, force: bool = False) -> str:
        report = None
        try:
            with task_guard(rt.metrics, POLL_TASK, poll_limit(rt, source_id), source_id=source_id):
                report = poll_once(rt, source_id, queue.delivery, force=force)
            return report.status
        finally:
            if run_id:
                rt.state.run_done(run_id, source_id, report.deliveries if report else [])

    @app.task(name=DELIVER_TASK, bind=True, acks_late=True, max_retries=None,
              soft_time_limit=deliver_soft, time_limit=deliver_soft + HARD_GRACE)
    def deliver(self: Task, alert_id: str, channel_id: str) -> str:
        with task_guard(rt.metrics, DELIVER_TASK, deliver_limit(rt, channel_id), alert_id=alert_id,
                        channel_id=channel_id):
            outcome = deliver_once(rt, alert_id, channel_id)
        if outcome.status == DeliveryStatus.RETRY:
            raise self.retry(countdown=outcome.retry_in, max_retries=None)
        return outcome.status

    @app.task(name=INGEST_TASK, bind=True, acks_late=True, max_retries=None,
              soft_time_limit=PIPELINE_MARGIN, time_limit=PIPELINE_MARGIN + HARD_GRACE)
    def ingest_items(self: Task, source_id: str, items: list[dict], cursor: dict[str, str]) -> str:
        with task_guard(rt.metrics, INGEST_TASK, PIPELINE_MARGIN, source_id=source_id):
            report = ingest_once(rt, source_id, [Item.from_dict(d) for d in items], cursor, queue.delivery)
        if report.status == PollStatus.BUSY:      # another worker is polling it: try again shortly
            raise self.retry(countdown=2, max_retries=None)
        return report.status

    @app.task(name=HEARTBEAT_TASK)
    def heartbeat(worker_id: str, sent_at: float) -> None:
        """Run by a pool thread, so a worker whose task threads are all stuck stops beating."""
        beat(rt.state, worker_id, sent_at)
