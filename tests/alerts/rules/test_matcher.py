"""Keywords conditions and all/any/none groups, matched on real sentences."""
from alerts.rules.conditions import parse_condition
from alerts.rules.context import MatchContext
from alerts.rules.loader import Rule
from alerts.rules.matcher import RuleMatcher
from newswatch.model.item import Item

# Seed post: tests/data/seed/lavrov-bamako-telegram-post.txt (The_International_Affairs, quoting Asharq Al-Awsat)
SEED_TITLE = "Russian Foreign Minister Sergei Lavrov in Bamako (AFP)."
SEED_TEXT = ("Russia is stepping up its policy in West Africa, where Foreign Minister Sergey Lavrov has made a trip. "
             "This is the first visit of a high-ranking Russian official to the capital of Mali, Bamako.")


def cond(tree):
    errors = []
    node = parse_condition(tree, ("when",), errors)
    assert not errors, errors
    return node


def item(title, text=""):
    return MatchContext(Item(source_id="t", title=title, text=text).finish())


def test_keywords_case_insensitive_with_evidence():
    ev = cond({"keywords": ["lavrov"]}).test(item(SEED_TITLE, SEED_TEXT))
    assert [(e.matched, e.field) for e in ev] == [("Lavrov", "title"), ("Lavrov", "text")]
    first = ev[0]
    assert SEED_TITLE[first.start:first.end] == "Lavrov" and first.entry == "lavrov" and first.clause == "when.keywords"


def test_keywords_word_boundaries_in_any_script():
    mali = cond({"keywords": ["Мали"]})
    assert mali.test(item("Лавров прибыл в Мали")) is not None
    assert mali.test(item("Они придумали новый план")) is None  # «придумали» contains «мали»
    assert cond({"keywords": ["Chad"]}).test(item("Chadian troops withdrew")) is None
    assert cond({"keywords": ["باماكو"]}).test(item("وصل لافروف إلى باماكو اليوم")) is not None


def test_phrase_matches_across_whitespace_and_not_partially():
    c = cond({"keywords": ["foreign minister"]})
    assert c.test(item("Russia's Foreign\n Minister arrives")) is not None
    assert c.test(item("the foreign ministers met")) is not None   # inflected forms match too
    assert c.test(item("the foreign ministry said")) is None


def test_all_any_none():
    tree = {"all": [{"keywords": ["Lavrov"]}, {"any": [{"keywords": ["Bamako"]}, {"keywords": ["Niamey"]}]},
                    {"none": [{"keywords": ["will arrive"]}]}]}
    c = cond(tree)
    assert c.test(item(SEED_TITLE, SEED_TEXT)) is not None
    assert c.test(item("Lavrov will arrive in Bamako on Monday")) is None
    assert c.test(item("Lavrov in Moscow")) is None
    ev = c.test(item("Lavrov lands in Niamey"))
    assert [e.clause for e in ev] == ["when.all[0].keywords", "when.all[1].any[1].keywords"]


def test_matcher_skips_disabled_rules_and_reports_each_match():
    def rule(rule_id, tree, enabled=True):
        return Rule(rule_id, rule_id, "", "high", enabled, cond(tree), ["out"], 0, "f", 1)
    matcher = RuleMatcher([rule("a", {"keywords": "Bamako"}), rule("b", {"keywords": "Lavrov"}, enabled=False),
                           rule("c", {"keywords": "Moscow"})])
    matches = matcher.match(item(SEED_TITLE, SEED_TEXT).item)
    assert [m.rule.id for m in matches] == ["a"]
    assert matches[0].evidence[0].matched == "Bamako"


def test_process_matches_source_tags_of_each_items_source():
    """`source: <tag>` holds for an item of a source with that tag (`sources[].tags`), in `process` (the
    daemon's path) as in `match`; an item of another source, or of no configured source, has no tags."""
    rule = Rule("state-media", "State media", "", "high", True, cond({"source": "state-media"}), ["out"], 0.0,
                "test.yaml", 1)
    matcher = RuleMatcher([rule], source_tags={"tass": ["state-media", "ru"], "bbc": ["public"]})
    tass, bbc, other = (Item(source_id=s, title=f"News from {s}", text="").finish() for s in ("tass", "bbc", "elsewhere"))
    assert [m.item.source_id for m in matcher.process([tass, bbc, other])] == ["tass"]
    assert [m.rule.id for m in matcher.match(tass)] == ["state-media"]
    assert matcher.match(bbc, source_tags={"state-media"}) != []          # tags given for the item win
    [miss] = matcher.explain(bbc)
    assert miss["failed"] == ["when.source: the item's source is 'bbc' (tags public), not 'state-media'"]
