"""What of a configured URL may be shown: never its userinfo, never its query values.

Feed URLs carry `?apikey=...`, webhook URLs `?token=...`, either may carry
`user:password@`. Logs, reasons (source health, delivery logs, `newswatch
alerts`) and error messages show `shown_url(url)` (`https://host/feed?apikey=***`),
and any outside text that may echo the URL (an exception, a server's reply) is
scrubbed of `url_secrets(url)`: the userinfo and every query value (raw and
percent-decoded), longest first. Used by the feed fetcher (workers) and the HTTP
notifiers (alerts).
"""
from __future__ import annotations

import re
from urllib.parse import unquote, unquote_plus

MIN_SECRET = 4          # shorter query values ("?page=2") are no secret, and would scrub every digit
_VALUE = re.compile(r"=[^&#]*")


def userinfo_secrets(url: str) -> list[str]:
    """Userinfo pieces (raw and percent-decoded): all between "://" and the last "@" before the path,
    so a password with a raw "/", "?" or "#" is covered too."""
    _scheme, sep, rest = url.partition("://")
    userinfo = rest[: rest.rfind("@")] if sep and "@" in rest else ""
    if not userinfo or ("/" in userinfo and ":" not in userinfo):
        return []
    pieces = {userinfo, unquote(userinfo), *userinfo.split(":", 1)}
    pieces |= {unquote(p) for p in list(pieces)}
    return [p for p in pieces if len(p) >= 2]


def query_secrets(url: str) -> list[str]:
    """Every query value of `url` of at least MIN_SECRET characters, raw and decoded."""
    query = url.partition("?")[2].partition("#")[0]
    found: set[str] = set()
    for pair in query.split("&"):
        value = pair.partition("=")[2] if "=" in pair else pair
        found |= {value, unquote(value), unquote_plus(value)}
    return [v for v in found if len(v) >= MIN_SECRET]


def url_secrets(url: str) -> list[str]:
    """Everything of `url` never to show, longest first (so a longer secret is replaced before its parts)."""
    return sorted(set(userinfo_secrets(url)) | set(query_secrets(url)), key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def shown_url(url: str) -> str:
    """`url` without userinfo, every query value replaced by *** and no fragment: what may be shown."""
    scheme, sep, rest = url.partition("://")
    if sep:
        head, slash, tail = rest.partition("/")
        head, qmark, query = head.partition("?")    # "https://host?x=1": the query right after the host
        rest = head.rpartition("@")[2] + (slash + tail if slash else qmark + query)
    base, qmark, query = (scheme + sep + rest).partition("?")
    if not qmark:
        return base.partition("#")[0]
    query = query.partition("#")[0]
    masked = "&".join(_VALUE.sub("=***", pair) if "=" in pair else ("***" if pair else "")
                      for pair in query.split("&"))
    return f"{base}?{masked}"
