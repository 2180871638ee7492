"""HttpFetcher against a real HTTP server on 127.0.0.1, serving real feed bytes."""
from __future__ import annotations

import gzip
import logging
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from tests.support.http_server import FEED_LAST_MODIFIED, LocalHTTPServer, Response
from tests.support.slow_peer import TricklingPeer
from workers.sources.http_fetch import USER_AGENT, FetchError, HttpFetcher, parse_retry_after

DATA = Path(__file__).resolve().parents[2] / "data"
FEEDS = DATA / "feeds" / "world-2026-02"
FEED = (FEEDS / "aljazeera_all__3f9eeff5039a008d.xml").read_bytes()
BIG_FEED = (FEEDS / "dawn_world__ce5f942d1cd40fc0.xml").read_bytes()


@pytest.fixture
def server():
    with LocalHTTPServer() as running:
        yield running


@pytest.fixture
def fetcher():
    with HttpFetcher(timeout=3.0) as made:
        yield made


def fetch_error(fetcher: HttpFetcher, url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url, **kwargs)
    return caught.value


def test_200_returns_body_validators_and_content_type(server, fetcher):
    feed = server.feed("/feed.xml", FEED)
    result = fetcher.fetch(server.url("/feed.xml"))
    assert result.status == 200
    assert result.body == FEED
    assert result.etag == feed.etag
    assert result.last_modified == FEED_LAST_MODIFIED
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.final_url == server.url("/feed.xml")
    assert 0 < result.elapsed < 3


def test_request_headers(server, fetcher):
    server.feed("/feed.xml", FEED)
    fetcher.fetch(server.url("/feed.xml"))
    [request] = server.requests_for("/feed.xml")
    assert request.method == "GET"
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["accept"].startswith("application/rss+xml, application/atom+xml")
    assert request.headers["accept-encoding"] == "gzip, deflate"
    assert "if-none-match" not in request.headers
    assert "if-modified-since" not in request.headers


def test_conditional_get_gets_304(server, fetcher):
    server.feed("/feed.xml", FEED)
    first = fetcher.fetch(server.url("/feed.xml"))
    second = fetcher.fetch(server.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)
    assert second.status == 304
    assert second.body is None
    assert (second.etag, second.last_modified) == (first.etag, first.last_modified)
    conditional = server.requests_for("/feed.xml")[1]
    assert conditional.headers["if-none-match"] == first.etag
    assert conditional.headers["if-modified-since"] == first.last_modified


def test_changed_feed_gets_200_with_new_etag(server, fetcher):
    server.feed("/feed.xml", FEED)
    first = fetcher.fetch(server.url("/feed.xml"))
    server.feed("/feed.xml", BIG_FEED, last_modified="Mon, 02 Feb 2026 08:00:00 GMT")
    second = fetcher.fetch(server.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)
    assert second.status == 200
    assert second.body == BIG_FEED
    assert second.etag != first.etag
    assert second.last_modified == "Mon, 02 Feb 2026 08:00:00 GMT"


def test_304_without_validators_keeps_the_requests(server, fetcher):
    server.route("/bare304", Response(status=304))
    result = fetcher.fetch(server.url("/bare304"), etag='"abc"', last_modified=FEED_LAST_MODIFIED)
    assert (result.status, result.body) == (304, None)
    assert (result.etag, result.last_modified) == ('"abc"', FEED_LAST_MODIFIED)


def test_gzip_body_is_decoded(server, fetcher):
    server.feed("/feed.xml", FEED, gzip=True)
    with httpx.stream("GET", server.url("/feed.xml")) as raw_response:
        raw = b"".join(raw_response.iter_raw())
    assert raw != FEED and gzip.decompress(raw) == FEED      # the wire really was gzip
    assert fetcher.fetch(server.url("/feed.xml")).body == FEED


def test_broken_gzip_is_a_decoding_error(server, fetcher):
    server.route("/bad", Response(body=b"this is not gzip", headers={"Content-Encoding": "gzip"}))
    error = fetch_error(fetcher, server.url("/bad"))
    assert error.reason.startswith("could not decode gzip body")
    assert (error.status, error.permanent) == (200, False)


def test_redirects_are_followed(server, fetcher):
    server.feed("/feed.xml", FEED)
    server.route("/old", Response.redirect("/feed.xml", status=301))
    server.route("/older", Response.redirect(server.url("/old"), status=302))
    result = fetcher.fetch(server.url("/older"))
    assert (result.status, result.body) == (200, FEED)
    assert result.final_url == server.url("/feed.xml")
    assert [len(server.requests_for(p)) for p in ("/older", "/old", "/feed.xml")] == [1, 1, 1]


def test_redirect_body_is_never_read(server):
    server.feed("/feed.xml", FEED)
    slow_body = (b"x" * 1024 for _ in range(30))          # 3 s to read in full
    server.route("/moved", Response(status=302, headers={"Location": "/feed.xml"},
                                    body=slow_body, chunk_delay=0.1))
    started = time.monotonic()
    with HttpFetcher(timeout=2.0) as fetcher:
        assert fetcher.fetch(server.url("/moved")).body == FEED
    assert time.monotonic() - started < 1.0


def test_too_many_redirects(server):
    server.route("/loop", Response.redirect("/loop"))
    with HttpFetcher(max_redirects=3) as fetcher:
        error = fetch_error(fetcher, server.url("/loop"))
    assert error.reason == "too many redirects (more than 3)"
    assert error.permanent is True
    assert len(server.requests_for("/loop")) == 4


def test_redirect_to_another_scheme_is_refused(server, fetcher):
    server.route("/ftp", Response.redirect("ftp://127.0.0.1/feed.xml"))
    error = fetch_error(fetcher, server.url("/ftp"))
    assert error.reason == "redirected to unsupported scheme 'ftp'"
    assert error.permanent is True


def test_body_over_cap_by_content_length_is_refused_before_reading(server):
    server.feed("/feed.xml", FEED)
    with HttpFetcher(max_bytes=1000) as fetcher:
        error = fetch_error(fetcher, server.url("/feed.xml"))
    assert error.reason == f"body larger than 1000 bytes (Content-Length {len(FEED)})"
    assert (error.status, error.permanent) == (200, True)


def test_chunked_body_over_cap(server):
    server.route("/chunked", Response(body=FEED, chunked=True, chunk_size=256))
    with HttpFetcher(max_bytes=1000) as fetcher:
        error = fetch_error(fetcher, server.url("/chunked"))
    assert error.reason == "body larger than 1000 bytes"


def test_gzip_bomb_is_stopped_by_decoded_size(server):
    server.route("/bomb", Response(body=b"\0" * (32 * 1024 * 1024), gzip=True))
    with httpx.stream("GET", server.url("/bomb")) as raw_response:
        compressed_size = int(raw_response.headers["Content-Length"])
    assert compressed_size < 1024 * 1024                    # small on the wire
    with HttpFetcher(max_bytes=1024 * 1024) as fetcher:
        error = fetch_error(fetcher, server.url("/bomb"))
    assert error.reason == "body larger than 1048576 bytes"


def test_body_within_cap_is_accepted(server):
    server.route("/exact", Response(body=FEED, chunked=True))
    with HttpFetcher(max_bytes=len(FEED)) as fetcher:
        assert fetcher.fetch(server.url("/exact")).body == FEED


def test_truncated_body(server, fetcher):
    server.route("/short", Response(body=b"<rss>", content_length=1000))
    error = fetch_error(fetcher, server.url("/short"))
    assert error.reason == "connection closed before the body was complete"
    assert error.permanent is False


def test_slow_server_times_out(server):
    server.route("/slow", Response(body=b"late", delay=3.0))
    started = time.monotonic()
    with HttpFetcher(timeout=0.3) as fetcher:
        error = fetch_error(fetcher, server.url("/slow"))
    assert error.reason == "timed out after 0.3s"
    assert (error.status, error.permanent) == (None, False)
    assert time.monotonic() - started < 1.5


def test_dripping_body_hits_the_whole_fetch_deadline(server):
    server.route("/drip", Response(body=b"x" * 1000, chunk_size=100, chunk_delay=0.1))
    started = time.monotonic()
    with HttpFetcher(timeout=0.35) as fetcher:
        error = fetch_error(fetcher, server.url("/drip"))
    assert error.reason == "timed out after 0.35s"
    assert time.monotonic() - started < 0.8                 # not the 0.9 s the body takes


def test_trickling_headers_hit_the_deadline_and_a_fetch_may_bring_its_own():
    # the status line, then one header byte every 0.1 s: each read is quick, the headers never end
    with TricklingPeer(first=b"HTTP/1.1 200 OK\r\n", drip=b"X", every=0.1) as peer, \
            HttpFetcher(timeout=30.0) as fetcher:
        started = time.monotonic()
        error = fetch_error(fetcher, peer.url("/feed.xml"), timeout=0.5)
        elapsed = time.monotonic() - started
    assert error.reason == "timed out after 0.5s" and error.permanent is False
    assert 0.45 <= elapsed < 1.0


@pytest.mark.parametrize("status, reason, permanent", [
    (500, "HTTP 500 Internal Server Error", False),
    (502, "HTTP 502 Bad Gateway", False),
    (404, "HTTP 404 Not Found", True),
    (410, "HTTP 410 Gone", True),
    (403, "HTTP 403 Forbidden", True),
    (408, "HTTP 408 Request Timeout", False),
    (599, "HTTP 599", False),                                # no reason phrase at all
])
def test_error_statuses(server, fetcher, status, reason, permanent):
    server.route("/err", Response(status=status, body=b"oops"))
    error = fetch_error(fetcher, server.url("/err"))
    assert (error.reason, error.status, error.permanent, error.retry_after) == (reason, status, permanent, None)


def test_429_with_retry_after_seconds(server, fetcher):
    server.route("/limited", Response(status=429, headers={"Retry-After": "120"}))
    error = fetch_error(fetcher, server.url("/limited"))
    assert (error.reason, error.status, error.retry_after) == ("HTTP 429 Too Many Requests", 429, 120.0)
    assert error.permanent is False


def test_503_with_retry_after_http_date(server, fetcher):
    later = datetime.now(timezone.utc) + timedelta(seconds=120)
    server.route("/down", Response(status=503, headers={"Retry-After": format_datetime(later, usegmt=True)}))
    error = fetch_error(fetcher, server.url("/down"))
    assert (error.reason, error.status, error.permanent) == ("HTTP 503 Service Unavailable", 503, False)
    assert 110 <= error.retry_after <= 120


@pytest.mark.parametrize("value, expected", [
    ("0", 0.0), ("3600", 3600.0), ("9999999", 86400.0), (" 60 ", 60.0),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),                 # in the past
    ("Wed, 21 Oct 2015 07:29:00 GMT", 60.0),
    ("Wednesday, 21-Oct-15 07:30:00 GMT", 120.0),           # RFC 850
    ("Wed Oct 21 07:31:00 2015", 180.0),                    # asctime
    ("soon", None), ("-5", None), ("", None), (None, None),
])
def test_parse_retry_after(value, expected):
    now = datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc)
    assert parse_retry_after(value, now=now) == expected


def test_connection_refused(fetcher):
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        error = fetch_error(fetcher, f"http://127.0.0.1:{port}/feed.xml")
    assert (error.reason, error.status, error.permanent) == ("connection refused", None, False)


@pytest.mark.parametrize("url, reason", [
    ("ftp://127.0.0.1/feed.xml", "unsupported URL scheme 'ftp' (only http and https)"),
    ("file:///etc/hosts", "unsupported URL scheme 'file' (only http and https)"),
    ("feeds/world.xml", "invalid URL: missing http:// or https://"),
    ("http:///feed.xml", "invalid URL: no host"),
])
def test_bad_urls_are_permanent(fetcher, url, reason):
    error = fetch_error(fetcher, url)
    assert (error.reason, error.permanent) == (reason, True)


def test_userinfo_never_appears_in_reasons_results_or_logs(server, fetcher, caplog):
    caplog.set_level(logging.DEBUG, logger="workers.sources.http_fetch")
    server.feed("/feed.xml", FEED)
    server.route("/err", Response(status=500))
    server.route("/loop", Response.redirect("/loop"))
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        refused_port = closed.getsockname()[1]
        authority = "alice:s3cr%40t@127.0.0.1"
        result = fetcher.fetch(f"http://{authority}:{server.port}/feed.xml")
        reasons = [fetch_error(fetcher, url).reason for url in (
            f"http://{authority}:{server.port}/err",
            f"http://{authority}:{server.port}/loop",
            f"http://{authority}:{refused_port}/feed.xml",
            f"ftp://{authority}/feed.xml",
            "http://alice:s3cr%40t@[::1/feed.xml",
            "http://alice:s3/cret@127.0.0.1/feed.xml",   # unencoded "/": httpx sees port "s3"
        )]
    assert result.final_url == server.url("/feed.xml")
    assert server.requests_for("/feed.xml")[0].headers["authorization"].startswith("Basic ")
    assert reasons[2] == "connection refused"
    assert reasons[-1] == "invalid URL"
    for text in [*reasons, caplog.text]:
        assert not any(secret in text for secret in ("alice", "s3", "cret")), text


def test_https_certificate_checks():
    with LocalHTTPServer(tls=True) as server:
        server.feed("/feed.xml", FEED)
        with HttpFetcher(timeout=3.0) as fetcher:
            error = fetch_error(fetcher, server.url("/feed.xml"))
        assert error.reason.startswith("TLS certificate verification failed")
        assert error.permanent is True
        trusting = httpx.Client(verify=ssl.create_default_context(cafile=server.ca_file))
        with HttpFetcher(client=trusting) as fetcher:
            assert fetcher.fetch(server.url("/feed.xml")).body == FEED
        assert not trusting.is_closed                     # a given client stays the caller's
        trusting.close()


def test_one_fetcher_shared_by_threads(server, fetcher):
    for n in range(8):
        server.feed(f"/feed{n}.xml", FEED[: 1000 * (n + 1)])
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: fetcher.fetch(server.url(f"/feed{n}.xml")), range(8)))
    assert [r.body for r in results] == [FEED[: 1000 * (n + 1)] for n in range(8)]
