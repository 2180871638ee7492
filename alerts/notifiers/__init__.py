"""Notifiers, by channel `type`: each kind's config model and how to build its notifier from it.
An explicit registry, not auto-discovery (DESIGN style 6). Adding a notifier: a folder here
(`config.py` with its model, `notifier.py` with `send(alert)`), one line in CHANNELS, its tests."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from alerts.notifiers.apprise.config import AppriseChannelConfig
from alerts.notifiers.base import DeliveryError, Notifier
from alerts.notifiers.discord.config import DiscordChannelConfig
from alerts.notifiers.discord.notifier import DiscordNotifier
from alerts.notifiers.email.config import EmailChannelConfig
from alerts.notifiers.email.notifier import EmailNotifier
from alerts.notifiers.slack.config import SlackChannelConfig
from alerts.notifiers.slack.notifier import SlackNotifier
from alerts.notifiers.stdout.config import StdoutChannelConfig
from alerts.notifiers.stdout.notifier import StdoutNotifier
from alerts.notifiers.telegram.config import TelegramChannelConfig
from alerts.notifiers.telegram.notifier import TelegramNotifier
from alerts.notifiers.webhook.config import WebhookChannelConfig
from alerts.notifiers.webhook.notifier import WebhookNotifier
from newswatch.config.registry import ComponentConfig


def _apprise(cfg: AppriseChannelConfig) -> Notifier:
    from alerts.notifiers.apprise.notifier import AppriseNotifier   # apprise loads ~190 plugins: only when used
    return AppriseNotifier.from_config(cfg)


@dataclass(frozen=True)
class ChannelKind:
    config: type[ComponentConfig]
    build: Callable[[Any], Notifier]        # its config -> a notifier


CHANNELS: dict[str, ChannelKind] = {
    "email": ChannelKind(EmailChannelConfig, EmailNotifier.from_config),
    "stdout": ChannelKind(StdoutChannelConfig, StdoutNotifier.from_config),
    "telegram": ChannelKind(TelegramChannelConfig, TelegramNotifier.from_config),
    "slack": ChannelKind(SlackChannelConfig, SlackNotifier.from_config),
    "discord": ChannelKind(DiscordChannelConfig, DiscordNotifier.from_config),
    "webhook": ChannelKind(WebhookChannelConfig, WebhookNotifier.from_config),
    "apprise": ChannelKind(AppriseChannelConfig, _apprise),
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
