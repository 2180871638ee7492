"""The hand-labelled event sets of tests/data/events are well formed and cover what the guide
(tests/data/events/README.md) promises: every row valid, >= 4 sentences per event type and language,
>= 40 negatives, both splits covering every (type, language), and one label row for every line of
tests/data/collected/visits.jsonl. The validator itself is shown to catch broken rows."""
from __future__ import annotations

import copy
from collections import Counter

import pytest

from tests.support.event_sentences import (LANGS, SPLITS, TYPES, founding, load_sentences, load_visit_labels,
                                           load_visits, named_weekday, type_counts, validate_event,
                                           validate_sentence)


@pytest.fixture(scope="module")
def sentences():
    return load_sentences()


@pytest.fixture(scope="module")
def labels():
    return load_visit_labels()


def test_every_sentence_row_is_valid(sentences):
    errors = [error for row in sentences for error in validate_sentence(row)]
    assert errors == [], "\n".join(errors)


def test_the_second_set_is_valid_apart_and_split_by_id():
    """sentences2.jsonl (labelled blind in session 7): every row valid, ids in four blocks (es-5001.. en,
    es-6001.. fr, es-7001.. ar, es-8001.. ru), odd ids dev and even heldout, no text of the first set again."""
    second = load_sentences("sentences2.jsonl")
    errors = [error for row in second for error in validate_sentence(row)]
    assert errors == [], "\n".join(errors)
    base = {"en": 5000, "fr": 6000, "ar": 7000, "ru": 8000}
    for lang in LANGS:
        ids = [int(r["id"][3:]) for r in second if r["lang"] == lang]
        assert ids == list(range(base[lang] + 1, base[lang] + 1 + len(ids))), lang
    assert all(r["split"] == ("dev" if int(r["id"][3:]) % 2 else "heldout") for r in second)
    first = {(r["lang"], r["text"]) for r in load_sentences()}
    assert not first & {(r["lang"], r["text"]) for r in second}
    assert len({(r["lang"], r["text"]) for r in second}) == len(second)


def test_ids_are_unique_and_numbered_in_order(sentences):
    ids = [row["id"] for row in sentences]
    assert len(set(ids)) == len(ids)
    assert ids == [f"es-{n:04d}" for n in range(1, len(ids) + 1)]


def test_no_sentence_is_there_twice(sentences):
    texts = Counter((row["lang"], row["text"]) for row in sentences)
    assert [text for text, n in texts.items() if n > 1] == []


def test_counts_per_type_and_language(sentences):
    counts = type_counts(sentences)
    short = {(t, lang): sum(counts[(t, lang, s)] for s in SPLITS) for t in TYPES for lang in LANGS}
    assert {cell: n for cell, n in short.items() if n < 4} == {}
    positives = [row for row in sentences if row["events"]]
    assert len(positives) >= 160


def test_negatives(sentences):
    negatives = [row for row in sentences if not row["events"]]
    assert len(negatives) >= 40
    assert all(row["note"].strip() for row in negatives), "each negative says why it is one"
    assert {row["lang"] for row in negatives} == set(LANGS)


def test_both_splits_cover_every_type_and_language(sentences):
    counts = type_counts(sentences)
    missing = [(t, lang, s) for t in [*TYPES, "none"] for lang in LANGS for s in SPLITS if counts[(t, lang, s)] < 2]
    assert missing == []
    splits = Counter(row["split"] for row in sentences)
    assert abs(splits["dev"] - splits["heldout"]) <= len(sentences) // 10


def test_hard_cases_are_present(sentences):
    """The guide promises origin-vs-destination, planned, denied and cancelled events, pronoun and
    context subjects, and date expressions in every language."""
    events = [(row, e) for row in sentences for e in row["events"]]
    assert {row["lang"] for row, e in events if any(p["role"] == "origin" for p in e["where"])} == set(LANGS)
    for modality in ("planned", "denied", "cancelled"):
        assert any(e["modality"] == modality for _, e in events), modality
    assert {row["lang"] for row, e in events if e["modality"] == "planned"} == set(LANGS)
    assert {row["lang"] for row, e in events if any("refers_to" in w for w in e["who"])} == set(LANGS)
    assert {row["lang"] for row, e in events if e["when_text"] and e["when"]} == set(LANGS)


def test_visits_labels_cover_every_line_once(labels):
    visits = load_visits()
    assert [label["line"] for label in labels] == list(range(1, len(visits) + 1))
    for label in labels:
        line = visits[label["line"] - 1]
        assert (label["lang"], label["kind"]) == (line["lang"], line["kind"]), label["line"]


def test_visits_labels_are_valid(labels):
    visits = load_visits()
    errors = []
    for label in labels:
        line = visits[label["line"] - 1]
        haystack = line["text"] + "\n" + (line["title"] or "")
        for n, event in enumerate(label["events"]):
            errors += validate_event(event, haystack, haystack, line["published"], f"line {label['line']}.events[{n}]")
        if not isinstance(label["note"], str):
            errors.append(f"line {label['line']}: note must be a string")
    assert errors == [], "\n".join(errors)


def test_founding_field_follows_the_events(labels):
    wrong = [label["line"] for label in labels if founding(label["events"]) != label["founding"]]
    assert wrong == []


def test_every_lookalike_is_no_founding_visit_and_disagreements_are_noted(labels):
    """Every look-alike and announced line is labelled as no happened Russian visit to a Sahel state;
    a `visit` line the labels do not confirm says so in its note."""
    for label in labels:
        if label["kind"] != "visit":
            assert label["founding"] == "no", label["line"]
        elif label["founding"] == "no":
            assert "DISAGREES" in label["note"], label["line"]
    confirmed = Counter(label["founding"] for label in labels if label["kind"] == "visit")
    assert confirmed["capital"] + confirmed["country"] + confirmed["implied"] >= 75


def test_origin_is_never_taken_for_the_destination(labels):
    """Lines where a Sahel capital is only the origin (Goïta leaving Bamako, Lavrov flying Bamako ->
    Nouakchott) keep it as origin."""
    by_line = {label["line"]: label for label in labels}
    for line, origin in ((8, "Bamako"), (160, "باماكو"), (188, "باماكو"), (245, "Бамако"), (116, "Ouagadougou")):
        places = [p for e in by_line[line]["events"] for p in e["where"] if p["name"] == origin]
        assert places and {p["role"] for p in places} == {"origin"}, line


def _row(sentences):
    return copy.deepcopy(next(row for row in sentences if row["events"] and row["events"][0]["who"]))


def test_the_validator_catches_broken_rows(sentences):
    base = _row(sentences)
    assert validate_sentence(base) == []
    breakages = {
        "type": lambda r: r["events"][0].update(type="visits"),
        "modality": lambda r: r["events"][0].update(modality="rumoured"),
        "name": lambda r: r["events"][0]["who"][0].update(name="Nobody Atall"),
        "nationality": lambda r: r["events"][0]["who"][0].update(nationality="RUS"),
        "role": lambda r: r["events"][0]["who"][0].update(role="president"),
        "actor": lambda r: r["events"][0]["who"][0].update(actor="no-such-actor"),
        "when": lambda r: r["events"][0].update(when="2024-02-30"),
        "when_text": lambda r: r["events"][0].update(when_text="le 31 février"),
        "trigger": lambda r: r["events"][0].update(trigger="zzz"),
        "split": lambda r: r.update(split="train"),
        "id": lambda r: r.update(id="es-1"),
        "published": lambda r: r.update(published="17/02/2026"),
    }
    for what, breaks in breakages.items():
        row = copy.deepcopy(base)
        breaks(row)
        assert validate_sentence(row), f"a broken {what} was not caught"


def test_the_validator_checks_dates_against_the_rule():
    text = "Lavrov arrived in Bamako on Monday."
    event = {"type": "visit", "modality": "happened", "trigger": "arrived", "when": "2023-02-06", "when_text": "on Monday",
             "who": [{"name": "Lavrov", "actor": "lavrov", "nationality": "RU", "role": "minister", "part": "agent"}],
             "where": [{"name": "Bamako", "country": "ML", "kind": "capital", "role": "destination"}]}
    assert validate_event(event, text, text, "2023-02-07", "e") == []
    assert validate_event({**event, "when": "2023-02-07"}, text, text, "2023-02-07", "e")  # a Tuesday
    undated = {**event, "when_text": None}
    assert validate_event({**undated, "when": "2023-02-07"}, text, text, "2023-02-07", "e") == []
    assert validate_event({**undated, "when": "2023-02-01"}, text, text, "2023-02-07", "e")
    assert validate_event({**undated, "modality": "planned", "when": "2023-02-07"}, text, text, "2023-02-07", "e")


@pytest.mark.parametrize("expression, day", [("on Tuesday February 7", 1), ("ce lundi soir", 0), ("во вторник", 1),
                                             ("صباح اليوم الأربعاء", 2), ("в среду", 2), ("le 2 juin", None)])
def test_weekday_words_in_four_languages(expression, day):
    assert named_weekday(expression) == day
