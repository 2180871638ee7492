"""The config of what watches the service itself: `health:` (what /healthz and `newswatch status`
call stalled, workers/health.py) and `system_alerts:` (source incidents sent to the desk,
alerts/incidents.py), with their cross-field and cross-reference checks."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from newswatch.config.base import Id, StrictModel
from newswatch.config.units import Duration
from newswatch.config.yamlconf import ConfigIssue, did_you_mean
from newswatch.model.severity import Severity

if TYPE_CHECKING:
    from newswatch.config import Config


class HealthConfig(StrictModel):
    heartbeat: Duration = Field(default=10.0, gt=0)   # each worker runs a heartbeat task through its pool this often
    worker_stale: Duration = Field(default=60.0, gt=0)   # ... and is stale when none ran for this long
    delivery_overdue: Duration = Field(default=900.0, gt=0)   # an open delivery this long past its due time


class SystemAlertsConfig(StrictModel):
    """Source incidents: a source failing `failures` polls in a row, or silent for longer than
    max(quiet_min, quiet_factor × its 95th-percentile gap between new items)."""
    notify: list[Id] = []                 # channel ids; none: incidents are only in status and /healthz
    severity: Severity = "high"
    failures: int = Field(default=5, ge=1, le=1000)
    quiet_factor: float = Field(default=4.0, ge=1, le=1000)
    quiet_min: Duration = Field(default=6 * 3600.0, gt=0)


def health_issues(config: "Config") -> list[ConfigIssue]:
    """`health.worker_stale` must leave room for two heartbeats; `system_alerts.notify` must name
    channels of the config (like a rule's `notify`)."""
    s, lines = config.settings, config.lines
    issues = []
    if s.health.worker_stale < 2 * s.health.heartbeat:
        issues.append(lines.issue(("health", "worker_stale"),
                                  f"must be at least twice health.heartbeat ({s.health.heartbeat:g}s), "
                                  "or a worker is called stale between two heartbeats"))
    declared = sorted({c.id for c in s.channels} | config.unchecked.get("channels", set()))
    for index, channel in enumerate(s.system_alerts.notify):
        if channel not in declared:
            hint = did_you_mean(channel, declared)
            issues.append(lines.issue(("system_alerts", "notify", index),
                                      f"unknown channel {channel!r} ({hint + ' ' if hint else ''}"
                                      f"allowed: {', '.join(declared) or 'no channels defined'})"))
    return issues
