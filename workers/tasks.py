"""The Celery tasks: thin wrappers over workers.polling and alerts.delivery."""
from __future__ import annotations

from newswatch.model.item import Item
from workers.celery_app import DELIVER_TASK, INGEST_TASK, POLL_TASK, app
from alerts.delivery import deliver_once
from workers.polling import ingest_once, poll_once
from workers.runtime import runtime


def enqueue_delivery(alert_id: str, channel_id: str) -> None:
    deliver.apply_async((alert_id, channel_id))


def enqueue_poll(source_id: str, run_id: str | None = None, force: bool = False) -> None:
    poll_source.apply_async((source_id,), {"run_id": run_id, "force": force})


def enqueue_ingest(source_id: str, items: list[Item], cursor: dict) -> None:
    ingest_items.apply_async((source_id, [item.to_dict() for item in items], cursor))


@app.task(name=POLL_TASK, acks_late=True)
def poll_source(source_id: str, run_id: str | None = None, force: bool = False) -> str:
    rt = runtime()
    report = None
    try:
        report = poll_once(rt, source_id, enqueue_delivery, force=force)
        return report.status
    finally:
        if run_id:
            rt.state.run_done(run_id, source_id, report.deliveries if report else [])


@app.task(name=DELIVER_TASK, bind=True, acks_late=True, max_retries=None)
def deliver(self, alert_id: str, channel_id: str) -> str:
    outcome = deliver_once(runtime(), alert_id, channel_id)
    if outcome.status == "retry":
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
    return outcome.status


@app.task(name=INGEST_TASK, bind=True, acks_late=True, max_retries=None)
def ingest_items(self, source_id: str, items: list[dict], cursor: dict) -> str:
    report = ingest_once(runtime(), source_id, [Item.from_dict(d) for d in items], cursor, enqueue_delivery)
    if report.status == "skipped" and report.reason == "another worker is polling it":
        raise self.retry(countdown=2, max_retries=None)
    return report.status
