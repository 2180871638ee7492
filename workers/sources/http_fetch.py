"""HTTP fetcher for feed sources: conditional GET, size cap, redirects, clear errors.

    with HttpFetcher(timeout=20.0) as fetcher:
        result = fetcher.fetch(url, etag=cursor.etag, last_modified=cursor.last_modified)

One `httpx.Client` serves every fetch (connection pooling); `fetch` keeps no
state on the fetcher, so threads may share one. The body is streamed: a
Content-Length over `max_bytes` is refused unread, and DECODED bytes are
counted, so a gzip bomb stops at the cap (overshoot: one decoded chunk).
Redirects are followed by our own loop over httpx's `next_request` instead of
`follow_redirects=True`, which reads and decodes every redirect body whole,
outside any cap; we never read them, and check each hop's scheme. `timeout`
(the fetcher's, or the one `fetch` is given: a source's own `timeout`) is one
hard deadline for the whole fetch, every redirect included: every socket
operation's timeout is what is left of it (newswatch.net.deadline), so a server
that trickles its headers or its body cannot hold a worker past it; a connect
also gives up after 10 s. Failures are `FetchError`s with a one-line reason that never
holds a URL's userinfo or query values (`newswatch.redact`: `?apikey=...` is a
secret too; log lines show `https://host/feed?apikey=***`); `permanent` marks what needs an operator: 404, 410 and
most 4xx, bad URL or scheme, body too large, redirect loop, untrusted cert.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
import httpx

from newswatch.logs import fields
from newswatch.redact import shown_url, url_secrets as _url_secrets
from newswatch.net.deadline import deadline_client, deadline_scope

log = logging.getLogger(__name__)

USER_AGENT = "newswatch/0.1 (+https://github.com/newswatch/newswatch; feed reader)"
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
ACCEPT_ENCODING = "gzip, deflate"
RETRY_AFTER_MAX = 24 * 3600.0
CONNECT_TIMEOUT_MAX = 10.0
REASON_MAX = 300
_SCHEMES = ("http", "https")
_TEMPORARY_4XX = {408, 425, 429}


@dataclass
class FetchResult:
    status: int                 # 2xx (normally 200) or 304
    body: bytes | None          # None on 304
    etag: str | None
    last_modified: str | None
    content_type: str | None
    final_url: str              # after redirects, userinfo removed
    elapsed: float              # seconds


class FetchError(Exception):
    """A fetch that failed. The scheduler retries every fetch on its next poll;
    `permanent` only marks errors that need an operator (for health display)."""

    def __init__(self, reason: str, *, status: int | None = None,
                 retry_after: float | None = None, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.permanent = permanent


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), clamped
    to 0..24h; None when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:          # asctime form carries no zone: it is GMT
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_MAX)


def redact_url(url: str | httpx.URL) -> str:
    """The URL without userinfo (user:password@), for logs, reasons and results."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return _one_line(str(url), _url_secrets(str(url)))
    return str(parsed.copy_with(username=None, password=None) if parsed.userinfo else parsed)


def _one_line(text: str, secrets: list[str]) -> str:
    """Outside text (an exception's message) made safe for a reason."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return _clip(" ".join(text.split()))


def _clip(text: str) -> str:
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def _is_permanent_status(status: int) -> bool:
    return 400 <= status < 500 and status not in _TEMPORARY_4XX


def _check_url(url: str, secrets: list[str]) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
        port = parsed.port
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        detail = "" if secrets else f": {exc}"     # it may echo a piece of a password
        raise FetchError(_one_line(f"invalid URL{detail}", secrets), permanent=True) from None
    if not parsed.scheme:
        raise FetchError("invalid URL: missing http:// or https://", permanent=True)
    if parsed.scheme not in _SCHEMES:
        raise FetchError(f"unsupported URL scheme {parsed.scheme!r} (only http and https)",
                         permanent=True)
    if not parsed.host:
        raise FetchError("invalid URL: no host", permanent=True)
    if port is not None and not 0 < port < 65536:
        raise FetchError(f"invalid URL: port {port} out of range", permanent=True)
    return parsed


class HttpFetcher:
    def __init__(self, *, timeout: float = 20.0, max_bytes: int = 10 * 1024 * 1024,
                 user_agent: str = USER_AGENT, max_redirects: int = 5,
                 client: httpx.Client | None = None):
        self.timeout = float(timeout)
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.headers = {"User-Agent": user_agent, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
        self._owns_client = client is None
        self._client = client if client is not None else deadline_client(
            timeout=self._timeouts(self.timeout), follow_redirects=False, headers=self.headers)

    def _timeouts(self, budget: float) -> httpx.Timeout:
        budget = max(budget, 0.001)
        return httpx.Timeout(connect=min(budget, CONNECT_TIMEOUT_MAX), read=budget,
                             write=budget, pool=budget)

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
              timeout: float | None = None) -> FetchResult:
        """`timeout`: this fetch's deadline in seconds, instead of the fetcher's."""
        secrets = _url_secrets(url)
        shown = _one_line(shown_url(redact_url(url)), secrets)
        started = time.monotonic()
        budget = self.timeout if timeout is None else float(timeout)
        try:
            parsed = _check_url(url, secrets)
            result = self._fetch(parsed, etag, last_modified, started, budget, secrets)
        except FetchError as exc:
            log.debug(fields("fetch_failed", url=shown, status=exc.status,
                             reason=exc.reason, permanent=exc.permanent,
                             elapsed_ms=round((time.monotonic() - started) * 1000)))
            raise
        log.debug(fields("fetch_done", url=shown, final_url=shown_url(result.final_url),
                         status=result.status, bytes=len(result.body or b""),
                         elapsed_ms=round(result.elapsed * 1000)))
        return result

    def _fetch(self, url: httpx.URL, etag: str | None, last_modified: str | None,
               started: float, budget: float, secrets: list[str]) -> FetchResult:
        headers = dict(self.headers)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = None
        try:
            with deadline_scope(started + budget) as deadline:
                response = self._send_following_redirects(url, headers, deadline, budget)
                body = self._read_checked(response, deadline, budget)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, response, secrets, budget) from None
        finally:
            if response is not None:
                response.close()
        return self._result(response, body, etag, last_modified, started)

    def _send_following_redirects(self, url: httpx.URL, headers: dict[str, str],
                                  deadline: float, budget: float) -> httpx.Response:
        request = self._client.build_request("GET", url, headers=headers)
        for _hop in range(self.max_redirects + 1):
            self._check_deadline(deadline, budget)
            request.extensions["timeout"] = self._timeouts(deadline - time.monotonic()).as_dict()
            response = self._client.send(request, stream=True, follow_redirects=False)
            if response.next_request is None:
                return response
            response.close()                      # never read a redirect's body
            request = response.next_request
            if request.url.scheme not in _SCHEMES:
                raise FetchError(f"redirected to unsupported scheme {request.url.scheme!r}",
                                 status=response.status_code, permanent=True)
        raise FetchError(f"too many redirects (more than {self.max_redirects})", permanent=True)

    @staticmethod
    def _check_deadline(deadline: float, budget: float) -> None:
        if time.monotonic() > deadline:
            raise FetchError(f"timed out after {budget:g}s")

    def _read_checked(self, response: httpx.Response, deadline: float, budget: float) -> bytes | None:
        """The decoded body of a 2xx response, None for 304; FetchError otherwise."""
        status = response.status_code
        if status == 304:
            # A 304 has no body, but h11 only marks the response complete once the (empty)
            # stream is read; closing it unread makes httpcore drop the pooled connection.
            for _ in response.iter_raw():
                pass
            return None
        if not 200 <= status < 300:
            raise self._status_error(response)
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"body larger than {self.max_bytes} bytes "
                             f"(Content-Length {declared})", status=status, permanent=True)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"body larger than {self.max_bytes} bytes",
                                 status=status, permanent=True)
            chunks.append(chunk)
            self._check_deadline(deadline, budget)
        return b"".join(chunks)

    def _status_error(self, response: httpx.Response) -> FetchError:
        status = response.status_code
        phrase = response.reason_phrase or httpx.codes.get_reason_phrase(status)
        reason = _clip(" ".join(f"HTTP {status} {phrase}".split()))
        retry_after = None
        if status in (429, 503):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return FetchError(reason, status=status, retry_after=retry_after,
                          permanent=_is_permanent_status(status))

    def _transport_error(self, exc: httpx.HTTPError, response: httpx.Response | None,
                         secrets: list[str], budget: float) -> FetchError:
        detail = _one_line(str(exc) or type(exc).__name__, secrets)
        lowered = detail.lower()
        timeouts = self._timeouts(budget)
        permanent = False
        if isinstance(exc, httpx.ConnectTimeout):
            reason = f"connect timed out after {timeouts.connect:g}s"
        elif isinstance(exc, httpx.PoolTimeout):
            reason = f"timed out after {budget:g}s waiting for a free connection"
        elif isinstance(exc, httpx.TimeoutException):
            reason = f"timed out after {budget:g}s"
        elif isinstance(exc, httpx.ConnectError):
            reason, permanent = _connect_reason(detail, lowered)
        elif isinstance(exc, httpx.DecodingError):
            encoding = response.headers.get("Content-Encoding", "") if response else ""
            reason = f"could not decode {encoding or 'the'} body: {detail}"
        elif isinstance(exc, httpx.RemoteProtocolError) and "complete message body" in lowered:
            reason = "connection closed before the body was complete"
        elif isinstance(exc, httpx.RemoteProtocolError):
            reason = f"protocol error: {detail}"
        elif isinstance(exc, httpx.NetworkError):
            reason = "connection reset by peer" if "reset" in lowered else f"connection error: {detail}"
        else:
            reason = f"{type(exc).__name__}: {detail}"
        status = response.status_code if response is not None else None
        return FetchError(_clip(reason), status=status, permanent=permanent)

    def _result(self, response: httpx.Response, body: bytes | None, etag: str | None,
                last_modified: str | None, started: float) -> FetchResult:
        new_etag = response.headers.get("ETag")
        new_modified = response.headers.get("Last-Modified")
        if response.status_code == 304:
            new_etag = new_etag or etag
            new_modified = new_modified or last_modified
        return FetchResult(
            status=response.status_code, body=body, etag=new_etag,
            last_modified=new_modified, content_type=response.headers.get("Content-Type"),
            final_url=redact_url(response.url), elapsed=time.monotonic() - started)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> "HttpFetcher":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _connect_reason(detail: str, lowered: str) -> tuple[str, bool]:
    """(reason, permanent) for a failed connection."""
    if "refused" in lowered:
        return "connection refused", False
    if any(s in lowered for s in ("name or service not known", "nodename nor servname",
                                  "name resolution", "getaddrinfo", "no address associated")):
        return "could not resolve host", False
    if "certificate_verify_failed" in lowered or "certificate verify failed" in lowered:
        return f"TLS certificate verification failed: {detail}", True
    if "ssl" in lowered or "tls" in lowered:
        return f"TLS handshake failed: {detail}", False
    return f"connection failed: {detail}", False
