"""A real HTTP(S) server on 127.0.0.1 for tests (ThreadingHTTPServer in a background thread).

    with LocalHTTPServer() as server:
        server.feed("/feed.xml", feed_bytes)          # ETag + Last-Modified, 304 on a match
        server.route("/slow", Response(body=b"late", delay=2.0))
        server.route("/old", Response.redirect("/feed.xml", status=301))
        server.route("/dyn", lambda request: Response(status=500))
        fetch(server.url("/feed.xml"))
        [first] = server.requests_for("/feed.xml")
        first.headers["user-agent"]                   # header names are lower-cased

Response options:
  status, headers, body     body is bytes, or an iterable of byte chunks (sent chunked;
                            a generator is used up by the first request)
  delay                     seconds to wait before the status line (cut short by stop())
  gzip=True                 gzip the body and add Content-Encoding: gzip
  chunked=True              Transfer-Encoding: chunked instead of Content-Length
  chunk_size, chunk_delay   chunking of the body; a chunk_delay implies chunked
  content_length            announce this Content-Length instead of the real one
                            (shorter bodies then end with a closed connection)
A route is a Response or a callable RecordedRequest -> Response. Paths match
with their query string first, then without it; unknown paths get a 404. A
callable route reads the query from `request.query` ({"before": "70998"}), so
one route can serve every `?before=` / `?after=` page of a path.
`LocalHTTPServer(tls=True)` serves HTTPS with a trustme certificate for
127.0.0.1 and localhost; `ca_file` is the PEM of the CA that signed it.
"""
from __future__ import annotations

import gzip as gzip_module
import hashlib
import http.server
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

FEED_LAST_MODIFIED = formatdate(1769947200, usegmt=True)   # Sun, 01 Feb 2026 12:00:00 GMT


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str                 # as sent, with the query string
    headers: dict[str, str]   # lower-cased names
    body: bytes

    @property
    def query(self) -> dict[str, str]:
        """The query string's parameters (the last value of a repeated one)."""
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    gzip: bool = False
    chunked: bool = False
    chunk_size: int = 16384
    chunk_delay: float = 0.0
    content_length: int | None = None

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> "Response":
        return cls(status=status, headers={"Location": location})


Route = Response | Callable[[RecordedRequest], Response]


def _etag_matches(header: str, etag: str) -> bool:
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in wanted or etag.removeprefix("W/") in wanted


def _not_modified_since(header: str, last_modified: str) -> bool:
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False


@dataclass
class FeedRoute:
    """A feed with validators: 304 when If-None-Match matches the ETag, or, with
    no If-None-Match, when If-Modified-Since is not older than Last-Modified."""
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str = FEED_LAST_MODIFIED
    gzip: bool = False

    def __post_init__(self) -> None:
        if self.etag is None:
            self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'

    def __call__(self, request: RecordedRequest) -> Response:
        validators = {"ETag": self.etag, "Last-Modified": self.last_modified}
        if_none_match = request.headers.get("if-none-match")
        if_modified_since = request.headers.get("if-modified-since")
        if if_none_match is not None:
            fresh = _etag_matches(if_none_match, self.etag)
        else:
            fresh = if_modified_since is not None and _not_modified_since(if_modified_since,
                                                                            self.last_modified)
        if fresh:
            return Response(status=304, headers=validators)
        return Response(body=self.body, gzip=self.gzip,
                        headers={**validators, "Content-Type": self.content_type})


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10              # idle keep-alive connections end after this
    disable_nagle_algorithm = True  # answer at once (no 40 ms delayed-ACK stall on keep-alive)
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:
            pass              # the client went away (timeouts, refused certificates)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = RecordedRequest(self.command, self.path,
                                  {k.lower(): v for k, v in self.headers.items()},
                                  self.rfile.read(length) if length else b"")
        owner = self.server.owner
        owner._record(request)
        route = owner._route_for(self.path)
        response = route(request) if callable(route) else route
        if response.delay and owner._stopping.wait(response.delay):
            self.close_connection = True
            return
        self._send(response)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _serve

    def _send(self, response: Response) -> None:
        body = response.body
        if response.gzip:
            raw = body if isinstance(body, bytes) else b"".join(body)
            body = gzip_module.compress(raw, compresslevel=6)
        chunked = response.chunked or response.chunk_delay > 0 or not isinstance(body, bytes)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.gzip:
            self.send_header("Content-Encoding", "gzip")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif response.content_length is not None or response.status not in (204, 304):
            length = response.content_length
            self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command == "HEAD" or response.status in (204, 304):
            return
        if not chunked:
            self.wfile.write(body)
            if response.content_length is not None and response.content_length != len(body):
                self.close_connection = True
            return
        self._send_chunked(response, body)

    def _send_chunked(self, response: Response, body: bytes | Iterable[bytes]) -> None:
        chunks = body
        if isinstance(body, bytes):
            size = response.chunk_size
            chunks = [body[i:i + size] for i in range(0, len(body), size)]
        for number, chunk in enumerate(chunks):
            if number and response.chunk_delay and self.server.owner._stopping.wait(response.chunk_delay):
                self.close_connection = True
                return
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: "LocalHTTPServer"


class LocalHTTPServer:
    def __init__(self, *, tls: bool = False):
        self.tls = tls
        self.host = "127.0.0.1"
        self.port = 0
        self.ca_file: str | None = None
        self._routes: dict[str, Route] = {}
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: str | None = None

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def route(self, path: str, response: Route) -> None:
        with self._lock:
            self._routes[path] = response

    def feed(self, path: str, body: bytes, **options: object) -> FeedRoute:
        """Serve `body` as a feed with ETag/Last-Modified and 304 handling; options
        are FeedRoute's (content_type, etag, last_modified, gzip)."""
        feed = FeedRoute(body, **options)
        self.route(path, feed)
        return feed

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path or r.path.split("?", 1)[0] == path]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _route_for(self, path: str) -> Route:
        with self._lock:
            route = self._routes.get(path) or self._routes.get(path.split("?", 1)[0])
        return route or Response(status=404, body=b"not found", headers={"Content-Type": "text/plain"})

    def start(self) -> "LocalHTTPServer":
        server = _Server((self.host, 0), _Handler)
        server.owner = self
        if self.tls:
            server.socket = self._tls_context().wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False)
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="local-http-server", daemon=True)
        self._thread.start()
        return self

    def _tls_context(self) -> ssl.SSLContext:
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self._tmpdir = tempfile.mkdtemp(prefix="newswatch-http-")
        self.ca_file = str(Path(self._tmpdir) / "ca.pem")
        ca.cert_pem.write_to_path(self.ca_file)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        return context

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> "LocalHTTPServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
