"""Email notifier: one multipart (text + HTML) message per alert over SMTP.

Security: "none" (plain SMTP), "starttls" (plain, then STARTTLS; the default)
or "tls" (implicit TLS, SMTPS). Certificates are verified against the system
store or `ca_file` unless `verify=False`. `timeout` bounds each socket
operation and the whole send, from the connect and the greeting to the QUIT
(connection.py: a watchdog cuts the connection at the deadline, so a server
trickling its greeting or a reply byte by byte cannot stretch it).

Errors become `DeliveryError`:
- SMTP replies: 5xx is permanent (bad recipient, bad credentials, policy),
  4xx is temporary ("try later", greylisting, temporary auth failure).
- Connection refused, timeouts, disconnects, TLS handshake errors: temporary.
- Certificate verification failure: permanent. The server presented a
  certificate we don't trust; retrying the same alert a minute later won't fix
  that, an operator must (ca_file, the server's certificate). The alert is
  recorded as failed instead of retried until the retry budget runs out.
- The server lacking STARTTLS or AUTH while we need it: permanent (config).

Some recipients refused but others accepted counts as sent (a retry would
mail the accepted ones twice); the refused ones are logged as a warning.
No reason, log line or message ever contains the password: every reason is
scrubbed, even of server replies that echo it.
"""
from __future__ import annotations

import base64
import html
import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from alerts.notifiers.email.config import EmailChannelConfig
from alerts.notifiers.email.connection import SmtpDeadline
from newswatch.model.alert import Alert
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.email.text import MESSAGE_POLICY, clip, header_text, is_web_link, multiline, one_line
from newswatch.logs import fields

log = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "tls")
SUBJECT_MAX = 200
SUMMARY_MAX = 600
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class EmailNotifier:
    @classmethod
    def from_config(cls, cfg: EmailChannelConfig) -> "EmailNotifier":
        return cls(cfg.id, host=cfg.host, port=cfg.port, security=cfg.security, username=cfg.username,
                   password=cfg.password.get_secret_value() if cfg.password else None,
                   from_addr=cfg.from_addr, to=list(cfg.to), timeout=cfg.timeout, ca_file=cfg.ca_file)

    def __init__(self, channel_id: str, *, host: str, port: int, security: str = "starttls",
                 username: str | None = None, password: str | None = None, from_addr: str,
                 to: list[str], timeout: float = 30.0, ca_file: str | None = None,
                 verify: bool = True):
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}, not {security!r}")
        if username and password is None:
            raise ValueError("a username needs a password")
        if password is not None and not username:
            raise ValueError("a password needs a username")
        if not to:
            raise ValueError("at least one recipient ('to') is needed")
        self.channel_id = channel_id
        self.host, self.port, self.security = host, port, security
        self.username = username or None
        self._password = password
        self.from_addr, self.to = from_addr, list(to)
        self.timeout, self.ca_file, self.verify = timeout, ca_file, verify
        self._secrets = [s for s in self._secret_forms(password) if s]
        if self.username and security == "none":
            log.warning(fields("email_credentials_without_tls", channel_id=channel_id, smtp_server=f"{host}:{port}"))

    def __repr__(self) -> str:
        return (f"EmailNotifier({self.channel_id!r}, host={self.host!r}, port={self.port}, "
                f"security={self.security!r}, username={self.username!r})")

    @staticmethod
    def _secret_forms(password: str | None) -> list[str]:
        if not password:
            return []
        return [password, base64.b64encode(password.encode()).decode()]

    # --- the message ---------------------------------------------------------

    def subject(self, alert: Alert) -> str:
        return clip(header_text(f"[newswatch] {one_line(alert.rule_title)}: {one_line(alert.title)}"), SUBJECT_MAX)

    def build_message(self, alert: Alert) -> EmailMessage:
        msg = EmailMessage(policy=MESSAGE_POLICY)
        msg["Subject"] = self.subject(alert)
        msg["From"] = self.from_addr
        msg["To"] = ", ".join(self.to)
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = f"<{_ID_UNSAFE.sub('-', alert.id)}.{_ID_UNSAFE.sub('-', self.channel_id)}@newswatch>"
        msg["X-Newswatch-Alert-Id"] = header_text(alert.id)
        msg["X-Newswatch-Rule"] = header_text(alert.rule_id)
        msg["Auto-Submitted"] = "auto-generated"   # RFC 3834: no auto-replies, please
        msg.set_content(self._text_body(alert))
        msg.add_alternative(self._html_body(alert), subtype="html")
        return msg

    def _fields(self, alert: Alert) -> list[tuple[str, str]]:
        return [
            ("Source", one_line(alert.source_id)),
            ("Published", one_line(alert.published) or "unknown"),
            ("Link", one_line(alert.url) or "(none)"),
            ("Rule", f"{one_line(alert.rule_title)} ({one_line(alert.rule_id)})"),
            ("Severity", one_line(alert.severity)),
            ("Matched", ", ".join(one_line(w) for w in alert.matched_words()) or "(none)"),
            ("Why", one_line(alert.explanation())),
        ]

    @staticmethod
    def _reported(alert: Alert) -> list[str]:
        """"Also reported by: lenta (ru), abamako (fr)": the other outlets of the alert's event or story
        (filled in at send time, alerts.delivery); a digest: one line per member that has any."""
        def others(names: list[str] | None, own: str | None) -> str:
            return ", ".join(one_line(s) for s in dict.fromkeys(names or []) if s and s != own)
        if alert.digest_of:
            return [f"• {one_line(m.get('title'))} — also reported by: {others(m.get('reported_by'), m.get('source_id'))}"
                    for m in alert.digest_of if others(m.get("reported_by"), m.get("source_id"))]
        listed = others(alert.reported_by, alert.source_id)
        return [f"Also reported by: {listed}"] if listed else []

    def _text_body(self, alert: Alert) -> str:
        lines = [one_line(alert.title), ""]
        lines += [f"{name + ':':<11}{value}" for name, value in self._fields(alert)]
        summary = clip(multiline(alert.summary), SUMMARY_MAX)
        if summary:
            lines += ["", summary]
        if self._reported(alert):
            lines += ["", *self._reported(alert)]
        lines += ["", "-- ", f"newswatch alert {one_line(alert.id)} via channel {self.channel_id}"]
        return "\n".join(lines) + "\n"

    def _html_body(self, alert: Alert) -> str:
        esc = html.escape
        title = esc(one_line(alert.title))
        if is_web_link(alert.url):
            title = f'<a href="{esc(one_line(alert.url))}">{title}</a>'
        rows = "\n".join(f"<tr><th align=\"left\">{esc(name)}</th><td>{esc(value)}</td></tr>"
                         for name, value in self._fields(alert))
        summary = esc(clip(multiline(alert.summary), SUMMARY_MAX)).replace("\n", "<br>\n")
        return (
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
            f"<h2>{title}</h2>\n<table>\n{rows}\n</table>\n"
            f"<p>{summary}</p>\n"
            + "".join(f"<p>{esc(line)}</p>\n" for line in self._reported(alert)) +
            f"<p><small>newswatch alert {esc(one_line(alert.id))} via channel {esc(self.channel_id)}</small></p>\n"
            "</body></html>\n"
        )

    # --- sending -------------------------------------------------------------

    def send(self, alert: Alert) -> None:
        msg = self.build_message(alert)
        error: DeliveryError | None = None
        try:
            refused = self._deliver(msg)
        except (smtplib.SMTPException, OSError) as exc:
            error = self._classify(exc)
        if error is not None:
            # Raised outside the handler on purpose: no __context__, so a traceback
            # never carries a raw server reply that might echo the password.
            raise error
        if refused:
            detail = "; ".join(f"{addr}: {self._reply(code, text)}" for addr, (code, text) in refused.items())
            log.warning(fields("email_recipients_refused", channel_id=self.channel_id, alert_id=alert.id,
                               smtp_server=self._where, refused=sorted(refused), reply=self._redact(detail)))
        log.info(fields("email_sent", channel_id=self.channel_id, alert_id=alert.id, smtp_server=self._where))

    @property
    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    def _ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=self.ca_file)
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _deliver(self, msg: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """The whole session, QUIT included, under one deadline of `timeout` (see connection.py)."""
        smtp: smtplib.SMTP | None = None
        with SmtpDeadline(self.timeout) as deadline:
            try:
                smtp = deadline.open(self.host, self.port,
                                     tls_context=self._ssl_context() if self.security == "tls" else None)
                if self.security == "starttls":
                    smtp.starttls(context=self._ssl_context())
                if self.username:
                    smtp.login(self.username, self._password or "")
                refused = smtp.send_message(msg, from_addr=self.from_addr, to_addrs=self.to)
            except BaseException as exc:
                if smtp is not None:
                    smtp.close()
                if deadline.fired and isinstance(exc, (smtplib.SMTPException, OSError)):
                    raise TimeoutError("overall send deadline") from None
                raise
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()   # sent is sent; a failed (or cut off) QUIT changes nothing
        return refused

    # --- errors --------------------------------------------------------------

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    @staticmethod
    def _reply(code: int, text: bytes | str) -> str:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return clip(f"{code} {one_line(text)}", 300)

    def _classify(self, exc: BaseException) -> DeliveryError:
        reason, permanent = self._explain(exc)
        return DeliveryError(self._redact(f"email channel {self.channel_id}: {self._where} {reason}"),
                             permanent=permanent)

    def _explain(self, exc: BaseException) -> tuple[str, bool]:
        """(reason, permanent) for one failure; the order of checks matters (subclasses first)."""
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = {addr: code for addr, (code, _) in exc.recipients.items()}
            detail = "; ".join(f"{a}: {self._reply(c, t)}" for a, (c, t) in exc.recipients.items())
            return f"refused every recipient: {detail}", all(c >= 500 for c in codes.values())
        if isinstance(exc, smtplib.SMTPResponseException):
            stage = {
                smtplib.SMTPAuthenticationError: f"rejected login as {self.username!r}",
                smtplib.SMTPSenderRefused: f"refused sender {self.from_addr}",
                smtplib.SMTPDataError: "rejected the message",
                smtplib.SMTPConnectError: "refused the connection",
                smtplib.SMTPHeloError: "rejected EHLO/HELO",
            }.get(type(exc), "replied with an error")
            return f"{stage}: {self._reply(exc.smtp_code, exc.smtp_error)}", exc.smtp_code >= 500
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return f"does not support what this channel needs ({one_line(str(exc))}); check security/username", True
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return f"closed the connection: {one_line(str(exc)) or 'disconnected'}", False
        if isinstance(exc, ssl.SSLCertVerificationError):
            why = one_line(exc.verify_message or str(exc))
            return f"certificate not trusted ({why}); set ca_file or fix the server's certificate", True
        if isinstance(exc, ssl.SSLError):
            return f"TLS handshake failed: {one_line(exc.reason or str(exc))}", False
        if isinstance(exc, TimeoutError):
            return f"timed out after {self.timeout:g}s", False
        if isinstance(exc, ConnectionRefusedError):
            return "refused the connection (nothing listening?)", False
        if isinstance(exc, OSError):
            return f"connection failed: {type(exc).__name__}: {one_line(str(exc))}", False
        if "authentication method" in str(exc).lower():
            return f"offers no usable AUTH mechanism: {one_line(str(exc))}", True
        return f"SMTP error: {type(exc).__name__}: {one_line(str(exc))}", False
