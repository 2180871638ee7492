"""`regex:` runs on RE2: linear time on hostile patterns, Python's Unicode classes kept, the syntax RE2
lacks refused at load time with the reason and a rewrite, `not_after` / `not_before` instead of look-around."""
import time

import pytest

from alerts.rules.conditions import parse_condition
from alerts.rules.regex import Regex, compile_rule_regex, RegexSyntaxError

HOSTILE = "a" * 40 + "!"          # with Python's re, (a+)+$ takes ~2^40 steps on it (hours, GIL held)


def parse(value) -> tuple[Regex | None, list]:
    errors: list = []
    return Regex.parse(value, ("when", "regex"), errors), errors


def spans(value, text: str) -> list[tuple[int, int]]:
    node, errors = parse(value)
    assert node is not None, errors
    return list(node.spans(text))


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(a|a?)+b$", r"(.*a){20}$", r"^(\w+\s?)*$"])
def test_catastrophic_patterns_return_in_milliseconds(rules, pattern):
    node, errors = parse(pattern)
    assert node is not None, errors
    item = rules.item(HOSTILE, HOSTILE * 1000)           # 41 kB of text
    started = time.perf_counter()
    assert list(node.spans(HOSTILE)) == [] and rules.match({"regex": pattern}, item) is None
    assert time.perf_counter() - started < 0.5


def test_the_redos_rule_through_the_matcher_is_fast_and_does_not_match(rules):
    item = rules.item(HOSTILE, "")
    started = time.perf_counter()
    assert rules.match({"regex": "(a+)+$"}, item) is None
    assert rules.match({"regex": "(a+)+!$"}, item)[0].matched == HOSTILE   # the engine still matches
    assert time.perf_counter() - started < 0.1


def test_python_unicode_classes_keep_their_meaning():
    assert spans(r"Бамак\w+", "Лавров прибыл в Бамако.") == [(16, 22)]         # RE2's own \w is ASCII
    assert spans(r"\d+", "٣ days") == [(0, 1)]                                # Arabic-Indic digit
    assert spans(r"a\sb", "a\u00a0b") == [(0, 3)]                             # no-break space
    assert spans(r"[\w-]+", "N’Djaména-x") == [(0, 1), (2, 11)]
    assert spans(r"\W", "été!") == [(3, 4)]
    assert spans(r"x\Z", "x") == [(0, 1)] and spans(r"\u0411", "Б") == [(0, 1)]
    assert spans("лавров", "ЛАВРОВ") == [(0, 6)]                              # case-insensitive, any script


@pytest.mark.parametrize("pattern, why", [
    (r"(?<!الدفاع )في روسيا", "RE2 has no look-around"),
    (r"Lavrov(?= arrived)", "RE2 has no look-around"),
    (r"(\w)\1", "RE2 has no back-references"),
    (r"(?P<x>a)(?P=x)", "RE2 has no back-references"),
    ("(?x) a b  # verbose", "rules use RE2 syntax"),
    (r"\w{1000}" * 6, "at most 8 MB"),
    (r"\bМали\b", "ASCII word boundaries in RE2"),
    (r"[\W]", "cannot keep its Unicode meaning"),
    ("Bamak(o|ou", "missing )"),
    ("(((a{100}){100}){100})", "RE2"),
])
def test_what_re2_cannot_run_is_refused_with_the_reason(pattern, why):
    with pytest.raises(RegexSyntaxError) as err:
        compile_rule_regex(pattern)
    assert why in str(err.value)
    node, errors = parse(pattern)
    assert node is None and errors[0][0] == ("when", "regex")
    assert errors[0][1].startswith("invalid regular expression: ") and why in errors[0][1]


def test_an_empty_match_is_found_once():
    assert spans(r"(a|a?)+$", HOSTILE) == [(41, 41)]                         # like Python's finditer


def test_an_ascii_word_boundary_is_kept():
    assert spans(r"\bwagner\b|Вагнер", "Wagner group; Вагнер; wagners") == [(0, 6), (14, 20)]


def test_not_after_and_not_before_replace_the_usual_look_around():
    founding = {"pattern": "في روسيا", "not_after": ["الدفاع", "الخارجية", "وزير"]}
    assert spans(founding, "نائب وزير الدفاع في روسيا") == []     # Russia's deputy defence minister
    assert spans(founding, "الوزير في روسيا") == []                # the text before *ends with* a word
    assert spans(founding, "وصل لافروف في روسيا") == [(11, 19)]
    assert spans(founding, "الدفاعفي روسيا") == [(6, 14)]          # white space must separate them
    assert spans({"pattern": "Lavrov", "not_before": "denied"}, "Lavrov  DENIED it; Lavrov arrived") == [(19, 25)]


def test_the_mapping_form_is_checked_key_by_key():
    assert parse({"pattern": "x", "not_afer": ["a"]})[1] == [
        (("when", "regex", "not_afer"), "unknown key 'not_afer' (did you mean 'not_after'? allowed: not_after, "
                                        "not_before, pattern)")]
    assert parse({"pattern": "x", "not_after": []})[1] == [
        (("when", "regex", "not_after"), "must be a word or a non-empty list of words")]
    assert parse({"not_after": ["a"]})[1][0][1].startswith("regex must be a pattern string")
    node, errors = parse({"pattern": "(?=x)"})
    assert node is None and errors[0][0] == ("when", "regex", "pattern")


def test_equal_conditions_share_one_node_in_the_matcher(rules):
    item = rules.item("Lavrov in Bamako", "")
    evidence = rules.match({"any": [{"regex": "bamako"}, {"regex": "bamako"}]}, item)
    assert [e.entry for e in evidence] == ["bamako", "bamako"] and evidence[0].matched == "Bamako"


def test_regex_inside_near_and_none(rules):
    near = {"near": {"within": 3, "all": [{"keywords": "Lavrov"},
                                          {"regex": {"pattern": r"Bamak\w+", "not_after": "not"}}]}}
    assert rules.match(near, rules.item("Lavrov arrived in Bamako", "")) is not None
    assert rules.match(near, rules.item("Lavrov is not Bamako", "")) is None
    errors: list = []
    none = parse_condition({"none": [{"regex": "(?!x)"}]}, ("when",), errors)
    assert none is None and errors[0][0] == ("when", "none", 0, "regex")


def test_an_item_slow_to_match_is_logged(rules, caplog):
    matcher = rules.matcher({"regex": "(a+)+$"})
    item = rules.item(HOSTILE, "")
    with caplog.at_level("WARNING", logger="alerts.rules.matcher"):
        assert matcher.process([item]) == []
        assert not caplog.records                      # RE2: far below the second
        matcher.slow_after = 0.0
        matcher.process([item])
    (record,) = caplog.records
    assert record.getMessage().startswith(f"rule_match_slow item_id={item.id} source_id=test ms=")
