"""The shortcuts the event extractor takes for speed say what the slower reading said.

`events.words.words` splits ASCII text by blanking bytes, and must give `WORD.findall`'s words; the
date search skips a sentence with no date word and no digits an ISO date could be, and must still
find the ISO dates (in Latin or Arabic digits) of a sentence without a date word.
"""
from datetime import date

from newswatch.classify.events.dates import find_dates, has_numeric
from newswatch.classify.events.words import WORD, words

TEXTS = [
    "The Russian foreign minister, Sergei Lavrov, arrived in Bamako on Monday (Feb. 7).",
    "rock'n'roll — north-east_of x-1 «Mali» l'Algérie d’Ouagadougou 2023-01-05 $5 5% a.b,c;d",
    "  leading and trailing blanks\tand\ntabs  ",
    "___ -- '' '-_ a_b-c'd",
    "Лавров прибыл в Бамако 7 февраля",
    "وصل لافروف إلى باماكو يوم ٧ فبراير",
    "Sergeï Lavrov s’est rendu à Ouagadougou",
    "",
    "".join(chr(c) for c in range(128)),
]


def test_words_are_the_patterns_words_ascii_or_not():
    for text in TEXTS:
        assert words(text) == WORD.findall(text), text
        assert words(text.casefold()) == WORD.findall(text.casefold()), text
    assert words("the capital of Mali, Bamako") == ["the", "capital", "of", "Mali", "Bamako"]


def test_a_sentence_without_date_words_still_gives_its_iso_date():
    day = date(2026, 2, 10)
    assert find_dates("Talks opened on 2026-02-07 in Bamako.", day, words=[]) == [(16, 26, date(2026, 2, 7))]
    arabic = "بدأت المحادثات في ٢٠٢٦-٠٢-٠٧ في باماكو"
    found = find_dates(arabic, day, words=[])
    assert [d for _, _, d in found] == [date(2026, 2, 7)]
    assert has_numeric(arabic) and has_numeric("on 2026-02-07") and has_numeric("x-1y 3-12-")


def test_a_sentence_without_date_words_or_iso_digits_has_no_date():
    day = date(2026, 2, 10)
    for text in ("Lavrov held talks in Bamako.", "The 2-1 win and a 10-year plan", "Лавров прибыл в Бамако"):
        assert not has_numeric(text)
        assert find_dates(text, day, words=[]) == []
    # the same sentences read with their words looked for find the same (none)
    assert find_dates("Lavrov held talks in Bamako.", day) == []
