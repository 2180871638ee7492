"""The founding rules of config/rules/sahel.yaml on real text: the seed post, and every row of
tests/data/collected/visits.jsonl (real excerpts, each with its source).

Labels: `visit` rows are the positives of `russian-official-visits-sahel-capital`, `announced`
rows those of `russian-official-visit-announced-sahel`; every `lookalike-*` row is a negative
for both, and `announced` rows are negatives for the founding rule. (`visit` rows are left out
of the announced rule's figures: a report of a visit that happened may also say it had been
announced.) `pytest -s` prints precision and recall per language and overall.

The rules are written with `event:` and no `none:` (issue 14): the look-alikes (Goïta arriving in
Moscow, visits only announced, Russian officials elsewhere) are rejected by the extracted events'
roles and modality alone. The aim (issue) is precision >= 0.9 and recall >= 0.85 for the founding
rule in every language; the thresholds guard the level reached (see MIN_RECALL).
"""
import json
import re
from pathlib import Path

import pytest
import yaml

from alerts.dispatch import build_alert
from alerts.rules.loader import parse_rule_file
from alerts.rules.matcher import RuleMatcher
from newswatch.model.item import Item

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "config" / "rules" / "sahel.yaml"
VISITS = ROOT / "tests" / "data" / "collected" / "visits.jsonl"
SEED_POST = ROOT / "tests" / "data" / "seed" / "lavrov-bamako-telegram-post.txt"

FOUNDING = "russian-official-visits-sahel-capital"
ANNOUNCED = "russian-official-visit-announced-sahel"
LANGS = ("en", "fr", "ar", "ru")

MIN_VISITS_PER_LANG = 5
MIN_RECALL = 0.9           # overall and in each language: 0.96 overall, 0.94-1.00 per language reached
                           # (aim 0.85), at precision 1.00; a change may raise it, never lower it
MIN_PRECISION = 0.95
MIN_LOOKALIKES = 30


@pytest.fixture(scope="module")
def founding_classifier(request, tmp_path_factory):
    """The session `classifier` of a conftest when there is one, else one built here."""
    try:
        return request.getfixturevalue("classifier")
    except pytest.FixtureLookupError:
        from newswatch.classify.classifier import Classifier
        return Classifier.from_config_dir(ROOT / "newswatch" / "classify" / "data", cache_dir=tmp_path_factory.mktemp("nwcache"))


@pytest.fixture(scope="module")
def matcher(founding_classifier) -> RuleMatcher:
    rules, issues = parse_rule_file(RULES)
    assert not issues, [str(i) for i in issues]
    assert {r.id for r in rules} >= {FOUNDING, ANNOUNCED}
    # no hand-written exceptions left: only event conditions (the announced rule's one `none:` is an event)
    [founding] = [r for r in yaml.safe_load(RULES.read_text(encoding="utf-8")) if r["id"] == FOUNDING]
    assert set(founding["when"]) == {"any"} and all(set(c) == {"event"} for c in founding["when"]["any"])
    assert not re.search(r"\b(keywords|regex|near|topic|place|actor):", RULES.read_text(encoding="utf-8"))
    return RuleMatcher(rules, tables=founding_classifier.tables)


def classified(classifier, title: str | None, text: str, lang: str | None = None) -> Item:
    """An item as the pipeline hands it to the matcher: finished, classified, language set."""
    item = Item(source_id="test", title=title or "", text=text, lang=lang).finish()
    item.facts = classifier.classify(item.title, item.text, declared_lang=item.lang)
    item.lang = item.facts.lang
    return item


@pytest.fixture(scope="module")
def fired(founding_classifier, matcher) -> list[tuple[dict, set[str]]]:
    """Every row of visits.jsonl with the ids of the rules that fired on it."""
    rows = [json.loads(line) for line in VISITS.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        item = classified(founding_classifier, row["title"], row["text"], row["lang"])
        out.append((row, {m.rule.id for m in matcher.match(item)}))
    return out


def scores(results, rule_id: str, positive: str, negative) -> dict[str, dict]:
    """tp/fp/fn, precision and recall per language and overall ("all")."""
    table = {}
    for lang in LANGS + ("all",):
        tp = fp = fn = 0
        for row, ids in results:
            if lang != "all" and row["lang"] != lang:
                continue
            hit = rule_id in ids
            if row["kind"] == positive:
                tp += hit
                fn += not hit
            elif negative(row["kind"]):
                fp += hit
        table[lang] = {"tp": tp, "fp": fp, "fn": fn,
                       "precision": tp / (tp + fp) if tp + fp else float("nan"),
                       "recall": tp / (tp + fn) if tp + fn else float("nan")}
    return table


def report(title: str, table: dict) -> str:
    lines = [title, "  lang   tp  fp  fn  precision  recall"]
    for lang, s in table.items():
        lines.append(f"  {lang:<4} {s['tp']:4d} {s['fp']:3d} {s['fn']:3d}  {s['precision']:9.2f}  {s['recall']:6.2f}")
    return "\n".join(lines)


def founding_scores(results):
    return scores(results, FOUNDING, "visit", lambda kind: kind != "visit")


def announced_scores(results):
    return scores(results, ANNOUNCED, "announced", lambda kind: kind.startswith("lookalike-"))


def test_seed_post_fires_the_founding_rule_and_says_why(founding_classifier, matcher):
    assert SEED_POST.is_file(), f"real test data missing: {SEED_POST}"
    title, _, text = SEED_POST.read_text(encoding="utf-8").strip().partition("\n")
    item = classified(founding_classifier, title.strip(), text.strip())
    found = {m.rule.id: m for m in matcher.match(item)}
    assert FOUNDING in found, f"fired: {sorted(found)}"
    match = found[FOUNDING]
    explanation = build_alert(match).explanation()
    print(f"\nseed post -> {FOUNDING}: {explanation}")
    assert explanation.startswith("event: visit (visit): Sergey Lavrov (RU official) → Bamako (ML capital), "
                                  "happened"), explanation
    # the first event's evidence: the visit cue, who and where, each a span of one sentence of the post
    first = [e for e in match.evidence if e.clause == "when.any[0].event"]
    assert {e.matched for e in first} == {"visit", "Lavrov", "Bamako"}, first
    assert len({(e.field, e.sentence) for e in first}) == 1
    assert [e.kind for e in first] == ["event", "actor", "place"]       # what, who, where
    assert all(text.strip()[e.start:e.end] == e.matched for e in first)


def test_founding_rule_on_collected_visits(fired):
    table = founding_scores(fired)
    print("\n" + report(f"{FOUNDING} (positives: visit; negatives: announced, lookalike-*)", table))
    misses = [r["note"] for r, ids in fired if r["kind"] == "visit" and FOUNDING not in ids]
    print(f"  missed visit reports: {len(misses)}")
    for lang in LANGS:
        assert table[lang]["tp"] >= MIN_VISITS_PER_LANG, (lang, table[lang])
    for lang in LANGS + ("all",):
        assert table[lang]["recall"] >= MIN_RECALL, (lang, table[lang])
        assert table[lang]["precision"] >= MIN_PRECISION, (lang, table[lang])


def test_founding_rule_fires_on_no_lookalike_and_no_announced_visit(fired):
    """Issue 4: "on none of at least 30 real look-alikes": Sahel leaders in Russia, Russian officials
    elsewhere, Western officials in Bamako, statements and calls, fighting, visits only announced."""
    negatives = [r for r, _ in fired if r["kind"] != "visit"]
    assert len([r for r in negatives if r["kind"].startswith("lookalike-")]) >= MIN_LOOKALIKES
    wrong = [(r["kind"], r["lang"], r["note"]) for r, ids in fired if r["kind"] != "visit" and FOUNDING in ids]
    print(f"\n{FOUNDING} fires on {len(wrong)} of {len(negatives)} look-alike and announced rows")
    assert wrong == []


def test_announced_rule_on_collected_visits(fired):
    table = announced_scores(fired)
    print("\n" + report(f"{ANNOUNCED} (positives: announced; negatives: lookalike-*; visit rows left out)", table))
    on_visits = sum(1 for r, ids in fired if r["kind"] == "visit" and ANNOUNCED in ids)
    print(f"  also fires on {on_visits} visit reports")
    assert table["all"]["tp"] > 0
