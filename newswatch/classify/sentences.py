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
_TERMINATORS = ".!?\u2026\u061f\u06d4"
_END = re.compile(f"[{_TERMINATORS}](?:[{_TERMINATORS}]*[\"'\u00bb\u201d\u2019)\\]]*(?=\\s)"
                  r"|(?<=[a-z\u0430-\u044f\u0451]{2}\.)(?=[A-Z\u0410-\u042f\u0401][a-z\u0430-\u044f\u0451]))")
_DOTTED = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")
_OPENERS = "\"'(«“‘[¿¡"
_CLOSERS = "\"'»”’)]"
_LINE_BREAK = re.compile("\n")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the "." at `dot` ends an abbreviation or an initial rather than a sentence."""
    start = dot
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    token = text[start:dot].lstrip(_OPENERS)
    if len(token) == 1 and token.isupper():
        return True  # an initial: "J. Smith", «С. Лавров»
    token = token.casefold()
    return token in _ABBREVIATIONS or _DOTTED.fullmatch(token) is not None


def _next_word_is_lowercase(text: str, pos: int) -> bool:
    while pos < len(text) and (text[pos] in " \t" or text[pos] in _OPENERS):
        pos += 1
    return pos < len(text) and text[pos].islower()


def _sentence_ends(text: str) -> list[int]:
    """Positions just after each sentence end inside a line."""
    ends = []
    for match in _END.finditer(text):
        if match.group().rstrip(_CLOSERS) == ".":
            if match.end() < len(text) and not text[match.end()].isspace():
                ends.append(match.end())  # glued: "Bamako.Announced"
                continue
            if _is_abbreviation(text, match.start()):
                continue
        if _next_word_is_lowercase(text, match.end()):
            continue
        ends.append(match.end())
    return ends


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text`, without surrounding white space, in order."""
    cuts = sorted({*_sentence_ends(text), *(m.start() for m in _LINE_BREAK.finditer(text)), len(text)})
    spans, start = [], 0
    for cut in cuts:
        piece = text[start:cut]
        stripped = piece.strip()
        if stripped:
            first = start + len(piece) - len(piece.lstrip())
            spans.append((first, first + len(stripped)))
        start = cut
    return spans


def sentence_index(spans: list[tuple[int, int]], pos: int) -> int:
    """Index of the sentence containing `pos` (or the last one starting before it); -1 without sentences."""
    if not spans:
        return -1
    return max(bisect_right(spans, pos, key=lambda span: span[0]) - 1, 0)
