"""Matching decides with `holds` (no evidence) and, for the rules `index.exact` vouches for, with
the atom index alone; a match builds its evidence on first use. Both shortcuts must give what
`test` gives: checked on the 411 real texts of tests/data/collected, every rule of
test_matcher_index.WHENS (one per condition kind and combination) and a few more here."""
import copy
import logging
from datetime import datetime, timedelta, timezone

import pytest

from alerts.rules.index import ANY_SETS, clauses, exact
from alerts.rules.matcher import Match, RuleMatcher
from tests.alerts.rules.conftest import seed_post
from tests.alerts.rules.test_matcher_index import WHENS, collected_items, make_rules  # noqa: F401 (fixture)

MORE = {
    "regex-wagner": {"regex": r"\bwagner\b|Вагнер"},
    "recent": {"all": [{"published_within": "3650d"}, {"region": "sahel"}]},
    "any-distributed": {"any": [{"region": "sahel"}, {"all": [{"keywords": "Lavrov"}, {"topic": "visit"}]}]},
    "any-with-place": {"any": [{"place": {"region": "sahel", "kind": "capital"}}, {"keywords": "Kremlin"}]},
    "any-too-wide": {"any": [{"country": ["ML", "NE"]}, {"region": "sahel"}, {"country": "BF"},
                             {"country": {"code": "RU", "mentioned": True}}]},
    "actor-role-topic": {"all": [{"actor": {"nationality": ["RU", "ML"], "role": "official"}},
                                 {"topic": {"name": "visit", "modality": "happened"}}]},
    "only-none": {"none": [{"keywords": "Lavrov"}]},
}
ALL_WHENS = {**WHENS, **MORE}

EXACT = {"kw-lavrov", "kw-sergei-lavrov", "kw-foreign-minister", "about-mali", "mentions-mali", "mali-visit",
         "mali-lavrov", "sahel-region", "russian-official", "visit-happened", "visit-planned", "either",
         "lang-fr-visit", "source", "any-distributed", "actor-role-topic"}


@pytest.fixture(scope="module")
def dated_items(collected_items):  # noqa: F811
    """The collected items, every other one published a day ago (the rows carry no date)."""
    out = []
    for n, item in enumerate(collected_items):
        item = copy.copy(item)
        item.published = datetime.now(timezone.utc) - timedelta(days=1) if n % 2 else None
        out.append(item)
    return out


@pytest.fixture(scope="module")
def matcher(rules) -> RuleMatcher:
    return RuleMatcher(make_rules(ALL_WHENS), tables=rules.classifier.tables)


def test_exact_says_which_rules_the_index_decides_alone(matcher):
    decided = {rule.id for rule, is_exact in zip(matcher.rules, matcher.exact) if is_exact}
    assert decided == EXACT
    # what keeps the others out: the venue check of places, names of actors, regex, dates,
    # positions (near), none, and an `any` too wide to multiply out (2 * 2 * 2 * 2 > ANY_SETS)
    assert {"sahel-capital", "city-names", "actor-name", "regex-bamako", "recent", "founding", "near-words",
            "not-moscow", "any-with-place", "any-too-wide", "only-none"} <= set(ALL_WHENS) - decided
    assert 2 ** 4 > ANY_SETS


def test_any_is_multiplied_out_into_one_set_per_choice(matcher):
    rule = next(r for r in matcher.rules if r.id == "any-distributed")
    region, both = rule.when.children
    region_sets, both_sets = clauses(region), clauses(both)     # 2 (region, then a place in it) and 2
    assert len(region_sets) == 2 and len(both_sets) == 2
    sets = clauses(rule.when)
    assert len(sets) == 4 and set(sets) == {a | b for a in region_sets for b in both_sets}
    assert exact(rule.when)
    wide = next(r for r in matcher.rules if r.id == "any-too-wide")
    assert len(clauses(wide.when)) == 1 and not exact(wide.when)   # one set: the rarest of each branch


def test_holds_and_the_index_agree_with_test_on_real_texts(matcher, dated_items):
    fired, decided_alone = set(), 0
    for item in dated_items:
        memo, fresh = matcher.context(item), matcher.context(item, memo=False)
        candidates = set(matcher.candidates(memo))
        for index, rule in enumerate(matcher.rules):
            held = fresh.test(rule.when) is not None
            assert memo.holds(rule.when) is held and fresh.holds(rule.when) is held, (rule.id, item.text[:80])
            if held:
                assert index in candidates, (rule.id, item.text[:80])     # the index never drops a match
            if matcher.exact[index]:
                assert (index in candidates) is held, (rule.id, item.text[:80])
                decided_alone += index in candidates
            fired.add(rule.id) if held else None
        expected = [rule.id for rule in matcher.rules if fresh.test(rule.when) is not None]
        assert [m.rule.id for m in matcher.match(item)] == expected
    assert set(MORE) - {"only-none"} <= fired and "only-none" in fired      # each fires somewhere
    assert decided_alone > 300


def test_evidence_is_built_on_first_use_and_is_what_test_gives(rules, matcher):
    title, text = seed_post()
    item = rules.item(title, text)
    matches = matcher.match(item)
    assert matches and all(m._evidence is None for m in matches)       # nothing built while matching
    bare = matcher.context(item, memo=False)
    for m in matches:
        assert [repr(e) for e in m.evidence] == [repr(e) for e in bare.test(m.rule.when)], m.rule.id
        assert m.evidence is m.evidence and m._ctx is None                # built once; the context let go
    founding = next(m for m in matches if m.rule.id == "founding")
    assert {e.kind for e in founding.evidence} >= {"actor", "place", "topic", "near"}


def test_a_match_needs_evidence_or_a_context_and_a_missing_one_is_logged(rules, matcher, caplog):
    item = rules.item("Weather", "Rain in Oslo on Monday.")
    rule = next(r for r in matcher.rules if r.id == "founding")
    with pytest.raises(TypeError):
        Match(rule, item)
    assert Match(rule, item, []).evidence == []
    broken = Match(rule, item, None, matcher.context(item))               # the rule does not hold here
    with caplog.at_level(logging.ERROR, logger="alerts.rules.matcher"):
        assert broken.evidence == []
    assert f"rule_evidence_missing rule_id=founding item_id={item.id}" in caplog.text
