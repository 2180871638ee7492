"""The service as the desk sees it, from its Redis: each source's health (last success, last error and
reason, consecutive failures, next poll), queue depth, open deliveries, whether a scheduler holds the lease,
the workers seen and the archive's write queue. `newswatch status` (which adds /healthz's verdict) and the
web desk's status page both read it here."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newswatch.archive.queue import ArchiveQueue
from newswatch.config.registry import SourceConfig
from newswatch.store.state import State
from newswatch.store.workers import WorkerBoard


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def source_health(state: State, sources: Sequence[SourceConfig]) -> dict[str, dict[str, Any]]:
    """Source id -> its kind, whether it is enabled, its interval and its health record (one round trip)."""
    pipe = state.r.pipeline(transaction=False)
    for src in sources:
        pipe.hgetall(state.keys.health(src.id))
    out = {}
    for src, h in zip(sources, pipe.execute()):
        out[src.id] = {"type": src.type, "enabled": src.enabled, "interval": src.interval,
                       "status": h.get("status", "never polled"), "last_success": _number(h.get("last_success")),
                       "last_error": h.get("last_error"), "last_error_at": _number(h.get("last_error_at")),
                       "consecutive_failures": int(h.get("consecutive_failures", 0) or 0),
                       "next_poll_at": _number(h.get("next_poll_at"))}
    return out


def service_status(state: State, sources: Sequence[SourceConfig], archive_queue_max: int) -> dict[str, Any]:
    """Sources, queue depth, open deliveries, the scheduler lease, the workers seen, the archive's queue."""
    pipe = state.r.pipeline(transaction=False)
    names = state.keys.task_queues()
    for q in names:
        pipe.llen(state.keys.celery_queue(q))
    pipe.zcard(state.keys.open_deliveries())
    pipe.exists(state.keys.scheduler_lease())
    *depths, open_deliveries, lease = pipe.execute()
    workers = [{"id": w.worker_id, "alive_at": w.alive_at, "beat_at": w.beat_at} for w in WorkerBoard(state).seen()]
    return {"sources": source_health(state, sources), "queues": dict(zip(names, map(int, depths))),
            "open_deliveries": int(open_deliveries), "scheduler_lease": bool(lease), "workers": workers,
            "archive_queue": ArchiveQueue(state, archive_queue_max).status()}
