"""The classifier on real text: the seed post, the Sahel capitals in fr/ar/ru, the ambiguity cases.

Real sentences come from tests/data/collected/ (each row carries its source URL).
"""
import pytest

from tests.newswatch.classify.conftest import ROOT, collected

SEED = ROOT / "tests" / "data" / "seed" / "lavrov-bamako-telegram-post.txt"
CAPITALS = {"Bamako": "ML", "Niamey": "NE", "Ouagadougou": "BF", "N'Djamena": "TD", "Nouakchott": "MR"}


def classify(classifier, title, text="", lang=None):
    return classifier.classify(title, text, declared_lang=lang)


def test_seed_post(classifier):
    lines = SEED.read_text(encoding="utf-8").strip().split("\n")
    facts = classify(classifier, lines[0], "\n".join(lines[1:]))
    assert facts.lang == "en"
    assert {"ML", "RU", "FR"} <= set(facts.countries), facts.salience
    assert "Bamako" in {c["name"] for c in facts.cities}
    assert next(c for c in facts.cities if c["name"] == "Bamako")["capital"] is True
    assert {"sahel", "west-africa"} <= set(facts.regions)
    assert any(a["id"] == "lavrov" and a["nationality"] == "RU" and a["role"] == "official" for a in facts.actors)
    assert {"diplomacy", "diplomacy/visit"} <= set(facts.topics)
    lavrov = next(m for m in facts.evidence if m.kind == "actor" and m.value == "lavrov")
    assert lines[0][lavrov.start:lavrov.end] == "Sergei Lavrov" and lavrov.field == "title"


def _capital_rows():
    rows = [r for r in collected("places.jsonl") if r["kind"] == "place" and r["lang"] in ("fr", "ar", "ru")]
    out = []
    for row in rows:
        named = [name for name in CAPITALS if row["note"].startswith(f"{name} named")]
        if named:
            out.append(pytest.param(row, CAPITALS[named[0]], id=f"{row['lang']}-{named[0]}-{len(out)}"))
    return out


@pytest.mark.parametrize("row,country", _capital_rows())
def test_sahel_capitals_in_fr_ar_ru(classifier, row, country):
    facts = classify(classifier, row["title"] or "", row["text"])
    assert facts.lang == row["lang"]
    capitals = [c for c in facts.cities if c["capital"]]
    assert any(c["country"] == country for c in capitals), (row["source"], facts.cities)
    assert country in facts.mentioned
    assert "sahel" in classifier.tables.regions_of(country)
    if country in facts.countries:
        assert "sahel" in facts.regions


def test_there_are_capital_sentences_in_each_language():
    langs = {p.values[0]["lang"] for p in _capital_rows()}
    assert langs == {"fr", "ar", "ru"}
    assert len(_capital_rows()) >= 30
