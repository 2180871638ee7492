"""`type: apprise`: the channel's config model (any Apprise URL)."""
from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, ValidationInfo, field_validator, model_validator

from alerts.notifiers.secrets import ChatChannelBase, _not_empty, _one_secret
from newswatch.config.base import ConfigFile, dry_run_placeholder


class AppriseChannelConfig(ChatChannelBase):
    type: Literal["apprise"]
    url: SecretStr | None = None            # any Apprise URL, e.g. ntfys://…, mmost://…; holds credentials
    url_file: ConfigFile | None = None

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if dry_run_placeholder(value, info):
            return value
        if value is not None:
            _not_empty(value, "url")
        problem = value is not None and apprise_url_problem(value.get_secret_value().strip())
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _url(self, info: ValidationInfo) -> "AppriseChannelConfig":
        from_file = self.url_file is not None and self.url is None
        url = _one_secret(self, "url", info, hint=", e.g. url: ${APPRISE_URL}")
        problem = from_file and not dry_run_placeholder(url, info) and apprise_url_problem(url.get_secret_value())
        if problem:
            raise ValueError(f"url_file: {problem}")
        return self


def apprise_url_problem(url: str) -> str | None:
    """Why Apprise cannot use `url`, or None. Apprise logs a URL it cannot parse: silenced here."""
    import logging

    import apprise

    if "://" not in url:
        return "not an Apprise URL (expected scheme://..., e.g. ntfy://topic)"
    logger = logging.getLogger("apprise")
    drop = logging.Filter("\x00never")
    logger.addFilter(drop)
    try:
        usable = apprise.Apprise().add(url)
    finally:
        logger.removeFilter(drop)
    if not usable:
        return (f"Apprise cannot use this URL (scheme {url.split('://', 1)[0]!r}; "
                "check it against the Apprise wiki's page for that service)")
    return None
