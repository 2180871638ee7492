"""Region slugs in rules are checked against the tables: named regions and UN M49 ones pass, a typo
is a config error with its line and the closest slug."""
import pytest
import yaml

from alerts.rules.loader import load_rules
from alerts.rules.regions_check import clause_path
from workers.registry import load_config
from newswatch.config.yamlconf import ConfigError


def config_with(tmp_path, when: dict):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump([{"id": "r", "title": "R", "severity": "high",
                                                          "when": when, "notify": ["out"]}]))
    (tmp_path / "newswatch.yaml").write_text(yaml.safe_dump({"channels": [{"id": "out", "type": "stdout"}],
                                                             "rules": ["rules.yaml"]}))
    return load_config(tmp_path / "newswatch.yaml")


def test_clause_path():
    assert clause_path("when.any[0].region") == ("when", "any", 0, "region")
    assert clause_path("when.all[1].near.all[12].place") == ("when", "all", 1, "near", "all", 12, "place")


@pytest.mark.parametrize("when", [{"region": "sahel"}, {"region": ["western-africa", "eu"]},
                                  {"place": {"region": "sub-saharan-africa", "kind": "capital"}}])
def test_named_and_m49_regions_pass(tmp_path, when):
    assert [r.id for r in load_rules(config_with(tmp_path, when))] == ["r"]


def test_a_misspelt_region_is_an_error_with_its_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_rules(config_with(tmp_path, {"any": [{"keywords": ["x"]}, {"region": ["sahel", "middel-east"]}]}))
    (issue,) = err.value.issues
    assert issue.key == "[0].when.any[1].region" and issue.line is not None
    assert issue.message == "unknown region 'middel-east' (did you mean 'middle-east'?)"
