"""The packed tables of a big TermIndex (packed.py) give what the plain lists give, pickled or not,
and the classifier's real index is stored packed (the memory it saves: BENCHMARKS.md §13.3)."""
from __future__ import annotations

import pickle

import pytest

from newswatch.classify import automaton
from newswatch.classify.automaton import TermIndex
from newswatch.classify.normalize import normalize
from newswatch.classify.packed import PackedPayloads, PackedStrings

STRINGS = ["", "Bamako", "Бамако", "باماكو", "N'Djamena", "😀 emoji", "Bamako", "\ud800"]  # a lone surrogate too
GROUPS = [
    [("city", "2460596", "Bamako", ""), ("country", "ML", "Bamako", "en")],
    [],
    [("city", "2460596", "Бамако", "")],
    [("city", "2460596", "Bamako", ""), ("topic", "diplomacy/visit", "visit", "en", "extra")],   # another width
    [("actor", "lavrov", "Лавров", "ru")],
]


def test_packed_strings_give_every_string_back_in_order():
    table = PackedStrings(STRINGS)
    assert len(table) == len(STRINGS)
    assert [table[i] for i in range(len(table))] == STRINGS
    again = pickle.loads(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
    assert [again[i] for i in range(len(again))] == STRINGS
    for bad in (len(STRINGS), -1):
        with pytest.raises(IndexError):
            table[bad]


def test_packed_payloads_give_every_group_back_as_tuples():
    table = PackedPayloads(GROUPS)
    expected = [tuple(group) for group in GROUPS]
    assert len(table) == len(GROUPS)
    assert [table[i] for i in range(len(table))] == expected
    assert table[0][0] is table[0][0]    # decoded once, then kept
    again = pickle.loads(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
    assert [again[i] for i in range(len(again))] == expected
    with pytest.raises(IndexError):
        table[len(GROUPS)]


def test_only_tuples_of_strings_are_packed():
    assert PackedPayloads.fits(GROUPS)
    assert not PackedPayloads.fits([[("city", 2460596)]])
    assert not PackedPayloads.fits([["city:bamako"]])


def _pairs() -> list[tuple[str, object]]:
    return [("Bamako", ("city", "2460596", "Bamako", "")), ("Mali", ("country", "ML", "Mali", "en")),
            ("Mali", ("country", "ML", "Mali", "fr")), ("Лавров", ("actor", "lavrov", "Лавров", "ru")),
            ("U.S.", ("country", "US", "U.S.", "en")), ("النيجر", ("country", "NE", "النيجر", "ar"))]


@pytest.mark.parametrize("text", ["Lavrov (Лавров) landed in Bamako, Mali, and the U.S. said nothing.",
                                  "وصل لافروف إلى النيجر وباماكو"])
def test_a_packed_index_finds_what_a_plain_one_finds(monkeypatch, tmp_path, text):
    plain = TermIndex(_pairs())
    monkeypatch.setattr(automaton, "PACK_FROM", 1)
    packed = TermIndex(_pairs())
    assert isinstance(packed._terms, PackedStrings) and isinstance(packed._payloads, PackedPayloads)
    assert not isinstance(plain._terms, PackedStrings)
    packed.save(tmp_path / "index.pkl")
    loaded: TermIndex = TermIndex.load(tmp_path / "index.pkl")
    norm = normalize(text)
    expected = plain.find(norm)
    assert expected and packed.find(norm) == expected == loaded.find(norm)
    assert [loaded.term(i) for i in range(len(loaded))] == [plain.term(i) for i in range(len(plain))]
    assert [loaded.payloads(i) for i in range(len(loaded))] == [plain.payloads(i) for i in range(len(plain))]


def test_payloads_that_are_not_string_tuples_stay_a_list(monkeypatch):
    monkeypatch.setattr(automaton, "PACK_FROM", 1)
    index = TermIndex([("Bamako", 1), ("Mali", 2)])
    assert isinstance(index._terms, PackedStrings) and isinstance(index._payloads, list)
    assert index.find(normalize("Mali and Bamako"))[0].payloads == (2,)


def test_the_classifiers_index_is_packed(classifier):
    index = classifier.index
    assert len(index) > automaton.PACK_FROM
    assert isinstance(index._terms, PackedStrings) and isinstance(index._payloads, PackedPayloads)
    tids = [tid for _, _, tid in index.find_spans(normalize("Lavrov landed in Bamako, Mali"))]
    assert any(p[:2] == ("city", "2460596") for tid in tids for p in index.payloads(tid))
