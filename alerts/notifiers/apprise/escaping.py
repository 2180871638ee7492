"""What an Apprise target must not get raw: mentions everywhere, markup where the service renders it.

Apprise passes our text on as the service reads it, and cannot say "no mentions"
(its Discord plugin sends no `allowed_mentions`, so "@everyone" in a headline pings
the whole server). So every value of the alert goes through `escape_for(service)`
before it reaches Apprise, as the native notifiers escape theirs:

- mentions, on every service: a zero-width space after each "@" ("@everyone",
  "@here", "@channel", "<@123>", "@**all**") and after "<" before "!", "#" or "&"
  ("<!channel>", "<#123>"): the text reads the same and pings nobody. Inside a URL
  "@" becomes "%40" instead, so the link still works.
- markup, on the services that render Markdown from raw text and take ours as it is
  (Apprise leaves text alone for a plugin whose formats include text): Discord,
  Guilded, Revolt, Mattermost, Zulip, Ryver: the Discord notifier's escaping
  (`alerts.templating.discord_escape`: `\\ * _ ~ ` | [ ] <` and line-start `> # + - 1.`).
- Slack, Telegram, Google Chat, Rocket.Chat and the other plugins whose formats do not
  include text get Apprise's own conversion (HTML or Markdown escaping): mentions only,
  so nothing is escaped twice. Unknown services: plain text, mentions neutralised.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import apprise

from alerts.templating import discord_escape

ZWSP = "\u200b"
MARKDOWN_SERVICES = frozenset({"discord", "guilded", "revolt", "mmost", "mmosts", "zulip", "ryver"})
_URL = re.compile(r"https?://[^\s<>]+", re.IGNORECASE)
_MENTION_BRACKET = re.compile(r"<(?=[!#&@])")


def neutralise_mentions(text: str) -> str:
    """Every "@" and every "<" that opens a mention token followed by a zero-width space."""
    return _MENTION_BRACKET.sub("<" + ZWSP, text).replace("@", "@" + ZWSP)


def _outside_urls(text: str, escape: Callable[[str], str]) -> str:
    out, at = [], 0
    for url in _URL.finditer(text):
        out += [escape(text[at:url.start()]), url.group(0).replace("@", "%40")]
        at = url.end()
    out.append(escape(text[at:]))
    return "".join(out)


def service_names(service: Any) -> set[str]:
    """The URL schemes an Apprise plugin answers to (discord, mmost, mmosts, ...)."""
    names: set[str] = set()
    for attr in ("protocol", "secure_protocol"):
        value = getattr(service, attr, None)
        names.update([value] if isinstance(value, str) else list(value or ()))
    return {name.lower() for name in names}


def takes_raw_text(service: Any) -> bool:
    """True when Apprise hands our text to the service unconverted (text is one of its formats)."""
    formats = getattr(service, "notify_format", None)
    formats = formats if isinstance(formats, (tuple, list, set, frozenset)) else (formats,)
    return apprise.NotifyFormat.TEXT in formats


def escape_for(service: Any) -> Callable[[str], str]:
    """The function every value of an alert goes through before it is sent to `service`."""
    markdown = bool(service_names(service) & MARKDOWN_SERVICES) and takes_raw_text(service)

    def escape(text: str) -> str:
        return _outside_urls(text, lambda part: neutralise_mentions(discord_escape(part) if markdown else part))
    return escape
