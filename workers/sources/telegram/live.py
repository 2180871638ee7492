"""`live: true`: a long-running MTProto listener that hands a channel's new posts over within seconds.

    listener = TelegramListener(config, on_items, last_id=cursor.get("last_id"))
    listener.start()                    # own thread, own event loop; returns at once
    listener.wait_until_listening(30)   # True once the handler is registered
    ...                                 # on_items(list[Item]) is called from a worker thread, never concurrently
    listener.cursor                     # {"last_id": "<id>"}: everything up to it was handed over
    listener.stop()                     # pending albums are handed over, the client disconnects

New messages arrive by `events.NewMessage(chats=<channel>)`. Album parts
(same `grouped_id`) are held `album_wait` seconds after the last part and
handed over as one item (telethon's own Album event is best effort). Telegram
does not push every update of large channels to every account, so the
listener also fetches everything after its cursor when it connects and every
`catch_up_every` seconds (default: the source's interval); ids already handed
over are not handed over twice. Only a catch-up moves the cursor, so a post
Telegram never pushed is still fetched, and a failing `on_items` leaves the
cursor where it was: the next catch-up offers those posts again.
Edits arrive as MessageEdited, which is not listened to: an edit never makes
a new item. A flood wait or a lost connection waits and reconnects; a revoked
session stops the listener (`last_error` says to run `newswatch telegram login`).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict

from telethon import events

from workers.sources.telegram.config import TelegramSourceConfig
from newswatch.logs import fields
from workers.sources.base import SourceError
from workers.sources.telegram.mtproto import (LOGIN_HINT, api_hash_value, disconnect_quietly, fetch_new,
                                              messages_to_items, parse_last_id, resolve_channel, source_error,
                                              string_session, telethon_client_factory)

log = logging.getLogger(__name__)
_REMEMBERED = 5000  # message ids already handed over, to skip them in catch-ups


class TelegramListener:
    def __init__(self, config: TelegramSourceConfig, on_items, *, last_id: int | str | None = None,
                 client_factory=None, album_wait: float = 1.0, catch_up_every: float | None = None,
                 reconnect_delay: float = 5.0, on_error=None, first_limit: int = 20, batch_limit: int = 100):
        self.config, self.id, self.channel = config, config.id, config.channel
        self.on_items, self.on_error = on_items, on_error
        self.client_factory = client_factory or telethon_client_factory(flood_sleep_threshold=60,
                                                                        receive_updates=True)
        self.album_wait, self.reconnect_delay = album_wait, reconnect_delay
        self.catch_up_every = float(catch_up_every or config.interval)
        self.first_limit, self.batch_limit = first_limit, batch_limit
        self.last_error: str | None = None
        self._last_id = parse_last_id({"last_id": last_id})
        self._delivered: OrderedDict[int, None] = OrderedDict()
        self._albums: dict[int, list] = {}
        self._album_timers: dict[int, asyncio.Task] = {}
        self._stopping, self._listening = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._deliver_lock: asyncio.Lock | None = None

    # --- the API the daemon uses ------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("listener already started")
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True,
                                        name=f"telegram-live-{self.id}")
        self._thread.start()

    def wait_until_listening(self, timeout: float) -> bool:
        return self._listening.wait(timeout)

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop listening, hand over pending albums, disconnect. True when the thread ended in time."""
        self._stopping.set()
        loop, wake = self._loop, self._wake   # _main sets _wake before _loop
        if loop is not None and wake is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:  # loop closed meanwhile
                pass
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def cursor(self) -> dict:
        return {"last_id": str(self._last_id)} if self._last_id is not None else {}

    # --- the loop thread --------------------------------------------------------
    async def _main(self) -> None:
        self._wake, self._deliver_lock = asyncio.Event(), asyncio.Lock()
        self._loop = asyncio.get_running_loop()
        delay = self.reconnect_delay
        while not self._stopping.is_set():
            try:
                await self._session()
                delay = self.reconnect_delay
            except Exception as exc:  # SourceError, or a client that could not even be built
                err = exc if isinstance(exc, SourceError) else source_error(exc, self.channel)
                self._failed(err)
                if err.permanent:
                    break
                await self._sleep(err.retry_after if err.retry_after is not None else delay)
                delay = min(delay * 2, 300.0)
        log.info(fields("telegram_live_stopped", source_id=self.id, last_id=self.cursor.get("last_id")))

    async def _session(self) -> None:
        client = self.client_factory(string_session(self.config), self.config.api_id,
                                     api_hash_value(self.config))
        try:
            await client.connect()
            if not await client.is_user_authorized():
                raise SourceError(f"the Telegram session is not logged in (expired or revoked); {LOGIN_HINT}",
                                  permanent=True)
            peer = await resolve_channel(client, self.channel)
            client.add_event_handler(self._on_new_message, events.NewMessage(chats=peer))
            await self._catch_up(client, peer)
            self._listening.set()
            log.info(fields("telegram_live_listening", source_id=self.id, channel=self.channel))
            while not self._stopping.is_set():
                if await self._wait(client.disconnected):
                    raise SourceError("the connection to Telegram was lost")
                if not self._stopping.is_set():
                    await self._catch_up(client, peer)
        except SourceError:
            raise
        except Exception as exc:
            raise source_error(exc, self.channel) from None
        finally:
            self._listening.clear()
            await self._flush_albums()
            await disconnect_quietly(client)

    async def _wait(self, disconnected) -> bool:
        """Until stop, disconnection or the next catch-up; True when disconnected."""
        assert self._wake is not None, "set by _main before the session starts"
        wake = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({wake, disconnected}, timeout=self.catch_up_every,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            wake.cancel()
        return disconnected.done() and not self._stopping.is_set()

    async def _sleep(self, seconds: float) -> None:
        assert self._wake is not None, "set by _main before anything sleeps"
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    def _failed(self, err: SourceError) -> None:
        self.last_error = err.reason
        log.warning(fields("telegram_live_error", source_id=self.id, reason=err.reason,
                           retry_after=err.retry_after, permanent=err.permanent))
        if self.on_error is not None:
            try:
                self.on_error(err)
            except Exception as exc:
                log.error(fields("telegram_live_on_error_failed", source_id=self.id, error=type(exc).__name__))

    # --- messages ---------------------------------------------------------------
    async def _on_new_message(self, event) -> None:
        message = event.message
        gid = message.grouped_id
        if not gid:
            await self._deliver([message], via="live")
            return
        self._albums.setdefault(gid, []).append(message)
        timer = self._album_timers.pop(gid, None)
        if timer is not None:
            timer.cancel()
        self._album_timers[gid] = asyncio.ensure_future(self._album_after_wait(gid))

    async def _album_after_wait(self, gid: int) -> None:
        await asyncio.sleep(self.album_wait)
        self._album_timers.pop(gid, None)
        await self._deliver(self._albums.pop(gid, []), via="live")

    async def _flush_albums(self) -> None:
        for gid in list(self._albums):
            timer = self._album_timers.pop(gid, None)
            if timer is not None:
                timer.cancel()
            await self._deliver(self._albums.pop(gid, []), via="stop")

    async def _catch_up(self, client, peer) -> None:
        for _ in range(10):  # a long backlog is read in batches; the rest at the next catch-up
            batch, new_last, more = await fetch_new(client, peer, self._last_id, first_limit=self.first_limit,
                                                    batch_limit=self.batch_limit)
            pending = [m for m in batch if m.grouped_id and m.grouped_id in self._albums]
            if pending:  # an album still being assembled: its timer hands it over; the cursor waits for it
                batch = [m for m in batch if m.id < min(p.id for p in pending)]
                new_last, more = (batch[-1].id if batch else self._last_id), False
            if not await self._deliver(batch, via="catch_up"):
                return
            if new_last is not None:
                self._last_id = max(self._last_id or 0, new_last)
            if not more:
                return

    async def _deliver(self, messages: list, *, via: str) -> bool:
        """Map and hand over; False when on_items failed (they stay undelivered and are offered again)."""
        assert self._deliver_lock is not None, "set by _main before anything is delivered"
        async with self._deliver_lock:
            items = [it for it in messages_to_items(self.channel, messages, source_id=self.id,
                                                    lang=self.config.lang)
                     if not all(i in self._delivered for i in it.extra["telegram_ids"])]
            if items:
                try:
                    await asyncio.get_running_loop().run_in_executor(None, self.on_items, items)
                except Exception as exc:
                    log.error(fields("telegram_live_on_items_failed", source_id=self.id, via=via,
                                     error=type(exc).__name__, items=len(items), last_id=self._last_id))
                    return False
                log.info(fields("telegram_live_items", source_id=self.id, via=via, items=len(items)))
            for message in messages:
                self._delivered[message.id] = None
                if len(self._delivered) > _REMEMBERED:
                    self._delivered.popitem(last=False)
            return True
