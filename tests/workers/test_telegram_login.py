"""`newswatch telegram login`: phone → code → 2FA password, the session string printed once, never logged.

Telegram's login servers are the only fake (`FakeLoginTelegram`, at the
TelegramClient boundary, raising telethon's own error classes). The session
is a real telethon StringSession: what is printed must load back into one.
"""
from __future__ import annotations

import logging
import os

import pytest
from telethon import errors
from telethon.crypto import AuthKey
from telethon.sessions import StringSession
from telethon.tl import types

import workers.telegram_login as telegram_login
from workers.cli import main
from workers.telegram_login import LoginError, login

API_ID = 2040
API_HASH = "b18441a1ff607e10a989891a5462e627"   # shaped like an api_hash; must never be shown
PHONE = "+41 79 555 01 02"
CODE = "53117"
PASSWORD = "correct horse battery staple"


class FakeLoginTelegram:
    """Telegram's auth servers through TelegramClient: connect creates the auth key in the session (as
    telethon does), send_code_request returns a SentCode, sign_in checks code, hash and 2FA password."""

    def __init__(self, *, password: str | None = None, fail_send: Exception | None = None):
        self.password, self.fail_send = password, fail_send
        self.session = None
        self.built, self.sent, self.sign_ins = [], [], []
        self.connected = self.authorized = False

    def factory(self, session, api_id, api_hash):
        self.built.append((api_id, api_hash))
        self.session = session
        return self

    async def connect(self):
        self.connected = True
        self.session.set_dc(2, "149.154.167.51", 443)
        self.session.auth_key = AuthKey(os.urandom(256))

    async def disconnect(self):
        self.connected = False

    async def send_code_request(self, phone):
        self.sent.append(phone)
        if self.fail_send is not None:
            raise self.fail_send
        if not phone.startswith("+"):
            raise errors.PhoneNumberInvalidError(request=None)
        return types.auth.SentCode(type=types.auth.SentCodeTypeApp(length=5), phone_code_hash="9ab5f3e1c2d4")

    async def sign_in(self, phone=None, code=None, *, password=None, phone_code_hash=None):
        self.sign_ins.append({"phone": phone, "code": code, "password": password, "hash": phone_code_hash})
        if code is not None:
            assert phone_code_hash == "9ab5f3e1c2d4" and phone == self.sent[-1]
            if code != CODE:
                raise errors.PhoneCodeInvalidError(request=None)
            if self.password is not None:
                raise errors.SessionPasswordNeededError(request=None)
        elif password != self.password:
            raise errors.PasswordHashInvalidError(request=None)
        self.authorized = True
        return types.User(id=777, first_name="Analyst")


class Terminal:
    """What the operator types and sees."""

    def __init__(self, *answers, passwords=()):
        self.answers, self.passwords = list(answers), list(passwords)
        self.prompts, self.password_prompts, self.printed = [], [], []

    def input(self, prompt=""):
        self.prompts.append(prompt)
        return self.answers.pop(0)

    def getpass(self, prompt=""):
        self.password_prompts.append(prompt)
        return self.passwords.pop(0)

    def print(self, *args, **kwargs):
        self.printed.append(" ".join(map(str, args)))


def run_login(fake, term):
    return login(API_ID, API_HASH, input_fn=term.input, password_fn=term.getpass, print_fn=term.print,
                 client_factory=fake.factory)


def test_login_without_2fa_prints_the_session_once_and_never_logs_it(caplog):
    fake, term = FakeLoginTelegram(), Terminal(PHONE, CODE)
    with caplog.at_level(logging.DEBUG):
        session = run_login(fake, term)
    assert fake.authorized and not fake.connected and fake.built == [(API_ID, API_HASH)]
    assert session == fake.session.save() and StringSession(session).auth_key is not None
    assert sum(session in line for line in term.printed) == 1
    assert "TELEGRAM_SESSION" in term.printed[-1]
    assert term.password_prompts == []                          # no 2FA: never asked
    assert session not in caplog.text and session[1:30] not in caplog.text and CODE not in caplog.text
    assert "telegram_login_done" in caplog.text                 # the login itself is logged, not its secret
    assert all(API_HASH not in line for line in term.printed + term.prompts)


def test_login_with_2fa_asks_for_the_password_unechoed(caplog):
    fake, term = FakeLoginTelegram(password=PASSWORD), Terminal(PHONE, CODE, passwords=[PASSWORD])
    with caplog.at_level(logging.DEBUG):
        session = run_login(fake, term)
    assert fake.authorized and len(term.password_prompts) == 1 and "not shown" in term.password_prompts[0]
    assert [s["password"] for s in fake.sign_ins] == [None, PASSWORD]
    assert sum(session in line for line in term.printed) == 1
    assert PASSWORD not in caplog.text and session not in caplog.text
    assert all(PASSWORD not in line for line in term.printed)


def test_a_mistyped_code_and_password_are_asked_again():
    fake = FakeLoginTelegram(password=PASSWORD)
    term = Terminal("0041795550102", PHONE, "11111", CODE, passwords=["wrong", PASSWORD])
    session = run_login(fake, term)
    assert fake.sent == ["0041795550102", PHONE]
    assert [line for line in term.printed if "Try again" in line] == [
        "Telegram says this phone number is not valid. Try again (2 left).",
        "That code is not right. Try again (2 left).",
        "That password is not right. Try again (2 left)."]
    assert sum(session in line for line in term.printed) == 1


def test_three_wrong_passwords_give_up_without_printing_a_session():
    fake = FakeLoginTelegram(password=PASSWORD)
    term = Terminal(PHONE, CODE, passwords=["a", "b", "c"])
    with pytest.raises(LoginError, match="That password is not right. Gave up after 3 tries."):
        run_login(fake, term)
    assert not fake.authorized and not fake.connected
    assert not any(fake.session.save() in line for line in term.printed)


@pytest.mark.parametrize("error, expected", [
    (errors.FloodWaitError(request=None, capture=300), "Telegram asks to wait 300 seconds before trying again"),
    (errors.ApiIdInvalidError(request=None), "Telegram rejected api_id/api_hash"),
    (errors.PhoneNumberBannedError(request=None), "Telegram refuses this account"),
    (ConnectionError("Connection to Telegram failed 5 time(s)"), "cannot reach Telegram (ConnectionError)")])
def test_telegram_refusals_are_clear_errors(error, expected):
    fake, term = FakeLoginTelegram(fail_send=error), Terminal(PHONE)
    with pytest.raises(LoginError) as caught:
        run_login(fake, term)
    assert str(caught.value).startswith(expected) and API_HASH not in str(caught.value)
    assert not fake.connected


def test_missing_api_credentials_are_refused_before_connecting():
    fake = FakeLoginTelegram()
    with pytest.raises(LoginError, match="api_id and api_hash are both needed"):
        login(API_ID, "", client_factory=fake.factory)
    assert fake.built == []


# --- the command ------------------------------------------------------------------------------------

def test_cli_login_reads_env_prints_the_session_once_and_never_the_hash(monkeypatch, capsys):
    fake, term = FakeLoginTelegram(password=PASSWORD), Terminal(PHONE, CODE, passwords=[PASSWORD])
    monkeypatch.setattr(telegram_login, "default_client_factory", fake.factory)   # only Telegram is fake
    monkeypatch.setattr("builtins.input", term.input)
    monkeypatch.setattr("getpass.getpass", term.getpass)
    monkeypatch.setenv("TELEGRAM_API_ID", str(API_ID))
    monkeypatch.setenv("NW_HASH", API_HASH)
    monkeypatch.delenv("TELEGRAM_API_HASH", raising=False)
    assert main(["telegram", "login", "--api-hash-env", "NW_HASH"]) == 0
    out, err = capsys.readouterr()
    session = fake.session.save()
    assert out.count(session) == 1 and fake.built == [(API_ID, API_HASH)]
    assert API_HASH not in out + err and err == ""
    assert term.password_prompts == ["Two-step verification password (not shown): "]   # the hash came from env


def test_cli_login_rejects_a_non_numeric_api_id(monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_API_ID", "my-app")
    assert main(["telegram", "login"]) == 2
    assert "api_id must be a number" in capsys.readouterr().err


def test_cli_login_reports_a_refused_login_on_stderr(monkeypatch, capsys):
    fake, term = FakeLoginTelegram(fail_send=errors.FloodWaitError(request=None, capture=86400)), Terminal(PHONE)
    monkeypatch.setattr(telegram_login, "default_client_factory", fake.factory)
    monkeypatch.setattr("builtins.input", term.input)
    monkeypatch.setenv("TELEGRAM_API_HASH", API_HASH)
    assert main(["telegram", "login", "--api-id", str(API_ID)]) == 1
    out, err = capsys.readouterr()
    assert "wait 86400 seconds" in err and API_HASH not in out + err
