"""What /healthz and `newswatch status` call healthy: the service can do its job right now.

Failing checks (any one: "unhealthy", /healthz 503), each named in `failing`:

- `redis_writable`: a SET with an expiry on `<p>:healthz` succeeds. A PING is not enough: a Redis
  at `maxmemory` (noeviction) or a read-only replica answers PING and refuses every write.
- `workers`: each worker's task threads ran its heartbeat task within `health.worker_stale`
  (workers/heartbeat.py: a worker whose every task thread is stuck goes stale), and each process
  still ticks ("not responding" otherwise, until it is forgotten); `workers_alive`: at least one.
- `scheduler_lease`: some scheduler holds the lease (polls and sweeps are enqueued).
- `deliveries_overdue`: no open delivery has waited longer than `health.delivery_overdue` past its
  due time (the first due time it missed: the sweep moving it on does not reset the clock).

Failing sources and open source incidents (alerts/incidents.py) make the status "degraded" but
never 503: a dead feed is the desk's business, not a reason for an orchestrator to restart a worker.
"""
from __future__ import annotations

import time
from typing import Any

import redis

from alerts.incidents import open_incidents
from alerts.store import AlertStore
from newswatch.config.health import HealthConfig
from newswatch.config.units import human_duration
from newswatch.store.state import State
from newswatch.store.workers import WorkerBoard
from workers.heartbeat import forget_after


def health(state: State, sources: list[str], probe: "redis.Redis[str]", cfg: HealthConfig | None = None,
           now: float | None = None) -> tuple[int, dict[str, Any]]:
    """(HTTP status, report). `probe`: a client with short timeouts (the status server's)."""
    cfg, now = cfg or HealthConfig(), time.time() if now is None else now
    try:
        probe.ping()
        return _checks(State(probe, state.prefix), sources, cfg, now)
    except redis.RedisError as exc:
        why = f"unreachable ({type(exc).__name__})"
        return 503, {"status": "unhealthy", "redis": why, "failing": {"redis_writable": why}}


def _checks(view: State, sources: list[str], cfg: HealthConfig, now: float) -> tuple[int, dict[str, Any]]:
    failing: dict[str, Any] = {}
    try:
        view.r.set(view.keys.health_probe(), repr(now), ex=60)
    except redis.ResponseError as exc:   # OOM (maxmemory, noeviction), READONLY (a replica), ...
        failing["redis_writable"] = f"write refused ({type(exc).__name__}: {exc})"[:300]
    workers = _workers(view, cfg, now, failing)
    lease = bool(view.r.exists(view.keys.scheduler_lease()))
    if not lease:
        failing["scheduler_lease"] = "no scheduler holds the lease: nothing is polled or swept"
    overdue = AlertStore(view).oldest_overdue(now)
    late = None if overdue is None else {"delivery": overdue[0], "overdue_for": round(now - overdue[1], 1)}
    if overdue is not None and now - overdue[1] > cfg.delivery_overdue:
        failing["deliveries_overdue"] = (f"{overdue[0]} is {human_duration(now - overdue[1])} past its due "
                                         f"time (bound {human_duration(cfg.delivery_overdue)})")
    sources_failing, incidents = _sources_failing(view, sources), open_incidents(view)
    status = "unhealthy" if failing else ("degraded" if sources_failing or incidents else "ok")
    return (503 if failing else 200), {
        "status": status, "failing": failing, "redis": "ok", "scheduler_lease": lease, "workers": workers,
        "oldest_overdue_delivery": late, "sources_failing": sources_failing, "incidents": incidents}


def _workers(state: State, cfg: HealthConfig, now: float, failing: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each known worker's state; the stale and silent ones added to `failing["workers"]`."""
    report, bad, seen = {}, {}, WorkerBoard(state).seen()
    for w in seen:
        alive_age, beat_age = now - w.alive_at, now - w.beat_at
        if alive_age > forget_after(cfg.worker_stale):
            continue                 # long dead: the scheduler's sweep forgets it
        if alive_age > cfg.worker_stale:
            status = (f"not responding: no sign of life for {human_duration(alive_age)} "
                      "(killed, or the process is frozen)")
        elif beat_age > cfg.worker_stale:
            status = (f"stale: its task threads have run nothing for {human_duration(beat_age)} "
                      f"(bound {human_duration(cfg.worker_stale)}; every thread busy or stuck)")
        else:
            status = "ok"
        report[w.worker_id] = {"status": status, "last_beat_age": round(beat_age, 1)}
        if status != "ok":
            bad[w.worker_id] = status
    if bad:
        failing["workers"] = bad
    if not any(now - w.alive_at <= cfg.worker_stale for w in seen):
        failing["workers_alive"] = ("no worker has shown a sign of life in the last "
                                    f"{human_duration(cfg.worker_stale)}")
    return report


def _sources_failing(state: State, sources: list[str]) -> dict[str, str]:
    pipe = state.r.pipeline(transaction=False)
    for source_id in sources:
        pipe.hmget(state.keys.health(source_id), ["status", "last_error"])
    return {source_id: last_error or "" for source_id, (status, last_error) in zip(sources, pipe.execute())
            if status == "failing"}
