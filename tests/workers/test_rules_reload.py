"""LiveRules in one process: content-hash detection, atomic swap, rejected files, the throttle."""
import logging

import pytest
import yaml

from alerts.rules.matcher import RuleMatcher
from workers.registry import load_config
from newswatch.model.item import Item
from newswatch.config.yamlconf import ConfigError
from workers.rules_reload import LiveRules


def rule(rule_id: str, keyword: str) -> dict:
    return {"id": rule_id, "title": rule_id, "when": {"keywords": [keyword]}, "notify": ["console"]}


@pytest.fixture
def config(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "a.yaml").write_text(yaml.safe_dump([rule("a", "Bamako")]))
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({"channels": [{"id": "console", "type": "stdout"}],
                                    "rules": ["rules/*.yaml"], "classify": {"enabled": False}}))
    return load_config(path)


def live(config) -> LiveRules:
    return LiveRules(config, lambda rules: RuleMatcher(rules), check_every=60)


def matched(matcher, title: str) -> list[str]:
    item = Item(source_id="s", title=title, text="").finish()
    return [m.rule.id for m in matcher.match(item)]


def test_an_edit_swaps_the_whole_rule_set_and_old_references_keep_working(config, caplog):
    rules = live(config)
    before = rules.matcher()
    assert rules.matcher() is before and matched(before, "In Bamako") == ["a"]
    assert not rules.check(force=True)                         # same content: nothing to do
    (config.base_dir / "rules" / "a.yaml").write_text(yaml.safe_dump([rule("a", "Niamey")]))
    with caplog.at_level(logging.INFO, logger="workers.rules_reload"):
        assert rules.check(force=True)
    after = rules.matcher()
    assert after is not before and matched(after, "In Niamey") == ["a"] and matched(after, "In Bamako") == []
    assert matched(before, "In Bamako") == ["a"]               # a poll in progress keeps its rules
    assert any(r.getMessage().startswith("rules_reloaded rules=1") for r in caplog.records)


def test_a_new_file_matching_the_glob_is_picked_up(config):
    rules = live(config)
    (config.base_dir / "rules" / "b.yaml").write_text(yaml.safe_dump([rule("b", "Niamey")]))
    assert rules.check(force=True)
    assert [r.id for r in rules.current.rules] == ["a", "b"]
    (config.base_dir / "rules" / "b.yaml").unlink()
    assert rules.check(force=True)
    assert [r.id for r in rules.current.rules] == ["a"]


def test_a_broken_file_is_rejected_once_and_the_rules_in_force_stay(config, caplog):
    rules = live(config)
    good = rules.current
    (config.base_dir / "rules" / "a.yaml").write_text("- id: a\n  title: a\n  when: {keywords: [x]}\n"
                                                      "  notify: [pager]\n")
    with caplog.at_level(logging.INFO, logger="workers.rules_reload"):
        assert not rules.check(force=True)
        assert not rules.check(force=True)                     # same broken content: not reported again
    assert rules.current is good
    (failed,) = [r.getMessage() for r in caplog.records]
    assert failed.startswith("rules_reload_failed") and "errors=1" in failed and "kept_rules=1" in failed
    assert "a.yaml:4: [0].notify[0]: unknown channel 'pager'" in failed
    (config.base_dir / "rules" / "a.yaml").write_text(yaml.safe_dump([rule("a", "Gao")]))
    assert rules.check(force=True) and matched(rules.matcher(), "Gao") == ["a"]


def test_checks_are_throttled(config):
    rules = live(config)                                       # check_every=60: the next look is a minute away
    (config.base_dir / "rules" / "a.yaml").write_text(yaml.safe_dump([rule("a", "Niamey")]))
    assert not rules.check()
    assert rules.check(force=True)


def test_startup_still_fails_fast_on_a_broken_file(config):
    (config.base_dir / "rules" / "a.yaml").write_text("- id: a\n")
    with pytest.raises(ConfigError):
        live(config)


def test_a_value_that_can_never_match_is_rejected_like_check_does(config, caplog):
    """Hot reload validates as `newswatch check`: a country no item can have keeps the old rules running."""
    rules = live(config)
    good = rules.current
    bad = [{"id": "a", "title": "a", "when": {"all": [{"keywords": ["Bamako"]}, {"country": "FRA"}]},
            "notify": ["console"]}]
    (config.base_dir / "rules" / "a.yaml").write_text(yaml.safe_dump(bad))
    with caplog.at_level(logging.INFO, logger="workers.rules"):
        assert not rules.check(force=True)
    assert rules.current is good
    (failed,) = [r.getMessage() for r in caplog.records]
    assert failed.startswith("rules_reload_failed") and "errors=1" in failed
    assert "[0].when.all[1].country: unknown country code 'FRA' (did you mean 'FR' (France)?)" in failed


def test_a_regex_re2_cannot_run_is_rejected_and_the_rules_in_force_stay(config, caplog):
    rules = live(config)
    good = rules.current
    bad = [{"id": "a", "title": "a", "when": {"regex": "(?<!الدفاع )في روسيا"}, "notify": ["console"]}]
    (config.base_dir / "rules" / "a.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="workers.rules"):
        assert not rules.check(force=True)
    assert rules.current is good and matched(rules.matcher(), "In Bamako") == ["a"]
    (failed,) = [r.getMessage() for r in caplog.records]
    assert "a.yaml:6: [0].when.regex: invalid regular expression: invalid perl operator: (?<! (RE2 has no " \
           "look-around" in failed
