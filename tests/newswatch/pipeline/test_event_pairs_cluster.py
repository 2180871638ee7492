"""Event clustering on real data: the hand-labelled same-event pairs of tests/data/event_pairs.jsonl
(their guide: tests/data/event_pairs.md), in English, French, Arabic and Russian.

Every report of every pair (each once) becomes an Item (outlet as source, its URL, title, text,
language and publication time), is classified by the real classifier (with its event extractor),
then goes, in order of publication and in polls of 25, through the real story dedup, EventClusterer
and StoryLinker on the real Redis (the linker joins an item that opened an event or a story to an
earlier report's event or story). A pair is predicted "same event" when both items end with one
`event_id` (or, "happening", one event else one story: what an alert stands for). Scored per split:
precision over all pairs, recall of the same-event pairs within a language and across languages.
The settings were chosen on `dev` (the sweep: bench/bench_event_cluster.py --sweep); `heldout` was
not looked at while choosing them. The issue's goals: precision >= 0.95, recall >= 0.8 within a
language, >= 0.6 across languages.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newswatch.classify.classifier import Classifier
from newswatch.model.item import Item
from newswatch.pipeline.event_keys import Scoring
from newswatch.pipeline.events import EventClusterer
from newswatch.pipeline.stories import StoryDeduplicator
from newswatch.pipeline import story_link
from newswatch.pipeline.story_link import StoryLinker
from newswatch.store.state import State
from tests.support.event_pairs import EventPair, Report, load_event_pairs

ROOT = Path(__file__).resolve().parents[3]
TABLES = ROOT / "newswatch" / "classify" / "data"
POLL = 25


def report_item(report: Report) -> Item:
    item = Item(source_id=report.outlet, title=report.title or "", text=report.text, url=report.url,
                guid=report.key, lang=report.lang, published=report.published)
    return item.finish()


def classified_items(pairs: list[EventPair], classifier: Classifier) -> dict[str, Item]:
    """Report key -> its item, classified (the language is the report's, as a source would declare it). The day
    that dates "on Tuesday" or "June 2" is the report's published day, as the poll's classify stage gives it; a
    collected text whose page showed no date gets none (a worker would give the day it fetched the page, which
    for these texts is unknown: today's would date a 2017 report's "22 décembre" in 2026)."""
    items: dict[str, Item] = {}
    for pair in pairs:
        for report in (pair.a, pair.b):
            if report.key not in items:
                item = report_item(report)
                item.facts = classifier.classify(item.title, item.text, declared_lang=report.lang,
                                                 published=report.published)
                items[report.key] = item
    return items


def pipeline(state: State, items: dict[str, Item], link: dict[str, Any] | None = None,
             **options: Any) -> EventClusterer:
    """All the items, in order of publication (undated last) and polls of POLL, through story dedup,
    event clustering (`options`) and story linking (`link`: StoryLinker's options; None: none),
    as a poll runs them after the classifier."""
    # The linker's warm-up (no link before `min_docs` documents are counted) is for a fresh deployment; the
    # set's 379 reports stand for a running one, their frequencies counted as they come.
    stories, events = StoryDeduplicator(state), EventClusterer(state, **options)
    links = StoryLinker(state, **{"min_docs": 0, **link}) if link is not None else None
    ordered = sorted(items.values(), key=lambda i: (i.published is None, i.published.timestamp() if i.published
                                                    else 0.0, i.source_id, i.id))
    for start in range(0, len(ordered), POLL):
        batch = ordered[start:start + POLL]
        stories.process(batch)
        events.process(batch)
        if links is not None:
            links.process(batch)
    return events


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    within: list[int] = field(default_factory=lambda: [0, 0])   # same-event pairs found, all
    across: list[int] = field(default_factory=lambda: [0, 0])
    wrong: list[EventPair] = field(default_factory=list)
    missed: list[EventPair] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall_within(self) -> float:
        return self.within[0] / self.within[1] if self.within[1] else 1.0

    @property
    def recall_across(self) -> float:
        return self.across[0] / self.across[1] if self.across[1] else 1.0

    def line(self) -> str:
        return (f"P {self.precision:.3f} (tp {self.tp}, fp {self.fp})  R within {self.recall_within:.3f} "
                f"({self.within[0]}/{self.within[1]})  R across {self.recall_across:.3f} "
                f"({self.across[0]}/{self.across[1]})")


def score(pairs: list[EventPair], items: dict[str, Item], split: str, mode: str = "event",
          dated: bool = False) -> Score:
    """Pairs of `split` predicted the same when both items have one event id (`mode` "event") or one
    happening, the event else the story (`mode` "happening": what realert and `reports:` key on).
    `dated`: only pairs whose two reports carry a publication time (the collected texts whose page
    showed no date are clustered as if published now, the day of the run)."""
    result = Score()
    for pair in pairs:
        a, b = items[pair.a.key], items[pair.b.key]
        if pair.split != split or (dated and (a.published is None or b.published is None)):
            continue
        same = a.event_id is not None and a.event_id == b.event_id if mode == "event" else a.happening == b.happening
        if pair.same_event:
            counts = result.across if pair.cross_language else result.within
            counts[1] += 1
            if same:
                counts[0] += 1
                result.tp += 1
            else:
                result.missed.append(pair)
        elif same:
            result.fp += 1
            result.wrong.append(pair)
    return result


def run(state: State, pairs: list[EventPair], items: dict[str, Item], link: dict[str, Any] | None = None,
        **options: Any) -> dict[str, Score]:
    """Scores by "<split> <mode>[ dated]" after one pipeline run over copies of the items (`link`: the
    linker's options, {} its defaults, None no linker)."""
    fresh = {k: copy.deepcopy(v) for k, v in items.items()}
    pipeline(state, fresh, link, **options)
    return {f"{split} {mode}{' dated' if dated else ''}": score(pairs, fresh, split, mode, dated)
            for split in ("dev", "heldout") for mode in ("event", "happening") for dated in (False, True)}


def test_labelled_event_pairs_precision_and_recall(state, tmp_path_factory, monkeypatch):
    pairs = load_event_pairs()
    classifier = Classifier.from_config_dir(TABLES, cache_dir=tmp_path_factory.mktemp("nwcache"))
    items = classified_items(pairs, classifier)
    with_event = sum(1 for i in items.values() if i.facts is not None and i.facts.events)
    scores = run(state, pairs, items, link={})
    unlinked = run(State(state.r, state.prefix + "-nolink"), pairs, items)
    monolingual = run(State(state.r, state.prefix + "-mono"), pairs, items, link={"cross_threshold": 1.0})
    with monkeypatch.context() as patch:
        patch.setattr(story_link, "NUMBER_WEIGHT", 0)
        numberless = run(State(state.r, state.prefix + "-nonum"), pairs, items, link={})
    one_party = run(State(state.r, state.prefix + "-noparties"), pairs, items, link={},
                    scoring=Scoring(parties=False))
    uncontained = run(State(state.r, state.prefix + "-nocontain"), pairs, items, link={},
                      scoring=Scoring(contain=0))
    by_person = run(State(state.r, state.prefix + "-oneperson"), pairs, items, link={},
                    scoring=Scoring(one_person=False))
    print(f"\nevent pairs: {len(pairs)}; reports {len(items)}, {with_event} with an extracted event")
    for name, result in scores.items():
        print(f"{name:24} {result.line()}")
    for pair in scores["dev happening"].wrong + scores["heldout happening"].wrong:
        print(f"  wrongly grouped ({pair.split}): {pair.id} {pair.languages} {pair.relation}: {pair.event[:70]}")
    # What the settings chosen on dev reach (not the goals, P >= 0.95, R >= 0.8 within and >= 0.6
    # across: most misses are reports with no extracted event or keys too thin, see BENCHMARKS.md section 12.1).
    # An item that opened an event or a story joins an earlier report's happening by the TF-IDF cosine of lead-word
    # stems, numbers and entities (story_link.py; across languages by the entity and number terms alone; never
    # two events naming different places; an undated report counts from when it was fetched, as its events do).
    # Every report of a happening is a candidate, not only its first (an event's second report may be the one in
    # like words), and a report that opens an event may join an earlier story with no event (one alert): dev P
    # 0.89 -> 0.90, within 0.35 -> 0.65, across 0.27 -> 0.40; heldout P 0.87 -> 0.88, within 0.33 -> 0.52,
    # across 0.42 -> 0.47. (Events read from the lead only, extract.LEAD_SENTENCES: one true and one false pair
    # more on dev; on heldout the precision went 0.90 -> 0.88 with the window: the price of halving extraction.)
    # Arabic Geneva, Gaza, Washington and Moscow read right (test_recognition.py): dev +2 true pairs, -1, and
    # one false: two undated Arabic reports of Hamas's releases a week apart, both "today" here (ep-297).
    # A country beside another event's noun is a party, not the place (places.next_to: "Amid threat of U.S. attack,
    # Iran nuclear talks" names the talks' parties, as "talks between Iran and the US" does): the US-Iran reports now
    # agree on n:IR n:US, and NDTV's "Iran has not agreed to all Trump's red lines: JD Vance after Geneva talks"
    # (labelled a follow-up: Vance's remarks) joins the talks it names: dev 6 -> 7 false pairs, nothing else moved.
    # Session 8: the reports' published day dates their events ("on June 2", "Tuesday"), as the classify stage does
    # (it had been left out here); an event dated more than the window before its report's publication is background
    # (Le Courrier's Takaichi reappointment recalls the 8 February election: ep-293 no longer a false pair); a
    # contained report and one person shared (below): dev P 0.883 -> 0.892, within 30 -> 33, across 23 -> 25.
    # Then 71 more actors (world leaders, actors.yaml), an actor weighing 1.5 (a person as much as a place), a name
    # in "anti-Orban" no participant: dev within 33 -> 32 (Medinsky, now named, no longer within the Geneva round's
    # keys), across 25 -> 26, P 0.892; heldout P 0.915 -> 0.898, within 27 -> 25, across 27 -> 28. A range of days
    # dated by its first («с 22 по 26 июня»: Goïta's announced visit meets the arrival reports, ep-203): across 27.
    # An English strike by a state or that kills is an attack ("Israeli strikes kill"): within 33.
    # Session 9: prime ministers are head-of-government (keyed as officials, model.IDENTITY_ROLE), so "Macron holds
    # talks with India's Modi" is no visit of Modi's to France; named armed groups are actors (Wagner, Hamas, JNIM...):
    # dev across 27 -> 28 (ep-153, Hamas's release of two hostages, fr-ar), nothing else on dev; heldout within 25 -> 26.
    # Session 10: names after a conjunction that opens another clause ("… as Trump puts pressure on Kyiv", "but Tehran
    # says") are no party or place of the sentence's events (lexicon.OTHER_CLAUSE): CBS's "Iran calls talks with U.S.
    # 'more constructive' as Trump's threat looms" loses Trump and a place, Tehran, its text never gave the talks, and
    # with them the keys by which it had joined Dawn's report of the Geneva round (ep-011): dev within 33 -> 32.
    dev, held = scores["dev happening"], scores["heldout happening"]
    assert dev.precision >= 0.89 and scores["dev happening dated"].precision >= 0.925, [p.id for p in dev.wrong]
    assert dev.recall_within >= 0.69 and dev.recall_across >= 0.46, (dev.within, dev.across)
    assert held.precision >= 0.89 and held.recall_within >= 0.56 and held.recall_across >= 0.46, held.line()
    assert scores["dev event"].tp <= dev.tp    # stories only add: copies and linked reports of no event
    before = unlinked["dev happening"]   # what linking adds, on dev: 20 true pairs (14 within), 2 false ones
    assert dev.within[0] >= before.within[0] + 10 and dev.fp <= before.fp + 2, (before.line(), dev.line())
    # across languages only the entity and number terms meet (two shared at least): dev across 17 -> 21 pairs; a
    # happening joined across languages can take a report another one of its language would have joined (1 here)
    mono = monolingual["dev happening"]
    assert dev.across[0] >= mono.across[0] + 2 and dev.within[0] >= mono.within[0] - 1, (mono.line(), dev.line())
    # numbers ("died at 84", «в возрасте 84 лет») join reports across languages: dev across 19 -> 21, and one
    # wrong pair fewer (two Nigerian reports with no number in common); heldout: one pair across fewer. (Session 8:
    # with hyphenated parties read as parties, the reports without numbers join one more pair across by their keys:
    # numbers add one pair across, 24 -> 25, and still take one wrong pair away.)
    bare = numberless["dev happening"]
    assert dev.across[0] >= bare.across[0] + 1 and dev.precision > bare.precision, (bare.line(), dev.line())
    # two sets of parties are two events (event_keys.other_parties): the US-brokered Russia-Ukraine talks no longer
    # join the US-Iran talks in Geneva the same day: dev within 30 -> 31 pairs, no false pair more (heldout: one
    # pair across more, one false pair fewer). Session 8 (parties read as parties, the rules below, more actors
    # weighing 1.5): the rule keeps the US-Iran cluster to US-Iran reports, which joins Dawn's and Al Jazeera's
    # reports of the round (ep-007), and with them two reports the labels keep apart: Trump's remark of the day
    # before (ep-218) and an undated French report of the third round (ep-272, dated today here like the second
    # round's): dev 57 -> 58 pairs, 5 -> 7 false ones. Kept for the rule's sake (the guide's own example).
    merged = one_party["dev happening"]
    assert dev.tp > merged.tp, (merged.line(), dev.line())
    # a report whose keys the stored event all has (a nationality and a role at least) is that event, whatever the
    # union of the event's keys adds (Scoring.contain): NYT's memorials report joins AFP's (ep-041), an Arabic report
    # of the US-Iran talks and Medinsky's summing-up of the Geneva round theirs (ep-106, ep-135): dev within 30 -> 31,
    # across 23 -> 25, no false pair more. (Session 8, more actors weighing 1.5: the US-Iran reports ep-009, ep-011
    # and ep-106: within 30 -> 32, across 25 -> 26.) When chosen, a contained report weighing 1.0 / 2.0 / 3.0 at
    # least gave within 30 / 30 / 30 and across 25 / 25 / 24 against 31 and 25 at 1.5.
    # (Session 10: +2, the CBS report of ep-011 above no longer joins by its keys either way.)
    loose = uncontained["dev happening"]
    assert dev.tp >= loose.tp + 2 and dev.fp <= loose.fp, (loose.line(), dev.line())
    # one person shared is no event when each names someone or somewhere else (event_keys.one_person): the Washington
    # Post's Iran talks, whose lead names Trump, no longer join Trump's Gaza pledges of the day before but the talks
    # (ep-009): dev within 31 -> 32, no false pair more
    person = by_person["dev happening"]
    assert dev.within[0] >= person.within[0] + 1 and dev.fp <= person.fp, (person.line(), dev.line())
