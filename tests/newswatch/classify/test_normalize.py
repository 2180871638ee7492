"""normalize / normalize_term: the folding rules, and offsets that map back exactly."""
from __future__ import annotations

import random

import pytest

from newswatch.classify.normalize import (
    OffsetMap,
    _normalize_slow,
    _tables,
    normalize,
    normalize_term,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("Sergei LAVROV", "sergei lavrov"),
    ("Straße", "strasse"),  # casefold expands
    ("Algérie, Nigérien, façade, naïve, Goïta, Ménaka", "algerie, nigerien, facade, naive, goita, menaka"),
    ("cœur Æsir Øresund Łódź", "coeur aesir oresund lodz"),
    ("l’Algérie ʼ `x´ ′", "l'algerie ' 'x' '"),
    ("“quoted” «cité» „zitiert“", '"quoted" "cite" "zitiert"'),
    ("Guinea–Bissau — x ‒ y − z", "guinea-bissau - x - y - z"),
    ("Ёлка, Ёж, йод, Й", "елка, еж, йод, й"),
    ("a \t b\n\n c\u00a0\u00a0d", "a b c d"),
    ("ﬁnal ﬂag ①", "final flag 1"),  # NFKC
    ("Ｂａｍａｋｏ", "bamako"),  # fullwidth
    ("soft\u00adhyphen zero\u200bwidth", "softhyphen zerowidth"),
    ("ΟΔΟΣ", "οδοσ"),  # final sigma folds to σ
    ("İstanbul", "istanbul"),
])
def test_folding_rules(text, expected):
    assert normalize(text).text == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("بَامَاكُو", "باماكو"),  # tashkeel
    ("بامـــاكو", "باماكو"),  # tatweel
    ("أنجمينا إنجامينا آسيا ٱلله", "انجمينا انجامينا اسيا الله"),  # alef forms
    ("موسى", "موسي"),  # alef maqsura
    ("العاصمة المالية", "العاصمه الماليه"),  # ta marbuta
    ("ایران کشور", "ايران كشور"),  # Persian yeh and kaf
    ("مسؤول رئيس", "مسوول رييس"),  # hamza on a carrier is a mark too
    ("ﻻ", "لا"),  # presentation form ligature
    ("الشَّرْق الأوسط", "الشرق الاوسط"),
])
def test_arabic_folding(text, expected):
    assert normalize(text).text == expected


def test_decomposed_letters_fold_like_composed_ones():
    assert normalize("e\u0301te\u0301").text == "ete"  # "été" written with combining acutes
    assert normalize("и\u0306од И\u0306").text == "йод й"  # decomposed й keeps its breve
    assert normalize("Ниаме\u0301й").text == "ниамей"


def test_offsets_have_one_entry_per_character_plus_the_end():
    for text in ["", "plain ascii", "Straße", "a  b", "🇲🇱 Mali", "بَامَاكُو", "\u200b\u0640", "  "]:
        norm = normalize(text)
        assert len(norm.offsets) == len(norm.text) + 1
        assert norm.offsets[-1] == len(text)
        assert list(norm.offsets) == sorted(norm.offsets)


def test_unchanged_length_gives_identity_offsets():
    norm = normalize("Lavrov’s visit to Bamako — and Mali")
    assert isinstance(norm.offsets, range)
    assert norm.span(18, 24) == (18, 24)


def _surface(text: str, needle: str) -> str:
    norm = normalize(text)
    at = norm.text.index(needle)
    start, end = norm.span(at, at + len(needle))
    return text[start:end]


@pytest.mark.parametrize(("text", "needle", "surface"), [
    ("Die Straße in Köln", "koln", "Köln"),
    ("Die Straße in Köln", "strasse", "Straße"),
    ("Die Straße", "stras", "Straß"),  # a span ending inside an expansion keeps the whole character
    ("ﬁnal", "fi", "ﬁ"),
    ("Lavrov   à\n\nBamako", "a bamako", "à\n\nBamako"),
    ("وصل لافروف إلى بَامَاكُو اليوم", "باماكو", "بَامَاكُو"),
    ("بامـــاكو", "باماكو", "بامـــاكو"),
    ("🇷🇺👍🏽 Лавров прибыл в Бамако 🇲🇱", "бамако", "Бамако"),
    ("Ниаме\u0301й (фр. Niamey)", "ниамей", "Ниаме\u0301й"),
    ("e\u0301te\u0301 à Bamako", "bamako", "Bamako"),
    ("zero\u200bwidth Mali", "mali", "Mali"),
    ("𝐁𝐚𝐦𝐚𝐤𝐨 news", "bamako", "𝐁𝐚𝐦𝐚𝐤𝐨"),
])
def test_spans_map_back_to_the_original(text, needle, surface):
    assert _surface(text, needle) == surface


_POOL = ("aZé ßﬁİΣ’—“\n\t\u00a0\u200bё̆и\u0306Йبَـأةىیﻻ🇲🇱👍🏽𝐀" + "  " + "xyz" * 3)


def test_fast_path_equals_the_character_by_character_reference():
    rng = random.Random(20260228)
    tables = _tables()
    for _ in range(3000):
        text = "".join(rng.choice(_POOL) for _ in range(rng.randint(0, 24)))
        fast, slow = normalize(text), _normalize_slow(text, tables)
        assert fast.text == slow.text, repr(text)
        assert list(fast.offsets) == list(slow.offsets), repr(text)
        for start in range(len(fast.text)):
            for end in range(start + 1, len(fast.text) + 1):  # the map's own span = the reference's
                if isinstance(fast.offsets, OffsetMap):
                    assert fast.offsets.span(start, end) == slow.span(start, end), (repr(text), start, end)
        assert "  " not in fast.text


def test_ascii_fast_path_equals_the_character_by_character_reference():
    rng = random.Random(20261128)
    tables = _tables()
    pool = [chr(i) for i in range(128)] + list("  abc Mali") * 8  # every ASCII character, words, spaces
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        fast, slow = normalize(text), _normalize_slow(text, tables)
        assert fast.text == slow.text, repr(text)
        assert list(fast.offsets) == list(slow.offsets), repr(text)


def test_asciified_fast_path_equals_the_character_by_character_reference():
    """Text whose only non-ASCII characters fold to one ASCII character each (English news:
    curly quotes, dashes, accents, no-break and thin spaces) takes `_asciified`; some take the
    general road (ligature, ellipsis, soft hyphen)."""
    rng = random.Random(20261129)
    tables = _tables()
    pool = list("’“”—–‘éÉ\u00a0\u2009İ\u212aﬁ…\u00ad`\n\t") + list("  abc Mali") * 6
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        fast, slow = normalize(text), _normalize_slow(text, tables)
        assert fast.text == slow.text, repr(text)
        assert list(fast.offsets) == list(slow.offsets), repr(text)
        for start in range(len(fast.text)):
            end = min(start + 3, len(fast.text))
            assert fast.span(start, end) == slow.span(start, end), (repr(text), start, end)


@pytest.mark.parametrize("term", ["Bamako", "N’Djaména", "Straße", "Лавров", "Ёлка", "بَامَاكُو",
                                  "Côte d'Ivoire", "  Mali  ", "U.S.", "ﬁnal"])
def test_normalize_term_is_what_normalize_produces_inside_a_text(term):
    folded = normalize_term(term)
    assert folded == folded.strip()
    assert f" {folded} " in normalize(f"Before, {term} after").text.replace(",", " ")


def test_normalized_text_is_a_fixed_point():
    for text in ["Straße, Ёлка, بَامَاكُو — “x”", "ΟΔΟΣ İ ﬁ"]:
        once = normalize(text).text
        assert normalize(once).text == once


def test_offset_map_behaves_like_a_read_only_list():
    norm = normalize("Straße  x")
    assert isinstance(norm.offsets, OffsetMap)
    as_list = list(norm.offsets)
    assert as_list == [0, 1, 2, 3, 4, 4, 5, 6, 8, 9]
    assert norm.offsets[-1] == 9 and norm.offsets[2:5] == [2, 3, 4]
    with pytest.raises(IndexError):
        norm.offsets[len(as_list)]


def test_span_rejects_out_of_range():
    with pytest.raises(ValueError):
        normalize("abc").span(2, 9)
