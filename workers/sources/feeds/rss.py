"""RSS/Atom/RDF feeds over HTTP (conditional GET) or from a local file."""
from __future__ import annotations

import os
from pathlib import Path

from newswatch.model.item import Item
from workers.sources.feeds.config import RssSourceConfig
from workers.sources.base import PollResult, SourceError
from workers.sources.feeds.parse import FeedParseError, parse_feed
from workers.sources.http_fetch import FetchError, HttpFetcher


class RssSource:
    def __init__(self, config: RssSourceConfig, fetcher: HttpFetcher, base_dir: Path):
        self.config = config
        self.id = config.id
        self.fetcher = fetcher
        self.path = (base_dir / config.path).resolve() if config.path else None

    def fetch_budget(self) -> float:
        return 0.0 if self.path is not None else float(self.config.timeout or self.fetcher.timeout)

    def poll(self, cursor: dict) -> PollResult:
        if self.path is not None:
            return self._poll_file(self.path, cursor)
        url = self.config.url
        assert url is not None, "RssSourceConfig gives exactly one of url and path"
        try:
            result = self.fetcher.fetch(url, etag=cursor.get("etag"),
                                        last_modified=cursor.get("last_modified"), timeout=self.config.timeout)
        except FetchError as exc:
            raise SourceError(exc.reason, retry_after=exc.retry_after, permanent=exc.permanent) from None
        new_cursor = {"etag": result.etag, "last_modified": result.last_modified}
        if result.status == 304:
            return PollResult([], new_cursor, not_modified=True, detail={"status": 304})
        body = result.body
        assert body is not None, "HttpFetcher returns a body with every 2xx"
        detail = {"status": result.status, "bytes": len(body)}
        return PollResult([], new_cursor, detail=detail, parse=lambda: self._parse(
            body, result.content_type, result.final_url, detail))

    def _poll_file(self, path: Path, cursor: dict) -> PollResult:
        try:
            stat = path.stat()
            stamp = f"{stat.st_mtime_ns}:{stat.st_size}"
            if cursor.get("file_stamp") == stamp:
                return PollResult([], cursor, not_modified=True, detail={"status": "unchanged"})
            body = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot read feed file {path}: {os.strerror(exc.errno or 0)}") from None
        detail: dict = {"bytes": len(body)}
        return PollResult([], {"file_stamp": stamp}, detail=detail,
                          parse=lambda: self._parse(body, None, path.as_uri(), detail))

    def _parse(self, body: bytes, content_type: str | None, base_url: str, detail: dict) -> list[Item]:
        """The body's items (`detail` gets the parser used); SourceError when it is no feed."""
        try:
            parsed = parse_feed(body, self.id, content_type=content_type, base_url=base_url)
        except FeedParseError as exc:
            raise SourceError(exc.reason) from None
        if self.config.lang:
            for item in parsed.items:
                item.lang = item.lang or self.config.lang
        detail["parser"] = parsed.parser
        return parsed.items
