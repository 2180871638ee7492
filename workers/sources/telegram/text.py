"""The text of the elements of a `t.me/s` page as a reader sees it (html.py walks the posts).

`<br>` and blocks break lines, source white space collapses as in a browser, emoji keep their
character, and a link keeps its URL after its words, "text (url)", unless the words already are
the URL, a @mention or a #hashtag.
"""
from __future__ import annotations

import re

from lxml import etree

_BR = "\ue000"                                   # a <br>, until white space is collapsed
_BLOCK = "\ue001"                                # the edge of a block: a new line, not a blank one
_SPACES = re.compile(r"\s+")
_MARK_SPACES = re.compile(f" *([{_BR}{_BLOCK}]) *")
_BREAKS = re.compile(f"[{_BR}{_BLOCK}]+")
_BLOCKS = frozenset({"div", "p", "blockquote", "pre", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
_NOT_TEXT = frozenset({"script", "style", "svg", "audio", "video", "template", "noscript"})
HAS_CLASS = "contains(concat(' ', normalize-space(@class), ' '), concat(' ', {}, ' '))"
_BY_CLASS = etree.XPath(".//*[" + HAS_CLASS.format("$name") + "]")


def by_class(el, name: str) -> list:
    """Descendants of `el` whose class list holds `name`."""
    return _BY_CLASS(el, name=name)


def node_text(el) -> str:
    """An element's text on one line (names, titles, labels)."""
    return " ".join(etree.tostring(el, method="text", encoding="unicode", with_tail=False).split())


def first_text(el, name: str) -> str | None:
    found = by_class(el, name)
    return (node_text(found[0]) or None) if found else None


def rich_text(el, links: list[str] | None = None) -> str:
    """A message body as text: `<br>` and blocks break lines, links keep their URLs (added to `links`)."""
    out: list[str] = []
    _collect(el, out, links if links is not None else [], top=True)
    text = _MARK_SPACES.sub(r"\1", _SPACES.sub(" ", "".join(out))).strip(" " + _BR + _BLOCK)
    return _BREAKS.sub(_newlines, text)


def _newlines(breaks: re.Match) -> str:
    """One <br> or block edge: a new line; two or more <br>: one blank line."""
    return "\n" if breaks.group().count(_BR) < 2 else "\n\n"


def _collect(el, out: list[str], links: list[str], top: bool = False) -> None:
    tag = el.tag if isinstance(el.tag, str) else None   # comments and processing instructions: tail only
    if tag == "br":
        out.append(_BR)
    elif tag is not None and tag not in _NOT_TEXT:
        block = tag in _BLOCKS and not top
        if block:
            out.append(_BLOCK)
        if tag == "a":
            _link(el, out, links)
        else:
            if el.text:
                out.append(el.text)
            for child in el:
                _collect(child, out, links)
        if block:
            out.append(_BLOCK)
    if el.tail and not top:
        out.append(el.tail)


def _link(el, out: list[str], links: list[str]) -> None:
    inner: list[str] = [el.text] if el.text else []
    for child in el:
        _collect(child, inner, links)
    text = _SPACES.sub(" ", "".join(inner)).strip()
    href = (el.get("href") or "").strip()
    if not href.startswith(("http://", "https://")):  # "?q=%23tag" hashtag searches
        out.append(text)
        return
    if href not in links:
        links.append(href)
    if text.endswith("…") and href.startswith(text[:-1]):
        text = href                              # t.me shortens long URLs in the text
    out.append(text if text and _says_link(text, href) else f"{text} ({href})" if text else href)


def _says_link(text: str, href: str) -> bool:
    def bare(url: str) -> str:
        return url.lower().split("://", 1)[-1].removeprefix("www.").rstrip("/")
    return text.startswith(("@", "#")) or bare(text) == bare(href)
