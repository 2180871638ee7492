"""Apprise notifier: any Apprise URL (ntfy, Matrix, Teams, Pushover, json://, …) through the apprise library.

The title is "[SEVERITY] <title>", the body the channel's text template (default
`alerts/templates/text.j2`), sent as plain text; the notify type follows the
severity (info/low: info, medium/high: warning, critical: failure). `timeout`
bounds each socket operation of the service and, as one hard deadline, the
whole notify() call: it runs in its own thread, joined for `timeout`, and the
connections it opened are cut off when it ends or overruns (cutoff.py); an
overrun is a temporary DeliveryError "timed out after <timeout>", retried.

Every value is escaped for the service first (`escaping.py`): mentions never
ping ("@everyone" gets a zero-width space), and Markdown is escaped where the
service renders it from raw text (Discord, Mattermost, Zulip, ...). One alert is
one message: the body is clipped with "…" to what the service takes in one
(Apprise's `body_maxlen` for it, less the title), and Apprise's overflow mode is
set to truncate, never to split.

Apprise reports failure as a False result, not as an exception, and does not
say whether retrying can help: a False result is a temporary DeliveryError
(the retry budget bounds it), with the service's last warning as the reason.
A URL Apprise cannot parse is refused when the channel is built (and by
`newswatch check`). Apprise URLs carry credentials: the URL and its parts are
redacted from every reason and from the `apprise` logger.
"""
from __future__ import annotations

import contextlib
import inspect
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import apprise

from alerts.notifiers.apprise.config import AppriseChannelConfig
from alerts.notifiers.apprise.escaping import escape_for
from alerts.notifiers.apprise.cutoff import run_bounded
from alerts.notifiers.secrets import secret_value
from newswatch.model.alert import Alert
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.http_common import Redactor, one_line
from alerts.templating import alert_context, clip, load_template
from newswatch.logs import fields
from newswatch.redact import url_secrets as _query_and_userinfo

log = logging.getLogger(__name__)

TITLE_MAX = 240         # characters of the alert's title in Apprise's title (most services take 250)

# Apprise releases with a call time limit stop waiting by themselves (and say TIMEOUT); ours holds either way.
_NOTIFY_TAKES_TIMEOUT = "timeout" in inspect.signature(apprise.Apprise.notify).parameters
_JOIN_GRACE = 0.5   # seconds past `timeout` for Apprise's own limit to answer first, with its reason
NOTIFY_TYPES = {"info": apprise.NotifyType.INFO, "low": apprise.NotifyType.INFO,
                "medium": apprise.NotifyType.WARNING, "high": apprise.NotifyType.WARNING,
                "critical": apprise.NotifyType.FAILURE}


def url_secrets(url: str) -> list[str]:
    """The URL and every part of it that may be a credential (Apprise puts tokens in host and path too)."""
    found = [url]
    try:
        parts = urlsplit(url)
        found += [parts.username or "", parts.password or ""]
    except ValueError:
        return found
    hostport = parts.netloc.rpartition("@")[2]
    if hostport and not re.fullmatch(r"(localhost|[\w.-]*\.[\w.-]*|\[[0-9a-fA-F:.]+\])(:\d+)?", hostport):
        found += [hostport, *hostport.split(":")]       # tgram://<bot token>/…: the "host" is the token
    found += [seg for seg in parts.path.split("/") if len(seg) >= 6]
    found += [value for _, value in parse_qsl(parts.query) if len(value) >= 6] + _query_and_userinfo(url)
    return [s for s in found if s]


@contextlib.contextmanager
def _silenced(logger_name: str = "apprise") -> Iterator[None]:
    """Apprise logs an unparsable URL whole: nothing from it while we parse."""
    drop = logging.Filter("\x00never")   # a name no record has: rejects every record
    logger = logging.getLogger(logger_name)
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


class AppriseNotifier:
    @classmethod
    def from_config(cls, cfg: AppriseChannelConfig) -> "AppriseNotifier":
        url = secret_value(cfg.url)
        assert url is not None   # AppriseChannelConfig requires `url` (or `url_file`)
        return cls(cfg.id, url=url, timeout=cfg.timeout, template=cfg.template)

    def __init__(self, channel_id: str, *, url: str, timeout: float = 10.0, template: str | None = None):
        self.channel_id = channel_id
        self.timeout = float(timeout)
        self._redact = Redactor(*url_secrets(url))
        self._apprise = apprise.Apprise()
        with _silenced():
            added = self._apprise.add(url)
        if not added:
            scheme = url.split("://", 1)[0] if "://" in url else "(none)"
            raise ValueError(f"apprise cannot use this URL (scheme {scheme!r}); see the Apprise wiki for URL forms")
        for service in self._apprise:
            service.socket_connect_timeout = min(float(service.socket_connect_timeout), self.timeout)
            service.socket_read_timeout = min(float(service.socket_read_timeout), self.timeout)
            service.overflow_mode = apprise.OverflowMode.TRUNCATE     # one message, never split into many
        self.plugin = plugin = next(iter(self._apprise))    # the Apprise plugin object of the URL
        self.service = one_line(getattr(plugin, "service_name", "apprise") or "apprise")
        self._body_max = int(getattr(plugin, "body_maxlen", 0) or 0)
        self._escape = escape_for(plugin)
        self.template = load_template("text", template, escape=self._escape)

    def __repr__(self) -> str:
        return f"AppriseNotifier({self.channel_id!r}, service={self.service!r})"

    def message(self, alert: Alert) -> tuple[str, str]:
        """(title, body), escaped for the service and the body clipped to one message of it."""
        ctx = alert_context(alert, self.channel_id)
        title = f"[{ctx['severity_label']}] {self._escape(clip(ctx['title'], TITLE_MAX))}"
        body = self.template.render(alert, self.channel_id)
        if self._body_max:
            body = clip(body, max(self._body_max - len(title) - 2, self._body_max // 2))
        return title, body

    def send(self, alert: Alert) -> None:
        title, body = self.message(alert)
        options: dict[str, Any] = {"timeout": self.timeout} if _NOTIFY_TAKES_TIMEOUT else {}
        try:
            result = run_bounded(lambda: self._apprise.notify(
                body=body, title=title, body_format=apprise.NotifyFormat.TEXT,
                notify_type=NOTIFY_TYPES.get(alert.severity, apprise.NotifyType.INFO), **options),
                self.timeout + _JOIN_GRACE)
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not crash the worker
            reason = self._redact(one_line(f"{type(exc).__name__}: {exc}", 200))
            error = DeliveryError(f"apprise channel {self.channel_id}: {self.service} raised {reason}",
                                  permanent=False)
        else:
            if result is None or getattr(getattr(result, "status", None), "name", "") == "TIMEOUT":
                error = DeliveryError(f"apprise channel {self.channel_id}: {self.service} timed out after "
                                      f"{self.timeout:g}s", permanent=False)
            elif result:
                log.info(fields("apprise_sent", channel_id=self.channel_id, alert_id=alert.id, service=self.service))
                return
            else:
                error = DeliveryError(f"apprise channel {self.channel_id}: {self.service} did not accept the "
                                      f"notification{self._why(result)}", permanent=False)
        raise error

    def _why(self, result: apprise.AppriseResult) -> str:
        """The last warning or error Apprise recorded for this call, redacted."""
        try:
            entries = [e for e in result.logs() if getattr(e, "level", "") in ("WARNING", "ERROR", "CRITICAL")]
        except Exception:  # noqa: BLE001 - older results have no logs()
            return ""
        if not entries:
            return ""
        return ": " + self._redact(one_line(entries[-1].message, 200))
