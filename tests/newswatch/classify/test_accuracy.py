"""Country accuracy on the hand-labelled set (tests/data/countries_labelled.jsonl, 330 real items).

Prints precision/recall/F1 of `countries` against the labels' `about`, and of
`mentioned` against `mentioned`, overall, per language, and for the two halves:
the salience thresholds were chosen on the even-numbered lines ("dev"); the odd
ones ("held") were never inspected while tuning.

Goal (issue 3): F1 of `countries` >= 0.90. Reached: 0.906 overall, 0.922 on the dev half
and 0.890 on the held-out half (2026-11-28: Urdu country names and demonyms, institution
names that are also city names no longer name the city's country, "South/North/Central
American" are regions, English abbreviations used as adjectives weigh like demonyms,
ambiguous demonyms need corroboration like ambiguous names); the
assertions guard that level, with a small margin, against regressions. `mentioned` vs
`mentioned`: 0.967.
"""
import json
from collections import defaultdict

from tests.newswatch.classify.conftest import ROOT

LABELLED = ROOT / "tests" / "data" / "countries_labelled.jsonl"


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(classifier, field_pred: str, field_gold: str):
    counts = defaultdict(lambda: [0, 0, 0])
    errors = []
    for number, line in enumerate(LABELLED.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        facts = classifier.classify(row["title"], row["text"], declared_lang=row["lang"])
        pred, gold = set(getattr(facts, field_pred)), set(row[field_gold])
        for key in ("all", row["lang"], "held" if number % 2 else "dev"):
            counts[key][0] += len(pred & gold)
            counts[key][1] += len(pred - gold)
            counts[key][2] += len(gold - pred)
        if pred != gold:
            errors.append((row["id"], sorted(pred - gold), sorted(gold - pred)))
    return {k: prf(*v) for k, v in counts.items()}, errors


def report(name, scores):
    print(f"\n{name}: " + "  ".join(f"{k}: P={p:.3f} R={r:.3f} F1={f:.3f}" for k, (p, r, f) in sorted(scores.items())))


def test_countries_about_f1(classifier):
    scores, errors = evaluate(classifier, "countries", "about")
    report("countries vs about", scores)
    for e in errors[:40]:
        print("  ", e)
    assert scores["all"][2] >= 0.90, scores["all"]
    assert scores["held"][2] >= 0.88, scores["held"]


def test_mentioned_f1(classifier):
    scores, _ = evaluate(classifier, "mentioned", "mentioned")
    report("mentioned vs mentioned", scores)
    assert scores["all"][2] >= 0.95, scores["all"]
