"""EmailNotifier against a real SMTP server (aiosmtpd) on 127.0.0.1."""
from __future__ import annotations

import base64
import email
import email.policy
import logging
import socket
import threading
import time
import traceback
from email.message import EmailMessage

import pytest
import trustme

from newswatch.model.alert import Alert, Evidence
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.email.notifier import MESSAGE_POLICY, EmailNotifier
from tests.support.slow_peer import TricklingPeer
from tests.support.smtp_server import LocalSMTPServer

PASSWORD = "Zq9!canary-pw-7731"   # distinctive: must never show up anywhere
FROM = "newswatch@example.org"
TO = ["analyst@example.org"]


def make_alert(**overrides) -> Alert:
    fields = dict(
        id="a1b2c3d4e5f6a7b8c9d0",
        rule_id="ru-sahel-visit",
        rule_title="Russian official visits Sahel",
        severity="high",
        item_id="item-42",
        source_id="reuters-africa",
        title="Lavrov lands in Bamako <script>alert(1)</script> & talks",
        url="https://example.com/news/42?a=1&b=2",
        published="2024-05-01T10:00:00+00:00",
        summary="Russia's foreign minister arrived in Bamako on Tuesday for talks with the junta.",
        evidence=[
            Evidence(clause="when.all[0].keywords", kind="keywords", matched="Lavrov", field="title", start=0, end=6),
            Evidence(clause="when.all[1].keywords", kind="keywords", matched="Bamako", field="title", start=16, end=22),
        ],
        channels=["mail"],
    )
    fields.update(overrides)
    return Alert(**fields)


def notifier_for(server: LocalSMTPServer, **overrides) -> EmailNotifier:
    kwargs = dict(host=server.host, port=server.port, security="none", from_addr=FROM, to=list(TO), timeout=5.0)
    if server.tls or server.starttls:
        kwargs.update(security="tls" if server.tls else "starttls", ca_file=server.ca_file)
    if server.auth:
        kwargs.update(username=server.auth[0], password=server.auth[1])
    kwargs.update(overrides)
    return EmailNotifier("mail", **kwargs)


def parts(msg) -> dict[str, str]:
    return {p.get_content_type(): p.get_content() for p in msg.walk() if not p.is_multipart()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the message -------------------------------------------------------------

def test_plain_send_delivers_text_and_html():
    alert = make_alert()
    with LocalSMTPServer() as server:
        notifier_for(server).send(alert)
    [got] = server.received
    msg = got.message
    assert got.mail_from == FROM and got.rcpt_tos == TO and got.tls is False
    assert msg["Subject"] == f"[newswatch] Russian official visits Sahel: {alert.title}"
    assert msg["From"] == FROM and msg["To"] == TO[0]
    assert msg["Date"] is not None
    assert msg["Message-ID"] == f"<{alert.id}.mail@newswatch>"
    assert msg["X-Newswatch-Alert-Id"] == alert.id and msg["X-Newswatch-Rule"] == "ru-sahel-visit"
    assert msg.get_content_type() == "multipart/alternative"
    body = parts(msg)
    assert set(body) == {"text/plain", "text/html"}
    for part in body.values():
        assert "Lavrov" in part and "Bamako" in part and "reuters-africa" in part
        assert "2024-05-01T10:00:00+00:00" in part and "high" in part and "ru-sahel-visit" in part
        assert "keywords: Lavrov" in part          # the explanation
        assert "foreign minister arrived" in part         # the summary
    assert alert.url in body["text/plain"]
    assert 'href="https://example.com/news/42?a=1&amp;b=2"' in body["text/html"]
    assert "<script>" not in body["text/html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; talks" in body["text/html"]


def test_unknown_published_non_ascii_title_and_no_link():
    alert = make_alert(published=None, url=None, title="Лавров прибыл в Бамако — «переговоры»")
    with LocalSMTPServer() as server:
        notifier_for(server).send(alert)
    [msg] = server.messages
    assert msg["Subject"] == "[newswatch] Russian official visits Sahel: Лавров прибыл в Бамако — «переговоры»"
    body = parts(msg)
    assert "unknown" in body["text/plain"] and "unknown" in body["text/html"]
    assert "Лавров прибыл" in body["text/plain"] and "<a href" not in body["text/html"]


def test_javascript_url_is_not_linked():
    msg = EmailNotifier("mail", host="h", port=25, from_addr=FROM, to=TO).build_message(
        make_alert(url='javascript:alert("x")'))
    html_part = parts(msg)["text/html"]
    assert "<a href" not in html_part and "javascript:alert(&quot;x&quot;)" in html_part


def test_subject_injection_is_stripped():
    alert = make_alert(rule_title="Rule\nX-Evil: 1", title="Breaking\r\nBcc: victim@example.net\r\n\r\nbody\x00\x1b[31m")
    with LocalSMTPServer() as server:
        notifier_for(server).send(alert)
    [got] = server.received
    assert got.rcpt_tos == TO
    assert got.message["Bcc"] is None and got.message["X-Evil"] is None
    assert got.message["Subject"] == "[newswatch] Rule X-Evil: 1: Breaking Bcc: victim@example.net body [31m"
    assert b"\r\nBcc:" not in got.raw and b"\x1b" not in got.raw


def test_long_subject_is_truncated():
    msg = EmailNotifier("mail", host="h", port=25, from_addr=FROM, to=TO).build_message(make_alert(title="word " * 100))
    assert len(msg["Subject"]) <= 200 and msg["Subject"].endswith("…")
    assert msg["Subject"].startswith("[newswatch] Russian official visits Sahel: word word")


def test_encoded_word_injection_is_neutralised():
    smuggled = "=?utf-8?b?" + base64.b64encode(b"hi\r\nBcc: victim@example.net\r\n").decode() + "?="
    with LocalSMTPServer() as server:
        notifier_for(server).send(make_alert(title=f"Breaking {smuggled}"))
    [got] = server.received
    assert got.rcpt_tos == TO and got.message["Bcc"] is None and b"\nBcc:" not in got.raw
    assert got.message["Subject"] == f"[newswatch] Russian official visits Sahel: Breaking {smuggled.replace('=?', '= ?')}"


SUBJECT_TEXTS = ["Lavrov lands in Bamako for talks ", "Лавров прибыл в Бамако ", "中国外交部 发言人 表示 ",
                 "mixed Лавров and words ", "x" * 40 + " "]


@pytest.mark.parametrize("text", SUBJECT_TEXTS)
def test_subject_round_trips_exactly_at_every_length(text):
    # CPython's own folding would drop the space between encoded-words
    # ("прибыл в" -> "прибылв") or prepend a space to 70-77 char subjects.
    notifier = EmailNotifier("mail", host="h", port=25, from_addr=FROM, to=TO)
    for length in range(1, 157):   # the prefix is 44 characters, the cap 200
        title = (text * 20)[:length].strip() or "x"
        msg = EmailMessage(policy=MESSAGE_POLICY)   # what build_message uses, minus the body
        msg["Subject"] = notifier.subject(make_alert(title=title))
        raw = msg.as_bytes()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert parsed["Subject"] == f"[newswatch] Russian official visits Sahel: {title}", length
        assert max(map(len, raw.splitlines())) <= 998
    assert notifier.build_message(make_alert()).policy is MESSAGE_POLICY


def test_message_id_is_stable_per_alert_and_channel():
    alert = make_alert()
    a = EmailNotifier("mail", host="h", port=25, from_addr=FROM, to=TO)
    b = EmailNotifier("mail-2", host="h", port=25, from_addr=FROM, to=TO)
    assert a.build_message(alert)["Message-ID"] == a.build_message(alert)["Message-ID"]
    assert a.build_message(alert)["Message-ID"] != b.build_message(alert)["Message-ID"]


# --- TLS and login -----------------------------------------------------------

def test_starttls_with_login():
    with LocalSMTPServer(starttls=True, auth=("alice", PASSWORD)) as server:
        notifier_for(server).send(make_alert())
    [got] = server.received
    assert got.tls is True and got.auth_login == "alice"
    assert server.auth_attempts == [("alice", True)]


def test_implicit_tls_with_login():
    with LocalSMTPServer(tls=True, auth=("alice", PASSWORD)) as server:
        notifier_for(server).send(make_alert())
    [got] = server.received
    assert got.tls is True and got.auth_login == "alice"


def test_login_required_but_not_configured_is_permanent():
    with LocalSMTPServer(starttls=True, auth=("alice", PASSWORD)) as server:
        with pytest.raises(DeliveryError) as caught:
            notifier_for(server, username=None, password=None).send(make_alert())
    assert caught.value.permanent is True and "530" in caught.value.reason
    assert server.received == []


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_untrusted_certificate_is_permanent(mode, tmp_path):
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    with LocalSMTPServer(**{mode: True}) as server:
        with pytest.raises(DeliveryError) as caught:
            notifier_for(server, ca_file=str(other_ca)).send(make_alert())
    err = caught.value
    assert err.permanent is True
    assert f"127.0.0.1:{server.port}" in err.reason and "certificate" in err.reason
    assert server.received == []


def test_verify_false_accepts_an_untrusted_certificate(tmp_path):
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    with LocalSMTPServer(starttls=True) as server:
        notifier_for(server, ca_file=str(other_ca), verify=False).send(make_alert())
    assert len(server.received) == 1


def test_starttls_against_server_without_it_is_permanent():
    with LocalSMTPServer() as server:
        with pytest.raises(DeliveryError) as caught:
            notifier_for(server, security="starttls").send(make_alert())
    assert caught.value.permanent is True and "STARTTLS" in caught.value.reason


def test_plaintext_against_server_requiring_starttls_is_permanent():
    with LocalSMTPServer(starttls=True) as server:
        with pytest.raises(DeliveryError) as caught:
            notifier_for(server, security="none").send(make_alert())
    assert caught.value.permanent is True and "530" in caught.value.reason


def test_tls_handshake_failure_is_temporary():
    with LocalSMTPServer() as server:   # plain server, client speaks TLS first
        with pytest.raises(DeliveryError) as caught:
            notifier_for(server, security="tls").send(make_alert())
    assert caught.value.permanent is False and f"127.0.0.1:{server.port}" in caught.value.reason


# --- SMTP replies and connection failures ------------------------------------

@pytest.mark.parametrize("stage, reply, permanent", [
    ("rcpt_reply", "550 5.1.1 mailbox unavailable", True),
    ("rcpt_reply", "451 4.3.0 try later", False),
    ("data_reply", "554 5.6.0 message rejected as spam", True),
    ("data_reply", "451 4.3.0 try later", False),
    ("mail_reply", "553 5.1.8 sender domain not allowed", True),
    ("mail_reply", "421 4.7.0 too many connections", False),
])
def test_smtp_reply_codes(stage, reply, permanent):
    with LocalSMTPServer(**{stage: reply}) as server:
        with pytest.raises(DeliveryError) as caught:
            notifier_for(server).send(make_alert())
    err = caught.value
    assert err.permanent is permanent
    assert f"127.0.0.1:{server.port}" in err.reason and reply in err.reason
    assert server.received == []


def test_some_recipients_refused_is_success_with_warning(caplog):
    caplog.set_level(logging.WARNING, logger="alerts")
    with LocalSMTPServer(rcpt_reply={"gone@example.org": "550 5.1.1 no such user"}) as server:
        notifier_for(server, to=["analyst@example.org", "gone@example.org"]).send(make_alert())
    [got] = server.received
    assert got.rcpt_tos == ["analyst@example.org"]
    warnings = [r for r in caplog.records if r.name.startswith("alerts") and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "gone@example.org" in warnings[0].getMessage()
    assert "550" in warnings[0].getMessage() and warnings[0].msg.values["refused"] == ["gone@example.org"]
    assert warnings[0].getMessage().startswith("email_recipients_refused channel_id=")


def test_connection_refused_is_temporary():
    port = free_port()
    notifier = EmailNotifier("mail", host="127.0.0.1", port=port, security="none", from_addr=FROM, to=TO, timeout=2)
    with pytest.raises(DeliveryError) as caught:
        notifier.send(make_alert())
    assert caught.value.permanent is False and f"127.0.0.1:{port}" in caught.value.reason


def test_server_timeout_is_temporary():
    with LocalSMTPServer(delay_rcpt=3.0) as server:
        with pytest.raises(DeliveryError) as caught:
            notifier_for(server, timeout=0.3).send(make_alert())
        assert server.rcpt_seen.is_set()
    assert caught.value.permanent is False and "timed out" in caught.value.reason


def test_timeout_bounds_the_whole_send():
    # Every RCPT answers within the socket timeout, but three of them do not
    # fit in it: the send is cut at `timeout`, not at 3 x timeout.
    to = ["a@example.org", "b@example.org", "c@example.org"]
    with LocalSMTPServer(delay_rcpt=0.4) as server:
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            notifier_for(server, to=to, timeout=0.6).send(make_alert())
        elapsed = time.monotonic() - started
    assert caught.value.permanent is False and "timed out after 0.6s" in caught.value.reason
    assert 0.55 <= elapsed < 1.0
    assert server.received == []


@pytest.mark.parametrize("greeting", [b"", b"220-"], ids=["silent", "trickled"])
def test_a_server_that_never_finishes_its_greeting_costs_at_most_the_timeout(greeting):
    # accepts TCP, then says nothing, or "220-" and one byte every 0.5 s (each read is quick, the line never ends)
    with TricklingPeer(first=greeting, drip=b"x" if greeting else b"", every=0.5) as peer:
        notifier = EmailNotifier("mail", host=peer.host, port=peer.port, security="none", from_addr=FROM, to=TO,
                                 timeout=2)
        box: dict = {}
        thread = threading.Thread(target=lambda: box.setdefault("error", send_error_of(notifier)), daemon=True)
        started = time.monotonic()
        thread.start()
        thread.join(10)
        elapsed = time.monotonic() - started
        assert not thread.is_alive(), f"the send is still held after {elapsed:.1f}s"
    error = box["error"]
    # the deadline cuts the session: the watchdog says so, or the socket it shut reports the timeout
    assert error.permanent is False and "timed out" in error.reason
    assert 1.9 <= elapsed < 2.8


def send_error_of(notifier: EmailNotifier) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        notifier.send(make_alert())
    return caught.value


def test_disconnect_is_temporary():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def hang_up():
        conn, _ = listener.accept()
        conn.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    try:
        notifier = EmailNotifier("mail", host="127.0.0.1", port=port, security="none", from_addr=FROM, to=TO, timeout=2)
        with pytest.raises(DeliveryError) as caught:
            notifier.send(make_alert())
    finally:
        thread.join(2)
        listener.close()
    assert caught.value.permanent is False and f"127.0.0.1:{port}" in caught.value.reason


def test_auth_failure_is_permanent():
    with LocalSMTPServer(starttls=True, auth=("alice", "the-right-one")) as server:
        with pytest.raises(DeliveryError) as caught:
            notifier_for(server, password=PASSWORD).send(make_alert())
    err = caught.value
    assert err.permanent is True and "535" in err.reason and "alice" in err.reason
    assert server.auth_attempts and all(ok is False for _, ok in server.auth_attempts)
    assert server.received == []


# --- secrets -----------------------------------------------------------------

def _assert_no_password(text: str) -> None:
    assert PASSWORD not in text
    assert base64.b64encode(PASSWORD.encode()).decode() not in text


def test_password_never_leaks(caplog):
    caplog.set_level(logging.DEBUG)
    alert = make_alert()
    errors: list[DeliveryError] = []
    # A hostile server echoes the password back in its 535 reply.
    with LocalSMTPServer(starttls=True, auth=("alice", "something-else"),
                         auth_fail_reply=f"535 5.7.8 bad password {PASSWORD}") as server:
        notifier = notifier_for(server, password=PASSWORD)
        with pytest.raises(DeliveryError) as caught:
            notifier.send(alert)
        errors.append(caught.value)
    with LocalSMTPServer(starttls=True, auth=("alice", PASSWORD), rcpt_reply=f"550 5.1.1 {PASSWORD}") as server:
        notifier = notifier_for(server)
        with pytest.raises(DeliveryError) as caught:
            notifier.send(alert)
        errors.append(caught.value)
    with LocalSMTPServer(starttls=True, auth=("alice", PASSWORD)) as server:
        notifier = notifier_for(server, to=["analyst@example.org", "b@example.org"])
        server.rcpt_reply = {"b@example.org": f"550 5.1.1 {PASSWORD}"}
        notifier.send(alert)
    [got] = server.received

    assert "***" in errors[0].reason and "535" in errors[0].reason
    for err in errors:
        _assert_no_password(err.reason)
        _assert_no_password(str(err))
        _assert_no_password("".join(traceback.format_exception(err)))
    # Every record except the test server's own ("mail.log" knows the password by design).
    ours = [r for r in caplog.records if r.name != "mail.log"]
    assert any(r.name.startswith("alerts") for r in ours)
    for record in ours:
        _assert_no_password(record.getMessage())
        _assert_no_password(repr(record.__dict__))
    _assert_no_password(notifier.build_message(alert).as_string())
    _assert_no_password(got.raw.decode("utf-8", "replace"))
    _assert_no_password(repr(notifier))


def test_constructor_checks():
    with pytest.raises(ValueError, match="security"):
        EmailNotifier("mail", host="h", port=25, security="ssl", from_addr=FROM, to=TO)
    with pytest.raises(ValueError, match="password"):
        EmailNotifier("mail", host="h", port=25, username="alice", from_addr=FROM, to=TO)
    with pytest.raises(ValueError, match="username"):
        EmailNotifier("mail", host="h", port=25, password=PASSWORD, from_addr=FROM, to=TO)
