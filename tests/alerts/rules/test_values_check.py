"""Values in rules are checked against what they can match (alerts/rules/values_check.py): a value no item
can have is a config error with its line, key and the closest known value; every one is reported at once,
also inside a rule broken elsewhere."""
import pytest
import yaml

from alerts.rules.loader import load_rules
from workers.registry import load_config_and_rules
from alerts.rules.values_check import clause_path
from workers.registry import load_config
from newswatch.config.yamlconf import ConfigError

SOURCES = [{"id": "wire", "type": "rss", "url": "http://127.0.0.1:9/wire.xml", "tags": ["state-media"]}]


def config_with(tmp_path, *whens: dict, sources=SOURCES):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump([{"id": f"r{n}", "title": "R", "severity": "high",
                                                          "when": when, "notify": ["out"]}
                                                         for n, when in enumerate(whens)]))
    (tmp_path / "newswatch.yaml").write_text(yaml.safe_dump({"channels": [{"id": "out", "type": "stdout"}],
                                                             "sources": sources, "rules": ["rules.yaml"]}))
    return load_config(tmp_path / "newswatch.yaml")


def messages(tmp_path, *whens: dict) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_rules(config_with(tmp_path, *whens))
    assert all(issue.line for issue in err.value.issues)
    return [f"{issue.key}: {issue.message}" for issue in err.value.issues]


def test_clause_path():
    assert clause_path("when.any[0].region") == ("when", "any", 0, "region")
    assert clause_path("when.all[1].near.all[12].place") == ("when", "all", 1, "near", "all", 12, "place")


VALID = [{"region": "sahel"}, {"region": ["western-africa", "eu"]},
         {"place": {"region": "sub-saharan-africa", "kind": "capital", "country": ["ML", "NE"]}},
         {"country": {"code": ["ml", "XK"], "mentioned": True}}, {"lang": ["fr", "AR"]},
         {"topic": "visit"}, {"topic": {"name": ["diplomacy/visit", "diplomacy", "coup"], "modality": "planned"}},
         {"actor": "lavrov"}, {"actor": "Sergey Lavrov"}, {"actor": {"name": "foreign minister", "nationality": "RU"}},
         {"actor": {"nationality": "RU", "role": "head-of-state"}},
         {"city": ["Bamako", "Niamey", "Бамако", "N'Djamena"]}, {"place": {"name": "Mali", "kind": "country"}},
         {"source": ["wire", "state-media"]},
         {"event": {"type": "visit", "who": {"nationality": "RU", "role": "official", "name": "lavrov"},
                    "where": {"region": "sahel", "kind": "capital", "country": ["ML", "NE"]}}},
         {"event": {"who": {"actor": "goita"}, "where": {"city": "Bamako"}}},
         {"event": {"where": {"name": "Mali", "kind": "country"}}}]


@pytest.mark.parametrize("when", VALID, ids=[next(iter(w)) + str(n) for n, w in enumerate(VALID)])
def test_values_that_can_match_pass(tmp_path, when):
    assert [r.id for r in load_rules(config_with(tmp_path, when))] == ["r0"]


MISTAKES = {
    "country alpha-3": ({"country": "FRA"}, "[0].when.country: unknown country code 'FRA' (did you mean 'FR' (France)?)"),
    "country name": ({"country": {"code": ["NE", "France"]}},
                     "[0].when.country.code: unknown country code 'France' (did you mean 'FR' (France)?)"),
    "country unknown": ({"country": "ZZ"}, "[0].when.country: unknown country code 'ZZ' (countries are ISO 3166-1 "
                                          "alpha-2 codes of countries.yaml, e.g. ML, NE, FR)"),
    "nationality": ({"actor": {"nationality": "RUS", "role": "official"}},
                    "[0].when.actor.nationality: unknown country code 'RUS' (did you mean 'RU' (Russia)?)"),
    "place country": ({"place": {"country": "Mli", "kind": "capital"}},
                      "[0].when.place.country: unknown country code 'MLI' (did you mean 'ML' (Mali)?)"),
    "language name": ({"lang": ["en", "french"]}, "[0].when.lang: unknown language 'french' (did you mean 'fr' (French)?)"),
    "language alpha-3": ({"lang": "ara"}, "[0].when.lang: unknown language 'ara' (did you mean 'ar' (Arabic)?)"),
    "topic plural": ({"topic": "visits"}, "[0].when.topic: unknown topic 'visits' (did you mean 'visit'?)"),
    "topic word": ({"topic": {"name": "summit"}},
                   "[0].when.topic.name: unknown topic 'summit' (did you mean 'diplomacy'? 'summit' is one of its "
                   "words; to match the word itself, use keywords: summit)"),
    "actor typo": ({"actor": "lavrof"}, "[0].when.actor: unknown actor 'lavrof' (did you mean 'lavrov' (Sergey Lavrov)?)"),
    "actor in Russian": ({"actor": {"name": "Лавров"}},
                         "[0].when.actor.name: unknown actor 'Лавров' (did you mean 'lavrov' (Sergey Lavrov)? an actor "
                         "is named by its id or English name (actors.yaml), or by an office such as 'foreign minister')"),
    "city typo": ({"city": "Niamy"}, "[0].when.city: unknown city 'Niamy' (did you mean 'Niamey'?)"),
    "city name in a mapping": ({"city": {"name": "Bamakko", "kind": "capital"}},
                               "[0].when.city.name: unknown city 'Bamakko' (did you mean 'Bamako'?)"),
    "region": ({"any": [{"keywords": ["x"]}, {"region": ["sahel", "middel-east"]}]},
               "[0].when.any[1].region: unknown region 'middel-east' (did you mean 'middle-east'?)"),
    "source": ({"source": "nosuchsource"},
               "[0].when.source: unknown source 'nosuchsource' (allowed: source ids wire; tags state-media)"),
    "event who name": ({"event": {"type": "visit", "who": {"name": "lavrof"}}},
                       "[0].when.event.who.name: unknown actor 'lavrof' (did you mean 'lavrov' (Sergey Lavrov)?)"),
    "event who actor": ({"event": {"who": {"actor": "lavrof"}}},
                        "[0].when.event.who.actor: unknown actor 'lavrof' (did you mean 'lavrov' (Sergey Lavrov)?)"),
    "event who nationality": ({"event": {"who": {"nationality": "RUS"}}},
                              "[0].when.event.who.nationality: unknown country code 'RUS' (did you mean 'RU' (Russia)?)"),
    "event where region": ({"event": {"type": "visit", "where": {"region": "sahl", "kind": "capital"}}},
                           "[0].when.event.where.region: unknown region 'sahl' (did you mean 'sahel'?)"),
    "event where country": ({"event": {"where": {"country": "Mli"}}},
                            "[0].when.event.where.country: unknown country code 'MLI' (did you mean 'ML' (Mali)?)"),
    "event where city": ({"near": {"scope": "sentence", "all": [{"keywords": "x"},
                                                                {"event": {"where": {"city": "Niamy"}}}]}},
                         "[0].when.near.all[1].event.where.city: unknown city 'Niamy' (did you mean 'Niamey'?)"),
    "source typo": ({"source": "state-medya"},
                    "[0].when.source: unknown source 'state-medya' (did you mean 'state-media'? allowed: source ids "
                    "wire; tags state-media)"),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_value_that_can_never_match_is_an_error(tmp_path, name):
    when, expected = MISTAKES[name]
    assert messages(tmp_path, when) == [expected]


def test_every_value_is_checked_also_in_a_broken_rule_and_in_line_order(tmp_path):
    """One rule with an unknown condition, a bad severity and three bad values: five errors, not one."""
    (tmp_path / "rules.yaml").write_text(
        "- id: r1\n  title: R\n  severity: urgent\n  notify: [out]\n  when:\n    all:\n"
        "      - contry: ML\n      - near:\n          scope: sentense\n          all: [{actor: lavrof}, {city: Niamy}]\n"
        "      - lang: french\n")
    (tmp_path / "newswatch.yaml").write_text("channels: [{id: out, type: stdout}]\nrules: [rules.yaml]\n")
    with pytest.raises(ConfigError) as err:
        load_config_and_rules(tmp_path / "newswatch.yaml")
    found = [(i.line, i.key) for i in err.value.issues]
    assert found == [(3, "[0].severity"), (7, "[0].when.all[0].contry"), (8, "[0].when.all[1].near"),
                     (10, "[0].when.all[1].near.all[0].actor"), (10, "[0].when.all[1].near.all[1].city"),
                     (11, "[0].when.all[2].lang")], str(err.value)
    assert "did you mean 'country'?" in str(err.value) and "did you mean 'lavrov'" in str(err.value)


def test_an_unknown_role_is_an_error_with_the_roles():
    from alerts.rules.conditions import parse_condition
    errors: list = []
    assert parse_condition({"actor": {"nationality": "RU", "role": "oficial"}}, ("when",), errors) is None
    assert errors == [(("when", "actor", "role"), "unknown role 'oficial' (did you mean 'official'? allowed: "
                                                  "official, head-of-state, head-of-government, diplomat, military, militia, un-official)")]
