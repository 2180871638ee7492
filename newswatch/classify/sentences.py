"""Sentence boundaries in news text (en, fr, ru, ar and the other Latin-script languages).

A line break always ends a sentence. Inside a line, a sentence ends after
".", "!", "?", "؟", "…" or "۔" (and any closing quotes or brackets) followed by
white space, unless:

* the next word starts with a lowercase letter ("etc. and", "approx. 5 km");
* the dot ends a known abbreviation ("Mr.", "Dr.", "St.", "Gen.", "Mme.",
  Russian "г.", "ул.", "им."), an initial (one capital letter: "J. Smith",
  "M. Macron", «С. Лавров»), or a dotted abbreviation ("U.S.", "т.е.").

Decimals ("3.5") never split, for no space follows the dot. Two words glued by
a dot ("in Bamako.Announced on") split, as feeds often lose that space.
"""
from __future__ import annotations

import re
from bisect import bisect_right

_ABBREVIATIONS = frozenset("""
    mr mrs ms dr st prof gen col lt sgt capt cmdr cdr adm maj brig sen rep gov pres jr sr rev hon messrs
    mt ft fig no nos vol vs approx dept est inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec
    mme mlle mm mgr me av apr env cf ste
    г гг т тт д др пр ул им ок тыс млн млрд руб долл см стр ст чел проф акад обл пос кв рис тел
""".split())
_LONGEST = max(map(len, _ABBREVIATIONS))
_TERMINATORS = ".!?\u2026\u061f\u06d4"
_END = re.compile(f"[{_TERMINATORS}](?:[{_TERMINATORS}]*[\"'\u00bb\u201d\u2019)\\]]*(?=\\s)"
                  r"|(?<=[a-z\u0430-\u044f\u0451]{2}\.)(?=[A-Z\u0410-\u042f\u0401][a-z\u0430-\u044f\u0451]))")
_DOTTED = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")
_OPENERS = "\"'(«“‘[¿¡"
_CLOSERS = "\"'»”’)]"
_AFTER_ANY_END = float("inf")  # (pos, inf) sorts after every span starting at pos
_NEXT_CHARACTER = re.compile(f"[ \t{re.escape(_OPENERS)}]*(.)", re.DOTALL)
_TOKEN_WINDOW = 48  # characters looked at before a "." for the word it ends


def _token_before(text: str, dot: int) -> str:
    """The run of non-white-space characters that ends at `dot`."""
    window = text[max(0, dot - _TOKEN_WINDOW):dot]
    if not window or window[-1].isspace():
        return ""
    token = window.rsplit(None, 1)[-1]
    if len(token) == len(window) and dot > _TOKEN_WINDOW:  # longer than the window: walk back
        start = dot - len(window)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        token = text[start:dot]
    return token


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the "." at `dot` ends an abbreviation or an initial rather than a sentence."""
    if dot > _LONGEST and text[dot - _LONGEST - 1:dot].isalpha():
        return False  # a word longer than any abbreviation, with no dot in its end: "agreement."
    token = _token_before(text, dot).lstrip(_OPENERS)
    if len(token) == 1 and token.isupper():
        return True  # an initial: "J. Smith", «С. Лавров»
    token = token.casefold()
    return token in _ABBREVIATIONS or ("." in token and _DOTTED.fullmatch(token) is not None)


def _next_word_is_lowercase(text: str, pos: int) -> bool:
    """Whether the first character after `pos`, past spaces, tabs and opening quotes, is lowercase."""
    match = _NEXT_CHARACTER.match(text, pos)
    return match is not None and match.group(1).islower()


def _terminators(text: str) -> list[int]:
    """Positions of the terminator characters, in order (literal searches: much cheaper than a
    regular expression that tests a character class at every position)."""
    found: list[int] = []
    present = [ch for ch in _TERMINATORS if ch in text]
    for ch in present:
        find, at = text.find, text.find(ch)
        while at != -1:
            found.append(at)
            at = find(ch, at + 1)
    if len(present) > 1:
        found.sort()
    return found


def _sentence_ends(text: str) -> list[int]:
    """Positions just after each sentence end inside a line (what `_END.finditer` would match,
    tried only where a terminator is)."""
    ends = []
    n, taken_until, match_at = len(text), 0, _END.match
    for at in _terminators(text):
        if at < taken_until:
            continue  # inside the previous match ("...", "?!")
        match = match_at(text, at)
        if match is None:
            continue
        end = taken_until = match.end()
        dot = match.group().rstrip(_CLOSERS) == "."
        if dot and end < n and not text[end].isspace():
            ends.append(end)  # glued: "Bamako.Announced"
        elif not _next_word_is_lowercase(text, end) and not (dot and _is_abbreviation(text, at)):
            ends.append(end)
    return ends


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text`, without surrounding white space, in order."""
    ends = _sentence_ends(text)
    ends.append(len(text) + 1)  # a sentinel past every line
    spans: list[tuple[int, int]] = []
    k, pos = 0, 0
    for line in text.split("\n"):  # a line break always ends a sentence
        line_end = pos + len(line)
        start = pos
        while start < line_end:
            stop = ends[k] if ends[k] <= line_end else line_end
            if stop == ends[k]:
                k += 1
            piece = text[start:stop]
            stripped = piece.strip()
            if stripped:  # everything before the first character of `stripped` is white space
                first = start + piece.find(stripped[0])
                spans.append((first, first + len(stripped)))
            start = stop
        while ends[k] <= line_end:  # ends at the line's end (before its "\n")
            k += 1
        pos = line_end + 1
    return spans


def sentence_index(spans: list[tuple[int, int]], pos: int) -> int:
    """Index of the sentence containing `pos` (or the last one starting before it); -1 without sentences."""
    if not spans:
        return -1
    return max(bisect_right(spans, (pos, _AFTER_ANY_END)) - 1, 0)
