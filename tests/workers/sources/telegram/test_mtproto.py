"""`mode: mtproto`: real telethon `Message` objects → Items; the poll and the listener against a fake client.

Message bodies are real posts: the public web-preview captures in
tests/fixtures/telegram/ (Apkawa/rust-any2feed test fixtures, MIT; see that
folder's SOURCES.tsv — full.html, message_media_forwarded_from.html,
message_link_preview.html, message_with_from_author.html,
message_media_photo_and_video.html, message_poll.html, message_voice.html) and
the seed post tests/data/seed/lavrov-bamako-telegram-post.txt. They are read
with BeautifulSoup here only to get the text; the objects handed to the code
are telethon's own `telethon.tl.types.Message`, built offline.

Only Telegram's servers are faked (`FakeTelegram`, the few TelegramClient
methods the code calls, raising telethon's real error classes). Redis is real.
"""
from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time
from datetime import datetime, timedelta, timezone
from itertools import count
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from telethon import errors, utils
from telethon._updates import EntityCache
from telethon.crypto import AuthKey
from telethon.sessions import StringSession
from telethon.tl import types

from workers.sources.telegram.config import TelegramSourceConfig

from workers.registry import load_config
from newswatch.pipeline.dedup import ExactDeduplicator
from workers.polling import poll_once
from workers.runtime import Runtime
from workers.sources.base import SourceError
from workers.sources.telegram.live import TelegramListener
from workers.sources.telegram.mtproto import (TelegramMtprotoSource, media_kind, message_to_item,
                                              messages_to_items)

UTC = timezone.utc
TESTS = Path(__file__).resolve().parents[3]
TELEGRAM_CAPTURES = TESTS / "fixtures" / "telegram"
SEED_POST = TESTS / "data" / "seed" / "lavrov-bamako-telegram-post.txt"
API_HASH = "5f1e0c7b9d2a4e6f8a0b1c2d3e4f5a6b"   # shaped like a real api_hash; must never surface
CHANNEL_ID = 1084368520                           # any id: only its use as a peer matters
_ids = count(7_000_000)


def session_string() -> str:
    """A real StringSession string (random auth key), as `newswatch telegram login` prints it."""
    session = StringSession()
    session.set_dc(2, "149.154.167.51", 443)
    session.auth_key = AuthKey(os.urandom(256))
    return session.save()


SESSION = session_string()


# --- real posts from the captures ----------------------------------------------------------------

def _text(element) -> str:
    """Rendered text: source line wrapping is white space, only <br> breaks a line."""
    for br in element.find_all("br"):
        br.replace_with("\x00")
    return "\n".join(" ".join(line.split()) for line in element.get_text("").split("\x00")).strip()


def capture(name: str) -> list[dict]:
    """The posts of one capture: id, date, text, forward, author, link preview, poll, media."""
    soup = BeautifulSoup((TELEGRAM_CAPTURES / name).read_text(encoding="utf-8"), "html.parser")
    posts = []
    for el in soup.select(".tgme_widget_message[data-post]"):
        channel, post_id = el["data-post"].split("/")
        when = el.select_one(".tgme_widget_message_date time[datetime]")
        body = el.select_one(".tgme_widget_message_bubble > .tgme_widget_message_text")
        fwd = el.select_one(".tgme_widget_message_forwarded_from_name")
        author = el.select_one(".tgme_widget_message_from_author")
        preview = el.select_one(".tgme_widget_message_link_preview")
        poll = el.select_one(".tgme_widget_message_poll_question")
        posts.append({
            "channel": channel, "id": int(post_id), "text": _text(body) if body else "",
            "date": datetime.fromisoformat(when["datetime"]) if when else None,
            "forward": (_text(fwd), fwd.get("href")) if fwd else None,
            "author": _text(author) if author else None,
            "preview": {k: _text(p) for k in ("site_name", "title", "description")
                        if (p := preview.select_one(f".link_preview_{k}"))} | {"url": preview["href"]}
            if preview else None,
            "poll": (_text(poll), [_text(o) for o in el.select(".tgme_widget_message_poll_option_text")])
            if poll else None,
            "media": "video" if el.select_one(".tgme_widget_message_video_player")
            else "photo" if el.select_one(".tgme_widget_message_photo_wrap") else None})
    return posts


def photo() -> types.MessageMediaPhoto:
    return types.MessageMediaPhoto(photo=types.Photo(id=next(_ids), access_hash=1, file_reference=b"", date=None,
                                                     sizes=[], dc_id=2))


def document(*attributes, mime="application/octet-stream") -> types.MessageMediaDocument:
    return types.MessageMediaDocument(document=types.Document(
        id=next(_ids), access_hash=1, file_reference=b"", date=None, mime_type=mime, size=1000, dc_id=2,
        attributes=list(attributes)))


def video(**kw) -> types.MessageMediaDocument:
    return document(types.DocumentAttributeVideo(duration=12.0, w=640, h=360, **kw), mime="video/mp4")


def message(msg_id: int, text: str = "", *, date=None, **fields) -> types.Message:
    return types.Message(id=msg_id, peer_id=types.PeerChannel(CHANNEL_ID), post=True, message=text,
                         date=date or datetime(2023, 2, 28, 12, 0, tzinfo=UTC) + timedelta(minutes=msg_id % 1000),
                         **fields)


def from_post(post: dict, entities: list) -> types.Message:
    """A telethon Message carrying what the web preview showed of one post."""
    extra = {}
    if post["forward"]:
        name, href = post["forward"]
        if href:   # a public channel: telegram sends its peer + post id, the entity (title, username) alongside
            username, original = href.removeprefix("https://t.me/").split("/")
            channel = types.Channel(id=next(_ids), title=name, photo=types.ChatPhotoEmpty(), date=None,
                                    username=username, access_hash=5, broadcast=True)
            entities.append(channel)
            extra["fwd_from"] = types.MessageFwdHeader(date=post["date"] or datetime(2023, 2, 27, tzinfo=UTC),
                                                       from_id=types.PeerChannel(channel.id),
                                                       channel_post=int(original))
        else:      # a user who hides their account: only the name travels
            extra["fwd_from"] = types.MessageFwdHeader(date=datetime(2023, 2, 27, tzinfo=UTC), from_name=name)
    if post["preview"]:
        p = post["preview"]
        extra["media"] = types.MessageMediaWebPage(webpage=types.WebPage(
            id=next(_ids), url=p["url"], display_url=p["url"].split("//", 1)[-1], hash=0, type="article",
            site_name=p.get("site_name"), title=p.get("title"), description=p.get("description")))
    elif post["poll"]:
        question, options = post["poll"]
        extra["media"] = types.MessageMediaPoll(
            poll=types.Poll(id=next(_ids), question=types.TextWithEntities(question, []), hash=0,
                            answers=[types.PollAnswer(text=types.TextWithEntities(o, []), option=bytes([i]))
                                     for i, o in enumerate(options)]),
            results=types.PollResults())
    elif post["media"]:
        extra["media"] = photo() if post["media"] == "photo" else video(supports_streaming=True)
    return message(post["id"], post["text"], date=post["date"], post_author=post["author"], **extra)


def seed_text() -> str:
    return SEED_POST.read_text(encoding="utf-8")


# --- the fake at the client boundary -------------------------------------------------------------

class FakeTelegram:
    """Telegram's servers as seen through TelegramClient: connect, authorization, username resolution,
    history (min_id / limit / reverse as telethon documents them) and NewMessage updates. Messages are
    finished with their entities the way telethon's client does (Message._finish_init), so
    `message.forward.chat` is the forwarded-from Channel, as in production."""

    def __init__(self, channel="topwar_official", history=(), entities=(), *, authorized=True):
        self.channel, self.authorized = channel, authorized
        self.history = {m.id: m for m in history}
        self.entities = {utils.get_peer_id(e): e for e in entities}
        self.fail = {}           # method name -> exception raised on its next call
        self.calls, self.handlers, self.sessions = [], [], []
        self.connects = self.disconnects = 0
        self.lock = threading.Lock()
        self.loop = self._disconnected = None
        self._mb_entity_cache, self._self_id = EntityCache(), None   # what Message._finish_init reads

    def factory(self, session, api_id, api_hash):
        self.sessions.append((session, api_id, api_hash))
        return self

    def _maybe_fail(self, name):
        exc = self.fail.pop(name, None)
        if exc is not None:
            raise exc

    async def connect(self):
        self._maybe_fail("connect")
        self.connects += 1
        self.loop = asyncio.get_running_loop()
        self._disconnected = self.loop.create_future()

    async def disconnect(self):
        self.disconnects += 1
        if "disconnect_hang" in self.fail:          # a peer that stopped answering mid-close
            await asyncio.sleep(self.fail.pop("disconnect_hang"))
        if self._disconnected is not None and not self._disconnected.done():
            self._disconnected.set_result(None)

    @property
    def disconnected(self):
        return self._disconnected

    async def is_user_authorized(self):
        return self.authorized

    async def get_input_entity(self, peer):
        self.calls.append(("get_input_entity", peer))
        self._maybe_fail("get_input_entity")
        if isinstance(peer, types.InputPeerChannel):
            return peer
        if peer != self.channel:
            raise ValueError(f'No user has "{peer}" as username')   # telethon's own words
        return types.InputPeerChannel(CHANNEL_ID, access_hash=987654321)

    async def get_messages(self, peer, limit=None, min_id=0, reverse=False):
        self.calls.append(("get_messages", {"peer": peer, "limit": limit, "min_id": min_id, "reverse": reverse}))
        if "get_messages_delay" in self.fail:
            await asyncio.sleep(self.fail.pop("get_messages_delay"))
        self._maybe_fail("get_messages")
        with self.lock:
            found = sorted((m for m in self.history.values() if m.id > min_id), key=lambda m: m.id,
                           reverse=not reverse)[:limit]
        for m in found:
            m._finish_init(self, self.entities, None)
        return found

    def history_calls(self):
        return [kw for name, kw in self.calls if name == "get_messages"]

    # updates ---------------------------------------------------------------------
    def add_event_handler(self, callback, event):
        self.handlers.append((callback, event))

    def post(self, msg, *, push=True):
        """A new post in the channel; with push=False Telegram never sends the update (catch-up finds it)."""
        with self.lock:
            self.history[msg.id] = msg
        if push:
            asyncio.run_coroutine_threadsafe(self._dispatch(msg), self.loop).result(5)

    async def _dispatch(self, msg):
        for callback, builder in self.handlers:
            await builder.resolve(self)
            event = type(builder).Event(msg)
            event._entities = self.entities
            event._set_client(self)
            if builder.filter(event):
                await callback(event)


def mtproto_config(**overrides) -> TelegramSourceConfig:
    data = {"id": "tg", "type": "telegram", "channel": "https://t.me/topwar_official", "mode": "mtproto",
            "api_id": 123456, "api_hash": API_HASH, "session": SESSION, "lang": "ru", "interval": "2m"}
    return TelegramSourceConfig.model_validate(data | overrides)


def source(fake: FakeTelegram, **kw) -> TelegramMtprotoSource:
    return TelegramMtprotoSource(mtproto_config(**kw.pop("config", {})), client_factory=fake.factory, **kw)


def poll_error(src, cursor=None) -> SourceError:
    with pytest.raises(SourceError) as caught:
        src.poll(cursor or {})
    return caught.value


# --- mapping real Message objects ------------------------------------------------------------------

def test_the_full_page_posts_become_items_with_permalink_date_text_and_forward():
    posts = capture("full.html")
    assert len(posts) == 12
    entities = []
    fake = FakeTelegram(history=[from_post(p, entities) for p in posts], entities=entities)
    result = source(fake, first_limit=20).poll({})
    items = result.items
    assert [i.url for i in items] == [f"https://t.me/topwar_official/{p['id']}" for p in posts]
    assert (items[0].url, items[-1].url) == ("https://t.me/topwar_official/70989",
                                             "https://t.me/topwar_official/71008")
    assert all(i.guid == i.url and i.source_id == "tg" and i.lang == "ru" for i in items)
    assert [i.text for i in items] == [p["text"] for p in posts]
    dated = [(i.published, p["date"]) for i, p in zip(items, posts) if p["date"]]
    assert len(dated) == 12 and all(a == b for a, b in dated)
    assert items[0].published == datetime(2023, 2, 28, 7, 47, 53, tzinfo=UTC)
    forwards = {i.extra["telegram_id"]: i.extra["forwarded_from"] for i in items if "forwarded_from" in i.extra}
    assert {k: (v["name"], v["url"]) for k, v in forwards.items()} == {
        70996: ("Военкор Ярем", "https://t.me/yaremshooter/1066"),
        70998: ("БелВПО", "https://t.me/Belarus_VPO/34301"),
        71006: ("Старше Эдды", "https://t.me/vysokygovorit/10899"),
        71007: ("Пул N3", "https://t.me/dimsmirnov175/44655"),
        71008: ("ImpNavigator", "https://t.me/ImpNavigator/4580")}
    assert items[10].title.startswith("Путин – о приоритетах ФСБ в 2023 году")
    assert result.cursor == {"last_id": "71008"}
    assert len({i.id for i in items}) == 12


def test_forward_from_a_hidden_user_keeps_the_name_only():
    [post] = capture("message_voice.html")
    assert post["forward"][1] is None                      # the capture has no link for this forward
    item = message_to_item("oper_goblin", from_post(post, []))
    assert item.extra["forwarded_from"]["name"] == "Спортивный Екб"
    assert "url" not in item.extra["forwarded_from"]


def test_link_preview_title_and_description_go_to_extra():
    [post] = capture("message_link_preview.html")
    item = message_to_item("oper_goblin", from_post(post, []), source_id="goblin")
    assert item.text == "https://vnnews.ru/georgiy-zotov-okkupaciya-volosatym-kr/"
    preview = item.extra["link_preview"]
    assert preview["title"] == "Георгий Зотов: ОККУПАЦИЯ ВОЛОСАТЫМ КРАБОМ"
    assert preview["site_name"] == "Ваши новости — интернет-газета"
    assert preview["description"] == post["preview"]["description"] and len(preview["description"]) > 40
    assert item.extra["media"] == ["link_preview"]
    assert item.published == datetime(2023, 2, 27, 7, 33, 14, tzinfo=UTC)


def test_post_author_signature_is_the_item_author():
    [post] = capture("message_with_from_author.html")
    item = message_to_item("channel", from_post(post, []))
    assert (item.author, item.extra["author"], item.text) == ("🅰️rkadiy Ivanov", "🅰️rkadiy Ivanov", "test")
    assert item.url == "https://t.me/channel/4"


def test_a_poll_without_text_says_its_question_and_options():
    [post] = capture("message_poll.html")
    item = message_to_item("it_begin", from_post(post, []))
    assert item.title == "Poll: Как лучше?"
    assert "- Несколько постов в день" in item.text.splitlines()
    assert item.extra["poll"]["question"] == "Как лучше?" and len(item.extra["poll"]["options"]) >= 2
    assert item.extra["media"] == ["poll"]


def test_media_kinds_come_from_telethon_document_attributes():
    cases = {"photo": photo(), "video": video(), "round_video": video(round_message=True),
             "gif": document(types.DocumentAttributeAnimated(), types.DocumentAttributeVideo(1.0, 2, 2)),
             "voice": document(types.DocumentAttributeAudio(duration=3, voice=True), mime="audio/ogg"),
             "audio": document(types.DocumentAttributeAudio(duration=3, title="song"), mime="audio/mpeg"),
             "sticker": document(types.DocumentAttributeSticker(alt="🙂", stickerset=types.InputStickerSetEmpty())),
             "file": document(types.DocumentAttributeFilename("report.pdf"), mime="application/pdf"),
             "location": types.MessageMediaGeo(geo=types.GeoPoint(long=37.6, lat=55.7, access_hash=0))}
    for i, (kind, media) in enumerate(cases.items()):
        msg = message(100 + i, "", media=media)
        assert media_kind(msg) == kind
        item = message_to_item("chan", msg)
        assert item.extra["media"] == [kind] and item.title == f"[{kind}] @chan" and item.text == ""
    assert media_kind(message(1, "text only")) is None


def test_hidden_links_behind_text_are_kept():
    text = "Lavrov in Bamako: read the statement"
    msg = message(5, text, entities=[types.MessageEntityTextUrl(offset=25, length=11,
                                                                   url="https://www.mid.ru/en/statement/1")])
    assert message_to_item("chan", msg).extra["links"] == ["https://www.mid.ru/en/statement/1"]


def test_an_album_is_one_item_with_the_caption_whichever_part_has_it():
    [post] = capture("message_media_photo_and_video.html")   # 46908 video + 46909, 46910 photos
    gid = 13391539217093635
    parts = [message(46908, "", date=post["date"], media=video(), grouped_id=gid, views=51000),
             message(46909, "", date=post["date"], media=photo(), grouped_id=gid, views=51200),
             message(46910, post["text"], date=post["date"], media=photo(), grouped_id=gid, views=51100)]
    before = message(46907, "Утренняя сводка", date=post["date"] - timedelta(minutes=5))
    items = messages_to_items("anna_news", [parts[2], before, parts[0], parts[1]], source_id="anna")
    assert [i.url for i in items] == ["https://t.me/anna_news/46907", "https://t.me/anna_news/46908"]
    album = items[1]
    assert album.text == post["text"] and album.text.startswith("Ночью над Белгородом сбили 3 беспилотника")
    assert album.extra["telegram_ids"] == [46908, 46909, 46910]
    assert album.extra["media"] == ["video", "photo"] and album.extra["grouped_id"] == str(gid)
    assert album.extra["views"] == 51200
    assert album.published == datetime(2023, 2, 28, 6, 48, 36, tzinfo=UTC)


def test_an_edit_keeps_the_item_id_and_exact_dedup_drops_it(state):
    text = seed_text()
    original = message(2671, text, date=datetime(2023, 2, 7, 9, 14, tzinfo=UTC))
    edited_text = text.replace("Lavrov's visit would last two days", "Lavrov's visit would last three days")
    edited = message(2671, edited_text, date=original.date, edit_date=datetime(2023, 2, 7, 9, 40, tzinfo=UTC))
    first = message_to_item("The_International_Affairs", original, source_id="intl")
    again = message_to_item("The_International_Affairs", edited, source_id="intl")
    assert first.text != again.text and again.extra["edited_at"] == "2023-02-07T09:40:00+00:00"
    assert first.id == again.id and first.url == "https://t.me/The_International_Affairs/2671"
    dedup = ExactDeduplicator(state, ttl=3600)
    assert dedup.process([first]) == [first]
    dedup.commit([first])
    assert dedup.process([again]) == [] and dedup.dropped == {"seen": 1}


def test_service_messages_are_skipped_but_move_the_cursor():
    pinned = types.MessageService(id=12, peer_id=types.PeerChannel(CHANNEL_ID), date=datetime(2023, 2, 28, tzinfo=UTC),
                                  action=types.MessageActionPinMessage())
    fake = FakeTelegram(history=[message(11, "first post"), pinned])
    result = source(fake).poll({"last_id": "10"})
    assert [i.text for i in result.items] == ["first post"] and result.cursor == {"last_id": "12"}


# --- polling: cursor, batches, errors ------------------------------------------------------------

def posts_from_page(first_id: int, n: int) -> list:
    texts = [p["text"] for p in capture("full.html")]
    return [message(first_id + i, texts[i % len(texts)]) for i in range(n)]


def test_first_poll_takes_only_the_newest_n_oldest_first():
    fake = FakeTelegram(history=posts_from_page(500, 30))
    result = source(fake, first_limit=20).poll({})
    assert [i.extra["telegram_id"] for i in result.items] == list(range(510, 530))
    assert result.cursor == {"last_id": "529"} and result.detail["first_poll"] is True
    assert fake.history_calls()[0]["limit"] == 20 and fake.history_calls()[0]["reverse"] is False
    assert (fake.connects, fake.disconnects) == (1, 1)
    session, api_id, api_hash = fake.sessions[0]
    assert isinstance(session, StringSession) and session.save() == SESSION and (api_id, api_hash) == (123456, API_HASH)


def test_poll_with_cursor_passes_min_id_and_returns_only_newer_posts():
    fake = FakeTelegram(history=posts_from_page(500, 30))
    src = source(fake)
    result = src.poll({"last_id": "524"})
    call = fake.history_calls()[-1]
    assert (call["min_id"], call["reverse"]) == (524, True)
    assert [i.extra["telegram_id"] for i in result.items] == [525, 526, 527, 528, 529]
    assert result.cursor == {"last_id": "529"}
    quiet = src.poll(result.cursor)
    assert quiet.items == [] and quiet.cursor == {"last_id": "529"}
    fake.post(message(530, "Новый пост"), push=False)
    assert [i.text for i in src.poll(quiet.cursor).items] == ["Новый пост"]
    resolves = [c for c in fake.calls if c[0] == "get_input_entity"]
    assert len(resolves) == 1     # the username is resolved once per process, not per poll


def test_a_backlog_is_read_in_batches_without_gaps_and_never_splits_an_album():
    history = posts_from_page(600, 12)
    gid = 777
    for m in history:                      # 605, 606, 607 are one album, cut by the first batch of 6
        if m.id in (605, 606, 607):
            m.grouped_id = gid
    fake = FakeTelegram(history=history)
    src = source(fake, batch_limit=6)
    cursor, seen, batches = {"last_id": "599"}, [], []
    for _ in range(5):
        result = src.poll(cursor)
        batches.append([i.extra["telegram_ids"] for i in result.items])
        seen += [mid for i in result.items for mid in i.extra["telegram_ids"]]
        cursor = result.cursor
        if not result.detail["more"]:
            break
    assert seen == list(range(600, 612))                  # no gap, no repeat
    assert batches[0] == [[600], [601], [602], [603], [604]]   # the album waited for the next batch
    assert [605, 606, 607] in batches[1]


def test_flood_wait_is_a_source_error_with_exactly_the_seconds_told():
    fake = FakeTelegram(history=posts_from_page(1, 3))
    fake.fail["get_messages"] = errors.FloodWaitError(request=None, capture=30)
    err = poll_error(source(fake), {"last_id": "1"})
    assert err.retry_after == 30 and "flood wait" in err.reason and "30s" in err.reason and not err.permanent
    assert fake.disconnects == 1


@pytest.mark.parametrize("error", [errors.AuthKeyUnregisteredError(request=None),
                                   errors.SessionRevokedError(request=None),
                                   errors.UserDeactivatedBanError(request=None),
                                   errors.AuthKeyDuplicatedError(request=None)])
def test_a_dead_session_is_permanent_and_says_to_log_in_again(error):
    fake = FakeTelegram(history=[message(1, "x")])
    fake.fail["get_messages"] = error
    err = poll_error(source(fake))
    assert err.permanent and "newswatch telegram login" in err.reason and type(error).__name__ in err.reason


def test_a_session_that_is_not_authorized_says_to_log_in():
    err = poll_error(source(FakeTelegram(authorized=False)))
    assert err.permanent and "not logged in" in err.reason and "newswatch telegram login" in err.reason


def test_channel_not_found_private_or_not_a_channel_give_clear_reasons():
    missing = poll_error(source(FakeTelegram(channel="someone_else")))
    assert "@topwar_official not found" in missing.reason and missing.permanent
    fake = FakeTelegram()
    fake.fail["get_messages"] = errors.ChannelPrivateError(request=None)
    src = source(fake)
    private = poll_error(src, {"last_id": "5"})
    assert "@topwar_official is private" in private.reason
    src.poll({"last_id": "5"})            # access may come back: the channel is resolved again
    assert len([c for c in fake.calls if c[0] == "get_input_entity"]) == 2
    user = FakeTelegram()
    user.get_input_entity = lambda peer: _return(types.InputPeerUser(5, 6))
    assert "is not a channel" in poll_error(source(user)).reason


async def _return(value):
    return value


def test_no_answer_within_the_timeout_is_a_temporary_error():
    fake = FakeTelegram(history=[message(1, "x")])
    fake.fail["get_messages_delay"] = 5
    err = poll_error(source(fake, config={"timeout": "1s"}))
    assert "did not answer within 1s" in err.reason and not err.permanent
    assert fake.disconnects == 1          # the cancelled poll still hung up


def test_a_hang_up_that_hangs_cannot_hold_the_poll_past_its_timeout_and_grace():
    from workers.sources.telegram.mtproto import DISCONNECT_GRACE
    fake = FakeTelegram(history=[message(1, "x")])
    fake.fail["get_messages_delay"] = 3600
    fake.fail["disconnect_hang"] = 3600
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("error", poll_error(source(fake, config={"timeout": "1s"}))),
                              daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(1 + DISCONNECT_GRACE + 5)
    elapsed = time.monotonic() - started
    assert not thread.is_alive(), f"the poll is still held after {elapsed:.1f}s"
    assert "did not answer within 1s" in box["error"].reason and not box["error"].permanent
    assert elapsed < 1 + DISCONNECT_GRACE + 1


def test_unreachable_telegram_is_temporary():
    fake = FakeTelegram()
    fake.fail["connect"] = ConnectionError("Connection to Telegram failed 5 time(s)")
    err = poll_error(source(fake))
    assert err.reason == "cannot reach Telegram (ConnectionError)" and not err.permanent


def test_bad_cursor_and_mangled_session_string_are_clear_and_do_not_quote_the_secret(caplog):
    fake = FakeTelegram()
    assert "not a message id" in poll_error(source(fake), {"last_id": "abc"}).reason
    mangled = SESSION[:-9]
    err = poll_error(source(fake, config={"session": mangled}))
    assert err.permanent and "session string is not valid" in err.reason and mangled[:20] not in err.reason


def test_errors_and_logs_never_hold_api_hash_or_session(caplog):
    reasons = []
    with caplog.at_level(logging.DEBUG):
        for name, exc in (("get_messages", errors.FloodWaitError(request=None, capture=7)),
                          ("get_messages", errors.AuthKeyUnregisteredError(request=None)),
                          ("connect", OSError("network unreachable")),
                          ("get_input_entity", errors.UsernameInvalidError(request=None))):
            fake = FakeTelegram()
            fake.fail[name] = exc
            reasons.append(poll_error(source(fake), {"last_id": "3"}).reason)
    assert len(set(reasons)) == 4
    text = "\n".join(reasons) + caplog.text
    assert "telegram_flood_wait source_id=tg seconds=7" in caplog.text
    assert API_HASH not in text and SESSION not in text and SESSION[1:40] not in text


def test_poll_works_when_called_from_inside_a_running_event_loop():
    fake = FakeTelegram(history=posts_from_page(40, 3))

    async def from_async_code():
        return source(fake).poll({"last_id": "40"})
    assert [i.extra["telegram_id"] for i in asyncio.run(from_async_code()).items] == [41, 42]


# --- the whole poll: Runtime, pipeline, real Redis -----------------------------------------------

def test_through_poll_once_cursor_in_redis_and_flood_wait_recorded(tmp_path, redis_url, key_prefix):
    config = tmp_path / "newswatch.yaml"
    config.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "max_age": "off", "classify": {"enabled": False},
        "sources": [{"id": "intl", "type": "telegram", "channel": "@The_International_Affairs", "mode": "mtproto",
                     "api_id": 123456, "api_hash": API_HASH, "session": SESSION, "interval": "1m"}],
        "channels": [{"id": "out", "type": "stdout"}], "rules": []}))
    fake = FakeTelegram(channel="The_International_Affairs",
                        history=[message(2670, "Earlier post"), message(2671, seed_text())])
    rt = Runtime(load_config(config), redis_url)
    try:
        rt.sources["intl"].client_factory = fake.factory
        first = poll_once(rt, "intl", lambda *a: None, force=True)
        assert (first.status, first.items, first.new) == ("ok", 2, 2)
        assert rt.state.cursor("intl") == {"last_id": "2671"}
        fake.post(message(2672, "Mali: the transitional government thanks Moscow"), push=False)
        edited = message(2671, seed_text() + "\n(updated)", edit_date=datetime.now(UTC))
        fake.history[2671] = edited          # an edit of an already seen post
        second = poll_once(rt, "intl", lambda *a: None, force=True)
        assert (second.status, second.items, second.new) == ("ok", 1, 1)
        assert fake.history_calls()[-1]["min_id"] == 2671
        assert rt.state.cursor("intl") == {"last_id": "2672"}
        fake.fail["get_messages"] = errors.FloodWaitError(request=None, capture=45)
        before = time.time()
        third = poll_once(rt, "intl", lambda *a: None, force=True)
        health = rt.state.health("intl")
        assert third.status == "failed" and "flood wait" in health["last_error"]
        assert float(health["retry_after"]) == 45 and float(health["next_poll_at"]) >= before + 45
        assert rt.state.cursor("intl") == {"last_id": "2672"}     # nothing lost: the cursor stayed
    finally:
        rt.close()


# --- live mode -------------------------------------------------------------------------------------

class Collector:
    def __init__(self, fail_times: int = 0):
        self.batches, self.fail_times, self.errors = queue.Queue(), fail_times, []

    def __call__(self, items):
        if self.fail_times:
            self.fail_times -= 1
            raise RuntimeError("pipeline down")
        self.batches.put(items)

    def next(self, timeout=5.0):
        return self.batches.get(timeout=timeout)

    def nothing(self, wait=0.4) -> bool:
        try:
            self.batches.get(timeout=wait)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def live():
    started = []

    def start(fake, collector, **kw):
        kw.setdefault("album_wait", 0.2)
        kw.setdefault("catch_up_every", 60)
        listener = TelegramListener(mtproto_config(), collector, client_factory=fake.factory, **kw)
        started.append(listener)
        listener.start()
        assert listener.wait_until_listening(5), listener.last_error
        return listener
    yield start
    for listener in started:
        listener.stop(5)


def test_listener_hands_a_new_post_over_at_once_and_skips_other_chats(live):
    fake, got = FakeTelegram(history=[message(900, "old")]), Collector()
    listener = live(fake, got, last_id=900)
    fake.post(message(901, seed_text()))
    [item] = got.next()
    assert item.url == "https://t.me/topwar_official/901" and item.text.startswith("Russian Foreign Minister")
    assert item.source_id == "tg" and item.lang == "ru"
    elsewhere = types.Message(id=5, peer_id=types.PeerChannel(42), message="other channel", post=True,
                              date=datetime(2023, 2, 28, tzinfo=UTC))
    fake.post(elsewhere)
    assert got.nothing()
    assert listener.cursor == {"last_id": "900"}       # only catch-ups move the cursor
    assert listener.stop(5) and fake.disconnects == 1 and not listener.running


def test_listener_groups_an_album_into_one_item(live):
    [post] = capture("message_media_photo_and_video.html")
    fake, got = FakeTelegram(), Collector()
    live(fake, got, last_id=46900)
    for mid, media, text in ((46908, video(), ""), (46909, photo(), post["text"]), (46910, photo(), "")):
        fake.post(message(mid, text, media=media, grouped_id=31337))
    [album] = got.next()
    assert album.extra["telegram_ids"] == [46908, 46909, 46910] and album.text == post["text"]
    assert album.url == "https://t.me/topwar_official/46908"
    assert got.nothing()


def test_listener_catch_up_finds_posts_never_pushed_without_repeating_pushed_ones(live):
    fake, got = FakeTelegram(history=posts_from_page(100, 3)), Collector()
    listener = live(fake, got, last_id=102, catch_up_every=0.3)
    fake.post(message(103, "pushed"))
    assert [i.text for i in got.next()] == ["pushed"]
    fake.post(message(104, "never pushed"), push=False)
    assert [i.text for i in got.next()] == ["never pushed"]
    assert got.nothing(0.8)
    deadline = time.time() + 5
    while listener.cursor != {"last_id": "104"} and time.time() < deadline:
        time.sleep(0.05)
    assert listener.cursor == {"last_id": "104"}


def test_listener_first_start_without_cursor_takes_the_newest_posts(live):
    fake, got = FakeTelegram(history=posts_from_page(300, 25)), Collector()
    listener = live(fake, got, first_limit=20)
    assert [i.extra["telegram_id"] for i in got.next()] == list(range(305, 325))
    assert listener.cursor == {"last_id": "324"}


def test_listener_offers_posts_again_when_the_callback_failed(live):
    fake, got = FakeTelegram(history=[message(10, "seen")]), Collector(fail_times=1)
    listener = live(fake, got, last_id=10, catch_up_every=0.3)
    fake.post(message(11, "needs a second try"))             # on_items raises the first time
    [item] = got.next()
    assert item.text == "needs a second try" and listener.cursor in ({"last_id": "10"}, {"last_id": "11"})
    assert got.nothing(0.8)


def test_listener_stop_hands_over_an_album_still_being_assembled(live):
    fake, got = FakeTelegram(), Collector()
    listener = live(fake, got, last_id=1, album_wait=30)
    fake.post(message(2, "caption", media=photo(), grouped_id=5))
    fake.post(message(3, "", media=photo(), grouped_id=5))
    assert got.nothing(0.3)
    assert listener.stop(5)
    [album] = got.next(1)
    assert album.extra["telegram_ids"] == [2, 3]


def test_listener_stops_on_a_revoked_session_and_reports_it(live):
    fake, got, reported = FakeTelegram(authorized=False), Collector(), []
    listener = TelegramListener(mtproto_config(), got, client_factory=fake.factory, on_error=reported.append)
    listener.start()
    listener._thread.join(5)
    assert not listener.running and "newswatch telegram login" in listener.last_error
    assert len(reported) == 1 and reported[0].permanent
    assert SESSION not in listener.last_error and API_HASH not in listener.last_error


def test_listener_waits_out_a_flood_wait_then_connects(live):
    fake, got = FakeTelegram(history=[message(1, "a")]), Collector()
    fake.fail["get_input_entity"] = errors.FloodWaitError(request=None, capture=1)
    started = time.monotonic()
    listener = live(fake, got, last_id=1)
    assert time.monotonic() - started >= 0.9 and fake.connects == 2
    assert "flood wait" in listener.last_error
