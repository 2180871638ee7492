"""EventClusterer on constructed events, against the real Redis (and without Redis, the same rule in Python).

The events stand for what the extractor gives for real reports of the founding story (Lavrov in
Bamako, 2026-02-17: TASS in Russian, RFI in French, Asharq Al-Awsat in Arabic and English) and for
its look-alikes (the same actors elsewhere or another day, another event type the same day)."""
from __future__ import annotations

import json

import random
import threading
import time
from datetime import datetime, timezone

import pytest
from redis.crc import key_slot

from newswatch.classify.model import Event, EventPlace, Facts, Participant
from newswatch.model.item import Item
from newswatch.pipeline.event_keys import Scoring, event_keys
from newswatch.pipeline.event_reports import event_reports
from newswatch.pipeline.events import EventClusterer
from newswatch.store.state import State, connect

BAMAKO, MOSCOW, NIAMEY, KYIV, KHARKIV = "2460596", "524901", "2440485", "703448", "706483"
DAY = "2026-02-17"
PUBLISHED = datetime(2026, 2, 17, 9, 30, tzinfo=timezone.utc)


def who(name: str, actor: str | None = None, nat: str | None = None, role: str | None = None) -> Participant:
    return Participant(name=name, actor=actor, nationality=nat, role=role, field="title", start=0, end=len(name))


def where(place_id: str, kind: str = "capital", country: str | None = "ML", role: str = "destination") -> EventPlace:
    return EventPlace(id=place_id, kind=kind, name=place_id, country=country, role=role, field="title", start=0, end=1)


LAVROV = who("Lavrov", "lavrov", "RU", "official")
RU_FM = who("the Russian foreign minister", None, "RU", "official")
GOITA = who("Goïta", "goita", "ML", "head-of-state")
DIOP = who("Diop", "diop", "ML", "official")


def event(kind: str = "visit", people: list[Participant] | None = None, places: list[EventPlace] | None = None,
          when: str | None = DAY, field: str = "title", sentence: int = 0, start: int = 0) -> Event:
    return Event(type=kind, modality="happened", who=list(people or []), where=list(places or []), when=when,
                 when_text=None, field=field, sentence=sentence, start=start, end=start + 5, cue="visit")


def report(source: str, lang: str, *events: Event, title: str = "", published: datetime = PUBLISHED,
           story_id: str | None = None) -> Item:
    item = Item(source_id=source, title=title or f"{source} report", text="...", lang=lang, published=published,
                url=f"https://{source}.example/{abs(hash((title, lang, events[0].when if events else ''))) % 10**8}"
                ).finish()
    item.facts = Facts(lang=lang, events=list(events))
    item.story_id = story_id
    return item


@pytest.fixture(params=["redis", "local"])
def stage_for(request, state):
    """A factory of clusterers: on the test's Redis prefix, or without Redis (one instance's batches)."""
    local: list[EventClusterer] = []

    def make(**kw) -> EventClusterer:
        if request.param == "redis":
            return EventClusterer(state, **kw)
        if not local:
            local.append(EventClusterer(None, **kw))
        return local[0]
    make.redis = request.param == "redis"  # type: ignore[attr-defined]
    return make


def founding_reports() -> list[Item]:
    return [
        report("tass", "ru", event(people=[LAVROV], places=[where("ML", "country")]), title="Лавров прибыл в Мали"),
        report("rfi", "fr", event(people=[RU_FM], places=[where(BAMAKO)]),
               title="Le chef de la diplomatie russe en visite à Bamako"),
        report("aawsat-ar", "ar", event(people=[LAVROV], places=[where(BAMAKO)], when="2026-02-18"),
               title="لافروف في باماكو"),
        report("aawsat", "en", event(people=[LAVROV, GOITA], places=[where(BAMAKO)]),
               title="Russia steps up its policy in West Africa as Lavrov visits Bamako"),
    ]


def test_one_visit_reported_by_four_outlets_in_four_languages_is_one_event(stage_for, state):
    items = founding_reports()
    stage = stage_for()
    for item in items:           # one poll each, as four sources would be polled
        stage.process([item])
    ids = {i.event_id for i in items}
    assert len(ids) == 1 and None not in ids
    assert [i.event_first for i in items] == [True, False, False, False]
    assert items[0].event_id == f"visit-{items[0].id}"
    assert all(i.facts.events[0].id == items[0].event_id for i in items)
    assert stage.hits == {"new": 1, "matched": 3}
    if stage_for.redis:
        reports = event_reports(state, items[0].event_id)
        assert [(r["source_id"], r["lang"]) for r in reports] == [("tass", "ru"), ("rfi", "fr"), ("aawsat-ar", "ar"),
                                                                  ("aawsat", "en")]
        assert reports[1]["title"] == items[1].title and reports[0]["published"] == PUBLISHED.isoformat()


def test_the_same_four_in_one_batch_are_one_event(stage_for):
    items = founding_reports()
    stage_for().process(items)
    assert len({i.event_id for i in items}) == 1 and items[0].event_first is True


def test_same_actors_same_place_another_week_is_another_event(stage_for):
    first = report("tass", "ru", event(people=[LAVROV], places=[where(BAMAKO)]))
    later = report("tass", "ru", event(people=[LAVROV], places=[where(BAMAKO)], when="2026-02-24"),
                   published=datetime(2026, 2, 24, 8, tzinfo=timezone.utc))
    stage = stage_for()
    stage.process([first])
    stage.process([later])
    assert later.event_id != first.event_id and later.event_first is True


def test_a_multi_day_visit_stays_one_event_day_by_day_and_the_window_cuts_a_gap(stage_for):
    days = ["2026-02-17", "2026-02-19", "2026-02-21", "2026-02-25"]  # 2-day steps chain; a 4-day gap does not
    items = [report(f"outlet-{n}", "en", event(people=[LAVROV], places=[where(BAMAKO)], when=d))
             for n, d in enumerate(days)]
    stage = stage_for(window_days=2)
    for item in items:
        stage.process([item])
    assert items[1].event_id == items[2].event_id == items[0].event_id
    assert items[3].event_id != items[0].event_id


def test_another_type_the_same_day_at_the_same_place_is_another_event(stage_for):
    visit = report("tass", "ru", event(people=[LAVROV], places=[where(BAMAKO)]))
    protest = report("rfi", "fr", event("protest", people=[who("Malians", None, "ML")], places=[where(BAMAKO)]))
    attack = report("aa", "ar", event("attack", people=[who("jihadists", None, "ML", "militia")], places=[where(BAMAKO)]))
    stage = stage_for()
    stage.process([visit, protest, attack])
    assert len({visit.event_id, protest.event_id, attack.event_id}) == 3
    assert protest.event_first is True and attack.event_id.startswith("attack-")


def test_the_talks_and_the_agreement_of_a_visit_are_the_visit(stage_for):
    """One occasion, reported as what happened at it (the pairs' guide: a visit is everything done on it)."""
    arrival = report("tass", "ru", event(people=[LAVROV], places=[where(BAMAKO)]))
    talks = report("rfi", "fr", event("talks", people=[LAVROV, GOITA], places=[where(BAMAKO)]))
    signed = report("aa", "ar", event("agreement", people=[RU_FM], places=[where(BAMAKO)], when="2026-02-18"))
    stage = stage_for()
    stage.process([arrival])
    stage.process([talks, signed])
    assert talks.event_id == signed.event_id == arrival.event_id == f"visit-{arrival.id}"


def test_a_hosts_sentence_naming_the_guest_by_title_is_the_same_occasion(stage_for):
    """Al-Akhbar (2023-02-07): "Lavrov began a visit to Mali. Diop received his Russian counterpart, who
    arrived in Bamako": two known actors, none shared, but the guest's nationality and role in both
    (r:RU:official): one occasion, so a report naming host and guest cannot join a side event of it."""
    began = event(people=[LAVROV], places=[where("ML", "country")], field="text")
    hosted = event(people=[DIOP, RU_FM], places=[where(BAMAKO)], field="text", sentence=1)
    alakhbar = report("alakhbar", "ar", began, hosted)
    sputnik = report("sputnik", "en", event(people=[LAVROV, DIOP], places=[where(BAMAKO)]))
    stage = stage_for()
    stage.process([alakhbar])
    stage.process([sputnik])
    assert began.id == hosted.id == alakhbar.event_id == sputnik.event_id == f"visit-{alakhbar.id}"



def test_a_prime_minister_keys_as_an_official():
    """A prime minister (role head-of-government) is keyed as an official of his country: one report says «le
    Premier ministre français», another «son homologue français» (a title that makes an official), a third names
    Modi; the nationality-and-role key is one, as it was when prime ministers were officials."""
    pm = event("talks", people=[who("le Premier ministre français", None, "FR", "head-of-government")])
    counterpart = event("talks", people=[who("son homologue français", None, "FR", "official")])
    assert event_keys(pm) == event_keys(counterpart) == ["n:FR", "r:FR:official"]
    modi = event("talks", people=[who("Modi", "modi", "IN", "head-of-government")])
    assert event_keys(modi) == ["a:modi", "n:IN", "r:IN:official"]

def test_a_hosts_sentence_naming_no_guest_is_another_occasion(stage_for):
    """Two known actors, none shared, and no nationality and role shared either: kept apart."""
    host_only = event("talks", people=[DIOP], field="text", sentence=1)
    abamako = report("abamako", "fr", event(people=[LAVROV], places=[where(BAMAKO)], field="text"), host_only)
    stage_for().process([abamako])
    assert abamako.event_id == f"visit-{abamako.id}" and host_only.id == f"talks-{abamako.id}"


def test_a_shootings_victims_and_the_police_are_one_attack(stage_for):
    """TIME (2026-02-11, the Tumbler Ridge shooting): "the mass shooting in a remote British Columbia town that left
    nine people dead" (victims: civilians) and "Police said ..." (the police) in the next sentence are one
    occasion; groups' roles do not set two occasions apart as two officials do. AP's report, whose lead tells
    the police's account, joins it."""
    bc = where("CA", "country", country="CA", role="location")
    victims = event("death", people=[who("nine people", None, "CA", "civilians")], places=[bc], field="text")
    police = event("death", people=[who("police", None, "CA", "police")], field="text", sentence=1)
    time_report = report("time", "en", victims, police)
    ap = report("ap", "en", event("death", people=[who("Police", None, "CA", "police")], field="text"))
    stage = stage_for()
    stage.process([time_report])
    stage.process([ap])
    assert victims.id == police.id == time_report.event_id == ap.event_id


def test_the_same_minister_in_two_countries_is_two_stops(stage_for):
    """Lavrov in Pretoria and in Luanda on one tour: two places, none shared, two events."""
    pretoria = report("tass", "ru", event(people=[LAVROV], places=[where("ZA", "country", country="ZA")]))
    luanda = report("rfi", "fr", event(people=[LAVROV], places=[where("AO", "country", country="AO")],
                                       when="2026-02-18"))
    unplaced = report("ria", "ru", event(people=[LAVROV], when="2026-02-18"))
    stage = stage_for()
    stage.process([pretoria, luanda, unplaced])
    assert pretoria.event_id != luanda.event_id
    assert unplaced.event_id in (pretoria.event_id, luanda.event_id)   # no place: no conflict


def test_two_sets_of_parties_at_one_place_on_one_day_are_two_events(stage_for):
    """Geneva, 17 February 2026 (tests/data/event_pairs.md, "Talks and meetings"): the US-Iran talks and the
    US-brokered Russia-Ukraine talks, both "talks in Geneva" the same day. Parties that differ (two nationalities or
    more each, one the other lacks each, the mediator alone shared) are two events; a report naming fewer of the
    same parties is the same."""
    geneva = where("2660646", "city", country="CH", role="location")
    us, ir, ru, ua = (who(n, None, c) for n, c in (("the US", "US"), ("Iran", "IR"), ("Russia", "RU"),
                                                   ("Ukraine", "UA")))
    brokered = "Russia, Ukraine meet in US-brokered talks"
    us_iran = report("aljazeera", "en", event("talks", [us, ir], [geneva]), title="US and Iran talks in Geneva")
    ru_ua = report("abc", "en", event("talks", [ru, ua, us], [geneva]), title=brokered)
    ru_ua_again = report("tass", "ru", event("talks", [ru, ua], [geneva]), title="Переговоры России и Украины")
    iran_only = report("irna", "en", event("talks", [ir], [geneva]), title="Iran's delegation in Geneva")
    stage = stage_for()
    stage.process([us_iran, ru_ua])
    stage.process([ru_ua_again, iran_only])
    assert us_iran.event_id != ru_ua.event_id
    assert ru_ua_again.event_id == ru_ua.event_id and iran_only.event_id == us_iran.event_id
    both = report("abc", "en", event("talks", [ru, ua, us], [geneva]), title=brokered)
    EventClusterer(None, scoring=Scoring(parties=False)).process([us_iran_copy := report(
        "aljazeera", "en", event("talks", [us, ir], [geneva]), title="US and Iran talks in Geneva"), both])
    assert us_iran_copy.event_id == both.event_id   # without the rule: one event, the wrong one


def test_a_thin_report_whose_keys_the_event_all_has_joins_it(stage_for):
    """Iran, 17 February 2026 (as tests/data/event_pairs.jsonl ep-041): a first report of the 40th-day memorials
    names the protesters, Tehran and President Trump in its lead; the NYT's names only Iranians and protesters. The
    stored event's keys are the union of the first's, so the NYT's Jaccard is 1.5 / 7.5, under the threshold; every
    key of it is the event's, and it weighs a nationality and a role (Scoring.contain): it is that event. A report
    naming a nationality alone (0.5) is too thin to say so."""
    tehran = where("112931", "capital", country="IR", role="location")
    iranians, protesters = who("Iranians", None, "IR"), who("protesters", None, "IR", "protesters")
    afp = report("al-monitor", "en", event("protest", [iranians, protesters]),
                 event("protest", [who("Donald Trump", "trump", "US", "head-of-state")], [tehran], field="text",
                       sentence=1),
                 title="Iranians chant slogans against supreme leader at memorials for slain protesters")
    nyt = report("nyt", "en", event("protest", [iranians, protesters]),
                 title="Iranians Mourn Slain Protesters With 'Revolutionary Rage'")
    thin = report("other", "en", event("protest", [iranians]), title="Iranians gather")
    stage = stage_for()
    stage.process([afp])
    stage.process([nyt, thin])
    assert nyt.event_id == afp.event_id and thin.event_id != afp.event_id
    union = sorted(set(event_keys(afp.facts.events[0])) | set(event_keys(afp.facts.events[1])))
    mine = event_keys(nyt.facts.events[0])
    assert Scoring(contain=0).score(mine, union) == pytest.approx(1.5 / 7.5) and Scoring().score(mine, union) == 0.3
    plain = report("nyt", "en", event("protest", [iranians, protesters]), title="Iranians Mourn Slain Protesters")
    EventClusterer(None, scoring=Scoring(contain=0)).process([afp_again := report(
        "al-monitor", "en", *afp.facts.events, title=afp.title), plain])
    assert plain.event_id != afp_again.event_id   # without it: two events


def test_one_person_shared_is_not_one_event(stage_for):
    """16-17 February 2026 (tests/data/feeds/world-2026-02): Japan Today's "Trump says Board of Peace will unveil
    $5 billion in Gaza reconstruction pledges" and the Washington Post's "Amid threat of U.S. attack, Iran nuclear
    talks proceed…" (whose lead names Trump) share Trump alone, with his role and nationality (3 of the Post's
    3.5): a Jaccard of 0.46 had put the Iran talks in the Gaza event. Each names something the other lacks (Gaza;
    Iran): two events. A report naming Trump and nothing else stays free to join either."""
    trump = who("Donald Trump", "trump", "US", "head-of-state")
    gaza = where("281133", "city", country="PS", role="location")
    iran, us = who("Iran", None, "IR"), who("U.S.", None, "US")
    pledges = report("japantoday", "en", event("talks", [trump], [gaza], when="2026-02-16"),
                     title="Trump says Board of Peace will unveil $5 billion in Gaza reconstruction pledges")
    talks = report("washingtonpost", "en", event("talks", [us, iran]),
                   event("talks", [trump, iran], field="text"),
                   title="Amid threat of U.S. attack, Iran nuclear talks proceed without breakthrough")
    trump_only = report("other", "en", event("talks", [trump]), title="Trump says talks went well")
    stage = stage_for()
    stage.process([pledges])
    stage.process([talks])
    stage.process([trump_only])
    assert talks.event_id != pledges.event_id and trump_only.event_id in (talks.event_id, pledges.event_id)
    mine = sorted(set(event_keys(talks.facts.events[0])) | set(event_keys(talks.facts.events[1])))
    theirs = event_keys(pledges.facts.events[0])
    assert Scoring().score(mine, theirs) == 0 and Scoring(one_person=False).score(mine, theirs) > 0.45


def test_an_event_dated_well_before_the_report_is_its_background(stage_for):
    """Japan, February 2026 (tests/data/event_pairs.jsonl ep-293): Le Courrier du Vietnam's report of Takaichi's
    reappointment on 18 February names "son triomphe électoral" of 8 February, an election that happened; it is no
    report of that election (the reappointment is its news). An event dated more than `window_days` before the
    report's publication is background: the item keeps no event id from it. A report of the next day is the
    election's."""
    takaichi = who("la Première ministre japonaise", None, "JP", "official")
    election = report("time", "en", event("election", [takaichi], when="2026-02-08"),
                      published=datetime(2026, 2, 8, 19, 31, tzinfo=timezone.utc), title="Takaichi wins snap election")
    next_day = report("dw", "en", event("election", [takaichi], when="2026-02-08"),
                      published=datetime(2026, 2, 9, 8, 0, tzinfo=timezone.utc), title="Takaichi's landslide")
    later = report("lecourrier", "fr", event("election", [takaichi], when="2026-02-08", field="text"),
                   published=datetime(2026, 2, 18, tzinfo=timezone.utc),
                   title="Takaichi reconduite Première ministre après son triomphe électoral")
    stage = stage_for()
    stage.process([election])
    stage.process([next_day])
    stage.process([later])
    assert next_day.event_id == election.event_id and election.event_id is not None
    assert later.event_id is None and later.facts.events[0].id is None


def test_an_origin_is_not_the_events_place(stage_for):
    """"Goïta flew from Bamako to Moscow" is a visit to Moscow; a visit to Bamako the same day is another."""
    to_moscow = event(people=[GOITA], places=[where(BAMAKO, role="origin"), where(MOSCOW, country="RU")])
    assert "p:" + BAMAKO not in event_keys(to_moscow) and "p:" + MOSCOW in event_keys(to_moscow)
    to_bamako = event(people=[who("a Chinese delegation", None, "CN", "official")], places=[where(BAMAKO)])
    a, b = report("tass", "ru", to_moscow), report("rfi", "fr", to_bamako)
    stage_for().process([a, b])
    assert a.event_id != b.event_id


def test_two_attacks_the_same_day_in_two_cities_of_one_country_are_two_events(stage_for):
    ua = who("Russia", None, "RU", None)
    a = report("kyiv-independent", "en", event("attack", [ua], [where(KYIV, country="UA")]))
    b = report("ukrinform", "uk", event("attack", [ua], [where(KHARKIV, kind="city", country="UA")]))
    country_only = report("rt", "ru", event("attack", [ua], [where("UA", "country", country="UA")]))
    stage = stage_for()
    stage.process([a, b])
    assert a.event_id != b.event_id
    stage.process([country_only])  # naming only the country: one of the two (whichever scores first)
    assert country_only.event_id in (a.event_id, b.event_id)


def test_main_event_is_the_headlines_and_every_clustered_event_gets_its_id(stage_for):
    text_first = event("attack", [who("jihadists", None, "ML", "militia")], [where("2457163", "city")], field="text")
    headline = event(people=[LAVROV], places=[where(BAMAKO)], field="title")
    keyless = event("protest", [], [], field="text", sentence=1)
    item = report("aawsat", "en", text_first, keyless, headline)
    stage_for().process([item])
    assert item.event_id == headline.id == f"visit-{item.id}" and text_first.id == f"attack-{item.id}"
    assert item.event_first is True
    assert keyless.id is None  # nothing to compare it by: not clustered
    bare = report("x", "en", keyless)
    stage_for().process([bare])
    assert bare.event_id is None and bare.event_first is None and bare.happening == f"story:{bare.id}"


def test_an_item_whose_lead_reports_a_known_event_is_that_events_report(stage_for):
    """The headline's event is new here, the first sentence's is already known: the item reports the known one."""
    first = report("tass", "ru", event(people=[LAVROV], places=[where(BAMAKO)]))
    headline = event("election", [who("Malians", None, "ML")], [where("ML", "country")], field="title")
    lead = event(people=[RU_FM], places=[where(BAMAKO)], field="text", sentence=0)
    later = report("rfi", "fr", headline, lead)
    stage = stage_for()
    stage.process([first])
    stage.process([later])
    assert lead.id == first.event_id and headline.id == f"election-{later.id}"
    assert later.event_id == first.event_id and later.event_first is False


def test_a_story_copy_joins_its_storys_event_even_when_its_own_event_is_sparse(stage_for):
    first = report("aawsat", "en", event(people=[LAVROV], places=[where(BAMAKO)]))
    first.story_id = first.id
    copy = report("channel", "en", event(people=[who("Russia", None, "RU")], places=[where("ML", "country")]),
                  story_id=first.id)
    stage = stage_for()
    stage.process([first])
    stage.process([copy])
    assert copy.event_id == first.event_id and stage.hits["story"] == 1


def test_a_repolled_item_finds_its_own_event_and_adds_no_report(state):
    items = founding_reports()
    stage = EventClusterer(state)
    stage.process(items[:2])
    again = founding_reports()[0]
    EventClusterer(state).process([again])
    assert again.event_id == items[0].event_id and again.event_first is True
    assert [r["source_id"] for r in event_reports(state, items[0].event_id)] == ["tass", "rfi"]


def test_two_workers_racing_with_two_reports_of_one_event_make_one_event(redis_url, key_prefix):
    for _ in range(5):
        reports = founding_reports()[1:3]
        stages = [EventClusterer(State(connect(redis_url), key_prefix)) for _ in reports]
        barrier = threading.Barrier(2)

        def run(stage: EventClusterer, item: Item) -> None:
            barrier.wait()
            stage.process([item])

        threads = [threading.Thread(target=run, args=pair) for pair in zip(stages, reports)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert len({r.event_id for r in reports}) == 1 and None not in {r.event_id for r in reports}
        assert sorted(r.event_first for r in reports) == [False, True]
        key_prefix += "x"  # a fresh race on fresh keys (the fixture deletes everything under the prefix)


def test_keys_share_one_hash_slot_per_family_and_expire(state, key_prefix):
    now = time.time()
    today = datetime.fromtimestamp(now, timezone.utc).date().isoformat()
    items = [report("a", "en", event(people=[LAVROV], places=[where(BAMAKO)], when=today),
                    event("attack", [GOITA], [where(BAMAKO)], when=today, field="text"))]
    EventClusterer(state, keep=3600, clock=lambda: now).process(items)
    keys = list(state.r.scan_iter(f"{key_prefix}:*"))
    assert {k[len(key_prefix) + 1:].split("}")[0] + "}" for k in keys} == {"{ev:meeting}", "{ev:violence}"}
    for kind in ("meeting", "violence"):
        assert len({key_slot(k.encode()) for k in keys if "{ev:" + kind + "}" in k}) == 1
    for k in keys:
        ttl = state.r.ttl(k)
        if k.endswith(":seq"):
            assert ttl == -1   # one counter per type
        else:   # a day hash: until the window's last day ends plus `keep`; reports: within two slots
            assert 0 < ttl <= 4 * 86400 + 3600 + 5 if ":ix:" in k or ":ev:" in k else 0 < ttl <= 6 * 86400, (k, ttl)


def test_a_far_future_date_is_kept_no_longer_than_the_horizon(state, key_prefix):
    item = report("a", "en", event(people=[LAVROV], places=[where(BAMAKO)], when="2031-01-01"))
    EventClusterer(state).process([item])
    day_keys = [k for k in state.r.scan_iter(f"{key_prefix}:*") if ":ev:" in k or ":ix:" in k]
    assert day_keys and all(0 < state.r.ttl(k) <= 40 * 86400 + 1 for k in day_keys)


@pytest.mark.parametrize("list_cap,top", [(8, 5), (2, 2)])   # (2, 2): full lists and ties at every step
def test_redis_and_local_cluster_a_random_stream_alike(state, list_cap, top):
    rng = random.Random(14)
    actors = [LAVROV, RU_FM, GOITA, who("Tiani", "tiani", "NE", "head-of-state"), who("France", None, "FR")]
    places = [where(BAMAKO), where(NIAMEY, country="NE"), where("ML", "country"), where(MOSCOW, country="RU"),
              where("sahel", "region", country=None)]
    batches = []
    for b in range(12):
        batch = []
        for n in range(rng.randint(1, 8)):
            evs = [event(rng.choice(["visit", "talks", "attack", "protest"]), rng.sample(actors, rng.randint(0, 2)),
                         rng.sample(places, rng.randint(0, 2)), when=f"2026-02-{rng.randint(10, 20)}",
                         field=rng.choice(["title", "text"]), sentence=k) for k in range(rng.randint(1, 3))]
            batch.append((f"s{b}-{n}", evs))
        batches.append(batch)

    def run(stage: EventClusterer) -> list[list[str | None]]:
        out = []
        for batch in batches:
            items = [report(src, "en", *[Event.from_dict(_as_dict(e)) for e in evs]) for src, evs in batch]
            stage.process(items)
            out += [[e.id for e in i.facts.events] + [i.event_id] for i in items]
        return out

    redis_stage = EventClusterer(state, list_cap=list_cap, top=top)
    local_stage = EventClusterer(None, list_cap=list_cap, top=top)
    assert run(redis_stage) == run(local_stage)
    assert redis_stage.hits == local_stage.hits and redis_stage.hits["matched"] > 10 and redis_stage.hits["new"] > 10


def _as_dict(e: Event) -> dict:
    from dataclasses import asdict
    return asdict(e)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match=r"window_days in 0..7 \(got 9\)"):
        EventClusterer(None, window_days=9)
    with pytest.raises(ValueError, match=r"measure must be one of .* \(got 'cosine'\)"):
        Scoring(measure="cosine")
    with pytest.raises(ValueError, match=r"threshold in \(0, 1\] \(got 0\)"):
        Scoring(threshold=0)
    with pytest.raises(ValueError, match=r"contain >= 0 \(got -1\)"):
        Scoring(contain=-1)


def test_scoring_counts_an_official_by_role_as_the_actor_and_a_city_under_its_country():
    s = Scoring(measure="cover", threshold=0.5, conflict="city", one_person=False)
    lavrov_bamako = event_keys(event(people=[LAVROV], places=[where(BAMAKO)]))
    fm_mali = event_keys(event(people=[RU_FM], places=[where("ML", "country")]))
    assert lavrov_bamako == ["a:lavrov", "c:ML", "n:RU", f"p:{BAMAKO}", "r:RU:official"]
    assert s.score(lavrov_bamako, fm_mali) == 1.0   # every key of the sparse report is in the full one
    assert s.score(["p:1", "c:UA"], ["p:2", "c:UA"]) == 0.0  # two cities: two places
    assert s.score(["a:x", "c:ZA"], ["a:x", "c:AO"]) == 0.6 and Scoring().score(["a:x", "c:ZA"], ["a:x", "c:AO"]) == 0
    assert Scoring(measure="cover", threshold=0.5, conflict="city").score(["a:x", "c:ZA"], ["a:x", "c:AO"]) == 0
    assert Scoring(measure="jaccard").score(["a:x", "c:ML"], ["a:x"]) == pytest.approx(1.5 / 2.5)
    # parties: {IR, US} and {RU, UA, US} share only the mediator; {RU, UA} is within {RU, UA, US}
    assert Scoring().score(["n:IR", "n:US", "p:1"], ["n:RU", "n:UA", "n:US", "p:1"]) == 0
    assert Scoring(parties=False).score(["n:IR", "n:US", "p:1"], ["n:RU", "n:UA", "n:US", "p:1"]) > 0.3
    assert Scoring().score(["n:RU", "n:UA", "p:1"], ["n:RU", "n:UA", "n:US", "p:1"]) > 0.3


def test_the_event_id_reaches_the_archive_record_and_its_facts(stage_for):
    from newswatch.archive.records import decode, item_entry
    items = founding_reports()
    stage_for().process(items)
    record = decode(item_entry(items[2])).record
    assert record["event_id"] == items[0].event_id
    facts = json.loads(record["facts"])   # the queue carries the Facts as their JSON text
    assert facts["events"][0]["id"] == items[0].event_id
    assert Facts.from_dict(facts).events[0].id == items[0].event_id   # replay reads it back
