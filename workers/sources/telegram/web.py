"""`type: telegram`, `mode: web`: a public channel read from its web preview, `{base_url}/s/<channel>`.

The cursor is the highest post id read, `{"last_id": "<int>"}`. A first poll
reads the newest page only (no walk back through history). A later poll reads
the newest page and, while its oldest post is still above the cursor, pages
back with `?before=<oldest id>` until a page reaches the cursor, so a burst of
posts between two polls is read without a gap; items come out oldest first and
never with an id at or below the cursor. After `max_pages` pages it stops,
records in `detail["gap"]` that posts may have been skipped, logs it, and moves
the cursor anyway (the alternative, never catching up, is worse for news).
The cursor moves past every id an album covers (at most 20 past the post).

A page is trusted only for the configured channel: a post widget naming another
channel in its `data-post` is refused, and so is a post whose id is more than
`MAX_ID_JUMP` (1,000) above the page's median post id (a page holds about 20
consecutive posts; a channel's ids only grow by its own posts), so a forged id
cannot move the cursor past every later real post. Refused posts are logged
(`telegram_posts_refused`). A stored cursor more than `MAX_ID_JUMP` above the
newest page's highest id cannot be real (poisoned before): it is logged
(`telegram_cursor_reset`) and the poll reads the newest page as a first poll
would (items already seen are dropped by exact dedup). Errors are `SourceError`s
with a health reason: channel not found (404), no public preview (t.me
redirects `/s/<name>` to `/<name>`, or shows the channel's card page), rate
limited (429, `retry_after` from Retry-After), server errors, and a 200 page
without the post list (the layout changed).
"""
from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from workers.sources.telegram.config import TelegramSourceConfig
from newswatch.model.item import Item
from newswatch.logs import fields
from workers.sources.base import PollResult, SourceError
from workers.sources.http_fetch import FetchError, HttpFetcher
from workers.sources.telegram.html import TelegramPage, TelegramPageError, TelegramPost, parse_page

log = logging.getLogger(__name__)

TITLE_MAX = 120
MAX_ID_JUMP = 1000
_CHARSET = re.compile(r"charset=\"?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…](?=\s)")


class TelegramWebSource:
    def __init__(self, config: TelegramSourceConfig, fetcher: HttpFetcher):
        self.config = config
        self.id = config.id
        self.fetcher = fetcher
        self.channel = config.channel
        self.page_url = f"{config.base_url}/s/{config.channel}"

    def fetch_budget(self) -> float:
        """Up to `max_pages` pages, each fetch with its own deadline."""
        return float(self.config.timeout or self.fetcher.timeout) * self.config.max_pages

    def poll(self, cursor: dict) -> PollResult:
        last_id, detail = self._last_id(cursor), {"parser": "lxml", "pages": 0, "bytes": 0}
        pages, last_id = self._read_back(last_id, detail)
        fresh = {p.id: p for page in pages for p in page.posts if last_id is None or p.id > last_id}
        posts = [fresh[i] for i in sorted(fresh)]
        items = [post_to_item(post, self.id, self.config.lang) for post in posts]
        new_last = max([last_id or 0, *(post.last_id for post in posts)])
        detail.update(status=200, posts=sum(len(page.posts) for page in pages), new=len(items))
        log.debug(fields("telegram_polled", source_id=self.id, channel=self.channel, pages=detail["pages"],
                         new=len(items), last_id=new_last or None))
        return PollResult(items, {"last_id": str(new_last)} if new_last else {}, detail=detail)

    def _last_id(self, cursor: dict) -> int | None:
        raw = (cursor or {}).get("last_id")
        if raw in (None, ""):
            return None
        try:
            value = int(str(raw).strip())
            if value < 0:
                raise ValueError
            return value
        except ValueError:
            log.warning(fields("telegram_cursor_invalid", source_id=self.id, last_id=str(raw)[:40],
                               action="reading the newest page only"))
            return None

    def _read_back(self, last_id: int | None, detail: dict) -> tuple[list[TelegramPage], int | None]:
        """The newest page, then older ones with ?before= until the cursor is reached; and the cursor
        (None when the stored one is far beyond the newest post, see the module's doc)."""
        pages: list[TelegramPage] = []
        before: int | None = None
        while True:
            pages.append(self._page(before, detail, last_id))
            ids = [post.id for post in pages[-1].posts]
            if before is None and last_id is not None and ids and last_id > max(ids) + MAX_ID_JUMP:
                log.warning(fields("telegram_cursor_reset", source_id=self.id, channel=self.channel,
                                   last_id=last_id, newest=max(ids), action="reading the newest page only"))
                last_id = None
            if last_id is None or not ids or min(ids) <= last_id + 1:
                return pages, last_id
            oldest = min(ids)
            if before is not None and oldest >= before:
                raise SourceError(f"cannot page back through @{self.channel}: ?before={before} returned posts "
                                  f"from {oldest} on; the t.me paging has changed")
            if len(pages) >= self.config.max_pages:
                detail["gap"] = (f"read {len(pages)} pages (max_pages) without reaching the cursor: posts "
                                 f"{last_id + 1}..{oldest - 1} may be missing")
                log.warning(fields("telegram_gap", source_id=self.id, channel=self.channel, last_id=last_id,
                                   oldest_read=oldest, pages=len(pages), max_pages=self.config.max_pages))
                return pages, last_id
            before = oldest

    def _page(self, before: int | None, detail: dict, last_id: int | None = None) -> TelegramPage:
        url = self.page_url if before is None else f"{self.page_url}?before={before}"
        try:
            result = self.fetcher.fetch(url, timeout=self.config.timeout)   # each page: its own deadline
        except FetchError as exc:
            raise self._fetch_error(exc) from None
        path = urlsplit(result.final_url).path
        if "/s/" not in path:
            raise self._no_preview(f"t.me sends /s/{self.channel} to {path or '/'}")
        body = result.body or b""
        detail["pages"] += 1
        detail["bytes"] += len(body)
        charset = _CHARSET.search(result.content_type or "")
        try:
            page = parse_page(body, charset.group(1) if charset else None)
        except TelegramPageError as exc:
            if exc.no_preview:
                raise self._no_preview(exc.reason) from None
            raise SourceError(f"cannot read the posts of @{self.channel}: {exc.reason}") from None
        if page.skipped:
            log.warning(fields("telegram_posts_skipped", source_id=self.id, channel=self.channel,
                               skipped=page.skipped, reason="post widget without a readable data-post id"))
        page.posts = self._trusted(page.posts, last_id)
        return page

    def _trusted(self, posts: list[TelegramPost], last_id: int | None) -> list[TelegramPost]:
        """The page's posts of this channel whose ids are not far beyond the page's own (see the module doc)."""
        ours = [post for post in posts if post.channel.lower() == self.channel.lower()]
        ids = sorted(post.id for post in ours)
        anchor = ids[(len(ids) - 1) // 2] if len(ids) > 1 else last_id   # the low median, else the cursor
        kept = [post for post in ours if anchor is None or post.id <= anchor + MAX_ID_JUMP]
        if len(kept) < len(posts):
            trusted = {id(post) for post in kept}
            refused = [f"{post.channel}/{post.id}" for post in posts if id(post) not in trusted]
            log.warning(fields("telegram_posts_refused", source_id=self.id, channel=self.channel,
                               refused=refused[:5], count=len(refused),
                               reason=f"another channel's, or an id over {MAX_ID_JUMP} above the page's"))
        return kept

    def _no_preview(self, why: str) -> SourceError:
        return SourceError(f"@{self.channel} has no public web preview ({why}): the channel is private or "
                           "restricted, the name is not a channel, or it does not exist", permanent=True)

    def _fetch_error(self, exc: FetchError) -> SourceError:
        name = f"@{self.channel}"
        if exc.status in (404, 410):
            reason = f"channel {name} not found ({exc.reason})"
        elif exc.status == 429:
            wait = f"; waiting {exc.retry_after:.0f}s as told" if exc.retry_after is not None else ""
            reason = f"rate limited reading {name} ({exc.reason}){wait}"
        elif exc.status is not None and exc.status >= 500:
            reason = f"server error reading {name} ({exc.reason})"
        else:
            reason = f"cannot read {name}: {exc.reason}"
        return SourceError(reason, retry_after=exc.retry_after, permanent=exc.permanent)


# --- a post as an Item ------------------------------------------------------------------------------

_LABELS = {"photo": "photo", "gif": "GIF", "video": "video", "round_video": "video message",
           "voice": "voice message", "document": "file", "sticker": "sticker", "location": "location"}


def _media_label(media: dict) -> str:
    label = _LABELS.get(media["kind"], media["kind"])
    if media["kind"] == "document":
        size = f" ({media['size']})" if media.get("size") else ""
        return f"{label} {media.get('title') or ''}".strip() + size
    return f"{label} {media['duration']}" if media.get("duration") else label


def _poll_text(media: dict) -> str:
    options = [f"- {o['text']} ({o['percent']})" if o.get("percent") else f"- {o['text']}"
               for o in media.get("options", []) if o.get("text")]
    return "\n".join([f"Poll: {media.get('question') or ''}".strip(), *options])


def media_text(post: TelegramPost) -> str:
    """Polls always (they are the post); other media only for a post without text: "[video 0:44]"."""
    polls = [_poll_text(m) for m in post.media if m["kind"] == "poll"]
    if post.text or polls:
        return "\n\n".join(polls)
    labels = [_media_label(m) for m in post.media]
    photos = labels.count("photo")
    if photos > 1:
        labels = [label for label in labels if label != "photo"] + [f"{photos} photos"]
    if labels:
        return "[" + ", ".join(labels) + "]"
    return f"[{post.unsupported}]" if post.unsupported else ""


def post_text(post: TelegramPost) -> str:
    """The post's text (or what its media are), then the link preview's title and description."""
    preview = post.link_preview or {}
    parts = (post.text, media_text(post),
             "\n".join(v for v in (preview.get("title"), preview.get("description")) if v))
    return "\n\n".join(part for part in parts if part)


def clip_title(line: str, limit: int = TITLE_MAX) -> str:
    """The line; if too long its first sentence(s) that fit, else cut at a word with "…"."""
    if len(line) <= limit:
        return line
    ends = [m.end() for m in _SENTENCE_END.finditer(line, 0, limit)]
    if ends and ends[-1] >= limit // 3:
        return line[:next(end for end in ends if end >= limit // 3)]
    cut = line.rfind(" ", 0, limit)
    return line[:cut if cut >= limit // 2 else limit - 1].rstrip(" ,;:—–-") + "…"


def post_title(post: TelegramPost, text: str) -> str:
    """The first line of the post's text; for a post that is only a link, the linked page's title."""
    first = next((line for line in post.text.split("\n") if line.strip()), "")
    preview_title = (post.link_preview or {}).get("title")
    if preview_title and (not first or first in post.links):
        first = preview_title
    return clip_title(first or next((line for line in text.split("\n") if line.strip()), ""))


def post_extra(post: TelegramPost) -> dict:
    extra = {"telegram_channel": post.channel, "telegram_id": post.id, "channel_title": post.channel_title,
             "views": post.views, "author": post.author, "forwarded_from": post.forwarded_from,
             "reply_to": post.reply_to, "link_preview": post.link_preview, "links": post.links,
             "media": [m["kind"] for m in post.media], "media_detail": post.media,
             "album_ids": post.album_ids, "edited": post.edited}
    return {key: value for key, value in extra.items() if value not in (None, [], False)}


def post_to_item(post: TelegramPost, source_id: str, lang: str | None = None) -> Item:
    """The item: url and guid are the t.me permalink, whatever host served the page."""
    text = post_text(post)
    return Item(source_id=source_id, title=post_title(post, text), text=text, url=post.permalink,
                guid=post.permalink, published=post.date, lang=lang, author=post.author,
                extra=post_extra(post)).finish()
