"""The words the archive indexes and the words a search looks for, made the way the classifier
matches names, so a search finds what a rule's `keywords:` would.

Index side (`search_text`): the item's title and text are normalized by the classifier's own
`normalize` (case, accents, Arabic letter variants and tashkeel, ё -> е, quotes and dashes) and cut
into words by the automaton's `word_view` (every character that is not a letter or digit is a
space). That is the `body`. Arabic attaches proclitics to the next word (و ف ب ل ك, ال and their
combinations, the automaton's PROCLITICS): each Arabic word that starts with one also gives the
word without it, in `stems`, so «باماكو» finds «وباماكو» and «النيجر» finds «والنيجر».

Query side (`word_forms`, `phrase_forms`): a word is normalized the same way and inflected by the
classifier's morphology (`variants`) in the language its script suggests — Russian for Cyrillic,
Arabic for Arabic script, else English and French — so «Лавров» also finds «Лаврова» and
"ministre" also finds "ministres". A form may be several words ("u.s." -> "u s"): it is then a
phrase. Single words are looked up in `body` and `stems`, phrases in `body` only (word order).
"""
from __future__ import annotations

import re
from functools import lru_cache

from newswatch.classify.automaton import PROCLITICS, word_view
from newswatch.classify.morphology import variants
from newswatch.classify.normalize import normalize, normalize_term

MAX_FORMS = 24   # inflected forms per query word or phrase, at most (the word itself always first)
_BY_LENGTH = sorted(PROCLITICS, key=len, reverse=True)


_ARABIC = re.compile("[\u0621-\u064a\u0671-\u06d3]")


def _is_arabic_letter(char: str) -> bool:
    return "\u0621" <= char <= "\u064a" or "\u0671" <= char <= "\u06d3"


def words(text: str) -> list[str]:
    """The normalized words of `text`, in order."""
    return word_view(normalize(text).text).split()


def arabic_stems(word: str) -> list[str]:
    """`word` without each proclitic it may start with (at least two Arabic letters left)."""
    if not word or not _is_arabic_letter(word[0]):
        return []
    return [word[len(p):] for p in _BY_LENGTH
            if word.startswith(p) and len(word) - len(p) >= 2 and all(map(_is_arabic_letter, word[len(p):]))]


def search_text(title: str, text: str) -> tuple[str, str]:
    """(body, stems) of an item: its words in order, and the proclitic-less forms of its Arabic words
    (each once)."""
    body = words(f"{title}\n{text}")
    stems: dict[str, None] = {}
    if not _ARABIC.search(title) and not _ARABIC.search(text):
        return " ".join(body), ""
    for word in body:
        if _is_arabic_letter(word[0]):
            for stem in arabic_stems(word):
                stems.setdefault(stem, None)
    return " ".join(body), " ".join(stems)


def _language_of(text: str) -> tuple[str, ...]:
    if any("\u0400" <= c <= "\u04ff" for c in text):
        return ("ru",)
    if any("\u0600" <= c <= "\u06ff" for c in text):
        return ("ar",)
    return ("en", "fr")


def _as_words(form: str) -> str:
    return " ".join(word_view(form).split())


@lru_cache(maxsize=4096)
def word_forms(word: str) -> tuple[str, ...]:
    """A query word and its inflections, normalized; each a word, or words to be found in a row."""
    return _forms(word, ("name", "phrase"))


@lru_cache(maxsize=1024)
def phrase_forms(phrase: str) -> tuple[str, ...]:
    """A quoted phrase and its inflections (the head word inflected), normalized."""
    return _forms(phrase, ("phrase",))


def _forms(text: str, kinds: tuple[str, ...]) -> tuple[str, ...]:
    own = _as_words(normalize_term(text))
    if not own:
        return ()
    found: dict[str, None] = {own: None}
    for lang in _language_of(text):
        for kind in kinds:
            for form in sorted(variants(text, lang, kind)):
                if (as_words := _as_words(form)):
                    found.setdefault(as_words, None)
    return tuple(found)[:MAX_FORMS]
