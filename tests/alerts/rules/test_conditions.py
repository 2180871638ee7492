"""Every condition kind, and `near` by sentence and by words: one match and one no-match each,
on real sentences (tests/data/collected, picked by their `note`; the seed post in tests/data/seed)."""
from datetime import datetime, timedelta, timezone

import pytest

from alerts.rules.conditions import CONDITIONS, GROUPS
from tests.alerts.rules.conftest import collected_row, seed_post

V, P = "visits.jsonl", "places.jsonl"
LAVROV_BAMAKO = "Lavrov arrives in Bamako (Sputnik)"      # "... Sergey Lavrov arrived in the Malian capital Bamako"
LAVROV_TRAVELS = "Lavrov travels Bamako -> Nouakchott"    # "... Sergey Lavrov traveled from Bamako to Nouakchott"
LAVROV_ADDIS = "Lavrov arrives in Addis Ababa"
LAVROV_WILL_VISIT = "Lavrov promises future visit to Mali (not a visit)"
YEVKUROV_NIAMEY = "Yevkurov visit to Niamey mentioned in a US-focused story (positive but embedded)"
BLINKEN_NIAMEY = "Blinken in Niamey (Western; mentions Russian influence)"
GOITA_MOSCOW = "Goïta arrives in Moscow (sic 'visit the invitation')"
NIAMEY_RALLY = "Niamey named; pro-Russia rally (no official visit)"
NIGER_DELTA = "'Niger' in 'Niger Delta' = Nigeria, not the country Niger (Wikipedia mirror)"

FOUNDING_NEAR = {"near": {"scope": "sentence", "all": [
    {"actor": {"nationality": "RU", "role": "official"}},
    {"place": {"region": "sahel", "kind": "capital"}},
    {"topic": "visit"}]}}


def kinds(evidence) -> list[str]:
    return [e.kind for e in evidence]


def test_every_condition_kind_is_covered_here():
    covered = {"keywords", "regex", "country", "region", "city", "place", "topic", "actor", "lang", "source",
               "published_within", "near",
               "event", "reports"}   # in test_event_condition.py and test_reports_condition.py
    assert set(CONDITIONS) == covered and GROUPS == ("all", "any", "none")


def test_keywords_on_the_seed_post(rules):
    title, text = seed_post()
    ev = rules.match({"keywords": ["Lavrov"]}, rules.item(title, text))
    assert ev[0].field == "title" and title[ev[0].start:ev[0].end] == "Lavrov"
    assert rules.match({"keywords": ["Lavrov"]}, rules.row(P, NIAMEY_RALLY)) is None


def test_keywords_word_boundaries_in_cyrillic(rules):
    mali = {"keywords": "Мали"}
    assert rules.match(mali, rules.row(P, "Bamako named (ru)", lang="ru"))[0].matched == "Мали"
    assert rules.match(mali, rules.row(P, "«Сомали» contains substring «мали» — not Mali", lang="ru")) is None


def test_regex_reads_both_apostrophes(rules):
    ndjamena = {"regex": r"N['’]Dj[aá]m[eé]na"}
    typographic = rules.row(P, "N'Djamena named (spelling N’Djaména with typographic apostrophe)", lang="fr")
    assert rules.match(ndjamena, typographic)[0].matched == "N’Djaména"
    ascii_apostrophe = rules.row(P, "N'Djamena named (ASCII apostrophe)", lang="fr")
    assert rules.match(ndjamena, ascii_apostrophe)[0].matched == "N'Djamena"
    assert rules.match(ndjamena, rules.row(P, NIAMEY_RALLY)) is None


def test_country_about_versus_mentioned(rules):
    travels = rules.row(V, LAVROV_TRAVELS)             # about Russia and Mauritania; Mali only via "Bamako"
    assert rules.match({"country": "MR"}, travels) is not None
    assert rules.match({"country": "ML"}, travels) is None
    ev = rules.match({"country": {"code": "ML", "mentioned": True}}, travels)
    assert [e.matched for e in ev] == ["Bamako"] and ev[0].detail.startswith("Bamako (capital, ML, sahel")


def test_country_niger_delta_is_not_niger(rules):
    assert rules.match({"country": {"code": "NE", "mentioned": True}}, rules.row(P, NIGER_DELTA)) is None
    assert rules.match({"country": "NE"}, rules.row(P, NIAMEY_RALLY)) is not None


def test_region(rules):
    ev = rules.match({"region": "sahel"}, rules.row(P, NIAMEY_RALLY))
    assert {e.matched for e in ev} == {"Niger", "Niamey"}
    assert rules.match({"region": "sahel"}, rules.row(V, LAVROV_ADDIS)) is None


def test_city_by_name_and_by_mapping(rules):
    bamako = rules.row(V, LAVROV_BAMAKO)
    assert [e.matched for e in rules.match({"city": "Bamako"}, bamako)] == ["Bamako"]
    assert rules.match({"city": ["Bamako"]}, rules.row(P, NIAMEY_RALLY)) is None
    assert rules.match({"city": {"name": "Niamey", "country": "NE"}}, rules.row(P, NIAMEY_RALLY)) is not None
    assert rules.match({"city": {"country": "ML", "kind": "capital"}}, rules.row(V, LAVROV_ADDIS)) is None


def test_place_sahel_capital(rules):
    ev = rules.match({"place": {"region": "sahel", "kind": "capital"}}, rules.row(P, NIAMEY_RALLY))
    assert [(e.kind, e.matched) for e in ev] == [("place", "Niamey")]
    # Addis Ababa is a capital, but not in the Sahel
    assert rules.match({"place": {"region": "sahel", "kind": "capital"}}, rules.row(V, LAVROV_ADDIS)) is None


def test_place_kind_country_is_the_country_name_not_the_demonym(rules):
    bamako = rules.row(V, LAVROV_BAMAKO)               # title "... Arrives in Mali"; text "the Malian capital"
    assert [e.matched for e in rules.match({"place": {"country": "ML", "kind": "country"}}, bamako)] == ["Mali"]
    assert rules.match({"place": {"country": "ML", "kind": "country"}}, rules.row(V, LAVROV_TRAVELS)) is None


PUTIN_TRAORE_SPB = "Putin–Traoré meeting in St Petersburg referenced (no Ouagadougou in sentence)"
TIANI_PHONE = "Tiani–Putin phone call, no visit"
POUTINE_TRAORE_SPB = "Putin meets Traoré in St Petersburg"


@pytest.mark.parametrize("note,lang,country", [(PUTIN_TRAORE_SPB, "en", "BF"),   # "Burkina Faso's President"
                                               (TIANI_PHONE, "en", "NE"),        # "Niger Regime Chief", "head of Niger's"
                                               (POUTINE_TRAORE_SPB, "fr", "BF")])  # « le Président du Burkina Faso »
def test_place_skips_a_country_named_as_whose_office_it_is(rules, note, lang, country):
    row = rules.row(V, note, lang)
    assert rules.match({"country": {"code": country, "mentioned": True}}, row) is not None   # still mentioned
    assert rules.match({"place": {"country": country, "kind": "country"}}, row) is None


def test_place_keeps_a_country_that_is_where_things_happen(rules):
    # "... welcomed in Mali's capital" style is a place; so is «الى دولة مالي» ("to the state of Mali")
    arabic = rules.row(V, "Lavrov arrives in Mali (country named, no capital)", "ar")
    assert [e.matched for e in rules.match({"place": {"country": "ML", "kind": "country"}}, arabic)] == ["مالي"]


def test_topic_and_its_modality(rules):
    arrived, will_visit = rules.row(V, LAVROV_BAMAKO), rules.row(V, LAVROV_WILL_VISIT)
    assert rules.match({"topic": "visit"}, arrived) is not None
    assert rules.match({"topic": "diplomacy/visit"}, rules.row(P, NIAMEY_RALLY)) is None
    assert rules.match({"topic": {"name": "visit", "modality": "happened"}}, arrived) is not None
    assert rules.match({"topic": {"name": "visit", "modality": "happened"}}, will_visit) is None
    ev = rules.match({"topic": {"name": "visit", "modality": "planned"}}, will_visit)
    assert ev[0].detail == "visit, planned (will visit)"
    assert rules.match({"topic": {"name": "visit", "modality": "planned"}}, arrived) is None
    [why] = rules.explain({"topic": {"name": "visit", "modality": "planned"}}, arrived)
    assert why.startswith("when.topic: visit is named (Arrives, arrived, ")
    assert why.endswith("but never as planned in its sentence")


def test_a_bare_will_far_from_the_visit_does_not_make_it_planned(rules):
    # "Chad and Russia will cooperate in the areas of development and security, Lavrov told a press
    # conference in N'Djamena": 11 words between "will" and "press conference"
    row = rules.row(V, "Lavrov holds press conference in N'Djamena")
    assert rules.match({"topic": {"name": "visit", "modality": "happened"}}, row) is not None
    assert rules.match({"topic": {"name": "visit", "modality": "planned"}}, row) is None
    near = rules.item("", "Lavrov will soon visit Bamako.")          # "will" two words from "visit"
    assert rules.match({"topic": {"name": "visit", "modality": "planned"}}, near) is not None


def test_explain_says_when_a_topic_is_named_without_its_modality(rules):
    """"Lavrov will arrive in Bamako on Monday. It is the first time a Russian foreign minister has officially
    visited ...": planned in the first sentence (a visit term and its cue), not happened there."""
    will_arrive = rules.row(V, "Lavrov visit to Bamako announced, future tense (Reuters via MarketScreener)")

    def when(modality):
        return {"near": {"scope": "sentence", "all": [{"actor": {"nationality": "RU"}}, {"city": "Bamako"},
                                                      {"topic": {"name": "visit", "modality": modality}}]}}
    assert rules.match(when("planned"), will_arrive) is not None
    assert rules.match(when("happened"), will_arrive) is None
    [why] = rules.explain(when("happened"), will_arrive)
    assert why.startswith("when.near") and "sentence" in why


def test_actor_by_nationality_and_role(rules):
    official = {"actor": {"nationality": "RU", "role": "official"}}
    ev = rules.match(official, rules.row(V, YEVKUROV_NIAMEY))
    assert "Yunus-Bek Yevkurov (RU official)" in {e.detail for e in ev}
    assert rules.match(official, rules.row(V, BLINKEN_NIAMEY)) is None        # a US official in Niamey


def test_actor_by_name(rules):
    assert rules.match({"actor": "Lavrov"}, rules.row(V, LAVROV_BAMAKO)) is not None
    assert rules.match({"actor": "Lavrov"}, rules.row(V, YEVKUROV_NIAMEY)) is None


def test_lang(rules):
    french = rules.row(P, "Niamey named (city event)", lang="fr")
    assert rules.match({"lang": "fr"}, french)[0].matched == "fr"
    assert rules.match({"lang": ["FR", "ar"]}, rules.row(P, NIAMEY_RALLY)) is None


def test_source_by_id_or_tag(rules):
    row = collected_row(V, LAVROV_BAMAKO)
    sputnik = rules.item(row["title"], row["text"], source_id="sputnik")
    assert rules.match({"source": "sputnik"}, sputnik) is not None
    assert rules.match({"source": ["tass", "ria"]}, sputnik) is None
    assert rules.match({"source": "state-media"}, sputnik, source_tags={"state-media"}) is not None


def test_published_within(rules):
    row = collected_row(V, LAVROV_BAMAKO)              # published 2023-02-07
    old = rules.item(row["title"], row["text"], published=datetime.fromisoformat(row["published"] + "T00:00:00+00:00"))
    assert rules.match({"published_within": "2d"}, old) is None
    fresh = rules.item(row["title"], row["text"], published=datetime.now(timezone.utc) - timedelta(hours=1))
    assert rules.match({"published_within": "2d"}, fresh)[0].kind == "published_within"
    assert rules.match({"published_within": "30m"}, fresh) is None


def test_near_sentence_on_a_real_visit(rules):
    ev = rules.match(FOUNDING_NEAR, rules.row(V, LAVROV_BAMAKO))
    assert kinds(ev) == ["actor", "place", "topic", "near"] and ev[-1].detail == "same sentence"
    assert len({(e.field, e.sentence) for e in ev}) == 1


def test_near_sentence_goita_in_moscow_then_niamey(rules):
    """Two real sentences joined: Goïta arrives in Moscow (Putin named), then a rally in Niamey.
    Each part holds somewhere, never in one sentence; keywords alone would fire."""
    moscow, niamey = collected_row(V, GOITA_MOSCOW), collected_row(P, NIAMEY_RALLY)
    joined = rules.item(None, f"{moscow['text']} {niamey['text']}", lang="en")
    assert rules.match({"all": [{"keywords": "Putin"}, {"keywords": "Niamey"}, {"keywords": "visit"}]},
                       joined) is not None
    assert rules.match(FOUNDING_NEAR, joined) is None
    assert rules.explain(FOUNDING_NEAR, joined) == ["when.near: each part holds, but never in one sentence"]


def test_near_names_the_part_that_held_nowhere(rules):
    when = {"all": [FOUNDING_NEAR]}
    assert rules.explain(when, rules.row(V, BLINKEN_NIAMEY)) == ["when.all[0].near.all[0].actor: did not hold anywhere"]


def test_near_within_words(rules):
    """"Sergey Lavrov traveled from Bamako": 4 words apart; "Sergey Lavrov arrived in the Malian capital Bamako": 7."""
    def within(n):
        return {"near": {"within": n, "all": [{"actor": "Lavrov"}, {"city": "Bamako"}]}}
    travels, arrived = rules.row(V, LAVROV_TRAVELS), rules.row(V, LAVROV_BAMAKO)
    ev = rules.match(within(4), travels)
    assert kinds(ev) == ["actor", "city", "near"] and ev[-1].detail == "within 4 words"
    assert rules.match(within(4), arrived) is None
    assert rules.explain(within(4), arrived) == ["when.near: each part holds, but never within 4 words"]
    assert rules.match(within(7), arrived) is not None


def test_keywords_and_regex_inside_near(rules):
    when = {"near": {"within": 3, "all": [{"keywords": "Lavrov"}, {"regex": r"Bamak\w+"}]}}
    assert [e.matched for e in rules.match(when, rules.row(V, LAVROV_TRAVELS))][:2] == ["Lavrov", "Bamako"]
    assert rules.match(when, rules.row(V, LAVROV_BAMAKO)) is None


@pytest.mark.parametrize("note,fires", [(LAVROV_BAMAKO, True), (GOITA_MOSCOW, False), (LAVROV_ADDIS, False)])
def test_groups_on_the_founding_rule_shape(rules, note, fires):
    """all + any + none, as in config/rules/sahel.yaml: a visit in Moscow is excluded by `none`."""
    when = {"all": [{"actor": {"nationality": "RU"}},
                    {"any": [{"place": {"region": "sahel", "kind": "capital"}}, {"country": "ML"}]},
                    {"none": [{"near": {"scope": "sentence", "all": [
                        {"place": {"country": "RU", "kind": "city"}}, {"topic": "visit"}]}}]}]}
    assert (rules.match(when, rules.row(V, note)) is not None) is fires
