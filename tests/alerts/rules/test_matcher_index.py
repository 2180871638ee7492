"""The compiled matcher: interned conditions, the per-item memo of condition answers, and the
atom index. Whatever the shortcuts, `RuleMatcher.match` must give exactly what testing every
rule afresh gives: checked on the 411 real texts of tests/data/collected (sources in its
README) and on the seed post (tests/data/seed)."""
import gc
import json
import random

import pytest

from alerts.rules.context import MatchContext
from alerts.rules.index import RuleIndex, ones
from alerts.rules.loader import Rule, parse_rule_file
from alerts.rules.matcher import RuleMatcher
from tests.alerts.rules.conftest import COLLECTED, ROOT, compile_when, seed_post

# One rule per condition kind and combination, with overlapping keywords ("Lavrov" and
# "Sergei Lavrov"), shared conditions at the same clause path, and both kinds of `near`.
WHENS = {
    "kw-lavrov": {"keywords": ["Lavrov", "Лавров", "لافروف"]},
    "kw-sergei-lavrov": {"keywords": ["Sergei Lavrov", "Sergey Lavrov"]},
    "kw-foreign-minister": {"keywords": ["foreign minister", "ministre des Affaires étrangères"]},
    "regex-bamako": {"regex": r"bamako|Бамако"},
    "about-mali": {"country": "ML"},
    "mentions-mali": {"country": {"code": "ML", "mentioned": True}},
    "mali-visit": {"all": [{"country": "ML"}, {"topic": "visit"}]},
    "mali-lavrov": {"all": [{"country": "ML"}, {"keywords": "Lavrov"}]},
    "sahel-region": {"region": "sahel"},
    "sahel-capital": {"place": {"region": "sahel", "kind": "capital"}},
    "country-kind": {"place": {"country": ["ML", "NE", "BF"], "kind": "country"}},
    "city-names": {"city": ["Bamako", "Niamey", "Ouagadougou"]},
    "russian-official": {"actor": {"nationality": "RU", "role": "official"}},
    "actor-name": {"actor": "lavrov"},
    "actor-name-absent": {"actor": "nobody-by-this-name"},
    "visit-happened": {"topic": {"name": "visit", "modality": "happened"}},
    "visit-planned": {"topic": {"name": "visit", "modality": "planned"}},
    "founding": {"near": {"scope": "sentence", "all": [
        {"actor": {"nationality": "RU", "role": "official"}},
        {"place": {"region": "sahel", "kind": "capital"}}, {"topic": "visit"}]}},
    "near-words": {"near": {"within": 12, "all": [
        {"any": [{"keywords": "Lavrov"}, {"actor": {"nationality": "RU"}}]},
        {"any": [{"place": {"region": "sahel", "kind": "capital"}}, {"place": {"region": "sahel", "kind": "country"}}]}]}},
    "not-moscow": {"all": [{"region": "sahel"}, {"none": [{"keywords": ["Moscow", "Москва", "Moscou"]}]}]},
    "either": {"any": [{"country": "NE"}, {"keywords": "Niamey"}]},
    "lang-fr-visit": {"all": [{"lang": "fr"}, {"topic": "visit"}]},
    "source": {"all": [{"source": "wire"}, {"region": "sahel"}]},
}


def make_rules(whens: dict = WHENS) -> list[Rule]:
    return [Rule(rule_id, rule_id, "", "high", True, compile_when(when), ["out"], 0.0, "test.yaml", 1)
            for rule_id, when in whens.items()]


@pytest.fixture(scope="module")
def collected_items(rules):
    rows = [json.loads(line) for name in ("visits.jsonl", "places.jsonl")
            for line in (COLLECTED / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == 411
    return [rules.item(row["title"], row["text"], source_id="wire" if n % 3 else "blog", lang=row["lang"])
            for n, row in enumerate(rows)]


def afresh(matcher: RuleMatcher, item, memo: bool) -> list[tuple]:
    """Every rule tested on its own, no index (and, without memo, no shared answers)."""
    ctx = matcher.context(item, memo=memo)
    out = []
    for rule in matcher.rules:
        evidence = ctx.test(rule.when)
        if evidence is not None:
            out.append((rule.id, [repr(e) for e in evidence]))
    return out


def test_match_equals_testing_every_rule_afresh_on_real_texts(rules, collected_items):
    matcher = RuleMatcher(make_rules(), tables=rules.classifier.tables)
    fired = set()
    for item in collected_items:
        indexed = [(m.rule.id, [repr(e) for e in m.evidence]) for m in matcher.match(item)]
        assert indexed == afresh(matcher, item, memo=False), item.title or item.text[:80]
        assert indexed == afresh(matcher, item, memo=True), item.title or item.text[:80]
        fired |= {rule_id for rule_id, _ in indexed}
    # the comparison means something: nearly every rule fires somewhere, and some never do
    assert fired >= set(WHENS) - {"actor-name-absent", "source", "visit-planned"}, set(WHENS) - fired
    assert "actor-name-absent" not in fired


def test_shared_keyword_automaton_gives_what_each_condition_finds_alone(rules):
    title, text = seed_post()
    item = rules.item(title, text)
    matcher = RuleMatcher(make_rules(), tables=rules.classifier.tables)
    bare = MatchContext(item)            # no shared hits: each keywords condition runs its own automaton
    for match in matcher.match(item):
        assert [repr(e) for e in match.evidence] == [repr(e) for e in bare.test(match.rule.when)], match.rule.id
    fired = {m.rule.id for m in matcher.match(item)}
    assert {"kw-lavrov", "kw-sergei-lavrov"} <= fired   # "Sergei Lavrov" does not hide "Lavrov"


def test_identical_conditions_are_one_node_and_answer_like_separate_ones(rules, collected_items):
    whens = {"a": {"all": [{"country": "ML"}, {"topic": "visit"}]},
             "b": {"all": [{"country": "ML"}, {"keywords": "Lavrov"}]},
             "c": {"all": [{"topic": "visit"}, {"country": "ML"}]}}     # same conditions, other clause paths
    together = RuleMatcher(make_rules(whens), tables=rules.classifier.tables)
    a, b, c = together.rules
    assert a.when.children[0] is b.when.children[0]                    # when.all[0].country, shared
    assert c.when.children[1] is not a.when.children[0]                # when.all[1].country: its own path
    alone = {rule_id: RuleMatcher(make_rules({rule_id: when}), tables=rules.classifier.tables)
             for rule_id, when in whens.items()}
    hits = 0
    for item in collected_items:
        shared = {m.rule.id: [repr(e) for e in m.evidence] for m in together.match(item)}
        separate = {rule_id: [repr(e) for e in m.evidence] for rule_id, matcher in alone.items()
                    for m in matcher.match(item)}
        assert shared == separate
        hits += len(shared)
    assert hits > 20
    assert all(e.clause.startswith("when.all[1]") for m in together.match(collected_items[0])
               if m.rule.id == "c" for e in m.evidence if e.kind == "country")


def test_answers_are_cached_per_item_never_across_items(rules):
    matcher = RuleMatcher(make_rules({"mali": {"all": [{"country": "ML"}, {"keywords": "Bamako"}]}}),
                          tables=rules.classifier.tables)
    bamako = rules.item("Lavrov arrives in Bamako", "The Russian minister landed in Bamako, Mali, on Monday.")
    addis = rules.item("Lavrov arrives in Addis Ababa", "The Russian minister landed in Ethiopia on Monday.")
    first = matcher.match(bamako)
    assert [m.rule.id for m in first] == ["mali"]
    assert matcher.match(addis) == []
    again = matcher.match(bamako)
    assert [repr(e) for e in again[0].evidence] == [repr(e) for e in first[0].evidence]
    kw = [e for e in again[0].evidence if e.kind == "keywords"][0]
    assert bamako.title[kw.start:kw.end] == "Bamako" and kw.field == "title"


def test_memo_shares_answers_within_an_item_and_matches_get_their_own_lists(rules):
    title, text = seed_post()
    item = rules.item(title, text)
    matcher = RuleMatcher(make_rules({"a": {"all": [{"keywords": "Lavrov"}, {"region": "sahel"}]},
                                      "b": {"all": [{"keywords": "Lavrov"}, {"region": "sahel"}]}}),
                          tables=rules.classifier.tables)
    ctx = matcher.context(item)
    node = matcher.rules[0].when
    assert node is matcher.rules[1].when and ctx.test(node) is ctx.test(node)
    fresh = matcher.context(item, memo=False)
    assert fresh.test(node) is not fresh.test(node) and repr(fresh.test(node)) == repr(ctx.test(node))
    a, b = matcher.match(item)
    assert a.evidence == b.evidence and a.evidence is not b.evidence
    a.evidence.clear()
    assert b.evidence                     # one match's list is not another's


def test_mentions_accepted_once_per_parameters_whatever_the_clause_path(rules):
    title, text = seed_post()
    matcher = RuleMatcher(make_rules({"a": {"topic": "visit"}, "b": {"all": [{"lang": "en"}, {"topic": "visit"}]}}),
                          tables=rules.classifier.tables)
    ctx = matcher.context(rules.item(title, text))
    top, nested = matcher.rules[0].when, matcher.rules[1].when.children[1]
    assert top is not nested and ctx.accepted(top) is ctx.accepted(nested)
    assert {e.clause for e in ctx.test(top)} == {"when.topic"}
    assert {e.clause for e in ctx.test(nested)} == {"when.all[1].topic"}


def test_rule_index_finds_exactly_the_rules_whose_every_set_is_met():
    rng = random.Random(7)
    universe = [("k", n) for n in range(40)]
    rule_sets = [[frozenset(rng.sample(universe, rng.randint(1, 4))) for _ in range(rng.randint(0, 4))]
                 for _ in range(700)]
    index = RuleIndex(rule_sets)
    for _ in range(200):
        atoms = set(rng.sample(universe, rng.randint(0, 25)))
        expected = [i for i, sets in enumerate(rule_sets) if all(s & atoms for s in sets)]
        assert index.candidates(atoms) == expected
    assert ones(0, 1) == [] and ones((1 << 64) | 1 | (1 << 191), 3) == [0, 64, 191]


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_and_compiling_leave_the_cyclic_gc_as_it_was(rules, enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        RuleMatcher(make_rules(), tables=rules.classifier.tables)
        assert gc.isenabled() is enabled
        loaded, issues = parse_rule_file(ROOT / "config" / "rules" / "sahel.yaml")
        assert loaded and not issues and gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_people_lists_each_actor_and_role_mention_once(rules):
    """`MatchContext.people` groups the mentions by nationality; one without a nationality (here
    added to the seed post's real facts) is still listed once, not once more as "no nationality"."""
    from newswatch.classify.model import Mention
    title, text = seed_post()
    item = rules.item(title, text)
    matcher = RuleMatcher(make_rules({"official": {"actor": {"role": "official"}}}), tables=rules.classifier.tables)
    before = matcher.match(item)[0].evidence
    at = text.index("official")
    item.facts.evidence.append(Mention("role", "official", "text", at, at + 8, "official", "official", 1, None,
                                       {"role": "official"}))
    ctx = matcher.context(item)
    people = [p[0] for p in ctx.people()]
    assert len(people) == len({id(m) for m in people}) == len(ctx.mentions("actor", "role"))
    after = matcher.match(item)[0].evidence
    assert after[:len(before)] == before and len(after) == len(before) + 1
    assert (after[-1].field, after[-1].start, after[-1].matched) == ("text", at, "official")
