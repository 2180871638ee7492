"""A search that cannot run as written is refused with a message saying why; what it can run is
parsed into words (with their forms), phrases and exclusions."""
from datetime import datetime, timezone

import pytest

from newswatch.archive.query import MAX_TERMS, SearchError, SearchQuery, parse_terms, plan


def test_words_phrases_and_exclusions():
    terms = parse_terms('Lavrov  "foreign minister" -Moscow -"state visit" باماكو')
    assert [t.written for t in terms.required] == ["Lavrov", "foreign minister", "باماكو"]
    assert [t.written for t in terms.excluded] == ["Moscow", "state visit"]
    assert [t.phrase for t in terms.required] == [False, True, False]
    assert terms.required[0].forms[0] == "lavrov"                     # normalized: the form the index has
    assert "foreign ministers" in terms.required[1].forms             # the head inflected
    assert terms.excluded[1].phrase


def test_a_word_of_several_index_words_is_a_phrase():
    [term] = parse_terms("l'Algérie").required
    assert term.forms[0] == "l algerie" and term.phrase


def test_punctuation_alone_is_nothing_to_look_for():
    assert parse_terms(" - & … ") == parse_terms("")


@pytest.mark.parametrize("text, message", [
    ('lavrov "bamako', "unbalanced quote"),
    ('lavrov ""', "empty phrase"),
    (" ".join(f"w{n}" for n in range(MAX_TERMS + 1)), f"at most {MAX_TERMS}"),
    ("x" * 501, "at most 500"),
])
def test_bad_text(text, message):
    with pytest.raises(SearchError, match=message):
        parse_terms(text)


@pytest.mark.parametrize("query, message", [
    (SearchQuery(country=["Mali"]), "'Mali' is no ISO 3166-1 alpha-2 code"),
    (SearchQuery(mentioned=["MLI"]), "mentioned: 'MLI' is no ISO 3166-1"),
    (SearchQuery(lang=["french"]), "'french' is no ISO 639-1 code"),
    (SearchQuery(topic=[""]), "topic: expected a non-empty value"),
    (SearchQuery(actor=["x" * 200]), "at most 128 characters"),
    (SearchQuery(limit=0), "limit must be a whole number from 1 to 1000"),
    (SearchQuery(limit=5000), "from 1 to 1000"),
    (SearchQuery(since=datetime(2026, 3, 1)), "timezone-aware"),
    (SearchQuery(since=datetime(2026, 3, 2, tzinfo=timezone.utc), until=datetime(2026, 3, 1, tzinfo=timezone.utc)),
     "since is later than until"),
    (SearchQuery(since="yesterday"), "since: expected a time"),
])
def test_bad_search(query, message):
    with pytest.raises(SearchError, match=message):
        plan(query)


def test_facets_are_normalized():
    p = plan(SearchQuery(country="ml", region=["Sahel"], topic=["Diplomacy/Visit/"], city=["Niaméy"], lang=["FR"]))
    assert p.facets == {"country": ["ML"], "region": ["sahel"], "topic": ["diplomacy/visit"], "city": ["niamey"]}
    assert p.langs == ["fr"]


def test_the_archive_refuses_a_bad_search_on_either_backend(archive):
    with pytest.raises(SearchError, match="unbalanced quote"):
        archive.search(SearchQuery('"bamako'))
    assert archive.search(SearchQuery("bamako")) == []
