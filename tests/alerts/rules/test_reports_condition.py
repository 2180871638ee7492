"""`reports: {min_sources: N, within: ...}` (alerts/rules/reports.py) against the real Redis: the reports
are those story dedup records (newswatch/pipeline/stories.py) before matching, as in a poll; it holds
once, on the report that brings the story (or event) to N outlets, whatever the rule's realert."""
import time

import pytest

from alerts.dispatch import Dispatcher
from alerts.rules.loader import Rule
from alerts.rules.matcher import RuleMatcher
from alerts.rules.reports import HappeningReports
from alerts.store import AlertStore
from newswatch.classify.model import Event
from newswatch.pipeline.stories import StoryDeduplicator, reports_key, story_reports
from tests.alerts.rules.conftest import collected_row, compile_when

H = 3600.0
ROW = collected_row("visits.jsonl", "Lavrov arrives in Bamako (Sputnik)")   # four outlets carry the wire copy


class Clock:
    """Story dedup's clock, moved by hand from the real now (its keys expire at real times)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def rule(when: dict, realert: float = 0.0, rule_id: str = "confirmed") -> Rule:
    return Rule(rule_id, "Confirmed by three outlets", "", "high", True, compile_when(when), ["desk"], realert,
                "test.yaml", 1)


class Poller:
    """One poll per report: story dedup (records the report in Redis), then the matcher, as workers.polling does."""

    def __init__(self, rules, state, whens: dict[str, dict], realert: float = 0.0):
        self.runner, self.clock = rules, Clock()
        self.stories = StoryDeduplicator(state, window=72 * H, clock=self.clock)
        self.matcher = RuleMatcher([rule(w, realert, rid) for rid, w in whens.items()],
                                   tables=rules.classifier.tables, reports=HappeningReports(state))

    def item(self, source_id: str, n: int = 0, after: float = 0.0, events: bool = False):
        self.clock.now += after
        item = self.runner.item(ROW["title"], ROW["text"], source_id=source_id, lang="en",
                                url=f"https://{source_id}.example/lavrov-bamako-{n}")
        if events:
            item.facts.events = [Event("visit", "happened", [], [], None, None, "text", 0, 47, 54, "arrived")]
        self.stories.process([item])
        return item

    def fired(self, item) -> list[str]:
        return [m.rule.id for m in self.matcher.match(item)]


def test_fires_once_on_the_third_outlet_not_on_later_ones(rules, state):
    poll = Poller(rules, state, {"confirmed": {"reports": {"min_sources": 3}}})
    tass = poll.item("tass")
    assert poll.fired(tass) == []
    assert poll.matcher.explain(tass)[0]["failed"] == ["when.reports: 1 outlet so far (tass), not 3"]
    assert poll.fired(poll.item("tass", 1, after=60)) == []            # the same outlet again: still one
    assert poll.fired(poll.item("rfi", after=60)) == []
    third = poll.item("aawsat", after=600)
    [match] = poll.matcher.match(third)
    assert [(e.kind, e.matched, e.entry) for e in match.evidence] == [
        ("reports", "tass", "https://tass.example/lavrov-bamako-0"), ("reports", "rfi", "https://rfi.example/lavrov-bamako-0"),
        ("reports", "aawsat", "https://aawsat.example/lavrov-bamako-0")]
    assert {e.detail for e in match.evidence} == {"3 outlets within 12m: tass, rfi, aawsat"}
    assert all(i.story_id == tass.id for i in (third,))                # one story: the wire copy's
    for source in ("ria", "lenta", "aljazeera"):                       # the 4th, 5th, 6th outlets: never again
        later = poll.item(source, after=60)
        assert poll.fired(later) == []
    assert poll.matcher.explain(later)[0]["failed"] == [
        f"when.reports: reached 3 outlets with another report (aawsat, item {third.id}): it holds once, on that one"]
    assert poll.fired(third) == ["confirmed"]                          # the third, matched again (a re-poll): same answer
    assert len(story_reports(state, tass.story)) == 7


def test_within_counts_the_outlets_of_a_sliding_window(rules, state):
    poll = Poller(rules, state, {"fast": {"reports": {"min_sources": 3, "within": "2h"}}})
    assert poll.fired(poll.item("tass")) == []
    assert poll.fired(poll.item("rfi", after=2 * H)) == []
    assert poll.fired(poll.item("aawsat", after=0.5 * H)) == []        # tass is 2h30m old: rfi and aawsat within 2 h
    fourth = poll.item("ria", after=0.5 * H)
    assert poll.fired(fourth) == ["fast"]                              # rfi, aawsat, ria within 1 h
    assert {e.detail for e in poll.matcher.match(fourth)[0].evidence} == {"3 outlets within 1h00m: rfi, aawsat, ria"}
    assert poll.fired(poll.item("lenta", after=5 * H)) == []           # a later window of 3 would not fire again
    assert poll.fired(poll.item("aljazeera", after=0.1 * H)) == []
    assert poll.fired(poll.item("bbc", after=0.1 * H)) == []


def test_combined_with_an_event_and_through_dispatch_one_alert_whatever_the_realert(rules, state):
    """Realert 1 s, shorter than the gaps between reports: still one alert, on the third outlet."""
    poll = Poller(rules, state, {"visit-confirmed": {"all": [{"event": "visit"}, {"reports": {"min_sources": 3}}]},
                                 "any-visit": {"event": "visit"}}, realert=1.0)
    dispatcher = Dispatcher(AlertStore(state), {"desk": "info"}, redeliver_after=300)
    sources = ["tass", "rfi", "aawsat", "ria", "lenta"]
    fired = []
    for n, source in enumerate(sources):
        item = poll.item(source, after=0 if n == 0 else 2.0, events=True)
        matches = poll.matcher.match(item)
        fired.append(sorted(m.rule.id for m in matches))
        dispatcher.process(matches)
        poll.clock.now += 2.0
    assert fired[2] == ["any-visit", "visit-confirmed"]
    assert [f for n, f in enumerate(fired) if n != 2] == [["any-visit"]] * 4
    confirmed = [a for a in (AlertStore(state).alert(i) for i in AlertStore(state).recent_alerts())
                 if a["rule_id"] == "visit-confirmed"]
    assert [a["source_id"] for a in confirmed] == ["aawsat"]
    assert {e["matched"] for e in confirmed[0]["evidence"] if e["kind"] == "reports"} == {"tass", "rfi", "aawsat"}


def test_an_items_event_reports_are_read_when_a_reader_is_given(rules, state):
    """With `event_reports`, an item of an event counts the event's outlets (across stories), not its story's."""
    poll = Poller(rules, state, {"confirmed": {"reports": {"min_sources": 2}}})
    item = poll.item("tass")
    item.event_id = "ev-1"
    event_key = reports_key(state, "event-ev-1")
    state.r.hset(event_key, mapping={   # two outlets, as the event layer records them: the story's format
        "rfi\x00u1": '{"source_id": "rfi", "item_id": "x1", "url": "u1", "seen_at": 1}',
        f"tass\x00{item.url}": f'{{"source_id": "tass", "item_id": "{item.id}", "url": "{item.url}", "seen_at": 2}}'})
    matcher = RuleMatcher([rule({"reports": {"min_sources": 2}})], tables=rules.classifier.tables,
                          reports=HappeningReports(state, lambda st, event_id: story_reports(st, f"event-{event_id}")))
    assert [m.rule.id for m in matcher.match(item)] == ["confirmed"]
    assert poll.fired(item) == []                                     # the story alone has one outlet
    item.event_id = None
    assert [m.rule.id for m in matcher.match(item)] == []


def test_without_a_report_lookup_it_never_holds_and_says_why(rules):
    matcher = RuleMatcher([rule({"reports": {"min_sources": 2}})], tables=rules.classifier.tables)
    item = rules.item(ROW["title"], ROW["text"], source_id="tass")
    assert matcher.match(item) == []
    assert matcher.explain(item)[0]["failed"] == [
        "when.reports: no reports to count here (matching without the pipeline's state, e.g. test-rule)"]


@pytest.mark.parametrize("value, message", [
    ({"min_sources": 1}, "min_sources is a whole number of sources, at least 2"),
    ({"min_sources": "3"}, "min_sources is a whole number of sources, at least 2"),
    ({"min_sources": 3, "within": "soon"}, "bad duration (allowed: a number with a unit, e.g. 30m, 2h, 1d)"),
    ({"min_sources": 3, "within": 0}, "bad duration (allowed: a number with a unit, e.g. 30m, 2h, 1d)"),
    ({"min_source": 3}, "unknown key 'min_source' (did you mean 'min_sources'? allowed: min_sources, within)"),
    (3, "reports is a mapping {min_sources: N, within: duration (optional)}")])
def test_bad_values(value, message):
    from alerts.rules.conditions import parse_condition
    errors: list = []
    assert parse_condition({"reports": value}, ("when",), errors) is None
    assert [m for _, m in errors] == [message]
