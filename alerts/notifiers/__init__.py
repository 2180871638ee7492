"""Notifiers, by channel `type`. An explicit registry, not auto-discovery (DESIGN style 6)."""
from __future__ import annotations

from alerts.notifiers.base import DeliveryError, Notifier
from alerts.notifiers.discord import DiscordNotifier
from alerts.notifiers.email import EmailNotifier
from alerts.notifiers.slack import SlackNotifier
from alerts.notifiers.stdout import StdoutNotifier
from alerts.notifiers.telegram import TelegramNotifier
from alerts.notifiers.webhook import WebhookNotifier


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


def _email(cfg) -> EmailNotifier:
    return EmailNotifier(cfg.id, host=cfg.host, port=cfg.port, security=cfg.security, username=cfg.username,
                         password=cfg.password.get_secret_value() if cfg.password else None,
                         from_addr=cfg.from_addr, to=list(cfg.to), timeout=cfg.timeout, ca_file=cfg.ca_file)


def _stdout(cfg) -> StdoutNotifier:
    return StdoutNotifier(cfg.id)


def _telegram(cfg) -> TelegramNotifier:
    return TelegramNotifier(cfg.id, bot_token=_secret(cfg.bot_token), chat_id=cfg.chat_id, api_url=cfg.api_url,
                            timeout=cfg.timeout, template=cfg.template, thread_id=cfg.thread_id,
                            link_preview=cfg.link_preview)


def _slack(cfg) -> SlackNotifier:
    return SlackNotifier(cfg.id, webhook_url=_secret(cfg.webhook_url), timeout=cfg.timeout, template=cfg.template)


def _discord(cfg) -> DiscordNotifier:
    return DiscordNotifier(cfg.id, webhook_url=_secret(cfg.webhook_url), timeout=cfg.timeout,
                           template=cfg.template, username=cfg.username)


def _webhook(cfg) -> WebhookNotifier:
    return WebhookNotifier(cfg.id, url=cfg.url, secret=_secret(cfg.secret), timeout=cfg.timeout,
                           headers={name: value.get_secret_value() for name, value in cfg.headers.items()},
                           template=cfg.template)


def _apprise(cfg):
    from alerts.notifiers.apprise_notifier import AppriseNotifier   # apprise loads ~190 plugins: only when used
    return AppriseNotifier(cfg.id, url=_secret(cfg.url), timeout=cfg.timeout, template=cfg.template)


NOTIFIERS = {"email": _email, "stdout": _stdout, "telegram": _telegram, "slack": _slack, "discord": _discord,
             "webhook": _webhook, "apprise": _apprise}


def build_notifier(cfg) -> Notifier:
    return NOTIFIERS[cfg.type](cfg)


def check_channel(cfg) -> list[str]:
    """What stops this channel's notifier from being built (template errors, an unusable Apprise URL), or []."""
    from alerts.templating import TemplateError
    try:
        build_notifier(cfg)
    except (TemplateError, ValueError) as exc:
        return [str(exc)]
    return []


def send_timeout(cfg) -> float:
    """How long one send may take at most: bounds the per-delivery lock. Every channel's
    `timeout` bounds its whole send (all parts of a split message included)."""
    return float(getattr(cfg, "timeout", None) or 10.0)


__all__ = ["DeliveryError", "Notifier", "NOTIFIERS", "build_notifier", "check_channel", "send_timeout"]
