"""The public web preview of a Telegram channel (`t.me/s/<channel>`) as post records.

Pure functions of the page bytes, no I/O. A page lists posts oldest first, each
a `div.tgme_widget_message[data-post="<channel>/<id>"]` holding the author line,
"Forwarded from", a quoted reply, the media, the text, a link preview and a
footer with views, the author's signature and `<time datetime>`. One walk over
each post dispatches on class names (`_HANDLERS`) and never descends into a
media block, a link preview or a reply, so their words never leak into the
post's text. The text is what a reader sees (telegram_text.py): `<br>` and blocks break lines,
source white space collapses as in a browser, emoji keep their character, and a
link keeps its URL after its words, "text (url)", unless the words already are
the URL, a @mention or a #hashtag. `workers.sources.telegram.web` turns the
records into `Item`s.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

from lxml import etree

from workers.sources.telegram.text import HAS_CLASS, by_class, first_text, node_text, rich_text

PERMALINK = "https://t.me/{channel}/{id}"
_POST_REF = re.compile(r"^([A-Za-z0-9_]{1,64})/([0-9]{1,12})$")
_ALBUM_REF = re.compile(r"/([0-9]{1,12})\?single")   # an album's photo or video links to its own id
ALBUM_SPAN = 20                                  # an album (at most 10 items) covers ids post.id .. post.id + 20
_POSTS = etree.XPath("//div[@data-post]")
_HISTORY = etree.XPath("//*[" + HAS_CLASS.format("'tgme_channel_history'") + "]")
_CARD_PAGE = etree.XPath("//*[" + HAS_CLASS.format("'tgme_page'") + "]")
_parsers = threading.local()                     # one parser per thread and encoding


class TelegramPageError(Exception):
    """A page that is no post list: `no_preview` when it is t.me's card page for a name
    without a public preview, else the layout changed. The reason holds no URL."""

    def __init__(self, reason: str, *, no_preview: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.no_preview = no_preview


@dataclass(slots=True)
class TelegramPost:
    channel: str
    id: int
    date: datetime | None = None                 # timezone-aware UTC
    text: str = ""
    links: list[str] = field(default_factory=list)
    author: str | None = None                    # the signature, in channels that sign posts
    channel_title: str | None = None
    views: int | None = None
    edited: bool = False
    forwarded_from: dict | None = None           # {"name", "url"}; url None for a hidden sender
    reply_to: dict | None = None                 # {"name", "url", "text"}
    link_preview: dict | None = None             # {"url", "site", "title", "description"}
    media: list[dict] = field(default_factory=list)   # {"kind": "photo" | "video" | "poll" ..., ...}
    album_ids: list[int] = field(default_factory=list)
    unsupported: str | None = None               # t.me's "not supported" label

    @property
    def permalink(self) -> str:
        return PERMALINK.format(channel=self.channel, id=self.id)

    @property
    def last_id(self) -> int:
        """The highest message id the post covers: an album takes one id per photo or video."""
        return max(self.album_ids, default=self.id)


@dataclass(slots=True)
class TelegramPage:
    posts: list[TelegramPost]
    skipped: int = 0                             # post widgets without a readable id


# --- the parts of a post -------------------------------------------------------------------------

def _text(el, post: TelegramPost) -> None:
    if not post.text:                            # an album nests a second message_text in the first
        post.text = rich_text(el, post.links)


def _owner(el, post: TelegramPost) -> None:
    post.channel_title = node_text(el) or None


def _forwarded(el, post: TelegramPost) -> None:
    names = by_class(el, "tgme_widget_message_forwarded_from_name")
    source = names[0] if names else el
    name = node_text(source).removeprefix("Forwarded from").strip()
    post.forwarded_from = {"name": name or None, "url": source.get("href")}


def _reply(el, post: TelegramPost) -> None:
    post.reply_to = {"name": first_text(el, "tgme_widget_message_author_name"), "url": el.get("href"),
                     "text": first_text(el, "tgme_widget_message_metatext")}


def _preview(el, post: TelegramPost) -> None:
    descriptions = by_class(el, "link_preview_description")
    post.link_preview = {"url": el.get("href"), "site": first_text(el, "link_preview_site_name"),
                         "title": first_text(el, "link_preview_title"),
                         "description": rich_text(descriptions[0]) if descriptions else None}


def _views(el, post: TelegramPost) -> None:
    post.views = parse_count(node_text(el))


def _signature(el, post: TelegramPost) -> None:
    post.author = node_text(el) or None


def _date(el, post: TelegramPost) -> None:
    stamp = el.find(".//time")
    post.date = parse_datetime(stamp.get("datetime") if stamp is not None else None)


def _meta(el, post: TelegramPost) -> None:
    post.edited = post.edited or "edited" in (el.text or "")
    _walk(el, post)


def _not_supported(el, post: TelegramPost) -> None:
    post.unsupported = first_text(el, "message_media_not_supported_label") or "media not supported"


def _skip(el, post: TelegramPost) -> None:
    pass                                         # the avatar, the bubble's tail


# --- media ---------------------------------------------------------------------------------------

def _add_media(post: TelegramPost, el, kind: str, **info: object) -> None:
    media = {"kind": kind, **{k: v for k, v in info.items() if v}}
    ref = _ALBUM_REF.search(el.get("href") or "")
    if ref is not None:
        media["id"] = int(ref.group(1))
    post.media.append(media)


def _video(el, post: TelegramPost) -> None:
    duration = first_text(el, "message_video_duration")
    player = el.find(".//video")
    gif = duration is None and player is not None and player.get("loop") is not None
    too_big = first_text(el, "message_media_not_supported_label") == "Media is too big"
    _add_media(post, el, "gif" if gif else "video", duration=duration, too_big=too_big)


def _document(el, post: TelegramPost) -> None:
    _add_media(post, el, "document", title=first_text(el, "tgme_widget_message_document_title"),
               size=first_text(el, "tgme_widget_message_document_extra"))


def _poll(el, post: TelegramPost) -> None:
    options = [{"text": first_text(option, "tgme_widget_message_poll_option_text"),
                "percent": first_text(option, "tgme_widget_message_poll_option_percent")}
               for option in by_class(el, "tgme_widget_message_poll_option")]
    _add_media(post, el, "poll", question=first_text(el, "tgme_widget_message_poll_question"),
               type=first_text(el, "tgme_widget_message_poll_type"), options=options)


def _timed(kind: str, duration_class: str):
    return lambda el, post: _add_media(post, el, kind, duration=first_text(el, duration_class))


def _plain(kind: str):
    return lambda el, post: _add_media(post, el, kind)


_HANDLERS = {
    "tgme_widget_message_text": _text,
    "tgme_widget_message_owner_name": _owner,
    "tgme_widget_message_forwarded_from": _forwarded,
    "tgme_widget_message_reply": _reply,
    "tgme_widget_message_link_preview": _preview,
    "tgme_widget_message_views": _views,
    "tgme_widget_message_from_author": _signature,
    "tgme_widget_message_date": _date,
    "tgme_widget_message_meta": _meta,
    "message_media_not_supported_wrap": _not_supported,
    "tgme_widget_message_user": _skip,
    "tgme_widget_message_bubble_tail": _skip,
    "tgme_widget_message_photo_wrap": _plain("photo"),
    "tgme_widget_message_video_player": _video,
    "tgme_widget_message_roundvideo_player": _timed("round_video", "tgme_widget_message_roundvideo_duration"),
    "tgme_widget_message_voice_player": _timed("voice", "tgme_widget_message_voice_duration"),
    "tgme_widget_message_document_wrap": _document,
    "tgme_widget_message_poll": _poll,
    "tgme_widget_message_sticker_wrap": _plain("sticker"),
    "tgme_widget_message_location_wrap": _plain("location"),
}


def _walk(el, post: TelegramPost) -> None:
    for child in el.iterchildren(tag=etree.Element):
        handler = None
        for name in (child.get("class") or "").split():
            handler = _HANDLERS.get(name)
            if handler is not None:
                break
        if handler is None:
            _walk(child, post)
        else:
            handler(child, post)


def parse_post(el) -> TelegramPost | None:
    """One `div.tgme_widget_message`; None when its data-post is not "<channel>/<id>"."""
    ref = _POST_REF.match((el.get("data-post") or "").strip())
    if ref is None:
        return None
    post = TelegramPost(channel=ref.group(1), id=int(ref.group(2)))
    _walk(el, post)
    album = {m["id"] for m in post.media if "id" in m and post.id <= m["id"] <= post.id + ALBUM_SPAN}
    post.album_ids = sorted(album | {post.id}) if album else []
    return post


# --- pages ---------------------------------------------------------------------------------------

def parse_html(body: bytes, encoding: str | None = None):
    """The document's root, or None. t.me serves UTF-8, the default (the captures declare no charset)."""
    cache = getattr(_parsers, "cache", None)
    if cache is None:
        cache = _parsers.cache = {}
    encoding = (encoding or "utf-8").lower()
    try:
        parser = cache.get(encoding) or cache.setdefault(encoding, etree.HTMLParser(
            encoding=encoding, remove_comments=True, no_network=True, recover=True, default_doctype=False))
        return etree.fromstring(body, parser)
    except (LookupError, ValueError, etree.LxmlError):
        return None


def parse_page(body: bytes, encoding: str | None = None) -> TelegramPage:
    """Every post on a page, in page order (an empty history is an empty list).
    TelegramPageError when the page is no post list."""
    root = parse_html(body, encoding)
    if root is None:
        raise TelegramPageError("the page is empty or not HTML")
    widgets = [el for el in _POSTS(root) if "tgme_widget_message" in (el.get("class") or "").split()]
    posts = [post for post in map(parse_post, widgets) if post is not None]
    if widgets and not posts:
        raise TelegramPageError(f"none of the {len(widgets)} post widgets has a readable data-post id: "
                                "the t.me page layout has changed")
    if not widgets and not _HISTORY(root):
        if _CARD_PAGE(root):
            raise TelegramPageError("t.me shows the channel's card page instead of its posts", no_preview=True)
        raise TelegramPageError("the page has no Telegram post list (no tgme_channel_history, no "
                                "tgme_widget_message): the t.me page layout has changed")
    return TelegramPage(posts, skipped=len(widgets) - len(posts))


def parse_fragment(body: bytes, encoding: str | None = None) -> TelegramPost:
    """The parts found in a piece of a post (a media block, a link preview), as a post with id 0."""
    post = TelegramPost(channel="", id=0)
    root = parse_html(body, encoding)
    if root is not None:
        _walk(root, post)
    return post


def parse_datetime(value: str | None) -> datetime | None:
    try:
        when = datetime.fromisoformat((value or "").strip())
        return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    except (ValueError, OverflowError):      # not a date; past 9999-12-31 or before 0001-01-01 in UTC
        return None


def parse_count(value: str) -> int | None:
    """"37.2K" → 37200, "1.1M" → 1100000, "746" → 746; None when it is no count."""
    value = value.replace(",", "").replace(" ", "").upper()
    scale = {"K": 1_000, "M": 1_000_000, "B": 1_000_000_000}.get(value[-1:], 1)
    try:
        return round(float(value[:-1] if scale > 1 else value) * scale)
    except (ValueError, OverflowError):       # not a number, "nan", "inf"
        return None
