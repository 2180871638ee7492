"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd in a background thread).

    with LocalSMTPServer(starttls=True, auth=("alice", "s3cret")) as server:
        notifier = EmailNotifier("mail", host=server.host, port=server.port,
                                 ca_file=server.ca_file, ...)
        notifier.send(alert)
        [msg] = server.messages

Options:
  tls=True          implicit TLS (SMTPS) with a trustme certificate
  starttls=True     STARTTLS offered and required before MAIL
  auth=(user, pw)   AUTH PLAIN/LOGIN checked against these; MAIL without AUTH gets 530
  auth_fail_reply   the reply for bad credentials (default 535 5.7.8 ...)
  mail_reply / rcpt_reply / data_reply
                    reply with a chosen line instead of accepting: a string
                    ("550 5.1.1 mailbox unavailable"), a mapping address -> reply
                    (addresses not in it are accepted), or a callable
                    address -> reply-or-None
  delay_rcpt        seconds to sleep in RCPT (for timeouts and kill-during-send);
                    `rcpt_seen` (threading.Event) is set as soon as a RCPT arrives

After start: .host, .port, .ca_file (PEM of the test CA with tls/starttls;
deleted on stop), .received (ReceivedMessage: mail_from, rcpt_tos, message,
raw, tls, auth_login), .messages (just the parsed EmailMessages),
.auth_attempts [(username, accepted)]. Reply options may be changed while
the server runs.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

Reply = str | Mapping[str, str] | Callable[[str], "str | None"] | None


@dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    tls: bool                  # the session ran over TLS (implicit or STARTTLS)
    auth_login: str | None     # the username the client authenticated as


def _pick(reply: Reply, address: str) -> str | None:
    if reply is None:
        return None
    if isinstance(reply, str):
        return reply
    if isinstance(reply, Mapping):
        return reply.get(address)
    return reply(address)


class _Handler:
    def __init__(self, owner: "LocalSMTPServer"):
        self.owner = owner

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        o = self.owner
        if o.auth is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        reply = _pick(o.mail_reply, address)
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        o = self.owner
        o.rcpt_seen.set()
        if o.delay_rcpt:
            await asyncio.sleep(o.delay_rcpt)
        reply = _pick(o.rcpt_reply, address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        o = self.owner
        reply = _pick(o.data_reply, envelope.mail_from or "")
        if reply is not None:
            return reply
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        tls = server.transport is not None and server.transport.get_extra_info("ssl_object") is not None
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        with o._lock:
            o.received.append(ReceivedMessage(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw, tls, login))
        return "250 2.0.0 Message accepted for delivery"


class _AnyPortController(Controller):
    """Controller that can bind port 0: learns the real port before poking the server."""

    def _trigger_server(self):
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class LocalSMTPServer:
    def __init__(self, *, tls: bool = False, starttls: bool = False,
                 auth: tuple[str, str] | None = None, auth_fail_reply: str | None = None,
                 mail_reply: Reply = None, rcpt_reply: Reply = None, data_reply: Reply = None,
                 delay_rcpt: float = 0.0, hostname: str = "127.0.0.1", port: int = 0):
        if tls and starttls:
            raise ValueError("choose tls (implicit) or starttls, not both")
        self.host = hostname
        self.tls, self.starttls, self.auth = tls, starttls, auth
        self.auth_fail_reply = auth_fail_reply
        self.mail_reply, self.rcpt_reply, self.data_reply = mail_reply, rcpt_reply, data_reply
        self.delay_rcpt = delay_rcpt
        self.received: list[ReceivedMessage] = []
        self.auth_attempts: list[tuple[str, bool]] = []   # (username, accepted)
        self.rcpt_seen = threading.Event()
        self.ca_file: str | None = None
        self.port = port  # 0: any free port; a fixed one lets a test bring a server "back"
        self._lock = threading.Lock()
        self._tmpdir: str | None = None
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [r.message for r in self.received]

    def _server_context(self) -> ssl.SSLContext:
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        self._tmpdir = tempfile.mkdtemp(prefix="newswatch-smtp-")
        self.ca_file = str(Path(self._tmpdir) / "ca.pem")
        ca.cert_pem.write_to_path(self.ca_file)
        return ctx

    def _authenticator(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and self.auth is not None
              and auth_data.login.decode() == self.auth[0] and auth_data.password.decode() == self.auth[1])
        login = auth_data.login.decode(errors="replace") if isinstance(auth_data, LoginPassword) else "?"
        self.auth_attempts.append((login, ok))
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False, message=self.auth_fail_reply)

    def start(self) -> "LocalSMTPServer":
        ctx = self._server_context() if (self.tls or self.starttls) else None
        kwargs: dict = {"server_hostname": "smtp.newswatch.test", "ready_timeout": 5.0}
        if self.tls:
            kwargs["ssl_context"] = ctx
        if self.starttls:
            kwargs.update(tls_context=ctx, require_starttls=True)
        if self.auth is not None:
            # AUTH only after STARTTLS when STARTTLS is on; aiosmtpd does not count
            # implicit TLS as TLS, and a plain test server must still offer AUTH.
            kwargs.update(authenticator=self._authenticator, auth_require_tls=self.starttls)
        self._controller = _AnyPortController(_Handler(self), hostname=self.host, port=self.port, **kwargs)
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> "LocalSMTPServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
