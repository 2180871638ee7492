"""Text made safe for an email: untrusted titles and summaries as header values (no line
breaks, no RFC 2047 encoded-words smuggled in), a Subject folded without losing spaces, and
bodies without control characters. Used by the email notifier (email.py)."""
from __future__ import annotations

import re
from email.header import Header
from email.policy import EmailPolicy

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_CONTROL_KEEP_NL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str | None) -> str:
    """Control characters and line breaks become single spaces."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def header_text(text: str | None) -> str:
    """Untrusted text made safe for a header value.

    Besides line breaks, "=?" goes: the email package decodes RFC 2047
    encoded-words when a header is set, so "=?utf-8?b?...?=" in a title could
    smuggle CR LF ("Bcc: ...") past a plain control-character filter.
    """
    return one_line(text).replace("=?", "= ?")


class _SubjectPolicy(EmailPolicy):
    """The default policy, but the Subject is folded by us, not by CPython.

    CPython's folder (3.11) loses the space between two encoded-words when a
    fold lands on it ("прибыл в" → "прибылв") and moves a 70-77 character
    ASCII subject whole onto a continuation line (read back with a leading
    space). So: an ASCII subject goes out on one line (RFC 5322 allows 998),
    anything else through the legacy `Header` encoder, which keeps spaces
    inside its encoded-words.
    """

    def _fold_subject(self, name: str, value: str) -> str:
        value = header_text(str(value))   # last line of defence against CR LF
        if value.isascii() and len(name) + len(value) < 990:
            return f"{name}: {value}{self.linesep}"
        encoded = Header(value, "utf-8", header_name=name).encode(linesep=self.linesep)
        return f"{name}: {encoded}{self.linesep}"

    def fold(self, name: str, value: str) -> str:
        if name.lower() == "subject":
            return self._fold_subject(name, value)
        folded: str = super().fold(name, value)   # typeshed leaves EmailPolicy.fold's return unannotated
        return folded

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() == "subject":
            return self._fold_subject(name, value).encode("ascii")
        return super().fold_binary(name, value)


MESSAGE_POLICY = _SubjectPolicy()


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def multiline(text: str | None) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_KEEP_NL.sub(" ", text).strip()


def is_web_link(url: str | None) -> bool:
    return bool(url and re.match(r"^https?://", url, re.IGNORECASE))
