"""Telethon messages as Items (telegram_mtproto.py fetches them): an album (`grouped_id`) is one
item with the caption whichever part has it, the guid is the permalink (an edited post keeps its id),
and forwards, link previews, polls, hidden links and media kinds go to `extra`."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import overload

from telethon import utils
from telethon.tl import types

from newswatch.model.item import Item

TITLE_MAX = 120
# Document kinds in the order telethon's Message properties are checked: a round video is also a video.
_DOCUMENT_KINDS = (("sticker", "sticker"), ("video_note", "round_video"), ("gif", "gif"), ("video", "video"),
                   ("voice", "voice"), ("audio", "audio"))
_MEDIA_KINDS = {"MessageMediaPoll": "poll", "MessageMediaGeo": "location", "MessageMediaGeoLive": "location",
                "MessageMediaVenue": "venue", "MessageMediaContact": "contact", "MessageMediaDice": "dice",
                "MessageMediaGame": "game", "MessageMediaInvoice": "invoice", "MessageMediaStory": "story",
                "MessageMediaPaidMedia": "paid_media", "MessageMediaGiveaway": "giveaway"}


def permalink(channel: str, message_id: int) -> str:
    return f"https://t.me/{channel}/{message_id}"


def media_kind(message) -> str | None:
    """photo, video, round_video, gif, voice, audio, sticker, file, link_preview, poll, ... or None."""
    media = message.media
    if media is None or isinstance(media, types.MessageMediaEmpty):
        return None
    if isinstance(media, types.MessageMediaPhoto):
        return "photo"
    if isinstance(media, types.MessageMediaDocument):
        return next((kind for prop, kind in _DOCUMENT_KINDS if getattr(message, prop, None) is not None), "file")
    if isinstance(media, types.MessageMediaWebPage):
        return "link_preview"
    return _MEDIA_KINDS.get(type(media).__name__, type(media).__name__.removeprefix("MessageMedia").lower())


def _text(value) -> str:
    """A plain string from str or TextWithEntities (poll questions changed type in layer 178)."""
    return (getattr(value, "text", value) or "").strip()


def _poll(message) -> dict | None:
    media = message.poll
    if media is None:
        return None
    return {"question": _text(media.poll.question), "options": [_text(a.text) for a in media.poll.answers]}


def _link_preview(message) -> dict | None:
    media = message.media
    if not isinstance(media, types.MessageMediaWebPage):
        return None
    page = media.webpage
    info = {"url": getattr(page, "url", None)}
    if isinstance(page, types.WebPage):
        info.update(site_name=page.site_name, title=page.title, description=page.description, type=page.type)
    return {k: v for k, v in info.items() if v} or None


def _forwarded(message) -> dict | None:
    """Who the post was forwarded from: name, username, link to the original when it is a public channel."""
    fwd = message.fwd_from
    if fwd is None:
        return None
    resolved = getattr(message, "forward", None)  # telethon's Forward, set when the client knew the entities
    entity = (resolved.chat or resolved.sender) if resolved is not None else None
    username = getattr(entity, "username", None)
    info = {"name": fwd.from_name or (utils.get_display_name(entity) if entity is not None else None) or None,
            "username": username, "post_author": fwd.post_author,
            "url": (permalink(username, fwd.channel_post) if fwd.channel_post else f"https://t.me/{username}")
            if username else None,
            "peer_id": utils.get_peer_id(fwd.from_id) if fwd.from_id is not None else None,
            "date": _utc(fwd.date).isoformat() if fwd.date else None}
    return {k: v for k, v in info.items() if v is not None}


def _hidden_links(message) -> list[str]:
    """URLs behind text (MessageEntityTextUrl): not in the raw text, but where the story points."""
    return list(dict.fromkeys(e.url for e in message.entities or () if isinstance(e, types.MessageEntityTextUrl)))


@overload
def _utc(value: datetime) -> datetime: ...
@overload
def _utc(value: None) -> None: ...
def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _title(text: str, fallback: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if not line:
        return fallback
    if len(line) <= TITLE_MAX:
        return line
    cut = line[:TITLE_MAX]
    return (cut.rsplit(" ", 1)[0] if " " in cut[TITLE_MAX // 2:] else cut).rstrip(" ,;:-") + "…"


def album_to_item(channel: str, messages: list, *, source_id: str | None = None, lang: str | None = None) -> Item:
    """One Item from one message or from every message of one album (same grouped_id).

    The id is the first message's; the caption comes from whichever message has
    text; guid = permalink, so the fingerprint depends on channel and id only.
    """
    messages = sorted(messages, key=lambda m: m.id)
    first = messages[0]
    main = next((m for m in messages if (m.message or "").strip()), first)
    kinds = list(dict.fromkeys(k for k in map(media_kind, messages) if k))
    poll = _poll(main)
    text = (main.message or "").strip()
    if poll and not text:
        text = "\n".join([f"Poll: {poll['question']}"] + [f"- {o}" for o in poll["options"]])
    edited = max((m.edit_date for m in messages if m.edit_date), default=None)
    extra = {"telegram_channel": channel, "telegram_id": first.id, "telegram_ids": [m.id for m in messages],
             "grouped_id": str(first.grouped_id) if first.grouped_id else None, "media": kinds,
             "forwarded_from": _forwarded(main), "author": main.post_author or first.post_author,
             "views": max((m.views or 0 for m in messages), default=0) or None, "link_preview": _link_preview(main),
             "links": _hidden_links(main) or None, "poll": poll,
             "edited_at": _utc(edited).isoformat() if edited else None}
    link = permalink(channel, first.id)
    fallback = f"[{kinds[0] if kinds else 'post'}] @{channel}"
    return Item(source_id=source_id or channel, title=_title(text, fallback), text=text, url=link, guid=link,
                published=_utc(first.date), lang=lang, author=extra["author"],
                extra={k: v for k, v in extra.items() if v is not None}).finish()


def message_to_item(channel: str, message, *, source_id: str | None = None, lang: str | None = None) -> Item:
    return album_to_item(channel, [message], source_id=source_id, lang=lang)


def messages_to_items(channel: str, messages, *, source_id: str | None = None, lang: str | None = None) -> list[Item]:
    """Items oldest first; service messages (pins, title changes) and empty ones are left out."""
    groups: dict[tuple, list] = {}
    for message in sorted((m for m in messages if isinstance(m, types.Message)), key=lambda m: m.id):
        if not (message.message or "").strip() and media_kind(message) is None:
            continue
        key = ("album", message.grouped_id) if message.grouped_id else ("message", message.id)
        groups.setdefault(key, []).append(message)
    return [album_to_item(channel, group, source_id=source_id, lang=lang) for group in groups.values()]
