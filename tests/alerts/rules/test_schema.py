"""docs/rule.schema.json: the shipped rule files validate, broken rules do not, and it knows every condition kind."""
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from alerts.rules.conditions import CONDITIONS, GROUPS, parse_condition

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "docs" / "rule.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
RULE_FILES = sorted((ROOT / "config" / "rules").glob("*.yaml")) + [ROOT / "config" / "demo" / "rules.yaml"]


def rule(when, **fields) -> list:
    return [{"id": "r1", "title": "A rule", "when": when, "notify": ["out"], **fields}]


def loader_errors(when) -> list:
    errors: list = []
    parse_condition(when, ("when",), errors)
    return errors


def test_the_schema_is_valid_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_shipped_rule_files_validate(path):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in VALIDATOR.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert errors == []


def test_every_condition_kind_is_in_the_schema():
    defs = SCHEMA["$defs"]
    assert set(defs["condition"]["properties"]) == set(GROUPS) | set(CONDITIONS)
    # inside `near`: what the loader calls positional (all but lang, source, published_within, reports), plus `any`
    assert set(defs["positional_condition"]["properties"]) == \
        set(CONDITIONS) - {"lang", "source", "published_within", "reports"} | {"any"}


VALID = [
    {"keywords": "Bamako"},
    {"country": {"code": ["ML", "NE"], "mentioned": True}},
    {"city": {"name": "Bamako", "country": "ML", "region": "sahel", "kind": "capital"}},
    {"topic": {"name": "visit", "modality": "planned"}},
    {"actor": {"name": ["Lavrov"], "nationality": "RU", "role": "official"}},
    {"all": [{"lang": ["fr", "ar"]}, {"source": "tass"}, {"published_within": "1h30m"}, {"region": "sahel"}]},
    {"regex": {"pattern": "في روسيا", "not_after": ["وزير", "الدفاع"], "not_before": "x"}},
    {"near": {"within": 12, "all": [{"keywords": "Lavrov"}, {"regex": r"Bamak\w+"},
                                    {"any": [{"place": {"kind": "country"}}, {"actor": "Putin"}]}]}},
    {"event": {"type": "visit", "who": {"nationality": "RU", "role": "official"},
               "where": {"region": "sahel", "kind": "capital"}, "modality": "happened"}},
    {"event": "visit"},
    {"event": {"type": ["visit", "talks"], "who": {"actor": "lavrov"}, "where": {"city": "Bamako"},
               "modality": ["planned", "cancelled"]}},
    {"reports": {"min_sources": 3, "within": "2h"}},
    {"near": {"scope": "sentence", "all": [{"event": {"who": "lavrov"}}, {"keywords": "Bamako"}]}},
]

INVALID = {
    "unknown kind": {"countri": "ML"},
    "two kinds in one mapping": {"keywords": "Bamako", "country": "ML"},
    "empty keywords": {"keywords": []},
    "unknown topic modality": {"topic": {"name": "visit", "modality": "rumoured"}},
    "unknown place kind": {"place": {"region": "sahel", "kind": "town"}},
    "actor mapping with an unknown key": {"actor": {"name": "Lavrov", "rank": "minister"}},
    "near without a scope": {"near": {"all": [{"keywords": "Lavrov"}, {"city": "Bamako"}]}},
    "near with scope and within": {"near": {"scope": "sentence", "within": 5,
                                            "all": [{"keywords": "Lavrov"}, {"city": "Bamako"}]}},
    "lang inside near": {"near": {"scope": "sentence", "all": [{"keywords": "Lavrov"}, {"lang": "fr"}]}},
    "near with one condition": {"near": {"scope": "sentence", "all": [{"keywords": "Lavrov"}]}},
    "within is not a number of words": {"near": {"within": 0, "all": [{"keywords": "a"}, {"keywords": "b"}]}},
    "bad regex": {"regex": "Bamak(o"},
    "regex mapping with an unknown key": {"regex": {"pattern": "x", "unless_after": ["a"]}},
    "bad duration": {"published_within": "soon"},
    # the loader used to accept these silently: a nationality that filtered nothing, a rule that vanished
    "nationality is not a code": {"actor": {"nationality": 5}},
    "empty city name": {"city": ""},
    "within: true": {"near": {"within": True, "all": [{"keywords": "a"}, {"keywords": "b"}]}},
    "country code not a string": {"place": {"country": 5, "kind": "capital"}},
    "unknown actor role": {"actor": {"nationality": "RU", "role": "minister"}},
    "unknown event type": {"event": {"type": "vist"}},
    "unknown event modality": {"event": {"type": "visit", "modality": "rumoured"}},
    "event with an unknown key": {"event": {"type": "visit", "whom": {"role": "official"}}},
    "event who with an unknown role": {"event": {"type": "visit", "who": {"role": "minister"}}},
    "event who with name and actor": {"event": {"who": {"name": "lavrov", "actor": "lavrov"}}},
    "event where with an unknown kind": {"event": {"type": "visit", "where": {"kind": "town"}}},
    "event where with an unknown key": {"event": {"type": "visit", "where": {"regoin": "sahel"}}},
    "empty event": {"event": {}},
    "reports without min_sources": {"reports": {"within": "2h"}},
    "reports of one source": {"reports": {"min_sources": 1}},
    "reports with a bad window": {"reports": {"min_sources": 3, "within": "soon"}},
    "reports inside near": {"near": {"scope": "sentence", "all": [{"keywords": "a"}, {"reports": {"min_sources": 2}}]}},
}


@pytest.mark.parametrize("when", VALID, ids=[next(iter(w)) for w in VALID])
def test_valid_conditions_pass_schema_and_loader(when):
    assert list(VALIDATOR.iter_errors(rule(when))) == []
    assert loader_errors(when) == []


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_conditions_fail_schema_and_loader(name):
    when = INVALID[name]
    assert list(VALIDATOR.iter_errors(rule(when))), f"the schema accepts {name}"
    assert len(loader_errors(when)) == 1, f"the loader should give exactly one error for {name}"


@pytest.mark.parametrize("fields", [{"severity": "urgent"}, {"notfy": ["out"]}, {"realert": "soon"},
                                    {"id": "has space"}, {"notify": []}])
def test_invalid_rule_fields_fail(fields):
    assert list(VALIDATOR.iter_errors(rule({"keywords": "Bamako"}, **fields)))


@pytest.mark.parametrize("when", [{"lang": "french"}, {"lang": ["fr", "arabic"]}, {"country": "FRA"}])
def test_the_schema_rejects_names_where_codes_are_expected(when):
    """The loader's value checks (test_values_check.py) say which code was meant; the schema flags them as you type."""
    assert list(VALIDATOR.iter_errors(rule(when)))
