"""Dry-run input for `newswatch classify` and `test-rule`: a feed file or URL, or JSON Lines."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from newswatch.model.item import Item
from workers.sources.feeds.parse import FeedParseError, parse_feed
from workers.sources.http_fetch import FetchError, HttpFetcher


class InputError(ValueError):
    pass


def _looks_like_jsonl(name: str, body: bytes) -> bool:
    return name.endswith((".jsonl", ".ndjson", ".json")) or body.lstrip()[:1] == b"{"


def items_from_jsonl(body: bytes, source_id: str = "input") -> list[Item]:
    """Lines of {"title", "summary", optional "url", "lang", "id", "published"}."""
    items = []
    for number, line in enumerate(body.decode("utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("title", ""), str):
            raise InputError(f"line {number}: expected an object with a 'title'")
        published = row.get("published")
        if isinstance(published, str):
            try:
                published = datetime.fromisoformat(published.replace("Z", "+00:00"))
                published = published if published.tzinfo else published.replace(tzinfo=timezone.utc)
            except ValueError:
                raise InputError(f"line {number}: 'published' is not an ISO 8601 date") from None
        item = Item(source_id=row.get("source", source_id), title=row.get("title", ""),
                    text=row.get("summary", row.get("text", "")) or "", url=row.get("url"),
                    guid=str(row["id"]) if row.get("id") is not None else None,
                    published=published, lang=row.get("lang")).finish()
        items.append(item)
    return items


def read_items(spec: str, *, timeout: float = 20.0, max_bytes: int = 10 * 1024 * 1024) -> list[Item]:
    """Items from a path or http(s) URL holding a feed or JSON Lines; a URL's body is read within `timeout`
    seconds (one deadline, redirects included) and at most `max_bytes` (decoded) bytes."""
    if spec.startswith(("http://", "https://")):
        try:
            with HttpFetcher(timeout=timeout, max_bytes=max_bytes) as fetcher:
                result = fetcher.fetch(spec)
        except FetchError as exc:
            raise InputError(f"{spec}: {exc.reason}") from None
        body, name, content_type = result.body or b"", spec.split("?")[0], result.content_type
    else:
        path = Path(spec)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{spec}: {exc.strerror}") from None
        name, content_type = path.name, None
    if _looks_like_jsonl(name, body):
        return items_from_jsonl(body)
    try:
        return parse_feed(body, "input", content_type=content_type, base_url=spec).items
    except FeedParseError as exc:
        raise InputError(f"{spec}: {exc.reason}") from None
