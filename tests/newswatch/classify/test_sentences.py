"""sentence_spans / sentence_index on en, fr, ru and ar news text."""
from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from newswatch.classify.sentences import sentence_index, sentence_spans

COLLECTED = Path(__file__).resolve().parents[2] / "data" / "collected"


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Mr. Smith met Dr. Jones in St. Louis. They talked about the U.S. economy. Growth was 3.5 percent!",
     ["Mr. Smith met Dr. Jones in St. Louis.", "They talked about the U.S. economy.", "Growth was 3.5 percent!"]),
    ("Gov. Brian Kemp signed bills. J. Smith agreed? Yes.",
     ["Gov. Brian Kemp signed bills.", "J. Smith agreed?", "Yes."]),
    ('He said "Stop." Then he left... Later, etc. and so on.',
     ['He said "Stop."', "Then he left...", "Later, etc. and so on."]),
    ("between Moscow and Bamako.Announced on February 6, the minister arrived.",
     ["between Moscow and Bamako.", "Announced on February 6, the minister arrived."]),
])
def test_english(text, expected):
    assert sentences(text) == expected


def test_french():
    text = "M. Macron a dit « non ». Mme Dupont est partie. Il est 10 h. Fin"
    assert sentences(text) == ["M. Macron a dit « non ».", "Mme Dupont est partie.", "Il est 10 h.", "Fin"]


def test_russian():
    text = "В 2023 г. Лавров посетил Мали. С. Лавров прибыл в Бамако… Визит, т.е. первый, прошёл хорошо."
    assert sentences(text) == ["В 2023 г. Лавров посетил Мали.", "С. Лавров прибыл в Бамако…",
                               "Визит, т.е. первый, прошёл хорошо."]


def test_arabic():
    text = "وصل لافروف إلى باماكو. هل استقبله الرئيس؟ نعم! وانتهت الزيارة"
    assert sentences(text) == ["وصل لافروف إلى باماكو.", "هل استقبله الرئيس؟", "نعم!", "وانتهت الزيارة"]


def test_line_breaks_always_end_a_sentence():
    text = "НИАМЕЙ, 19 дек - РИА Новости\n\n  Визит заместителя министра  \nпозволит укрепить"
    spans = sentence_spans(text)
    assert sentences(text) == ["НИАМЕЙ, 19 дек - РИА Новости", "Визит заместителя министра", "позволит укрепить"]
    assert all(text[s].strip() and text[e - 1].strip() for s, e in spans)


def test_empty_and_blank():
    assert sentence_spans("") == [] and sentence_spans(" \n\n ") == []


def test_sentence_index():
    text = "One. Two three.  Four"
    spans = sentence_spans(text)
    assert [sentence_index(spans, text.index(word)) for word in ("One", "Two", "three", "Four")] == [0, 1, 1, 2]
    assert sentence_index(spans, text.index("  ") + 1) == 1  # between sentences: the one before
    assert sentence_index(spans, 0) == 0 and sentence_index([], 5) == -1


def test_real_excerpts_are_covered_in_order():
    rows = [json.loads(line) for line in (COLLECTED / "visits.jsonl").read_text("utf-8").splitlines()]
    for row in rows:
        text = row["text"]
        spans = sentence_spans(text)
        assert spans, text
        assert all(a < b <= c for (a, b), (c, _) in pairwise(spans))
        covered = "".join(text[s:e] for s, e in spans)
        assert covered.replace(" ", "") == "".join(text.split()), text  # nothing lost but white space
