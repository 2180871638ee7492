"""alerts.rules.trial (the rule tester's runs) and alerts.rules.rule_file (a rule's lines, a draft checked and
saved), on real items classified by the real classifier and a real config on disk."""
from __future__ import annotations

import yaml
import pytest

from alerts.rules.rule_file import check_draft, rule_source, save_rule
from alerts.rules.trial import Limits, near_misses, pasted_item, try_items
from newswatch.config.yamlconf import ConfigError
from workers.registry import load_config

WHEN = {"any": [{"event": {"type": "visit", "who": {"nationality": "RU", "role": "official"},
                           "where": {"region": "sahel", "kind": "capital"}}},
                {"all": [{"country": "RU"}, {"topic": "military"}]}]}


def items(rules):
    return [rules.item("Deadly explosion rocks Russian military site near St Petersburg",
                       "Russian media report three people killed when the military police facility collapses."),
            rules.item("Russia-Ukraine war: List of key events", "Here is where things stand in Russia."),
            rules.item("Colombia resumes peace talks", "Bogota and the ELN meet again.")]


def test_near_misses_are_the_items_part_of_a_rule_held_for(rules):
    matcher = rules.matcher(WHEN)
    match, near, far = items(rules)
    assert near_misses(matcher, match) == []                        # it matched
    [miss] = near_misses(matcher, near)
    assert miss["rule"] == "r" and "when.any[1].all[1].topic: did not hold" in miss["failed"]
    assert near_misses(matcher, far) == []                          # nothing of the rule held


def test_a_trial_counts_keeps_and_stops_at_its_limits(rules):
    matcher = rules.matcher(WHEN)
    trial = try_items(matcher, items(rules))
    assert (trial.scanned, trial.matched, trial.near, trial.stopped) == (3, 1, 1, None)
    assert trial.matches[0]["title"].startswith("Deadly explosion") and trial.near_misses[0]["near_misses"]
    capped = try_items(matcher, iter(items(rules)), Limits(max_items=1, shown=0))
    assert (capped.scanned, capped.matched, capped.matches) == (1, 1, [])
    assert capped.stopped and "after 1 items" in capped.stopped
    timed = try_items(matcher, items(rules), Limits(seconds=-1))
    assert timed.scanned == 0 and timed.stopped and "s (the limit)" in timed.stopped
    unclassified = pasted_item("A title\nand its text")
    assert try_items(matcher, [unclassified]).unclassified == 1 and unclassified.title == "A title"


@pytest.fixture
def config(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "two.yaml").write_text(
        "- id: first\n  title: First\n  when: {keywords: [Niger]}\n  notify: [out]\n\n"
        "# the second rule's own comment\n- id: second\n  title: Second\n  when: {keywords: [Mali]}\n  notify: [out]\n")
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({"state_dir": str(tmp_path / "state"), "rules": ["rules/*.yaml"],
                                    "channels": [{"id": "out", "type": "stdout"}]}))
    return load_config(path, dry_run=True)


def test_a_rules_own_lines_are_replaced_and_the_rest_kept(config, tmp_path):
    found = rule_source(config, "first")
    assert found is not None and found.text == "- id: first\n  title: First\n  when: {keywords: [Niger]}\n  notify: [out]\n"
    path, rule, created = save_rule(config, found.text.replace("Niger", "Chad"))
    assert (path, rule.id, created) == (tmp_path / "rules" / "two.yaml", "first", False)
    assert path.read_text().startswith("- id: first\n  title: First\n  when: {keywords: [Chad]}\n  notify: [out]\n\n"
                                       "# the second rule's own comment\n- id: second")
    new, _, created = save_rule(config, "- id: third\n  title: Third\n  when: {keywords: [Togo]}\n  notify: [out]\n")
    assert new == tmp_path / "rules" / "third.yaml" and created


def test_nothing_is_written_for_a_draft_that_does_not_validate(config, tmp_path):
    before = (tmp_path / "rules" / "two.yaml").read_text()
    with pytest.raises(ConfigError) as bad:
        save_rule(config, "- id: first\n  title: First\n  when: {keywords: [Niger]}\n  notify: [nowhere]\n")
    assert str(bad.value).startswith("rule:4: [0].notify[0]: unknown channel 'nowhere'")
    with pytest.raises(ConfigError) as dup:   # a new file whose id another file has
        save_rule(config, "- id: second\n  title: Again\n  when: {keywords: [Mali]}\n  notify: [out]\n- id: x\n"
                          "  title: X\n  when: {keywords: [x]}\n  notify: [out]\n")
    assert "2 rules: save one at a time" in str(dup.value)
    assert (tmp_path / "rules" / "two.yaml").read_text() == before
    assert sorted(p.name for p in (tmp_path / "rules").iterdir()) == ["two.yaml"]    # no temporary left
    with pytest.raises(ConfigError, match="no rule"):
        check_draft(config, "# only a comment\n")
