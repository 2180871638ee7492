"""The one typed record every source produces, and its identity.

Nothing after a source adapter sees feedparser or telethon objects: adapters
build `Item`s and set their fingerprint here (DESIGN: Miniflux `adapter.go`).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from newswatch.classify.model import Facts

# Query parameters that only track the reader; they never change the story.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "cmpid", "ocid",
    "smid", "ncid", "soc_src", "soc_trk",
})
TRACKING_PREFIXES = ("utm_", "at_", "__twitter", "_ga")


def canonical_url(url: str | None) -> str | None:
    """Lowercase scheme and host, drop the fragment, default ports and tracking parameters."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:   # a bracketed host that is no IPv6 address, a port that is no number or past 65535
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        return url
    port = port if port and (scheme, port) not in (("http", 80), ("https", 443)) else None
    netloc = host if port is None else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


_SPACES = re.compile(r"\s+")
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class ItemLimits:
    """How much of an item the pipeline keeps, in UTF-8 bytes (`items:` in the config). A feed may
    send a title of megabytes; everything after the source (classifier, rules, alert, messages) sees
    at most this. A URL longer than `max_url` characters is dropped (a clipped link is a broken one)."""

    max_title: int = 1000
    max_text: int = 100_000
    max_url: int = 8192


def clip_utf8(text: str, max_bytes: int) -> str:
    """`text` if its UTF-8 form fits in `max_bytes`, else a prefix that fits with "…" added: cut after
    a word when one ends in the last fifth, else between characters (never inside one)."""
    if len(text) * 4 <= max_bytes:      # cheap: no UTF-8 character is longer than 4 bytes
        return text
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    keep = max(0, max_bytes - len(ELLIPSIS.encode("utf-8")))
    kept = data[:keep].decode("utf-8", "ignore")
    space = kept.rfind(" ", len(kept) * 4 // 5)
    return (kept[:space] if space > 0 else kept).rstrip() + ELLIPSIS


def normalize_for_hash(text: str) -> str:
    """NFKC, casefold, collapse white space: the text a content hash is taken of."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _looks_like_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def fingerprint(source_id: str, guid: str | None, url: str | None, title: str, text: str) -> str:
    """guid, else canonical URL, else hash of normalized title+text.

    A guid that is a URL is canonicalized and shared across sources (the same
    article from two feeds is one item). An opaque guid ("12345") only means
    something inside its own feed, so it is scoped by source id.
    """
    if guid and guid.strip():
        guid = guid.strip()
        if _looks_like_url(guid):
            key = "u:" + (canonical_url(guid) or guid)
        else:
            key = f"g:{source_id}:{guid}"
    elif url:
        key = "u:" + (canonical_url(url) or url)
    else:
        key = "h:" + normalize_for_hash(f"{title}\n{text}")
    return hashlib.blake2b(key.encode("utf-8"), digest_size=12).hexdigest()


@dataclass(slots=True)
class Item:
    """One news item, whatever source it came from."""

    source_id: str
    title: str
    text: str
    url: str | None = None
    guid: str | None = None
    published: datetime | None = None  # timezone-aware UTC, None when the feed gave none
    lang: str | None = None
    author: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    id: str = ""  # the fingerprint; set by `finish()`
    extra: dict[str, Any] = field(default_factory=dict)  # what the source knows besides (forwards, media, ids)
    facts: "Facts | None" = None  # set by the classify stage
    # set by story dedup (newswatch.pipeline.stories): the first copy's item id, whether this is it,
    # and for a later copy how similar its lead is to the first one's
    story_id: str | None = None
    story_first: bool | None = None
    story_similarity: float | None = None
    # set by event clustering (newswatch.pipeline.events): the event the item reports (its main
    # event: the headline's, else the first sentence's), across outlets and languages; whether this
    # item is its first report. None: the item reports no typed event (it still has its story).
    event_id: str | None = None
    event_first: bool | None = None

    @property
    def story(self) -> str:
        """The story this item tells: set by story dedup, else the item itself."""
        return self.story_id or self.id

    @property
    def happening(self) -> str:
        """What one alert per rule stands for: the item's event, else its story."""
        return f"event:{self.event_id}" if self.event_id else f"story:{self.story}"

    def finish(self) -> "Item":
        """Set the fingerprint and canonical URL. Adapters call it on every item they build."""
        self.url = canonical_url(self.url) if self.url else None
        self.id = fingerprint(self.source_id, self.guid, self.url, self.title, self.text)
        return self

    def clip(self, limits: ItemLimits) -> list[str]:
        """Cut title and text to `limits` (with "…"), drop an over-long URL; the names of what changed.
        The id stays the one `finish()` gave the whole item."""
        changed = []
        title, text = clip_utf8(self.title, limits.max_title), clip_utf8(self.text, limits.max_text)
        if title is not self.title:
            self.title = title
            changed.append("title")
        if text is not self.text:
            self.text = text
            changed.append("text")
        if self.url and len(self.url) > limits.max_url:
            self.url = None
            changed.append("url")
        if self.author and len(self.author) > 200:
            self.author = self.author[:199] + ELLIPSIS
            changed.append("author")
        return changed

    @property
    def content(self) -> str:
        """Title and text together: what rules read."""
        return f"{self.title}\n{self.text}" if self.text else self.title

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("published", "fetched_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Item":
        data = dict(data)
        for key in ("published", "fetched_at"):
            if isinstance(data.get(key), str):
                data[key] = datetime.fromisoformat(data[key])
        if isinstance(data.get("facts"), dict):
            from newswatch.classify.model import Facts
            data["facts"] = Facts.from_dict(data["facts"])
        return cls(**data)
