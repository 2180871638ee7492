"""HTML fragments from feeds to clean plain text.

`html_to_text` is what every feed summary and body goes through; `clean_title`
is the one-line variant for titles; `repair_mojibake` undoes the usual
encoding accident. All are pure functions of a string.

Entities are decoded twice, on purpose. Feeds very often escape an already
escaped string, so the HTML that arrives says `&amp;#8217;` and one round of
decoding leaves the literal `&#8217;` in the text. A second round decodes only
well-formed references that end in ";" (`&#8217;`, `&#x2019;`, `&rsquo;`,
`&amp;`). News prose practically never quotes entity syntax, and a reader
seeing "don&#8217;t" is far worse off than one who loses a literal "&amp;" in
an article about HTML. A third level of escaping is left alone.
"""
from __future__ import annotations

import html
import re
from html.entities import html5 as _HTML5_ENTITIES

from lxml import etree

# Content that is never text.
_SKIPPED = ("script", "style", "iframe", "noscript", "template", "object", "embed", "svg", "math")
# Elements that stand apart from their neighbours by a blank line.
_PARAGRAPHS = (
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dl",
    "table", "section", "article", "header", "footer", "aside", "nav", "main", "figure",
    "figcaption", "address", "fieldset", "form", "hr", "details", "summary",
)
# Elements that start a new line.
_LINES = ("li", "tr", "dt", "dd", "caption", "option")
_CELLS = ("td", "th")
_BREAK = "\ue000"  # private-use marker for a line break, removed from input first

_HTML_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, recover=True, default_doctype=False,
)
# One more round of entity decoding: only well-formed references ending in ";".
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Escaped markup: text that decodes to HTML with closing tags ("&lt;p&gt;Hi&lt;/p&gt;") was
# escaped once too often by the publisher; a lone "&lt;b&gt;" is taken as literal text.
_ESCAPED_MARKUP = re.compile(r"</(?:p|div|span|a|b|i|em|strong|ul|ol|li|h[1-6]|blockquote|figure)>", re.IGNORECASE)


_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")   # what XML does not allow in text (lxml refuses)
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_CP1252_C1: dict[int, str] = {}
for _byte in range(0x80, 0xA0):
    try:
        _CP1252_C1[_byte] = bytes([_byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: undefined in cp1252
        pass


def repair_mojibake(value: str | None) -> str | None:
    """Undo UTF-8 that was decoded as Latin-1 ("Ã©" -> "é"), map C1 controls to cp1252 ("\x92" -> "’").

    The same two repairs feedparser applies to every element. The first only
    fires when the whole string is Latin-1 and re-encodes to valid UTF-8,
    which ordinary Latin-1 text practically never does.
    """
    if not value or value.isascii():
        return value
    try:
        value = value.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return value.translate(_CP1252_C1) if _C1_CONTROLS.search(value) else value


def _decode_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] == "#" or name + ";" in _HTML5_ENTITIES:
        return html.unescape(match.group(0))
    return match.group(0)


def decode_leftover_entities(text: str) -> str:
    """Decode entity references that survived one round of decoding (double escaping)."""
    if "&" not in text:
        return text
    return _ENTITY.sub(_decode_entity, text)


def _tidy_lines(chunks: list[str]) -> str:
    """Collapse white space inside each chunk; keep at most one blank line between chunks."""
    lines: list[str] = []
    blank = False
    for chunk in chunks:
        line = " ".join(chunk.split())
        if line:
            if blank and lines:
                lines.append("")
            lines.append(line)
            blank = False
        else:
            blank = True
    return "\n".join(lines)


def _plain_to_text(text: str) -> str:
    """Text without tags: decode entities, keep its own line breaks, collapse the rest."""
    if "&" in text:
        text = decode_leftover_entities(html.unescape(text))
        if "<" in text and _ESCAPED_MARKUP.search(text):
            return _markup_to_text(text, decode_again=False)
    return _tidy_lines(text.splitlines())


def _settable(text: str | None) -> str:
    """Text read from the tree, fit to be written back: the parser keeps C0 control characters
    (`&#1;`, a vertical tab pasted from a word processor) that lxml refuses on assignment."""
    if not text:
        return ""
    return _CONTROLS.sub(" ", text) if _CONTROLS.search(text) else text


def _mark_breaks(root: etree._Element) -> None:
    """Put break markers where block elements begin and end."""
    for el in root.iter(_PARAGRAPHS):
        el.text = _BREAK * 2 + _settable(el.text)
        el.tail = _BREAK * 2 + _settable(el.tail)
    for el in root.iter(_LINES):
        el.text = _BREAK + _settable(el.text)
    for el in root.iter("br"):
        el.tail = _BREAK + _settable(el.tail)
    for el in root.iter(_CELLS):
        el.tail = " " + _settable(el.tail)


def _markup_to_text(markup: str, decode_again: bool = True) -> str:
    try:
        root = etree.fromstring(markup, _HTML_PARSER)
    except (etree.LxmlError, ValueError):
        root = None
    if root is None:  # nothing parseable (e.g. only a comment)
        return ""
    etree.strip_elements(root, *_SKIPPED, with_tail=False)
    _mark_breaks(root)
    text = etree.tostring(root, method="text", encoding="unicode")
    if decode_again:
        text = decode_leftover_entities(text)
    return _tidy_lines(text.split(_BREAK))


def html_to_text(fragment: str | None) -> str:
    """Plain text of an HTML fragment: paragraphs apart by one blank line, lines stripped.

    script/style/iframe content is dropped, block elements (p, div, li, h1-h6,
    blockquote, tr, br) break lines, entities are decoded (twice, see module
    doc), white space inside a line collapses to one space. Input without
    tags is treated as text: its own line breaks are kept, unless it decodes
    to markup with closing tags (escaped once too often), which is read as HTML.
    """
    if not fragment:
        return ""
    if _BREAK in fragment:
        fragment = fragment.replace(_BREAK, "")
    if "<" not in fragment:
        if "&" not in fragment:
            return _tidy_lines(fragment.splitlines())
        return _plain_to_text(fragment)
    return _markup_to_text(fragment)


def plain_text(text: str | None) -> str:
    """Text that is declared plain (Atom type="text"): no markup parsing, double escaping undone.

    The XML layer already decoded the document's own escaping, so only the
    second round applies; line breaks are kept, white space within lines collapses.
    """
    if not text:
        return ""
    return _tidy_lines(decode_leftover_entities(text).splitlines())


def clean_title(title: str | None, *, is_html: bool = True) -> str:
    """A title as one line of plain text: markup and entities resolved, white space collapsed.

    RSS titles are HTML in practice, whatever the spec says; pass is_html=False
    for titles declared as plain text (Atom's default).
    """
    if not title:
        return ""
    if "<" not in title and "&" not in title:
        return " ".join(title.split())
    text = html_to_text(title) if is_html else decode_leftover_entities(title)
    return " ".join(text.split())
