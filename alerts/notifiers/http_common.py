"""What the HTTP notifiers (telegram, slack, discord, webhook) share.

- `HttpPoster.post` sends one request under the send's overall deadline, held
  by every socket operation (connect, TLS, the reply's headers and body:
  newswatch.net.deadline), so a service trickling its reply cannot stretch it;
  it reads at most 64 KiB of the reply; network failures become temporary
  `DeliveryError`s naming only the service's origin (scheme, host, port).
- `Redactor` takes secrets (bot tokens, webhook URLs, signing secrets) out of
  any text. Its secrets are also registered with a filter on the `httpx`,
  `httpcore` and `apprise` loggers: httpx logs every request URL at INFO, and
  a Telegram bot token is part of the URL path.
- `PartProgress` remembers how many parts of a split message went out, so a
  retry in this process resumes after them instead of sending them twice.
"""
from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import threading
from typing import Any, Callable
import time
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

import httpx

from alerts.notifiers.base import DeliveryError
from newswatch.net.deadline import deadline_client, deadline_scope

USER_AGENT = "newswatch (alert notifier)"
MAX_REPLY_BYTES = 64 * 1024
_LOGGERS = ("httpx", "httpcore", "apprise")


def origin(url: str) -> str:
    """scheme://host[:port] of a URL: what an error may say about where it sent."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unparsable URL)"
    return f"{parts.scheme}://{host}{port}"


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _SecretFilter(logging.Filter):
    """Rewrites any record of the HTTP/Apprise loggers that contains a registered secret."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secrets: list[str]) -> None:
        with self._lock:
            self.secrets.update(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = sorted(self.secrets, key=len, reverse=True)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not ours to fix
            return True
        if any(s in message for s in secrets):
            for secret in secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


_FILTER = _SecretFilter()
for _name in _LOGGERS:
    logging.getLogger(_name).addFilter(_FILTER)


class Redactor:
    """Replaces every secret (and its URL-encoded form) with ***; secrets under 4 characters are ignored."""

    def __init__(self, *secrets: str | None):
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= 4:
                forms.update({secret, quote(secret, safe=""), quote(secret, safe="/:")})
        self.secrets = sorted(forms, key=len, reverse=True)
        _FILTER.add(self.secrets)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


@dataclass
class Reply:
    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def text(self, limit: int = 200) -> str:
        return one_line(self.body.decode("utf-8", "replace"), limit)


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


class HttpPoster:
    """One httpx client per notifier (connection reuse); every request bounded by the send's deadline."""

    def __init__(self, what: str, redact: Redactor):
        self.what = what              # "telegram channel alerts", for error messages
        self.redact = redact
        # TCP_NODELAY: httpx writes headers and body separately; with Nagle on, a small POST waits for the
        # server's delayed ACK (40 ms each on Linux). urllib3 (Apprise, requests) sets it too.
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        self._client = deadline_client(headers={"User-Agent": USER_AGENT}, follow_redirects=False, transport=transport)

    def close(self) -> None:
        self._client.close()

    def post(self, url: str, content: bytes, headers: dict[str, str], deadline: float) -> Reply:
        remaining = deadline - time.monotonic()
        where = origin(url)
        if remaining <= 0:
            raise DeliveryError(f"{self.what}: {where} send deadline passed", permanent=False)
        error: DeliveryError | None = None
        try:
            with deadline_scope(deadline):
                return self._post(url, content, headers, remaining)
        except httpx.TimeoutException:
            error = DeliveryError(f"{self.what}: {where} timed out", permanent=False)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            error = DeliveryError(f"{self.what}: bad URL ({type(exc).__name__})", permanent=True)
        except httpx.HTTPError as exc:
            error = self._network_error(exc, where)
        raise error   # outside the handler: no chained exception carrying the URL

    def _post(self, url: str, content: bytes, headers: dict[str, str], remaining: float) -> Reply:
        with self._client.stream("POST", url, content=content, headers=headers,
                                 timeout=httpx.Timeout(remaining)) as response:
            body = bytearray()
            try:
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) >= MAX_REPLY_BYTES:
                        break
            except httpx.TimeoutException:
                pass   # the deadline passed while the reply's body dripped in: its status is what counts
            return Reply(response.status_code, response.headers, bytes(body[:MAX_REPLY_BYTES]))

    def _network_error(self, exc: httpx.HTTPError, where: str) -> DeliveryError:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return DeliveryError(f"{self.what}: {where} presented a certificate we do not trust", permanent=True)
        detail = self.redact(one_line(str(exc), 160)) or type(exc).__name__
        return DeliveryError(f"{self.what}: cannot reach {where}: {type(exc).__name__}: {detail}", permanent=False)


class PartProgress:
    """Parts of a split alert already sent, per alert id (bounded; this process only)."""

    def __init__(self, size: int = 1024):
        self._sent: OrderedDict[str, int] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: str) -> int:
        with self._lock:
            return self._sent.get(key, 0)

    def set(self, key: str, count: int) -> None:
        with self._lock:
            self._sent[key] = count
            self._sent.move_to_end(key)
            while len(self._sent) > self._size:
                self._sent.popitem(last=False)

    def done(self, key: str) -> None:
        with self._lock:
            self._sent.pop(key, None)


def post_parts(http: "HttpPoster", url: str, parts: list[dict[str, Any]], progress: PartProgress, alert_id: str,
               deadline: float, error_of: Callable[[Reply], "DeliveryError | None"]) -> int:
    """The send loop of every chat API that takes one JSON message per part (Telegram, Discord):
    post each part not yet sent, in order, under one deadline; on an error remember how many went
    out (a retry resumes after them) and raise it, naming the part. Returns how many were sent now."""
    first = progress.get(alert_id)
    for index in range(first, len(parts)):
        content = json.dumps(parts[index], ensure_ascii=False).encode()
        try:
            error = error_of(http.post(url, content, {"Content-Type": "application/json"}, deadline))
        except DeliveryError as exc:
            error = exc
        if error is not None:
            progress.set(alert_id, index)
            if len(parts) > 1:
                error = DeliveryError(f"{error.reason} (message {index + 1} of {len(parts)}; {index} sent)",
                                      permanent=error.permanent, retry_after=error.retry_after)
            raise error
    progress.done(alert_id)
    return len(parts) - first


def status_is_temporary(status: int) -> bool:
    """5xx, 408 and 429 may pass; any other 4xx (and 3xx: a webhook that moved) needs an operator."""
    return status >= 500 or status in (408, 425, 429)
