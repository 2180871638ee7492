"""The founding rules of config/rules/sahel.yaml on real text: the seed post, and every row of
tests/data/collected/visits.jsonl (real excerpts, each with its source).

Labels: `visit` rows are the positives of `russian-official-visits-sahel-capital`, `announced`
rows those of `russian-official-visit-announced-sahel`; every `lookalike-*` row is a negative
for both, and `announced` rows are negatives for the founding rule. (`visit` rows are left out
of the announced rule's figures: a report of a visit that happened may also say it had been
announced.) `pytest -s` prints precision and recall per language and overall.

The thresholds guard the level reached so far; the aim (issue) is precision >= 0.9 and
recall >= 0.85 for the founding rule, overall and in every language.
"""
import json
from pathlib import Path

import pytest

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
MIN_RECALL = 0.85          # overall and in each language: 0.88 overall, 0.86-0.89 per language reached
                           # (aim 0.85), at precision 1.00; a change may raise it, never lower it
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
    for part in ("actor: ", "place: ", "topic: "):
        assert part in explanation, explanation
    assert explanation.endswith("— same sentence"), explanation
    assert "RU official" in explanation and "Bamako" in explanation and "visit" in explanation
    # the three parts the explanation names stand in one sentence of the item
    spots = {(e.field, e.sentence) for e in match.evidence if e.kind in ("actor", "place", "topic")}
    assert len(spots) == 1, spots


def test_founding_rule_on_collected_visits(fired):
    table = founding_scores(fired)
    print("\n" + report(f"{FOUNDING} (positives: visit; negatives: announced, lookalike-*)", table))
    misses = [r["note"] for r, ids in fired if r["kind"] == "visit" and FOUNDING not in ids]
    print(f"  missed visit reports: {len(misses)}")
    for lang in LANGS:
        assert table[lang]["tp"] >= MIN_VISITS_PER_LANG, (lang, table[lang])
    for lang in LANGS + ("all",):
        assert table[lang]["recall"] >= MIN_RECALL, (lang, table[lang])


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


# --- the founding rules written with `event:` and no `none:` (issue 14) ----------------------------------
# What config/rules/sahel.yaml is to become once the extractor (newswatch/classify/events) reads these rows
# well enough: the same labels, the same figures, printed with `pytest -s`. A visit is to the capital or the
# country; talks or an agreement count when held in a Sahel capital (a Russian official holding talks there
# is visiting). The look-alikes are to be rejected by the events alone: a visit to Moscow has Moscow as its
# destination, a planned visit is `planned`, a visit elsewhere has another place.
EVENT_RULES = """
- id: russian-official-visits-sahel-capital
  title: Russian official visits a Sahel capital
  when:
    any:
      - event: {type: visit, who: {nationality: RU, role: official}, where: {region: sahel, kind: capital}}
      - event: {type: visit, who: {nationality: RU, role: official}, where: {region: sahel, kind: country}}
      - event: {type: [talks, agreement], who: {nationality: RU, role: official},
                where: {region: sahel, kind: capital}}
  notify: [desk-email]
- id: russian-official-visit-announced-sahel
  title: Russian official's visit to a Sahel capital announced
  when:
    any:
      - event: {type: visit, modality: planned, who: {nationality: RU, role: official},
                where: {region: sahel, kind: capital}}
      - event: {type: visit, modality: planned, who: {nationality: RU, role: official},
                where: {region: sahel, kind: country}}
  notify: [desk-email]
"""
# Reached with the extractor of 58498fc (founding: precision 1.00 in en, fr, ru, 0.95 in ar; recall 0.84 en,
# 0.86 fr, 0.86 ar, 0.82 ru): a guard, not the aim (precision >= 0.9 and recall >= 0.85 in every language).
EVENT_MIN_PRECISION, EVENT_MIN_RECALL = 0.95, 0.80


@pytest.fixture(scope="module")
def event_matcher(founding_classifier, tmp_path_factory) -> RuleMatcher:
    path = tmp_path_factory.mktemp("event_rules") / "sahel.yaml"
    path.write_text(EVENT_RULES, encoding="utf-8")
    rules, issues = parse_rule_file(path)
    assert not issues, [str(i) for i in issues]
    assert "none" not in EVENT_RULES
    return RuleMatcher(rules, tables=founding_classifier.tables)


@pytest.fixture(scope="module")
def event_fired(founding_classifier, event_matcher) -> list[tuple[dict, set[str]]]:
    rows = [json.loads(line) for line in VISITS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row, {m.rule.id for m in event_matcher.match(classified(founding_classifier, row["title"], row["text"],
                                                                     row["lang"]))}) for row in rows]


def test_seed_post_fires_the_event_rule_and_says_why(founding_classifier, event_matcher):
    title, _, text = SEED_POST.read_text(encoding="utf-8").strip().partition("\n")
    found = {m.rule.id: m for m in event_matcher.match(classified(founding_classifier, title.strip(), text.strip()))}
    assert set(found) == {FOUNDING}
    explanation = build_alert(found[FOUNDING]).explanation()
    print(f"\nseed post -> {FOUNDING} (event:): {explanation}")
    assert explanation == ("event: visit (visit): Sergey Lavrov (RU official) → Bamako (ML capital), happened · "
                           "event: visit (visit): Russian official (RU official) → Mali (ML), happened · "
                           "event: talks (discussed): Sergey Lavrov (RU official) in Bamako (ML capital), happened")


def test_event_rules_on_collected_visits(event_fired):
    table = founding_scores(event_fired)
    print("\n" + report(f"{FOUNDING} with event: (positives: visit; negatives: announced, lookalike-*)", table))
    wrong = [(r["kind"], r["lang"], r["note"]) for r, ids in event_fired if r["kind"] != "visit" and FOUNDING in ids]
    print(f"  fires on {len(wrong)} look-alike and announced rows: {wrong}")
    print(report(f"{ANNOUNCED} with event:", announced_scores(event_fired)))
    for lang in LANGS:
        assert table[lang]["precision"] >= EVENT_MIN_PRECISION, (lang, table[lang])
        assert table[lang]["recall"] >= EVENT_MIN_RECALL, (lang, table[lang])
    # a visit only announced is never one that happened; Goïta's arrival in Moscow is a visit to Moscow
    assert not [w for w in wrong if w[0] == "announced"]
    assert not [w for w in wrong if w[2].startswith("Goïta arrives in Moscow")]
