"""Search on both backends over 297 real excerpts in en/fr/ar/ru (tests/data/collected/visits.jsonl),
classified by the real classifier and written through the archive's own write path. What each
search should find is worked out here from the raw text with plain regular expressions (or from the
classifier's Facts for facets), not with the archive's normalizer."""
import json
import re
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest

from newswatch.archive.database import Archive
from newswatch.archive.query import SearchQuery
from newswatch.archive.records import decode, item_entry
from newswatch.model.item import Item
from tests.conftest import DATA
from tests.support.archive_db import BACKENDS, backend_url

NOW = datetime.now(timezone.utc).replace(microsecond=0)
PROCLITICS = "و|ف|ب|ل|ك|وب|ول|فب|فل|وك|ال|وال|بال|فال|كال|لل|ولل|فلل|وبال"
EXTRA = [  # the examples, beside the real excerpts
    ("ar", "لافروف في مالي", "استقبل الرئيس غويتا الوزير لافروف، وباماكو تستعد لزيارات أخرى."),
    ("ru", "Визит", "Глава МИД России прибыл в Бамако во вторник."),
]


def corpus_items() -> list[Item]:
    rows = [json.loads(line) for line in (DATA / "collected" / "visits.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [(r["lang"], r["title"] or "", r["text"]) for r in rows] + EXTRA
    return [Item(f"visits-{lang}", title, text, guid=f"excerpt-{n}", lang=lang, published=NOW - timedelta(hours=n))
            .finish() for n, (lang, title, text) in enumerate(texts)]


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request, tmp_path_factory, classifier):
    """(archive, items): every excerpt classified and archived; one database per backend."""
    items = corpus_items()
    for item in items:
        item.facts = classifier.classify(item.title, item.text, declared_lang=item.lang)
    with backend_url(request.param, tmp_path_factory.mktemp("search")) as url:
        archive = Archive(url)
        report = archive.write([decode(item_entry(i)) for i in items])
        assert report.items == len(items)
        yield archive, items
        archive.close()


def folded(text: str) -> str:
    """Lower case, Latin accents off, ё -> е: enough for the oracles below."""
    text = unicodedata.normalize("NFD", text.casefold()).replace("\u0438\u0306", "й")
    return "".join(c for c in text if not unicodedata.combining(c)).replace("ё", "е")


def having(items, pattern: str) -> set[str]:
    regex = re.compile(pattern)
    return {i.id for i in items if regex.search(folded(f"{i.title}\n{i.text}"))}


def found(archive, text="", **kw) -> list[str]:
    return [h.item_id for h in archive.search(SearchQuery(text, limit=1000, **kw))]


def word(w: str) -> str:
    return rf"(?<!\w){w}(?!\w)"


def test_arabic_word_finds_it_behind_proclitics(loaded):
    archive, items = loaded
    assert set(found(archive, "باماكو")) == having(items, rf"(?<!\w)(?:{PROCLITICS})?باماكو(?!\w)")
    assert any("وباماكو" in i.text for i in items if i.id in found(archive, "باماكو"))
    russia = set(found(archive, "روسيا"))
    assert russia == having(items, rf"(?<!\w)(?:{PROCLITICS})?روسيا(?!\w)")
    assert russia & having(items, "لروسيا|وروسيا"), "no copy behind a proclitic was found"
    assert having(items, "والنيجر") <= set(found(archive, "النيجر"))


def test_russian_word_finds_its_cases(loaded):
    archive, items = loaded
    assert set(found(archive, "Бамако")) == having(items, word("бамако"))
    assert any("в Бамако" in i.text for i in items if i.id in found(archive, "Бамако"))
    lavrov = set(found(archive, "Лавров"))
    assert lavrov == having(items, word("лавров(?:а|е|ой|ом|у|ым)?"))
    assert lavrov & having(items, word("лавров(?:а|ым)")), "no inflected form was found"


def test_french_plural_and_accents(loaded):
    archive, items = loaded
    assert set(found(archive, "ministre")) == having(items, word("ministres?"))
    assert set(found(archive, "etrangeres")) == having(items, word("etrangeres"))   # étrangères
    assert set(found(archive, "Étrangères")) == set(found(archive, "etrangeres"))


def test_words_are_and_ed(loaded):
    archive, items = loaded
    both = set(found(archive, "lavrov ouagadougou"))
    assert both == having(items, word("lavrov")) & having(items, word("ouagadougou"))
    assert both and both < set(found(archive, "lavrov"))


def test_a_phrase_keeps_its_word_order(loaded):
    archive, items = loaded
    phrase = set(found(archive, '"ministre russe"'))
    assert phrase == having(items, r"(?<!\w)ministres? russes?(?!\w)")
    assert found(archive, '"russe ministre"') == [] == list(having(items, r"russe ministre"))
    assert phrase < set(found(archive, "ministre russe"))   # the same words anywhere: more


def test_minus_excludes(loaded):
    archive, items = loaded
    result = set(found(archive, "lavrov -moscou"))
    assert result == having(items, word("lavrov")) - having(items, word("moscou"))
    assert result and result != having(items, word("lavrov"))
    only_minus = set(found(archive, "-lavrov", lang=["fr"]))
    assert only_minus == {i.id for i in items if i.lang == "fr"} - having(items, word("lavrov"))


def test_facets_and_window(loaded):
    archive, items = loaded
    since = NOW - timedelta(days=7)
    hits = archive.search(SearchQuery("lavrov", country=["ml"], since=since, limit=1000))
    expected = {i.id for i in items if "ML" in i.facts.countries and i.published >= since} & having(items, word("lavrov"))
    assert {h.item_id for h in hits} == expected and expected
    assert all(h.at >= since.timestamp() and "ML" in h.countries for h in hits)
    assert set(found(archive, topic=["visit"])) == {i.id for i in items if "diplomacy/visit" in i.facts.topics}
    assert set(found(archive, region=["sahel"])) == {i.id for i in items if "sahel" in i.facts.regions}
    assert set(found(archive, actor=["lavrov"], lang=["ar", "ru"])) == {
        i.id for i in items if i.lang in ("ar", "ru") and "lavrov" in {a["id"] for a in i.facts.actors}}
    assert set(found(archive, mentioned=["NE", "BF"])) == {
        i.id for i in items if {"NE", "BF"} & set(i.facts.mentioned)}
    assert set(found(archive, city=["Niamey"])) == {
        i.id for i in items if "Niamey" in {c["name"] for c in i.facts.cities}}


def test_newest_first_and_limit(loaded):
    archive, items = loaded
    hits = archive.search(SearchQuery("lavrov", limit=5))
    newest = sorted((i for i in items if i.id in having(items, word("lavrov"))), key=lambda i: i.published, reverse=True)
    assert [h.item_id for h in hits] == [i.id for i in newest[:5]]
    until = NOW - timedelta(days=10)
    assert all(h.at <= until.timestamp() for h in archive.search(SearchQuery(until=until, limit=1000)))
