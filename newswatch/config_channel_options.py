"""What every `channels:` entry has, whatever its type: when it sends (min_severity, digest,
quiet_hours, rate_limit; see alerts.digest, alerts.ratelimit), and the checks of its `template:`."""
from __future__ import annotations

import os
from datetime import time as dt_time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from newswatch.config_base import StrictModel
from newswatch.units import Duration
from newswatch.yamlconf import ConfigIssue, LineMap


class QuietHoursConfig(StrictModel):
    start: dt_time                   # "22:00"
    end: dt_time                     # "07:00" (before start: the quiet hours run over midnight)
    timezone: str = "UTC"            # an IANA zone, e.g. Europe/Paris

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as UTC, Europe/Paris)") from None
        return value

    @model_validator(mode="after")
    def _span(self) -> "QuietHoursConfig":
        if self.start == self.end:
            raise ValueError("quiet_hours start and end are equal: give a real span such as 22:00 to 07:00")
        return self


class RateLimitConfig(StrictModel):
    count: int = Field(ge=1)         # at most this many messages ...
    per: Duration                    # ... in any window this long

    @field_validator("per")
    @classmethod
    def _per(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("per must be more than 0s")
        return value


class ChannelOptions(StrictModel):
    """What every channel type has: which alerts it takes and when it sends them (alerts.digest,
    alerts.ratelimit)."""
    min_severity: Literal["info", "low", "medium", "high", "critical"] = "info"
    digest: Duration | None = None   # e.g. 30m: alerts batched into one message per period
    quiet_hours: QuietHoursConfig | None = None  # alerts held, then sent as one digest when they end
    rate_limit: list[RateLimitConfig] | None = None  # e.g. [{count: 20, per: 1m}]

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            return None              # digest: 0 / off: send each alert at once
        return value


# What a channel template may use: the context of alerts.templating.alert_context, plus `link`
# (tests/alerts/test_templating.py keeps the two lists equal).
TEMPLATE_VARIABLES = frozenset({
    "alert", "alert_id", "channel_id", "title", "url", "source", "published", "published_iso", "severity",
    "severity_label", "severity_icon", "rule_id", "rule_title", "explanation", "summary", "matched", "countries",
    "regions", "topics", "tags", "reported_by", "digest", "link"})


def _template_problem(path: Path) -> str | None:
    import jinja2
    from jinja2 import meta

    if not path.is_file():
        return "not found (paths are relative to the config file's folder)"
    try:
        ast = jinja2.Environment().parse(path.read_text(encoding="utf-8"))
    except jinja2.TemplateSyntaxError as exc:
        return f"syntax error at line {exc.lineno}: {exc.message}"
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read it ({type(exc).__name__})"
    unknown = sorted(meta.find_undeclared_variables(ast) - TEMPLATE_VARIABLES)
    if unknown:
        return f"unknown variable {unknown[0]!r} (known: {', '.join(sorted(TEMPLATE_VARIABLES))})"
    return None


def channel_template_issues(channels: list, lines: LineMap, base_dir: Path,
                            positions: list[int] | None = None) -> list[ConfigIssue]:
    """Each channel's `template:` resolved against the config file's folder (stored resolved), present, parsable.
    `positions`: where each channel stands in the file (when entries with errors were left out)."""
    issues = []
    for n, channel in enumerate(channels):
        index = positions[n] if positions is not None else n
        template = getattr(channel, "template", None)
        if not template:
            continue
        path = (base_dir / os.path.expanduser(template)).resolve()
        problem = _template_problem(path)
        if problem:
            issues.append(lines.issue(("channels", index, "template"), f"template {template!r}: {problem}"))
        else:
            object.__setattr__(channel, "template", str(path))
    return issues
