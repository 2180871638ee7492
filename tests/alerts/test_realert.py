"""Realert per (rule, story), against the real Redis: one alert per story within the window, whatever
feed it comes from; a new alert after it; a re-processed item never alerts twice."""
import logging
import threading
import time
from datetime import datetime, timezone

from newswatch.model.alert import alert_id
from alerts.dispatch import Dispatcher, happening, match_alert_id
from alerts.rules.loader import Rule
from alerts.rules.matcher import Match
from newswatch.model.item import Item
from alerts.store import AlertStore

STORY = "story-lavrov-bamako"


def rule(realert: float = 3600.0, rule_id: str = "lavrov-bamako", notify=("desk", "log")) -> Rule:
    return Rule(id=rule_id, title="Russian official visits a Sahel capital", description="", severity="high",
                enabled=True, when=None, notify=list(notify), realert=realert, file="rules.yaml", line=1)


def copy(source_id: str, guid: str, story: str | None = STORY) -> Item:
    item = Item(source_id=source_id, title="Lavrov arrives in Bamako", text="Sergey Lavrov landed in Bamako.",
                url=f"https://{source_id}.example/{guid}", guid=guid,
                published=datetime.now(timezone.utc)).finish()
    if story:
        item.story_id = story
    return item


def dispatcher(state) -> Dispatcher:
    return Dispatcher(AlertStore(state), {"desk": "info", "log": "info"}, redeliver_after=300)


def alerts(state) -> list[dict]:
    return [AlertStore(state).alert(a) for a in AlertStore(state).recent_alerts()]


def test_same_story_from_two_sources_inside_the_window_alerts_once(state, caplog):
    d, r = dispatcher(state), rule()
    first, second = copy("wire-a", "a-1"), copy("wire-b", "b-77")
    assert first.id != second.id
    deliveries = d.process([Match(r, first, [])])
    assert sorted(c for _, c in deliveries) == ["desk", "log"]
    (created,) = {a for a, _ in deliveries}
    with caplog.at_level(logging.INFO, logger="alerts.dispatch"):
        assert d.process([Match(r, second, [])]) == []
    assert [a["item_id"] for a in alerts(state)] == [first.id]
    assert AlertStore(state).story_sources(STORY) == {"wire-a", "wire-b"}      # "also reported by wire-b"
    assert AlertStore(state).realert_holder(r.id, STORY) == created
    (line,) = [rec.getMessage() for rec in caplog.records if rec.getMessage().startswith("alert_suppressed")]
    assert "reason=realert" in line and f"rule_id={r.id}" in line and f"story_id={STORY}" in line
    assert f"alert_id={created}" in line and "source_id=wire-b" in line
    # the window is the rule's realert, in seconds
    assert 3590 < state.r.ttl(state.keys.realert(r.id, STORY)) <= 3600


def test_after_the_window_a_later_copy_is_a_new_alert(state):
    d, r = dispatcher(state), rule(realert=1.0)
    first_deliveries = d.process([Match(r, copy("wire-a", "a-1"), [])])
    assert d.process([Match(r, copy("wire-b", "b-1"), [])]) == []
    time.sleep(1.2)
    later = copy("wire-c", "c-1")
    deliveries = d.process([Match(r, later, [])])
    assert len(deliveries) == 2
    assert {a for a, _ in deliveries}.isdisjoint({a for a, _ in first_deliveries})
    assert sorted(a["source_id"] for a in alerts(state)) == ["wire-a", "wire-c"]
    assert AlertStore(state).realert_holder(r.id, STORY) == deliveries[0][0]          # the new window is the new alert's
    assert AlertStore(state).story_sources(STORY) == {"wire-a", "wire-b", "wire-c"}
    # ... and its window suppresses the next copy again
    assert d.process([Match(r, copy("wire-b", "b-2"), [])]) == []
    assert len(alerts(state)) == 2


def test_reprocessing_the_same_item_never_alerts_twice(state, caplog):
    d, r = dispatcher(state), rule(realert=1.0)
    item = copy("wire-a", "a-1")
    first = d.process([Match(r, item, [])])
    assert len(first) == 2
    with caplog.at_level(logging.INFO, logger="alerts.dispatch"):
        assert d.process([Match(r, item, [])]) == []                   # the poll is repeated at once
    assert any(rec.getMessage().startswith("alert_exists") for rec in caplog.records)
    assert not any(rec.getMessage().startswith("alert_suppressed") for rec in caplog.records)
    time.sleep(1.2)                                                     # ... or after the window
    assert d.process([Match(r, item, [])]) == []
    assert len(alerts(state)) == 1
    assert AlertStore(state).realert_holder(r.id, STORY) is None                    # a re-poll does not reopen it
    assert {rec.get("status") for rec in (AlertStore(state).delivery(first[0][0], c) for c in ("desk", "log"))} == {"pending"}


def test_windows_are_per_rule_and_per_story(state):
    d = dispatcher(state)
    a, b = rule(rule_id="rule-a"), rule(rule_id="rule-b")
    one = copy("wire-a", "a-1")
    other_story = copy("wire-a", "a-2", story="story-other")
    deliveries = d.process([Match(a, one, []), Match(b, one, []), Match(a, other_story, [])])
    assert len({alert for alert, _ in deliveries}) == 3
    assert d.process([Match(a, copy("wire-b", "b-1"), []), Match(b, copy("wire-b", "b-1"), [])]) == []
    assert len(alerts(state)) == 3


def test_realert_zero_alerts_on_every_copy_but_each_item_once(state):
    d, r = dispatcher(state), rule(realert=0)
    assert len(d.process([Match(r, copy("wire-a", "a-1"), [])])) == 2
    assert len(d.process([Match(r, copy("wire-b", "b-1"), [])])) == 2
    assert d.process([Match(r, copy("wire-b", "b-1"), [])]) == []
    assert len(alerts(state)) == 2
    assert AlertStore(state).realert_holder(r.id, STORY) is None


def test_two_copies_in_one_batch(state):
    d, r = dispatcher(state), rule()
    deliveries = d.process([Match(r, copy("wire-a", "a-1"), []), Match(r, copy("wire-b", "b-1"), [])])
    assert len({a for a, _ in deliveries}) == 1
    assert AlertStore(state).story_sources(STORY) == {"wire-a", "wire-b"}


def test_workers_racing_with_copies_of_one_story_make_one_alert(state):
    d, r = dispatcher(state), rule()
    items = [copy(f"wire-{n}", f"g-{n}") for n in range(12)]
    results: list = []
    barrier = threading.Barrier(len(items))

    def work(item):
        barrier.wait()
        results.append(d.process([Match(r, item, [])]))

    threads = [threading.Thread(target=work, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sum(1 for res in results if res) == 1
    assert len(alerts(state)) == 1
    assert len(AlertStore(state).story_sources(STORY)) == 12


def test_an_item_without_a_story_keeps_its_old_alert_id(state):
    """Story = item: the id is the (rule, story) hash alerts had before realert, so an upgrade in the
    middle of a repeated poll still finds the alert made before it."""
    d, r = dispatcher(state), rule()
    item = copy("wire-a", "a-1", story=None)
    (alert, _), _ = d.process([Match(r, item, [])])
    assert alert == alert_id(r.id, item.id)
    assert AlertStore(state).alert(alert)["item_id"] == item.id
    assert AlertStore(state).story_sources(item.id) == {"wire-a"}


def report(source_id: str, lang: str, note: str, story: str, event: str | None) -> Item:
    """A real report (tests/data/collected/visits.jsonl), in its own story, of `event`."""
    from tests.alerts.rules.conftest import collected_row
    row = collected_row("visits.jsonl", note, lang)
    item = Item(source_id=source_id, title=row["title"] or "", text=row["text"], lang=lang,
                url=f"https://{source_id}.example/{lang}", published=datetime.now(timezone.utc)).finish()
    item.story_id, item.event_id = story, event
    return item


def test_two_reports_of_one_event_in_two_stories_and_languages_alert_once(state, caplog):
    """Sputnik in English, Lenta.ru in Russian: two stories (their words differ), one event."""
    d, r = dispatcher(state), rule()
    en = report("sputnik", "en", "Lavrov arrives in Bamako (Sputnik)", "story-en", "ev-lavrov-bamako")
    ru = report("lenta", "ru", "Lavrov flew into Mali; meetings in Bamako (site UI line between the two paragraphs "
                               "omitted)", "story-ru", "ev-lavrov-bamako")
    deliveries = d.process([Match(r, en, [])])
    with caplog.at_level(logging.INFO, logger="alerts.dispatch"):
        assert d.process([Match(r, ru, [])]) == []
    [alert] = alerts(state)
    assert {a for a, _ in deliveries} == {alert["id"]}
    assert (alert["item_id"], alert["story_id"], alert["event_id"]) == (en.id, "story-en", "ev-lavrov-bamako")
    assert alert["id"] == match_alert_id(r.id, "event:ev-lavrov-bamako", en.id)
    assert AlertStore(state).realert_holder(r.id, "event:ev-lavrov-bamako") == alert["id"]
    assert AlertStore(state).realert_holder(r.id, "story-en") is None     # the window is the event's, not the story's
    assert AlertStore(state).story_sources("story-ru") == {"lenta"}        # each report is recorded on its story
    (line,) = [rec.getMessage() for rec in caplog.records if rec.getMessage().startswith("alert_suppressed")]
    assert "event_id=ev-lavrov-bamako" in line and "story_id=story-ru" in line and f"alert_id={alert['id']}" in line


def test_the_window_is_per_happening_a_story_of_no_event_keeps_its_own(state):
    """An item of another event in the same story, and one of no event, are other happenings."""
    d, r = dispatcher(state), rule()
    visit = report("sputnik", "en", "Lavrov arrives in Bamako (Sputnik)", "story-en", "ev-visit")
    talks = report("tass", "en", "Lavrov arrives in Bamako (Sputnik)", "story-en", "ev-talks")
    plain = report("rfi", "en", "Lavrov arrives in Bamako (Sputnik)", "story-en", None)
    later = report("ria", "en", "Lavrov arrives in Bamako (Sputnik)", "story-en", None)
    assert happening(visit) == "event:ev-visit" and happening(plain) == "story-en"   # a story: its bare id, as before
    created = [d.process([Match(r, item, [])]) for item in (visit, talks, plain, later)]
    assert [bool(c) for c in created] == [True, True, True, False]
    assert sorted(a["event_id"] or "-" for a in alerts(state)) == ["-", "ev-talks", "ev-visit"]
    assert AlertStore(state).realert_holder(r.id, "story-en") == created[2][0][0]
