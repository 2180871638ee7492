"""Notifiers, by channel `type`. An explicit registry, not auto-discovery (DESIGN style 6)."""
from __future__ import annotations

from alerts.notifiers.base import DeliveryError, Notifier
from alerts.notifiers.email import EmailNotifier
from alerts.notifiers.stdout import StdoutNotifier


def _email(cfg) -> EmailNotifier:
    return EmailNotifier(cfg.id, host=cfg.host, port=cfg.port, security=cfg.security, username=cfg.username,
                         password=cfg.password.get_secret_value() if cfg.password else None,
                         from_addr=cfg.from_addr, to=list(cfg.to), timeout=cfg.timeout, ca_file=cfg.ca_file)


def _stdout(cfg) -> StdoutNotifier:
    return StdoutNotifier(cfg.id)


NOTIFIERS = {"email": _email, "stdout": _stdout}


def build_notifier(cfg) -> Notifier:
    return NOTIFIERS[cfg.type](cfg)


def send_timeout(cfg) -> float:
    """How long one send may take at most: bounds the per-delivery lock."""
    return float(getattr(cfg, "timeout", 10.0))


__all__ = ["DeliveryError", "Notifier", "NOTIFIERS", "build_notifier", "send_timeout"]
