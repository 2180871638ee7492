"""LanguageDetector: declared language, script override, short-text fallback, lingua on real news."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from newswatch.classify.language import (
    DEFAULT_LANGUAGES,
    LanguageDetector,
    language_code,
    text_script,
)
from workers.sources.feeds.parse import parse_feed

DATA = Path(__file__).resolve().parents[2] / "data"
COLLECTED = Path(__file__).resolve().parents[2] / "data" / "collected"
EDGE = DATA / "feeds" / "edge-cases"


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def collected(lang: str, count: int) -> list[str]:
    rows = [json.loads(line) for line in (COLLECTED / "visits.jsonl").read_text("utf-8").splitlines()]
    return [row["text"] for row in rows if row["lang"] == lang][:count]


@pytest.mark.parametrize("lang", ["en", "fr", "ar", "ru"])
def test_detects_real_news_excerpts(detector, lang):
    texts = collected(lang, 12)
    assert len(texts) == 12
    for text in texts:
        assert detector.detect(text) == (lang, "detected"), text


def test_seed_post_is_english(detector):
    text = (DATA / "seed" / "lavrov-bamako-telegram-post.txt").read_text("utf-8")
    assert detector.detect(text) == ("en", "detected")


@pytest.mark.parametrize(("name", "expected"), [
    ("miniflux__encoding_WINDOWS-1251.xml", "ru"),  # Windows-1251, declared ru
    ("feed-rs__rss_2.0_spiegel.xml", "de"),
    ("miniflux__encoding_ISO-8859-1.xml", "de"),
    ("feed-rs__rss_2.0_bbc.xml", "en"),
    ("feed-rs__rss_2.0_ilgiornale.xml", "it"),  # not configured, but declared and in Latin script
    ("miniflux__urdu_UTF8.xml", "ur"),  # not configured, declared, Arabic script
])
def test_edge_case_feeds_keep_their_declared_language(detector, name, expected):
    feed = parse_feed((EDGE / name).read_bytes(), "edge")
    for item in feed.items[:10]:
        assert detector.detect(item.content, declared=item.lang or feed.lang) == (expected, "declared")


def test_undeclared_portuguese_feed_is_detected(detector):
    feed = parse_feed((EDGE / "rss-parser__uolNoticias.rss").read_bytes(), "uol")
    assert feed.lang is None
    langs = [detector.detect(item.content)[0] for item in feed.items]
    assert langs.count("pt") >= len(langs) - 1


def test_declared_language_wins_within_its_script(detector):
    english = collected("en", 1)[0]
    assert detector.detect(english, declared="fr") == ("fr", "declared")
    assert detector.detect(english, declared="en-GB") == ("en", "declared")


def test_script_override_beats_a_wrong_declaration(detector):
    assert detector.detect(collected("ar", 1)[0], declared="en") == ("ar", "detected")
    assert detector.detect(collected("ru", 1)[0], declared="fr") == ("ru", "detected")
    assert detector.detect(collected("en", 1)[0], declared="ar") == ("en", "detected")
    assert detector.detect(collected("en", 1)[0], declared="zh") == ("en", "detected")


def test_short_texts_use_the_fallback(detector):
    assert detector.detect("Lavrov à Bamako", fallback="fr") == ("fr", "fallback")
    assert detector.detect("Lavrov à Bamako", declared="fr", fallback="en") == ("fr", "declared")
    assert detector.detect("Lavrov à Bamako") == (None, "unknown")
    assert detector.detect("", fallback="ru") == ("ru", "fallback")
    assert detector.detect("", declared="fr") == ("fr", "declared")


def test_short_texts_in_a_single_language_script(detector):
    assert detector.detect("لافروف في باماكو") == ("ar", "detected")
    assert detector.detect("لافروف في باماكو", fallback="en") == ("ar", "detected")  # fallback's script does not fit
    assert detector.detect("Лавров в Бамако") == ("ru", "detected")


def test_text_in_no_known_script(detector):
    chinese = "中华人民共和国外交部长王毅今天在北京会见了俄罗斯外长拉夫罗夫，双方讨论了双边关系。"
    assert detector.detect(chinese, declared="zh") == ("zh", "declared")
    assert detector.detect(chinese) == (None, "unknown")
    assert detector.detect(chinese, declared="en") == (None, "unknown")


def test_configured_languages_only():
    only_en = LanguageDetector(languages=("en",), min_chars=10)
    assert only_en.detect("Le ministre russe des Affaires étrangères est arrivé lundi à Bamako.") == ("en", "detected")
    assert only_en.detect("Глава МИД России Сергей Лавров прилетел в Мали.") == (None, "unknown")
    with pytest.raises(ValueError):
        LanguageDetector(languages=("english",))
    assert LanguageDetector().languages == DEFAULT_LANGUAGES


@pytest.mark.parametrize(("value", "code"), [
    ("en", "en"), ("EN-us", "en"), ("fr_FR", "fr"), ("rus", "ru"), ("fre", "fr"), ("ara", "ar"),
    ("", None), (None, None), ("x-default", None), ("english", None),
])
def test_language_code(value, code):
    assert language_code(value) == code


def test_text_script():
    assert text_script("Bamako est la capitale du Mali")[0] == "latin"
    assert text_script("Бамако — столица Мали")[0] == "cyrillic"
    assert text_script("باماكو عاصمة مالي")[0] == "arabic"
    assert text_script("Mali")[0] is None  # too short to say


def test_unconfigured_declared_language_on_short_text(detector):
    assert detector.detect("Roma, oggi", declared="it") == ("it", "declared")
    assert detector.detect("Roma, oggi", declared="ru") == ("ru", "declared")  # too short to contradict


def _text_script_reference(text: str) -> tuple[str | None, int]:
    """text_script's rule, character by character (the fast road must agree with it)."""
    from newswatch.classify import language
    letters = sum(map(str.isalpha, text))
    if letters < language._SCRIPT_MIN_LETTERS:
        return None, letters
    counts = {"cyrillic": len(language._CYRILLIC.findall(text)), "arabic": len(language._ARABIC.findall(text)),
              "other": len(language._OTHER.findall(text))}
    counts["latin"] = letters - sum(counts.values())
    script = max(counts, key=counts.__getitem__)
    return (script if counts[script] >= language._SCRIPT_MIN_SHARE * letters else None), letters


def test_text_script_fast_road_agrees_with_the_reference():
    import random
    rng = random.Random(20261128)
    # ASCII, Latin letters with accents, curly quotes and dashes (the fast road), and what must
    # leave it: letters of other scripts, "ª" and "Ａ" (letters outside the Latin ranges), "²".
    pool = list("aZé ßﬁİΣ’—“\n\t\u00a0ªµºＡ٪ـбЖبت1²½") + list("abc Mali ") * 3
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        assert text_script(text) == _text_script_reference(text), repr(text)
    for text in ("Lavrov arrived in Bamako on Monday — “a historic visit”, officials said.",
                 "Лавров прибыл в Бамако", "وصل لافروف إلى باماكو", "Café ’s résumé naïve façade élan"):
        assert text_script(text) == _text_script_reference(text)
