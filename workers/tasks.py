"""The Celery tasks (thin wrappers over workers.polling and alerts.delivery) and how to enqueue them."""
from __future__ import annotations

from celery import Celery, Task

from alerts.delivery import DeliveryStatus, deliver_once
from newswatch.model.item import Item
from workers.celery_app import DELIVER_TASK, HEARTBEAT_TASK, INGEST_TASK, POLL_TASK
from workers.heartbeat import beat
from workers.polling import PollStatus, ingest_once, poll_once
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


def register_tasks(app: Celery, rt: Runtime) -> None:
    """The worker's tasks, bound to its runtime (no module-level current runtime)."""
    queue = TaskQueue(app)

    @app.task(name=POLL_TASK, acks_late=True)
    def poll_source(source_id: str, run_id: str | None = None, force: bool = False) -> str:
        report = None
        try:
            report = poll_once(rt, source_id, queue.delivery, force=force)
            return report.status
        finally:
            if run_id:
                rt.state.run_done(run_id, source_id, report.deliveries if report else [])

    @app.task(name=DELIVER_TASK, bind=True, acks_late=True, max_retries=None)
    def deliver(self: Task, alert_id: str, channel_id: str) -> str:
        outcome = deliver_once(rt, alert_id, channel_id)
        if outcome.status == DeliveryStatus.RETRY:
            raise self.retry(countdown=outcome.retry_in, max_retries=None)
        return outcome.status

    @app.task(name=INGEST_TASK, bind=True, acks_late=True, max_retries=None)
    def ingest_items(self: Task, source_id: str, items: list[dict], cursor: dict[str, str]) -> str:
        report = ingest_once(rt, source_id, [Item.from_dict(d) for d in items], cursor, queue.delivery)
        if report.status == PollStatus.BUSY:      # another worker is polling it: try again shortly
            raise self.retry(countdown=2, max_retries=None)
        return report.status

    @app.task(name=HEARTBEAT_TASK)
    def heartbeat(worker_id: str, sent_at: float) -> None:
        """Run by a pool thread, so a worker whose task threads are all stuck stops beating."""
        beat(rt.state, worker_id, sent_at)
