"""Places on hand-labelled Arabic, French and Russian news (tests/data/places_labelled/, 150 real texts; its
README says how they were collected and labelled, blind).

Prints, per language and split, precision/recall/F1 of `mentioned` against the labels' `mentioned`, of
`countries` against `about`, and of `cities` (same country and name) against `cities`. Fixes were chosen on
the dev rows (odd ids); the heldout rows were scored, not read. The assertions guard what the classifier
reaches (2026-12-07, after the region rule, Arabic word-like city names, outlets named after a country and
the US-context fix; before them: Arabic dev mentioned F1 0.879, cities 0.627; French dev mentioned 0.919):
they are not goals.
"""
import json
import unicodedata
from collections import defaultdict

import pytest

from tests.newswatch.classify.conftest import ROOT
from tests.newswatch.classify.test_accuracy import prf

DATA = ROOT / "tests" / "data" / "places_labelled"
LANGS = ("ar", "fr", "ru", "ar2")   # file names: ar2.jsonl is a second Arabic set (session 7, README)
LANG_OF = {"ar": "ar", "fr": "fr", "ru": "ru", "ar2": "ar"}


def rows(lang: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()]


def _fold(name: str) -> str:
    name = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in name if not unicodedata.combining(c)).replace("-", " ").replace("'", "")


def same_city(gold: dict, got: dict) -> bool:
    """One city: the same country and the same name, give or take accents and a spelling's ending ("Kyiv"
    and "Kiev" differ; "Al-Kut" and "Al Kut" do not)."""
    a, b = _fold(gold["name"]), _fold(got["name"])
    return gold["country"] == got["country"] and (a == b or a[:5] == b[:5])


def test_rows_are_well_formed():
    from newswatch.classify.tables import load_tables
    codes = set(load_tables(ROOT / "newswatch" / "classify" / "data").countries)
    for lang in LANGS:
        data = rows(lang)
        assert len(data) == 50 and len({r["source"] for r in data}) == 50, lang
        assert [r["split"] for r in data] == ["dev", "heldout"] * 25, lang
        for r in data:
            assert r["lang"] == LANG_OF[lang] and r["id"].startswith(LANG_OF[lang] + "-") and r["text"].strip(), r["id"]
            assert set(r["about"]) <= set(r["mentioned"]) <= codes, r["id"]
            assert {c["country"] for c in r["cities"]} <= set(r["mentioned"]), r["id"]


def score(classifier) -> dict[tuple[str, str, str], tuple[float, float, float]]:
    """(lang, split, field) -> (precision, recall, F1)."""
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for lang in LANGS:
        for r in rows(lang):
            facts = classifier.classify(r["title"] or "", r["text"], declared_lang=r["lang"])
            for field, got, want in (("mentioned", set(facts.mentioned), set(r["mentioned"])),
                                     ("about", set(facts.countries), set(r["about"]))):
                c = counts[(lang, r["split"], field)]
                c[0] += len(got & want)
                c[1] += len(got - want)
                c[2] += len(want - got)
            c = counts[(lang, r["split"], "cities")]
            c[0] += sum(1 for g in r["cities"] if any(same_city(g, p) for p in facts.cities))
            c[1] += sum(1 for p in facts.cities if not any(same_city(g, p) for g in r["cities"]))
            c[2] += sum(1 for g in r["cities"] if not any(same_city(g, p) for p in facts.cities))
    return {k: prf(*v) for k, v in counts.items()}


# (lang, field) -> F1 floor, dev and heldout alike: what the classifier reaches now, less a margin of about one
# error (the sets are small: 40 to 90 labels per cell)
FLOORS = {("ar", "mentioned"): 0.90, ("fr", "mentioned"): 0.90, ("ru", "mentioned"): 0.90,
          ("ar", "about"): 0.65, ("fr", "about"): 0.82, ("ru", "about"): 0.70,
          ("ar", "cities"): 0.57, ("fr", "cities"): 0.64, ("ru", "cities"): 0.60,
          # the second Arabic set (dev / heldout now: mentioned 0.967 / 0.942, about 0.844 / 0.765, cities 0.564 /
          # 0.698; before session 7's fixes 0.937 / 0.941, 0.794 / 0.776, 0.550 / 0.698)
          ("ar2", "mentioned"): 0.91, ("ar2", "about"): 0.73, ("ar2", "cities"): 0.53}


@pytest.fixture(scope="module")
def scores(classifier):
    return score(classifier)


@pytest.mark.parametrize("lang", LANGS)
def test_places_in_arabic_french_and_russian_news(scores, lang):
    for split in ("dev", "heldout"):
        print(f"\n{lang} {split}: " + "  ".join(
            f"{field} P={p:.3f} R={r:.3f} F1={f:.3f}" for field in ("mentioned", "about", "cities")
            for p, r, f in [scores[(lang, split, field)]]))
    low = {(split, field): round(scores[(lang, split, field)][2], 3) for split in ("dev", "heldout")
           for field in ("mentioned", "about", "cities") if scores[(lang, split, field)][2] < FLOORS[(lang, field)]}
    assert not low, low
