"""`type: telegram, mode: mtproto`: a channel read through telethon with a logged-in user session.

`poll(cursor)` connects, fetches the messages after `cursor["last_id"]`
(oldest first; the first poll takes only the newest `first_limit`),
disconnects, and maps them to Items (telegram_messages.py): an album (`grouped_id`)
is one item, and the item's guid is the permalink, so an edited post keeps its id
and never alerts again. Telethon is async; each poll runs it on its own event loop.

Secrets (api_hash, the session string) go to telethon and nowhere else: no
log line, error or reason here holds them.
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from telethon import TelegramClient, errors
from telethon.sessions import StringSession
from telethon.tl import types

from workers.sources.telegram.config import TelegramSourceConfig
from newswatch.logs import fields
from workers.sources.base import PollResult, SourceError
from workers.sources.telegram.messages import (album_to_item, media_kind, message_to_item,  # noqa: F401
                                               messages_to_items, permalink)

log = logging.getLogger(__name__)

LOGIN_HINT = "run `newswatch telegram login` and set TELEGRAM_SESSION to the new string"
DEFAULT_TIMEOUT = 30.0
DISCONNECT_GRACE = 5.0   # seconds a hang-up may take after the poll (a poll lasts at most timeout + this)


# --- the client ------------------------------------------------------------------

def telethon_client_factory(*, timeout: float = 10, flood_sleep_threshold: int = 0, receive_updates: bool = False):
    """`factory(session, api_id, api_hash) -> TelegramClient`.

    flood_sleep_threshold=0: every flood wait is raised, so the source records
    it and the scheduler waits exactly as told instead of a worker sleeping.
    """
    def make(session, api_id: int, api_hash: str):
        return TelegramClient(session, api_id, api_hash, timeout=timeout, receive_updates=receive_updates,
                              flood_sleep_threshold=flood_sleep_threshold, connection_retries=2, request_retries=2,
                              device_model="newswatch")
    return make


def api_hash_value(config: TelegramSourceConfig) -> str:
    """The API hash: the config requires one in mode: mtproto, except in a dry run (which connects nowhere)."""
    if config.api_hash is None:
        raise SourceError("mode: mtproto needs api_hash (here, as api_hash_file, or as TELEGRAM_API_HASH)",
                          permanent=True)
    return config.api_hash.get_secret_value()


def string_session(config: TelegramSourceConfig):
    """The StringSession from the config; a mangled string is a clear error that does not quote it."""
    secret = config.session.get_secret_value() if config.session is not None else ""
    try:
        return StringSession(secret.strip())
    except Exception:  # ValueError, binascii.Error, struct.error: all mean "not a session string"
        raise SourceError(f"the Telegram session string is not valid (cut or mangled?); {LOGIN_HINT}",
                          permanent=True) from None


def run_sync(make_coro, timeout: float):
    """Run `make_coro()` to completion on a fresh event loop, bounded by `timeout` seconds.

    Celery calls sources from plain threads (no loop): asyncio.run there. Called
    from inside a running loop, the work moves to a short-lived thread instead.
    """
    async def bounded():
        return await asyncio.wait_for(make_coro(), timeout)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(bounded())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="telethon") as pool:
        return pool.submit(asyncio.run, bounded()).result()


def source_error(exc: BaseException, channel: str) -> SourceError:
    """A telethon or network failure as a SourceError with a reason an operator can act on."""
    name = type(exc).__name__
    if isinstance(exc, errors.FloodError) and getattr(exc, "seconds", None) is not None:
        return SourceError(f"Telegram flood wait: asked to wait {exc.seconds}s before the next request ({name})",
                           retry_after=float(exc.seconds))
    if isinstance(exc, (errors.UnauthorizedError, errors.AuthKeyError)):
        return SourceError(f"the Telegram session is no longer valid ({name}); {LOGIN_HINT}", permanent=True)
    if isinstance(exc, errors.ApiIdInvalidError):
        return SourceError("Telegram rejected api_id/api_hash (ApiIdInvalidError); check them at my.telegram.org",
                           permanent=True)
    if isinstance(exc, errors.ChannelPrivateError):
        return SourceError(f"Telegram channel @{channel} is private, or this account was banned from it",
                           permanent=True)
    if isinstance(exc, (errors.UsernameNotOccupiedError, errors.UsernameInvalidError)):
        return SourceError(f"Telegram channel @{channel} not found (no public channel has this username)",
                           permanent=True)
    if isinstance(exc, errors.ChannelInvalidError):
        return SourceError(f"Telegram channel @{channel} cannot be read as a channel ({name})", permanent=True)
    if isinstance(exc, errors.RPCError):
        return SourceError(f"Telegram refused the request: {name} (code {exc.code})")
    if isinstance(exc, asyncio.TimeoutError):
        return SourceError("Telegram did not answer in time")
    if isinstance(exc, (ConnectionError, OSError)):
        return SourceError(f"cannot reach Telegram ({name})")
    return SourceError(f"Telegram poll failed unexpectedly ({name})")


async def resolve_channel(client, channel: str):
    """The InputPeerChannel for a public username; clear errors when it is not one."""
    try:
        peer = await client.get_input_entity(channel)
    except ValueError:  # telethon: 'No user has "x" as username' / 'Cannot find any entity'
        raise SourceError(f"Telegram channel @{channel} not found (no public channel has this username)",
                          permanent=True) from None
    if not isinstance(peer, types.InputPeerChannel):
        raise SourceError(f"@{channel} is not a channel (it is a user or a basic group)", permanent=True)
    return peer


async def fetch_new(client, peer, last_id: int | None, *, first_limit: int, batch_limit: int):
    """Messages after `last_id`, oldest first, and the new last id.

    No cursor: the newest `first_limit`. With a cursor: up to `batch_limit`
    upward from it (reverse=True makes min_id the offset, so nothing between
    polls is skipped; a longer backlog continues at the next poll). When the
    batch is full and ends inside an album, the album is left for the next
    poll whole rather than split across two items.
    """
    if last_id is None:
        batch = sorted(await client.get_messages(peer, limit=first_limit), key=lambda m: m.id)
        return batch, (batch[-1].id if batch else None), False
    found = await client.get_messages(peer, min_id=last_id, limit=batch_limit, reverse=True)
    batch = sorted((m for m in found if m.id > last_id), key=lambda m: m.id)
    more = len(found) >= batch_limit
    if more and batch and getattr(batch[-1], "grouped_id", None):
        gid = batch[-1].grouped_id
        kept = [m for m in batch if getattr(m, "grouped_id", None) != gid]
        batch = kept or batch  # a batch that is all one album cannot wait
    return batch, (batch[-1].id if batch else last_id), more


def parse_last_id(cursor: dict) -> int | None:
    value = (cursor or {}).get("last_id")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SourceError(f"the saved cursor last_id={str(value)[:40]!r} is not a message id; delete this "
                          "source's cursor to start again from the newest posts", permanent=True) from None


class TelegramMtprotoSource:
    """Polls one channel through MTProto. `client_factory(session, api_id, api_hash)` is injectable for tests."""

    def __init__(self, config: TelegramSourceConfig, *, client_factory=None, first_limit: int = 20,
                 batch_limit: int = 100):
        self.config = config
        self.id = config.id
        self.channel = config.channel
        self.timeout = float(config.timeout or DEFAULT_TIMEOUT)
        self.client_factory = client_factory or telethon_client_factory(timeout=min(self.timeout, 10))
        self.first_limit = first_limit
        self.batch_limit = batch_limit
        # Resolved once per process: username lookups have tight flood limits, history reads do not.
        self._peer = None

    def fetch_budget(self) -> float:
        return self.timeout + DISCONNECT_GRACE

    def poll(self, cursor: dict) -> PollResult:
        last_id = parse_last_id(cursor)
        try:
            messages, new_last, more = run_sync(lambda: self._fetch(last_id), self.timeout)
        except asyncio.TimeoutError:
            raise SourceError(f"Telegram did not answer within {self.timeout:g}s") from None
        items = messages_to_items(self.channel, messages, source_id=self.id, lang=self.config.lang)
        if more:
            log.info(fields("telegram_backlog", source_id=self.id, fetched=len(messages), last_id=new_last))
        new_cursor = {"last_id": str(new_last)} if new_last is not None else {}
        return PollResult(items, new_cursor, detail={"parser": "mtproto", "messages": len(messages),
                                                     "first_poll": last_id is None, "more": more})

    async def _fetch(self, last_id: int | None):
        session = string_session(self.config)
        client = self.client_factory(session, self.config.api_id, api_hash_value(self.config))
        try:
            await client.connect()
            if not await client.is_user_authorized():
                raise SourceError(f"the Telegram session is not logged in (expired or revoked); {LOGIN_HINT}",
                                  permanent=True)
            if self._peer is None:
                self._peer = await resolve_channel(client, self.channel)
            return await fetch_new(client, self._peer, last_id, first_limit=self.first_limit,
                                   batch_limit=self.batch_limit)
        except SourceError:
            raise
        except Exception as exc:
            raise self._failed(exc) from None
        finally:
            await disconnect_quietly(client)

    def _failed(self, exc: Exception) -> SourceError:
        error = source_error(exc, self.channel)
        if isinstance(exc, (errors.ChannelPrivateError, errors.ChannelInvalidError)):
            self._peer = None  # the access hash may have changed: resolve again next time
        if error.retry_after is not None:
            log.warning(fields("telegram_flood_wait", source_id=self.id, seconds=int(error.retry_after)))
        else:
            log.warning(fields("telegram_poll_error", source_id=self.id, error=type(exc).__name__))
        return error


async def disconnect_quietly(client) -> None:
    """Hang up, within DISCONNECT_GRACE seconds. It runs in the `finally` of a poll, also when the poll's
    own timeout cancelled it, and asyncio.wait_for waits for that cleanup: a disconnect that hangs
    (a peer that stopped answering mid-close) would hold the poll past its timeout forever."""
    try:
        await asyncio.wait_for(client.disconnect(), DISCONNECT_GRACE)
    except asyncio.TimeoutError:
        log.warning(fields("telegram_disconnect_timeout", seconds=DISCONNECT_GRACE))
    except Exception as exc:  # disconnecting a half-open client must not hide the real error
        log.debug(fields("telegram_disconnect_error", error=type(exc).__name__))
