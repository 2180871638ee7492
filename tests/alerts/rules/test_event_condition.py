"""The `event:` condition (alerts/rules/events.py) on real sentences of tests/data/collected/visits.jsonl.

The items are classified by the real classifier; their `Facts.events` are written here the way the
extractor (newswatch/classify/events/) reports them, each participant and place taken from the
classifier's own mention at those words (its actor id, nationality, role; its GeoNames id, country,
capital), so only what the extractor decides — type, cue, roles of the places, modality — is given."""
from dataclasses import replace

import pytest

from alerts.rules.context import MatchContext
from alerts.rules.matcher import RuleMatcher
from newswatch.classify.model import Event, EventPlace, Participant
from tests.alerts.rules.conftest import compile_when
from tests.alerts.rules.test_matcher_index import make_rules

V = "visits.jsonl"
FOUNDING = {"event": {"type": "visit", "who": {"nationality": "RU", "role": "official"},
                      "where": {"region": "sahel", "kind": "capital"}, "modality": "happened"}}


def span(item, words: str, field: str = "text", nth: int = 0) -> tuple[int, int]:
    text = item.title if field == "title" else item.text
    start = -1
    for _ in range(nth + 1):
        start = text.index(words, start + 1)
    return start, start + len(words)


def mention(item, words: str, kinds: tuple[str, ...], field: str = "text", nth: int = 0):
    start, end = span(item, words, field, nth)
    found = [m for m in item.facts.evidence if m.kind in kinds and m.field == field and m.start <= start
             and end <= m.end]
    assert found, f"the classifier names no {kinds} at {words!r}"
    return sorted(found, key=lambda m: (m.kind != "actor", m.end - m.start))[0], start, end


def who(item, words: str, field: str = "text", nth: int = 0) -> Participant:
    m, start, end = mention(item, words, ("actor", "role"), field, nth)
    return Participant(words, m.value if m.kind == "actor" else None, m.country, m.extra.get("role"), field,
                       start, end)


def where(item, words: str, role: str, field: str = "text", nth: int = 0) -> EventPlace:
    m, start, end = mention(item, words, ("city", "country"), field, nth)
    kind = "country" if m.kind == "country" else "capital" if m.extra.get("capital") else "city"
    return EventPlace(m.value, kind, words, m.country, role, field, start, end)


def event(item, type_: str, cue: str, people=(), places=(), modality="happened", when=None, field="text",
          nth: int = 0) -> Event:
    start, end = span(item, cue, field, nth)
    sentence = MatchContext(item).sentence_of(field, start)
    return Event(type_, modality, list(people), list(places), when, None, field, sentence, start, end, cue)


@pytest.fixture
def lavrov_bamako(rules):
    """Sputnik: "Russian Foreign Minister Sergey Lavrov arrived in the Malian capital Bamako ..." """
    item = rules.row(V, "Lavrov arrives in Bamako (Sputnik)")
    item.facts.events = [event(item, "visit", "arrived", [who(item, "Sergey Lavrov")],
                               [where(item, "Bamako", "destination")], when="2023-02-07")]
    return item


@pytest.fixture
def goita_moscow(rules):
    """"Mali's transitional president, General Assimi Goïta, arrived in Moscow on Sunday ..." """
    item = rules.row(V, "Goïta arrives in Moscow (sic 'visit the invitation')")
    item.facts.events = [event(item, "visit", "arrived", [who(item, "Assimi Goïta")],
                               [where(item, "Moscow", "destination")])]
    return item


def test_a_russian_official_arriving_in_a_sahel_capital(rules, lavrov_bamako):
    ev = rules.match(FOUNDING, lavrov_bamako)
    assert [(e.kind, e.matched) for e in ev] == [("event", "arrived"), ("actor", "Sergey Lavrov"), ("place", "Bamako")]
    assert {e.detail for e in ev} == {"visit (arrived): Sergey Lavrov (RU official) → Bamako (ML capital), "
                                      "happened, 2023-02-07"}
    assert [(e.entry, e.sentence, e.field) for e in ev] == [("visit", 0, "text"), ("lavrov", 0, "text"),
                                                             ("2460596", 0, "text")]
    assert lavrov_bamako.text[ev[2].start:ev[2].end] == "Bamako"


def test_the_visitor_and_the_place_must_both_fit(rules, goita_moscow):
    assert rules.match(FOUNDING, goita_moscow) is None
    assert rules.explain(FOUNDING, goita_moscow) == [
        "when.event: who: Assimi Goïta (ML head-of-state) is not RU; where: Moscow (RU) is not in sahel"]
    # Putin is named (the host), but not as taking part in the visit
    assert rules.match({"event": {"type": "visit", "who": {"actor": "putin"}}}, goita_moscow) is None
    assert rules.match({"event": {"type": "visit", "who": {"actor": "goita"}, "where": {"city": "Moscow"}}},
                       goita_moscow) is not None


def test_parts_from_two_events_do_not_make_one(rules):
    """Blinken (US) in Niamey, then Lavrov (RU) in Addis Ababa: a Russian official and a Sahel capital, in
    two visits. `all` of actor / place / topic holds on the item; `event:` does not."""
    blinken, lavrov = (rules.row(V, note) for note in ("Blinken in Niamey (Western; mentions Russian influence)",
                                                       "Lavrov arrives in Addis Ababa"))
    item = rules.item(blinken.title, f"{blinken.text} {lavrov.text}", lang="en")
    item.facts.events = [
        event(item, "visit", "visit", [who(item, "Antony Blinken")], [where(item, "Niger", "destination", nth=1)]),
        event(item, "visit", "arrived", [who(item, "Sergey Lavrov")], [where(item, "Addis Ababa", "destination")])]
    item.facts.events[0].where.append(where(item, "NIAMEY", "location"))
    scattered = {"all": [{"actor": {"nationality": "RU", "role": "official"}},
                         {"place": {"region": "sahel", "kind": "capital"}}, {"topic": "visit"}]}
    assert rules.match(scattered, item) is not None
    assert rules.match(FOUNDING, item) is None
    assert rules.explain(FOUNDING, item) == [
        "when.event: who: Antony Blinken (US official) is not RU"]     # the closer of the two: only who fails
    assert rules.match({"event": {"type": "visit", "who": {"nationality": "US"},
                                  "where": {"region": "sahel", "kind": "capital"}}}, item) is not None


@pytest.mark.parametrize("lang, note", [("ru", "Lavrov flies Bamako -> Nouakchott (blank lines collapsed)"),
                                        ("ar", "Lavrov arrives in Nouakchott from Bamako")])
def test_an_origin_is_never_where_a_visit_happened(rules, lang, note):
    """«Лавров прилетел в Нуакшот из Бамако», «إلى العاصمة الموريتانية نواكشوط قادما من العاصمة المالية باماكو»:
    a visit to Nouakchott (a Sahel capital too), from Bamako."""
    item = rules.row(V, note, lang)
    nouakchott, bamako = ("Нуакшот", "Бамако") if lang == "ru" else ("نواكشوط", "باماكو")
    lavrov = "Лавров" if lang == "ru" else "لافروف"
    cue = "прилетел" if lang == "ru" else "وصل"
    item.facts.events = [event(item, "visit", cue, [who(item, lavrov, nth=1 if lang == "ru" else 0)],
                               [where(item, nouakchott, "destination"), where(item, bamako, "origin")])]
    assert rules.match({"event": {"type": "visit", "where": {"city": "Bamako"}}}, item) is None
    assert rules.explain({"event": {"type": "visit", "where": {"city": "Bamako"}}}, item) == [
        "when.event: where: Nouakchott (MR) is not Bamako; Bamako (ML) is its origin (only a destination or "
        "location counts)"]
    ev = rules.match(FOUNDING, item)
    assert ev is not None and ev[0].detail.startswith("visit (") and "→ Nouakchott (MR capital), happened" in ev[0].detail
    assert rules.match({"event": {"type": "visit", "where": {"city": "nouakchott"}, "who": {"name": "sergey lavrov"}}},
                       item) is not None     # the gazetteer's and actors.yaml's names, whatever the script


def test_modality_defaults_to_happened(rules):
    """TASS: "Sergey Lavrov said he will visit Mali at the invitation of the country's authorities"."""
    item = rules.row(V, "Lavrov promises future visit to Mali (not a visit)")
    item.facts.events = [event(item, "visit", "will visit", [who(item, "Sergey Lavrov")],
                               [where(item, "Mali", "destination")], modality="planned")]
    when = {"event": {"type": "visit", "who": {"name": "lavrov"}, "where": {"country": "ML", "kind": "country"}}}
    assert rules.match(when, item) is None
    assert rules.explain(when, item) == ["when.event: modality: planned, not happened"]
    planned = {"event": {**when["event"], "modality": ["planned", "cancelled"]}}
    ev = rules.match(planned, item)
    assert ev is not None and ev[0].detail == "visit (will visit): Sergey Lavrov (RU official) → Mali (ML), planned"


def test_explain_names_the_missing_type(rules, lavrov_bamako, goita_moscow):
    assert rules.explain({"event": "coup"}, lavrov_bamako) == ["when.event: no coup event (events: visit)"]
    goita_moscow.facts.events = []
    assert rules.explain({"event": {"type": ["coup", "attack"]}}, goita_moscow) == [
        "when.event: no coup/attack event (the item reports no event of any type)"]


def test_who_by_actor_id_name_role_and_a_title(rules, lavrov_bamako):
    for who_ in ({"actor": "lavrov"}, {"name": "Lavrov"}, "sergey lavrov", {"nationality": ["ML", "RU"]},
                 {"role": "official", "name": "lavrov"}):
        assert rules.match({"event": {"who": who_}}, lavrov_bamako) is not None, who_
    for who_ in ({"actor": "diop"}, {"nationality": "ML"}, {"role": "military"}):
        assert rules.match({"event": {"who": who_}}, lavrov_bamako) is None, who_
    # an unnamed official ("the Russian foreign minister"): no actor id, a nationality and a role
    lavrov_bamako.facts.events[0].who = [who(lavrov_bamako, "Russian Foreign Minister")]
    assert rules.match(FOUNDING, lavrov_bamako)[1].detail.startswith(
        "visit (arrived): Russian Foreign Minister (RU official) → Bamako")
    assert rules.match({"event": {"who": "lavrov"}}, lavrov_bamako) is None



def test_role_official_takes_heads_of_state_and_of_government(rules, lavrov_bamako):
    """`role: official` is anyone who acts for a state: a minister, a president, a prime minister ("Mishustin
    visits Bamako" is a Russian official's visit); `head-of-state` and `head-of-government` name each alone."""
    [lavrov] = lavrov_bamako.facts.events[0].who
    for role, takes in (("head-of-government", {"official", "head-of-government"}),
                        ("head-of-state", {"official", "head-of-state"}),
                        ("official", {"official"})):
        lavrov_bamako.facts.events[0].who = [replace(lavrov, actor=None, role=role)]
        for asked in ("official", "head-of-state", "head-of-government"):
            condition = dict(FOUNDING, event={**FOUNDING["event"], "who": {"nationality": "RU", "role": asked}})
            assert (rules.match(condition, lavrov_bamako) is not None) == (asked in takes), (role, asked)


def test_an_armed_group_by_its_id_even_of_no_state(rules):
    """Named armed groups are actors (actors.yaml): `who: jnim` names one of no state, `{nationality: RU, role:
    militia}` the Wagner Group. Arabic, es-0231 of tests/data/events/sentences.jsonl; French, collected
    visits.jsonl line 148."""
    item = rules.item(None, "قتل ما لا يقل عن 15 جنديا ماليا، في هجوم نسب إلى مسلحين ينتمون لجماعة نصرة الإسلام "
                            "والمسلمين في وسط مالي.", lang="ar")
    assert rules.match({"event": {"type": "attack", "who": "jnim", "where": {"country": "ML"}}}, item) is not None
    assert rules.match({"event": {"type": "attack", "who": {"nationality": "RU"}}}, item) is None
    assert rules.match({"actor": "jnim"}, item) is not None
    item = rules.item(None, "Une chaîne Telegram associée à la milice russe Wagner a diffusé, lundi 29 juillet, des "
                            "détails sur les récents affrontements dans le nord du Mali.", lang="fr")
    assert rules.match({"event": {"type": "attack", "who": {"nationality": "RU", "role": "militia"}}}, item) is not None

def test_event_inside_near(rules, lavrov_bamako):
    """The event's cue, participant and place are positions: `near` finds them by sentence or by words."""
    same = {"near": {"scope": "sentence", "all": [FOUNDING, {"keywords": "Tuesday"}]}}
    ev = rules.match(same, lavrov_bamako)
    assert ev is not None and [e.kind for e in ev] == ["event", "keywords", "near"]
    close = {"near": {"within": 3, "all": [FOUNDING, {"keywords": "Malian capital"}]}}
    assert rules.match(close, lavrov_bamako) is not None      # "capital Bamako": the place is within 3 words
    far = {"near": {"within": 3, "all": [FOUNDING, {"keywords": "Abdoulaye Diop"}]}}
    assert rules.match(far, lavrov_bamako) is None
    lavrov_bamako.facts.events = []
    assert rules.explain(same, lavrov_bamako) == [
        "when.near.all[0].event: no visit event (the item reports no event of any type)"]


def test_the_index_never_leaves_out_an_item_an_event_rule_holds_for(rules, lavrov_bamako, goita_moscow):
    """Every rule tested afresh (no index, no memo) gives what the matcher gives, on items with and
    without events; an `event:` with only type and modality is decided by the index alone."""
    whens = {"founding": FOUNDING, "any-visit": {"event": "visit"}, "planned": {"event": {"modality": "planned"}},
             "coup": {"event": "coup"}, "goita": {"event": {"who": "goita"}},
             "either": {"any": [{"event": {"type": "visit", "who": {"nationality": "US"}}}, {"keywords": "Bamako"}]},
             "near": {"near": {"scope": "sentence", "all": [{"event": "visit"}, {"place": {"region": "sahel"}}]}}}
    matcher = RuleMatcher(make_rules(whens), tables=rules.classifier.tables)
    assert [r.id for r, is_exact in zip(matcher.rules, matcher.exact) if is_exact] == ["any-visit", "planned", "coup"]
    planned = replace(lavrov_bamako.facts.events[0], modality="planned")
    bare = rules.row(V, "Lavrov arrives in Bamako (Sputnik)")
    bare.facts.events = []                                              # no events: only `either` by its keyword
    items = [lavrov_bamako, goita_moscow, bare]
    for item in items:
        fresh = {r.id for r in matcher.rules if r.when.test(MatchContext(item)) is not None}
        assert {m.rule.id for m in matcher.match(item)} == fresh, item.text[:40]
    assert {m.rule.id for m in matcher.match(lavrov_bamako)} == {"founding", "any-visit", "either", "near"}
    # `near` holds on Goïta's visit too: "Mali's" is a Sahel place in its sentence (that is what `near` says)
    assert {m.rule.id for m in matcher.match(goita_moscow)} == {"any-visit", "goita", "near"}
    assert {m.rule.id for m in matcher.match(bare)} == {"either"}
    lavrov_bamako.facts.events = [planned]
    assert {m.rule.id for m in matcher.match(lavrov_bamako)} == {"planned", "either"}


def test_identical_event_conditions_are_one_node(rules):
    matcher = RuleMatcher(make_rules({"a": FOUNDING, "b": FOUNDING, "c": {"event": {**FOUNDING["event"],
                                                                                  "who": {"nationality": "FR"}}}}),
                          tables=rules.classifier.tables)
    a, b, c = (r.when for r in matcher.rules)
    assert a is b and a is not c
    assert a.where.region_members == {"ML", "BF", "NE", "TD", "MR"}     # bound by the matcher, like a place's


def test_parse_errors_name_the_key_as_written():
    errors: list = []
    compile_when({"event": {"who": {"actor": "lavrov"}, "where": {"city": "Bamako"}}})
    from alerts.rules.conditions import parse_condition
    parse_condition({"event": {"who": {"actor": 5}, "where": {"city": ""}}}, ("when",), errors)
    assert errors == [(("when", "event", "who", "actor"), "actor must be a string or a non-empty list of strings"),
                      (("when", "event", "where", "city"), "city must be a string or a non-empty list of strings")]


# --- on the extractor's own events (newswatch/classify/events), nothing written by hand ---------------------

@pytest.mark.parametrize("lang, note, fires, why", [
    ("en", "Lavrov arrives in Bamako (Sputnik)", True, None),
    ("fr", "Lavrov arrives in Bamako", True, None),
    ("ar", "Lavrov arrives in Nouakchott from Bamako", True, None),
    ("ru", "Lavrov flies Bamako -> Nouakchott (blank lines collapsed)", True, None),
    # Goïta's visit names Putin, his host (a Russian official): the visit is to Moscow all the same
    ("en", "Goïta arrives in Moscow (sic 'visit the invitation')", False, "where: Moscow (RU) is not in sahel"),
    ("en", "Lavrov promises future visit to Mali (not a visit)", False, "modality: planned, not happened"),
    ("ru", "Lavrov arrives in Addis Ababa", False, "(ET) is not in sahel")])
def test_the_founding_event_on_extracted_events(rules, lang, note, fires, why):
    """What --explain says comes from the closest extracted event: the part of it asserted here is the one
    the row is about (the extractor may add others, e.g. the country beside the capital)."""
    item = rules.row(V, note, lang)
    assert item.facts.events, "the extractor found no event"
    assert (rules.match(FOUNDING, item) is not None) is fires
    if why:
        [explained] = rules.explain(FOUNDING, item)
        assert explained.startswith("when.event: ") and why in explained, explained
        assert "who:" not in explained                  # a Russian official takes part in each: only where / when fail


def test_an_extracted_origin_does_not_count(rules):
    """«Лавров прилетел в Нуакшот из Бамако»: the extractor makes Bamako the origin."""
    item = rules.row(V, "Lavrov flies Bamako -> Nouakchott (blank lines collapsed)", "ru")
    when = {"event": {"type": "visit", "where": {"city": "Bamako"}}}
    assert rules.match(when, item) is None
    # the title's and the first sentence's visits (to Mauritania) are as close: the one naming Bamako, alone
    item.facts.events = [e for e in item.facts.events if any(p.role == "origin" for p in e.where)]
    assert [e.cue for e in item.facts.events] == ["прилетел"]
    assert rules.explain(when, item) == ["when.event: where: Nouakchott (MR) is not Bamako; Bamako (ML) is its origin "
                                         "(only a destination or location counts)"]
