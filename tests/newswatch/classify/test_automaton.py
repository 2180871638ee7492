"""TermIndex: word-bounded leftmost-longest hits, Arabic proclitics, offsets, the cache."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from newswatch.classify.automaton import Hit, TermIndex
from newswatch.classify.morphology import variants
from newswatch.classify.normalize import normalize

DATA = Path(__file__).resolve().parents[2] / "data"
COLLECTED = Path(__file__).resolve().parents[2] / "data" / "collected"

# (term, lang, kind, payload): the dictionary the tests match against, expanded with variants().
DICTIONARY = [
    ("Лавров", "ru", "name", "person:lavrov"), ("Бамако", "ru", "name", "city:bamako"),
    ("Россия", "ru", "name", "country:ru"), ("Мали", "ru", "name", "country:ml"),
    ("Ниамей", "ru", "name", "city:niamey"), ("Нджамена", "ru", "name", "city:ndjamena"),
    ("российский", "ru", "adjective", "demonym:ru"), ("министр иностранных дел", "ru", "phrase", "role:fm"),
    ("Lavrov", "en", "name", "person:lavrov"), ("Bamako", "en", "name", "city:bamako"),
    ("Chad", "en", "name", "country:td"), ("Malian", "en", "adjective", "demonym:ml"),
    ("Guinea", "en", "name", "country:gn"), ("Guinea-Bissau", "en", "name", "country:gw"),
    ("Equatorial Guinea", "en", "name", "country:gq"), ("U.S.", "en", "name", "country:us"),
    ("Algérie", "fr", "name", "country:dz"), ("Alger", "fr", "name", "city:algiers"),
    ("malien", "fr", "adjective", "demonym:ml"), ("N'Djamena", "fr", "name", "city:ndjamena"),
    ("Straße", "de", "noun", "street"),
    ("باماكو", "ar", "name", "city:bamako"), ("النيجر", "ar", "name", "country:ne"),
    ("لافروف", "ar", "name", "person:lavrov"), ("افريقيا", "ar", "name", "continent:africa"),
    ("روسي", "ar", "adjective", "demonym:ru"), ("انجمينا", "ar", "name", "city:ndjamena"),
]


@pytest.fixture(scope="module")
def index() -> TermIndex:
    pairs = [(form, payload) for term, lang, kind, payload in DICTIONARY for form in variants(term, lang, kind)]
    pairs.append(("Mali", "country:ml"))
    return TermIndex(pairs)


def find(index: TermIndex, text: str) -> list[Hit]:
    hits = index.find(normalize(text))
    for hit in hits:
        assert text[hit.start:hit.end] == hit.surface
    return hits


def surfaces(index: TermIndex, text: str) -> list[str]:
    return [hit.surface for hit in find(index, text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Лавров прибыл в Бамако", ["Лавров", "Бамако"]),
    ("В Бамако у Лаврова запланированы встречи", ["Бамако", "Лаврова"]),
    ("переговоры с Лавровым", ["Лавровым"]),
    ("визит в Россию; граждане России", ["Россию", "России"]),
    ("Позднее прошли переговоры российского министра", ["российского"]),
    ("министра иностранных дел Мали", ["министра иностранных дел", "Мали"]),
    ("Они покинут столицу Чада Нджамену.", ["Нджамену"]),
    ("В столице Нигера Ниамее состоялась демонстрация", ["Ниамее"]),
    ("Ниаме\u0301й (фр. Niamey) — город в Нигере", ["Ниаме\u0301й"]),
])
def test_russian_inflected_forms_match(index, text, expected):
    assert surfaces(index, text) == expected


@pytest.mark.parametrize("text", [
    "Мы это придумали вчера", "побережья Сомали", "появилась малина и смородина",
    "Малиновый звон на заре.", "Россиян ждут погодные аномалии.", "после нормализации отношений",
])
def test_words_containing_a_term_do_not_match(index, text):
    assert not [h for h in find(index, text) if "country:ml" in h.payloads]


@pytest.mark.parametrize(("text", "expected"), [
    ("Chadian troops left; Chad said", ["Chad"]),
    ("Sergei Lavrov's visit to Bamako", ["Lavrov", "Bamako"]),
    ("a Malian-based activist; Malians protested", ["Malian", "Malians"]),
    ("Equatorial Guinea, Guinea-Bissau and Guinea Bissau", ["Equatorial Guinea", "Guinea-Bissau", "Guinea Bissau"]),
    ("the U.S. and the U.S", ["U.S.", "U.S"]),
    ("Lavrov told a press conference in N’Djamena", ["Lavrov", "N’Djamena"]),
])
def test_english_hits_are_word_bounded_and_leftmost_longest(index, text, expected):
    assert surfaces(index, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("les relations avec l'Algérie", ["Algérie"]),
    ("l’ALGERIE et d'Alger", ["ALGERIE", "Alger"]),
    ("les forces maliennes et les soldats maliens", ["maliennes", "maliens"]),
    ("Die Straße und die STRASSE", ["Straße", "STRASSE"]),
])
def test_apostrophes_accents_and_case(index, text, expected):
    assert surfaces(index, text) == expected


@pytest.mark.parametrize(("text", "surface", "proclitic"), [
    ("وصل لافروف وباماكو", "باماكو", "و"),
    ("مرورا بباماكو", "باماكو", "ب"),
    ("زيارة لباماكو", "باماكو", "ل"),
    ("ووصل لافروف", "لافروف", ""),
    ("التقى ولافروف", "لافروف", "و"),
    ("مالي والنيجر", "النيجر", "و"),
    ("بالنيجر", "النيجر", "ب"),
    ("زيارة للنيجر", "نيجر", "لل"),
    ("ووزير الخارجية الروسي", "الروسي", ""),
    ("وفد روسي", "روسي", ""),
])
def test_arabic_proclitics(index, text, surface, proclitic):
    hits = [h for h in find(index, text) if h.surface == surface]
    assert len(hits) == 1
    assert hits[0].proclitic == proclitic


@pytest.mark.parametrize(("text", "surface"), [
    ("وصل إلى بَامَاكُو اليوم", "بَامَاكُو"),
    ("جولة في إفريقيا", "إفريقيا"),
    ("جولة في افريقيا", "افريقيا"),
    ("العاصمة التشادية إنجمينا", "إنجمينا"),
    ("العاصمة أنجمينا", "أنجمينا"),
    ("بامـــاكو", "بامـــاكو"),
])
def test_arabic_diacritics_tatweel_and_alef_forms(index, text, surface):
    assert surfaces(index, text) == [surface]


def test_no_proclitic_outside_arabic_script(index):
    assert surfaces(index, "xBamako vbamako") == []


@pytest.mark.parametrize(("text", "surface"), [
    ("Straße 🇲🇱👍🏽 nach Bamako", "Bamako"),
    ("ﬁrst \u200bBamako", "Bamako"),
    ("В Бамако 🇷🇺 прибыл Лавров", "Лавров"),
    ("Die Großstraße? Nein: Straße.", "Straße"),
])
def test_offsets_with_emoji_and_expansions(index, text, surface):
    assert surface in surfaces(index, text)


def test_hit_fields(index):
    text = "Глава МИД России Сергей Лавров"
    [russia, lavrov] = find(index, text)
    assert (russia.start, russia.end, russia.surface) == (10, 16, "России")
    assert russia.term == "россии" and russia.payloads == ("country:ru",)
    assert (lavrov.nstart, lavrov.nend) == (24, 30) and lavrov.proclitic == ""


def test_several_payloads_for_one_term():
    index = TermIndex([("Georgia", "country:ge"), ("georgia", "us-state:ga"), ("GEORGIA", "country:ge")])
    [hit] = index.find(normalize("Kemp signed bills in Georgia."))
    assert hit.payloads == ("country:ge", "us-state:ga", "country:ge")  # as registered, in order
    assert len(index) == 1


def test_empty_terms_and_empty_index():
    index = TermIndex([("", 1), ("  ", 2), ("--", 3), ("ok", 4)])
    assert len(index) == 1
    assert TermIndex([]).find(normalize("anything")) == []
    assert index.find(normalize("")) == []


def test_normalized_terms_are_taken_as_they_are():
    index = TermIndex([("бамако", "x"), ("Bamako", "not normalized: never matches")], normalized=True)
    assert [h.payloads for h in index.find(normalize("В БАМАКО, Bamako"))] == [("x",)]


def test_real_russian_and_arabic_excerpts(index):
    """Texts from tests/data/collected: every Bamako/Lavrov variant in them is found."""
    rows = [json.loads(line) for line in (COLLECTED / "visits.jsonl").read_text("utf-8").splitlines()]
    found = 0
    for row in rows:
        if row["lang"] not in ("ru", "ar"):
            continue
        text = row["text"]
        hits = find(index, text)
        if "Лавров" in text or "لافروف" in text:
            assert any("person:lavrov" in h.payloads for h in hits), text
            found += 1
    assert found >= 20


def test_seed_post(index):
    text = (DATA / "seed" / "lavrov-bamako-telegram-post.txt").read_text("utf-8")
    hits = find(index, text)
    assert [h.surface for h in hits][:3] == ["Lavrov", "Bamako", "Lavrov"]
    assert sum(h.surface == "Malian" for h in hits) == 1


def test_save_and_load_round_trip(index, tmp_path):
    path = tmp_path / "sub" / "index.pkl"
    index.save(path)
    # the index and its automaton (written by pyahocorasick, not pickled), no temporary file left
    assert sorted(p.name for p in path.parent.iterdir()) == ["index.automaton", "index.pkl"]
    loaded = TermIndex.load(path)
    text = "Лавров прибыл в Бамако, وباماكو"
    assert loaded.find(normalize(text)) == index.find(normalize(text))


def test_cached_builds_once_then_loads(tmp_path):
    calls = []

    def build():
        calls.append(1)
        return [("Bamako", "city:bamako")]

    first = TermIndex.cached(b"tables v1", build, tmp_path)
    second = TermIndex.cached(b"tables v1", build, tmp_path)
    assert len(calls) == 1
    assert second.find(normalize("to Bamako"))[0].payloads == ("city:bamako",)
    assert first.find(normalize("to Bamako")) == second.find(normalize("to Bamako"))
    TermIndex.cached(b"tables v2", build, tmp_path)
    assert len(calls) == 2 and len(list(tmp_path.glob("*.pkl"))) == 2


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps(("other-format", 1)),
                                     pickle.dumps({"a": 1})[:5]])
def test_corrupt_cache_is_rebuilt(tmp_path, content):
    import hashlib

    path = tmp_path / f"{hashlib.sha256(b'key').hexdigest()}.pkl"
    path.write_bytes(content)
    index = TermIndex.cached(b"key", lambda: [("Niamey", "city:niamey")], tmp_path)
    assert index.find(normalize("in Niamey"))[0].payloads == ("city:niamey",)
    assert TermIndex.load(path).find(normalize("Niamey"))  # the file was rewritten


def test_cache_that_cannot_be_written_still_gives_an_index(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    index = TermIndex.cached(b"key", lambda: [("Niamey", {"id": 1})], blocker)
    assert index.find(normalize("Niamey"))[0].payloads == ({"id": 1},)  # unhashable payloads are fine
    assert "term_index_cache_not_written" in caplog.text


@pytest.mark.parametrize("damage", ["missing", "truncated", "swapped"])
def test_an_automaton_file_that_does_not_fit_is_rebuilt(tmp_path, damage):
    import hashlib

    path = tmp_path / f"{hashlib.sha256(b'key').hexdigest()}.pkl"
    TermIndex.cached(b"key", lambda: [("Niamey", "city:niamey"), ("Bamako", "city:bamako")], tmp_path)
    automaton = TermIndex.automaton_path(path)
    if damage == "missing":
        automaton.unlink()
    elif damage == "truncated":
        automaton.write_bytes(automaton.read_bytes()[:-40])
    else:   # another index's automaton, of another size
        other = tmp_path / "other" / "x.pkl"
        TermIndex([("Ouagadougou", "city:ouaga")]).save(other)
        automaton.write_bytes(TermIndex.automaton_path(other).read_bytes())
    with pytest.raises((OSError, ValueError)):
        TermIndex.load(path)
    index = TermIndex.cached(b"key", lambda: [("Niamey", "city:niamey")], tmp_path)
    assert index.find(normalize("in Niamey"))[0].payloads == ("city:niamey",)
    assert TermIndex.load(path).find(normalize("Niamey"))   # both files written again


def test_an_empty_index_saves_and_loads(tmp_path):
    TermIndex([]).save(tmp_path / "empty.pkl")
    assert [p.name for p in tmp_path.iterdir()] == ["empty.pkl"]
    assert TermIndex.load(tmp_path / "empty.pkl").find(normalize("Bamako")) == []


@pytest.mark.parametrize("text", ["Lavrov arrived in Bamako. Chad and Mali next; the U.S. too.",
                                  "وصل لافروف إلى باماكو. ثم النيجر و انجمينا."])
def test_find_spans_up_to_an_end_reads_only_the_text_before_it(index, text):
    """`end` (a sentence's start) limits the scan: the hits before it are the whole text's hits before it."""
    norm = normalize(text)
    whole = index.find_spans(norm)
    cut = norm.text.index(". ") + 2
    lead = index.find_spans(norm, cut)
    assert lead == [s for s in whole if s[1] <= cut] and len(whole) > len(lead) > 0, (whole, lead)
