"""Notifiers, by channel `type`: each kind's config model and how to build its notifier from it.
An explicit registry, not auto-discovery (DESIGN style 6). Adding a notifier: a folder here
(`config.py` with its model, `notifier.py` with `send(alert)`), one line in CHANNELS, its tests.

The config models are imported here; each kind's notifier module only when a channel of that kind is
built: reading a config (the desk, the CLI, `newswatch run`'s parent) does not load httpx, smtplib,
Jinja2 or Apprise for channels it does not have."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from alerts.notifiers.apprise.config import AppriseChannelConfig
from alerts.notifiers.base import DeliveryError, Notifier
from alerts.notifiers.discord.config import DiscordChannelConfig
from alerts.notifiers.email.config import EmailChannelConfig
from alerts.notifiers.slack.config import SlackChannelConfig
from alerts.notifiers.stdout.config import StdoutChannelConfig
from alerts.notifiers.telegram.config import TelegramChannelConfig
from alerts.notifiers.webhook.config import WebhookChannelConfig
from newswatch.config.registry import ComponentConfig


def _from_config(kind: str, name: str) -> Callable[[Any], Notifier]:
    """`alerts.notifiers.<kind>.notifier.<name>.from_config`, imported on the first build."""
    def build(cfg: Any) -> Notifier:
        notifier = getattr(importlib.import_module(f"alerts.notifiers.{kind}.notifier"), name)
        return notifier.from_config(cfg)   # type: ignore[no-any-return]
    return build


@dataclass(frozen=True)
class ChannelKind:
    config: type[ComponentConfig]
    build: Callable[[Any], Notifier]        # its config -> a notifier


CHANNELS: dict[str, ChannelKind] = {
    "email": ChannelKind(EmailChannelConfig, _from_config("email", "EmailNotifier")),
    "stdout": ChannelKind(StdoutChannelConfig, _from_config("stdout", "StdoutNotifier")),
    "telegram": ChannelKind(TelegramChannelConfig, _from_config("telegram", "TelegramNotifier")),
    "slack": ChannelKind(SlackChannelConfig, _from_config("slack", "SlackNotifier")),
    "discord": ChannelKind(DiscordChannelConfig, _from_config("discord", "DiscordNotifier")),
    "webhook": ChannelKind(WebhookChannelConfig, _from_config("webhook", "WebhookNotifier")),
    "apprise": ChannelKind(AppriseChannelConfig, _from_config("apprise", "AppriseNotifier")),   # ~190 plugins
}


def build_notifier(cfg: ComponentConfig) -> Notifier:
    return CHANNELS[cfg.type].build(cfg)


def check_channel(cfg: ComponentConfig) -> list[str]:
    """What stops this channel's notifier from being built (template errors, an unusable Apprise URL), or []."""
    from alerts.templating import TemplateError
    try:
        build_notifier(cfg)
    except (TemplateError, ValueError) as exc:
        return [str(exc)]
    return []


def send_timeout(cfg: ComponentConfig) -> float:
    """How long one send may take at most: bounds the per-delivery lock. Every channel's
    `timeout` bounds its whole send (all parts of a split message included)."""
    return float(getattr(cfg, "timeout", None) or 10.0)


__all__ = ["CHANNELS", "ChannelKind", "DeliveryError", "Notifier", "build_notifier", "check_channel", "send_timeout"]
