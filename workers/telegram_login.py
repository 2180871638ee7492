"""`newswatch telegram login`: log a Telegram account in once and print its session string.

Phone number → login code → 2FA password when the account has one. The
session string is printed once, with what to do with it, and is never logged:
it is a full login to the account. Nothing is written to disk.
"""
from __future__ import annotations

import asyncio
import getpass
import logging
import os
import sys

from telethon import TelegramClient, errors
from telethon.sessions import StringSession

from newswatch.logs import fields

log = logging.getLogger(__name__)
ATTEMPTS = 3


class LoginError(Exception):
    """Login did not finish; the message says why and what to do, and holds no secret."""


def default_client_factory(session, api_id: int, api_hash: str):
    # flood_sleep_threshold=0: a flood wait is reported at once instead of a silent minute-long sleep
    return TelegramClient(session, api_id, api_hash, flood_sleep_threshold=0, receive_updates=False,
                          device_model="newswatch")


def login(api_id: int, api_hash: str, *, input_fn=None, password_fn=None, print_fn=None,
          client_factory=None) -> str:
    """Run the interactive login; print and return the session string. Raises LoginError.

    Defaults (looked up at call time): input, getpass.getpass, print, and
    `client_factory(session, api_id, api_hash)` building telethon's TelegramClient.
    """
    if not api_id or not api_hash:
        raise LoginError("api_id and api_hash are both needed (from https://my.telegram.org → API development tools)")
    return asyncio.run(_login(int(api_id), api_hash, input_fn or input, password_fn or getpass.getpass,
                              print_fn or print, client_factory or default_client_factory))


async def _login(api_id, api_hash, input_fn, password_fn, print_fn, client_factory) -> str:
    client = client_factory(StringSession(), api_id, api_hash)
    try:
        await client.connect()
        try:
            await _sign_in(client, input_fn, password_fn, print_fn)
        except LoginError:
            raise
        except Exception as exc:
            raise LoginError(_reason(exc)) from None
        session = client.session.save()
    finally:
        try:
            await client.disconnect()
        except Exception:
            pass
    if not session:
        raise LoginError("Telegram did not give this login an authorization key; try again")
    log.info(fields("telegram_login_done", session_chars=len(session)))
    print_fn("\nLogged in. This is the session string (a full login to the account: keep it secret, "
             "it is shown only this once):\n\n" + session + "\n\n"
             "Give it to newswatch as TELEGRAM_SESSION (environment) or in a file named by the source's "
             "`session_file`, together with TELEGRAM_API_ID and TELEGRAM_API_HASH. Log it out at any time "
             "in Telegram → Settings → Devices.")
    return session


async def _sign_in(client, input_fn, password_fn, print_fn) -> None:
    for attempt in range(1, ATTEMPTS + 1):
        phone = input_fn("Phone number of the Telegram account (international format, e.g. +41 79 123 45 67): ").strip()
        try:
            sent = await client.send_code_request(phone)
            break
        except errors.PhoneNumberInvalidError:
            _retry_or_fail(print_fn, attempt, "Telegram says this phone number is not valid.")
    for attempt in range(1, ATTEMPTS + 1):
        code = input_fn("Login code Telegram just sent you (in the app, or by SMS): ").strip().replace(" ", "")
        try:
            await client.sign_in(phone=phone, code=code, phone_code_hash=sent.phone_code_hash)
            return
        except errors.SessionPasswordNeededError:
            break
        except errors.PhoneCodeInvalidError:
            _retry_or_fail(print_fn, attempt, "That code is not right.")
    for attempt in range(1, ATTEMPTS + 1):
        password = password_fn("Two-step verification password (not shown): ")
        try:
            await client.sign_in(password=password)
            return
        except errors.PasswordHashInvalidError:
            _retry_or_fail(print_fn, attempt, "That password is not right.")


def _retry_or_fail(print_fn, attempt: int, message: str) -> None:
    if attempt >= ATTEMPTS:
        raise LoginError(f"{message} Gave up after {ATTEMPTS} tries.")
    print_fn(f"{message} Try again ({ATTEMPTS - attempt} left).")


def _reason(exc: Exception) -> str:
    """Why a login failed, from telethon's error, without echoing anything typed."""
    name = type(exc).__name__
    if isinstance(exc, errors.FloodError) and getattr(exc, "seconds", None) is not None:
        return f"Telegram asks to wait {exc.seconds} seconds before trying again ({name})"
    if isinstance(exc, errors.ApiIdInvalidError):
        return "Telegram rejected api_id/api_hash: copy them again from https://my.telegram.org → API development tools"
    if isinstance(exc, errors.PhoneCodeExpiredError):
        return "the login code expired; run the login again and type the new code promptly"
    if isinstance(exc, (errors.PhoneNumberBannedError, errors.UserDeactivatedBanError)):
        return f"Telegram refuses this account ({name})"
    if isinstance(exc, errors.RPCError):
        return f"Telegram refused the login: {name} (code {exc.code})"
    if isinstance(exc, (ConnectionError, OSError, asyncio.TimeoutError)):
        return f"cannot reach Telegram ({name}); check the network and try again"
    return f"login failed unexpectedly ({name})"


def cmd_login(args) -> int:
    """`newswatch telegram login`: api_id / api_hash from options, environment or prompt; exit code."""
    from newswatch.logs import log_options, setup_logging
    setup_logging(*log_options(args))
    api_id = args.api_id if args.api_id is not None else os.environ.get("TELEGRAM_API_ID", "").strip()
    try:
        api_id = int(api_id or input("api_id (from https://my.telegram.org → API development tools): ").strip())
    except EOFError:
        print("newswatch telegram login: no api_id (set TELEGRAM_API_ID or pass --api-id)", file=sys.stderr)
        return 2
    except ValueError:
        print("newswatch telegram login: api_id must be a number", file=sys.stderr)
        return 2
    try:
        api_hash = os.environ.get(args.api_hash_env, "").strip() or getpass.getpass("api_hash (not shown): ").strip()
        login(api_id, api_hash)
    except LoginError as exc:
        print(f"newswatch telegram login: {exc}", file=sys.stderr)
        return 1
    except EOFError:
        print("newswatch telegram login: input ended; run it in an interactive terminal", file=sys.stderr)
        return 2
    return 0
