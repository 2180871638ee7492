"""Splitting a message that is over a chat service's length limit into clean parts.

Parts break after a line if they can, else after a space, else between
characters; never inside an HTML tag or entity (Telegram), a Slack link or
`&amp;`, a Discord masked link or backslash escape. HTML tags open at a break
are closed at the end of the part and opened again at the start of the next, so
every part is well-formed on its own. Lengths are counted in UTF-16 code units
(an emoji is 2), what Telegram and Discord count; for HTML only the visible
text counts (a tag 0, an entity 1), as Telegram's "1-4096 characters after
entities parsing".

`fit_message` bounds the number of parts too: an alert is one message
(`ALERT_PARTS`), a digest at most `DIGEST_PARTS`; a text longer than that is
cut, and its last part ends with "…". Text far beyond what is kept is dropped
before splitting (at a line break), so a huge text costs no more than a short one.
"""
from __future__ import annotations

import re

ALERT_PARTS = 1         # one alert is one message (one Slack section): what does not fit is cut with "…"
DIGEST_PARTS = 10       # a digest lists many alerts: up to ten messages, the last one cut with "…"
ELLIPSIS = "…"
TELEGRAM_LIMIT = 4096
DISCORD_LIMIT = 2000
SLACK_SECTION_LIMIT = 3000

SLACK_ATOMS = r"<[^<>\n]*>|&(?:amp|lt|gt);"
DISCORD_ATOMS = r"\[(?:\\.|[^\]\\\n])*\]\([^)\s]*\)|\\.|<[^<>\s]*>"
_HTML_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|\n|[ \t\r\f\v]+|[^<&\s]+|.", re.S)
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)")


def utf16_len(text: str) -> int:
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def _tokenizer(html: bool, atoms: str | None) -> re.Pattern[str]:
    if html:
        return _HTML_TOKEN
    head = f"{atoms}|" if atoms else ""
    return re.compile(head + r"\n|[ \t\r\f\v]+|[^\s\\\[<&]+|.", re.S)


def _visible(token: str, html: bool) -> int:
    if html and token.startswith("<") and token.endswith(">") and len(token) > 1:
        return 0
    if html and token.startswith("&") and token.endswith(";") and len(token) > 2:
        return 1
    return utf16_len(token)


def _apply_tag(stack: list[tuple[str, str]], token: str) -> None:
    m = _TAG.match(token)
    if m is None:
        return
    name = m.group(2).lower()
    if not m.group(1):
        stack.append((name, token))
        return
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] == name:
            del stack[index]
            return


def _tags_after(tokens: list[str], start: int, end: int, stack: list[tuple[str, str]]) -> list[tuple[str, str]]:
    open_tags = list(stack)
    for token in tokens[start:end]:
        if token.startswith("<") and len(token) > 1:
            _apply_tag(open_tags, token)
    return open_tags


def _fit(tokens: list[str], widths: list[int], start: int, limit: int) -> int:
    """How far from `start` a part can go: after the last line that fits, else the last space, else the limit."""
    visible, best_line, best_space = 0, None, None
    index = start
    while index < len(tokens):
        if visible + widths[index] > limit:
            return best_line or best_space or index
        visible += widths[index]
        index += 1
        if tokens[index - 1] == "\n":
            best_line = index
        elif widths[index - 1] and tokens[index - 1].isspace():
            best_space = index
    return index


def split_message(text: str, limit: int, *, html: bool = False, atoms: str | None = None) -> list[str]:
    """`text` in parts of at most `limit` (visible, UTF-16) characters each; [] for an empty text."""
    tokens = _tokenizer(html, atoms).findall(text)
    widths = [_visible(t, html) for t in tokens]
    parts: list[str] = []
    index = 0
    stack: list[tuple[str, str]] = []
    while index < len(tokens):
        end = _fit(tokens, widths, index, limit)
        if end == index:    # one token longer than a whole part: only then cut it between characters
            pieces = _chars(tokens[index], limit)
            tokens[index:index + 1] = pieces
            widths[index:index + 1] = [utf16_len(p) for p in pieces]
            continue
        end_stack = _tags_after(tokens, index, end, stack) if html else []
        body = ("".join(tag for _, tag in stack) + "".join(tokens[index:end])).rstrip()
        if any(w and not tokens[i].isspace() for i, w in enumerate(widths[index:end], index)):
            parts.append(body + "".join(f"</{name}>" for name, _ in reversed(end_stack)))
        index, stack = end, end_stack
        while index < len(tokens) and tokens[index].isspace():
            index += 1
    return parts


def _chars(token: str, limit: int) -> list[str]:
    """A too-long token in pieces that fit, never splitting a surrogate pair's character."""
    pieces, current, width = [], "", 0
    for char in token:
        w = utf16_len(char)
        if width + w > limit and current:
            pieces.append(current)
            current, width = "", 0
        current += char
        width += w
    return pieces + [current] if current else pieces


def fit_message(text: str, limit: int, max_parts: int, *, html: bool = False,
                atoms: str | None = None) -> tuple[list[str], bool]:
    """(at most `max_parts` parts of at most `limit` each, whether the text was cut); a cut text's
    last part ends with "…"."""
    budget = limit * max_parts * 8          # raw characters: more than any markup can hide
    cut = len(text) > budget
    if cut:
        at = text.rfind("\n", 0, budget)
        text = text[:at if at > budget // 2 else budget]
    parts = split_message(text, limit, html=html, atoms=atoms)
    if len(parts) <= max_parts and not cut:
        return parts, False
    parts = split_message(text, limit - utf16_len(ELLIPSIS), html=html, atoms=atoms)[:max_parts]
    if parts:
        parts[-1] += ELLIPSIS
    return parts, True
