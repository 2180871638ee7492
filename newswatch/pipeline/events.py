"""Event clustering: every report of one event gets one `event_id`, across outlets and languages.

The classifier's events (`Facts.events`: type, who, where with its role, when) are compared by
language-independent keys: actor ids, nationality + role, GeoNames ids, country codes, region
slugs (newswatch/pipeline/event_keys.py). A stored event is a candidate for a new report when it
is of the same type family (a visit, its talks and what is signed there are one "meeting"; an
attack and its deaths one "violence"; other types alone), has a report on a day within
`window_days` of the new one's `when` day, and shares a key; the best candidate is the same event
when the weighted Jaccard of their keys reaches the threshold, or the stored event holds every key of
a report that names enough (`Scoring.contain`), and neither their places nor their parties conflict,
nor is one person all they share (`Scoring`, chosen on the DEV half of tests/data/event_pairs.jsonl).
A report that is a copy of a story whose main event is known (story dedup ran first) joins that event
outright.

Each clusterable event (one with a key) of an item gets `Event.id`. An event dated more than `window_days`
(at least a day) before the item's publication is background, not clustered: a report of a reappointment that recalls the
election of ten days before ("après son triomphe électoral") is no report of that election. The item's event
(`item.event_id`) is the first event of its lead (the headline's, then the text's first
sentence's) that another item already reported, else its main event: the headline's, else the
first of its text (by sentence, then position), among those with a key; `item.event_first` says
whether this item opened it. An item with no clusterable event keeps `event_id` None (its story
stands for it). A new event's id is "<type>-<item id>" (".<n>" added for the item's n-th new event
of one type), so a re-polled item finds its own event again.

Redis (shared by every worker), one hash slot per type family (Redis Cluster; every key in KEYS):
  <p>:{ev:<family>}:ix:<day>    index key -> the last `list_cap` event handles with a report that day
  <p>:{ev:<family>}:ev:<day>    handle -> "event_id|keys" (the keys of the day's reports, at most 32)
  <p>:{ev:<family>}:rep:<slot>  event_id -> its reports ("also reported by"), see `event_reports`
  <p>:{ev:<family>}:st:<slot>   story_id -> "handle event_id" (a copy's way to its story's event)
  <p>:{ev:<family>}:seq         the last handle given
Day hashes expire `keep` after the last day they can match (and at most `HORIZON` ahead);
report and story slots are REPORT_SLOT long and expire at the end of the next slot (a report
carries an event's reports into the current slot). One script call per family and chunk of 200
events, every call of a batch in one round trip (a pipeline); each call is atomic, so two workers
racing with two reports of one event see each other. Without Redis (`state=None`) events are
clustered within this instance's batches only.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from newswatch.classify.model import EVENT_TYPES, GROUP_ROLES, Event
from newswatch.model.item import Item
from newswatch.pipeline import Stage
from newswatch.pipeline.event_keys import Scoring, anchors, apart, event_day, event_keys, family, main_event
from newswatch.pipeline.event_reports import REPORT_SLOT, REPORTS_CAP, report_dict, report_json
from newswatch.pipeline.stories import report_field
from newswatch.store.scripts import script
from newswatch.store.state import State

__all__ = ["EventClusterer"]

HORIZON = 40 * 86400         # no day hash lives longer than this ahead of now (a date far in the future)
CHUNK, MAX_SPAN = 200, 10    # events per script call; days one call's events may span
_KEYS_CAP = 32


@dataclass(slots=True)
class _Row:
    item: Item
    event: Event
    keys: list[str]
    day: int
    new_id: str
    main: bool
    also: list[Event] = field(default_factory=list)   # the item's other events of this occasion


class EventClusterer(Stage):
    """Sets `Event.id` on each clusterable event, `item.event_id` / `item.event_first` from the main
    event; drops nothing; `hits` counts new, matched and story (joined through its story)."""

    name = "events"

    def __init__(self, state: State | None, window_days: int = 2, scoring: Scoring | None = None, *,
                 list_cap: int = 8, top: int = 5, keep: float = 3 * 86400,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        if not (0 <= window_days <= 7 and 1 <= list_cap <= 1000 and 1 <= top <= 1000 and keep > 0):
            raise ValueError(f"event clustering: window_days in 0..7 (got {window_days}), list_cap and top in "
                             f"1..1000 (got {list_cap}, {top}), keep > 0 s (got {keep})")
        self.state, self.window_days, self.scoring = state, int(window_days), scoring or Scoring()
        self.list_cap, self.top, self.keep, self.clock = list_cap, top, float(keep), clock
        self.hits: Counter[str] = Counter()
        self._args = self.scoring.args()
        self._names: dict[tuple[str, int], list[str]] = {}   # (type, day) -> its index and records keys
        self._script = script(state.r, "newswatch.pipeline", "event_assign") if state is not None else None
        self._local = _LocalEvents(self) if state is None else None

    def process(self, items: list[Item]) -> list[Item]:
        now = self.clock()
        by_type: dict[str, list[_Row]] = {}
        rows = self._rows(items, now)
        for row in rows:
            by_type.setdefault(family(row.event.type), []).append(row)
        chunks = [(event_type, chunk) for event_type, rows in by_type.items() for chunk in _chunks(rows)]
        if self._local is not None:
            decided = [self._local.assign(event_type, chunk) for event_type, chunk in chunks]
        else:
            decided = self._assign_redis(chunks, now)
        for (_, chunk), answers in zip(chunks, decided):
            for row, (event_id, how) in zip(chunk, answers):
                row.event.id = event_id
                for event in row.also:
                    event.id = event_id
                self.hits[how] += 1
        for item_rows in _by_item(rows):
            _choose(item_rows)
        return items

    def _rows(self, items: list[Item], now: float) -> list[_Row]:
        """One row per occasion an item reports: its clusterable events of one family that agree (see
        `_same_occasion`) are one row, the first of them (the main event first) standing for the rest."""
        rows: list[_Row] = []
        for item in items:
            item.event_id, item.event_first = None, None
            events = item.facts.events if item.facts is not None else []
            past = int(item.published.timestamp() // 86400) - max(self.window_days, 1) if item.published else None
            keyed = [(i, e, event_keys(e)) for i, e in enumerate(events) if e.type in EVENT_TYPES
                     and (past is None or event_day(e, item.published, now) >= past)]
            main, made = main_event(keyed), Counter[str]()
            own: list[_Row] = []
            for i, event, keys in sorted(keyed, key=lambda k: k[0] != main):
                event.id = None
                if not keys:
                    continue
                leader = next((r for r in own if _same_occasion(r, event, keys, now)), None)
                if leader is not None:
                    leader.also.append(event)
                    leader.keys += [k for k in keys if k not in leader.keys]
                    continue
                n = made[event.type]
                made[event.type] += 1
                own.append(_Row(item, event, keys, event_day(event, item.published, now),
                                f"{event.type}-{item.id}" + (f".{n}" if n else ""), i == main))
            rows += own
        return rows

    def _assign_redis(self, chunks: list[tuple[str, list[_Row]]], now: float) -> list[list[tuple[str, str]]]:
        """One script call per (type, chunk), all sent in one round trip (a pipeline, no transaction:
        each call is atomic on its own type's keys; on Redis Cluster each goes to its type's slot)."""
        assert self._script is not None and self.state is not None
        pipe = self.state.r.pipeline(transaction=False)
        for event_type, rows in chunks:
            keys, args = self._call(event_type, rows, now)
            self._script(keys=keys, args=args, client=pipe)
        replies = pipe.execute() if chunks else []
        return [[(parts[0], parts[1]) for parts in (line.split(" ") for line in (reply or "").split("\n") if line)]
                for reply in replies]

    def _call(self, event_type: str, rows: list[_Row], now: float) -> tuple[list[str], list[Any]]:
        assert self.state is not None
        keys, w = self.state.keys, self.window_days
        lo, hi = min(r.day for r in rows) - w, max(r.day for r in rows) + w
        slot = math.floor(now / REPORT_SLOT)
        names = [keys.event_seq(event_type), keys.event_reports(event_type, slot),
                 keys.event_reports(event_type, slot - 1), keys.event_stories(event_type, slot),
                 keys.event_stories(event_type, slot - 1)]
        if len(self._names) > 4096:
            self._names.clear()
        for day in range(lo, hi + 1):
            pair = self._names.get((event_type, day))
            if pair is None:
                pair = self._names[(event_type, day)] = [keys.event_index(event_type, day),
                                                         keys.event_records(event_type, day)]
            names += pair
        lines, reports = [], dict[int, str]()
        for order, row in enumerate(rows):
            words = " ".join([row.new_id, str(row.day), _story(row), *row.keys])
            report = reports.get(id(row.item)) or reports.setdefault(id(row.item), report_json(row.item, now, order))
            lines.append(f"{words}\t{report_field(row.item)}\t{report}")
        return names, [repr(now), lo, hi - lo + 1, w, *self._args, self.list_cap, self.top, repr(self.keep),
                       HORIZON, (slot + 2) * REPORT_SLOT, _KEYS_CAP, REPORTS_CAP, "\n".join(lines)]


def _same_occasion(row: _Row, event: Event, keys: list[str], now: float) -> bool:
    """Whether one item's `event` restates the occasion `row` stands for: the same type family, days
    at most one apart (arrived on Monday, talks on Tuesday), no two different places (city, else country),
    and not two different sets of people: known actors, none shared, and no official by nationality and
    role shared either (an actor gives its r: key too). A report tells one visit in several sentences
    ("Lavrov arrived in Bamako ... the minister's visit ... talks with Goïta"), the host's sentence
    naming the guest by title only ("Lavrov began a visit to Mali. Diop received his Russian
    counterpart in Bamako": r:RU:official in both); a tour's other stops name other places and stay apart.
    Groups (civilians, police, militia: model.GROUP_ROLES) are no set of people here: a shooting's victims in one
    sentence and the police in the next are one attack ("left nine people dead ... police said")."""
    if family(event.type) != family(row.event.type) or abs(event_day(event, row.item.published, now) - row.day) > 1:
        return False
    mine, theirs = set(row.keys), set(keys)
    return not (apart(mine, theirs, "p") or apart(mine, theirs, "pc") or apart(_people(mine), _people(theirs), "ar"))


def _people(keys: set[str]) -> set[str]:
    """The keys that say who, less the groups' roles (r:CA:police, r:IR:protesters)."""
    return {k for k in keys if not (k[:2] == "r:" and k.rpartition(":")[2] in GROUP_ROLES)}


def _by_item(rows: list[_Row]) -> list[list[_Row]]:
    groups: dict[int, list[_Row]] = {}
    for row in rows:
        groups.setdefault(id(row.item), []).append(row)
    return list(groups.values())


def _choose(rows: list[_Row]) -> None:
    """The item's event: among the events of its lead (headline, then the text's first sentence), the
    first that is already known (reported by another item); else its main event."""
    own = {row.new_id for row in rows}
    lead = sorted((r for r in rows if r.event.field == "title" or r.event.sentence == 0),
                  key=lambda r: (r.event.field != "title", r.event.sentence, r.event.start))
    known = next((r for r in lead if r.event.id not in own), None)
    chosen = known or next((r for r in rows if r.main), None)
    if chosen is not None and chosen.event.id is not None:
        chosen.item.event_id, chosen.item.event_first = chosen.event.id, chosen.event.id in own


def _chunks(rows: list[_Row]) -> list[list[_Row]]:
    """Rows in their order, cut every CHUNK rows and wherever the days would span more than MAX_SPAN."""
    out: list[list[_Row]] = []
    lo = hi = 0
    for row in rows:
        if not out or len(out[-1]) >= CHUNK or max(hi, row.day) - min(lo, row.day) > MAX_SPAN:
            out.append([])
            lo = hi = row.day
        out[-1].append(row)
        lo, hi = min(lo, row.day), max(hi, row.day)
    return out


def _story(row: _Row) -> str:
    """The script's story word: '.' (not the main event), '+<id>' (the story's first item: record its
    event), '?<id>' (a later copy: join the story's event when it has one of this type)."""
    if not row.main:
        return "."
    story = row.item.story_id or row.item.id
    return ("+" if story == row.item.id else "?") + story


class _LocalEvents:
    """Without Redis: the script's rule over this instance's batches (no expiry, no other workers)."""

    def __init__(self, owner: EventClusterer) -> None:
        self.owner = owner
        self.index: dict[tuple[str, int, str], list[str]] = {}   # (type, day, key) -> handles
        self.records: dict[tuple[str, int, str], tuple[str, list[str]]] = {}  # (type, day, handle) -> id, keys
        self.stories: dict[tuple[str, str], tuple[str, str]] = {}  # (type, story) -> handle, event id
        self.reports: dict[str, dict[str, dict[str, Any]]] = {}    # event id -> field -> report
        self.seq = Counter[str]()   # type -> the last handle given

    def assign(self, event_type: str, rows: list[_Row]) -> list[tuple[str, str]]:
        return [self._one(event_type, row) for row in rows]

    def _one(self, t: str, row: _Row) -> tuple[str, str]:
        story = _story(row)
        self.seq[t] += 1   # one handle per event, used or not (as the script does)
        found = self.stories.get((t, story[1:])) if story[:1] == "?" else None
        if found:
            handle, event_id, how = found[0], found[1], "story"
        else:
            handle, event_id, how = self._decide(t, row)
        self._store(t, handle, event_id, row)
        reports, field = self.reports.setdefault(event_id, {}), report_field(row.item)
        if field not in reports:   # what the script stores, without its JSON round trip
            reports[field] = report_dict(row.item, 0, 0)
        if story != "." and how != "story":
            self.stories.setdefault((t, story[1:]), (handle, event_id))
        return event_id, how

    def _decide(self, t: str, row: _Row) -> tuple[str, str, str]:
        o, acc = self.owner, dict[tuple[str, int], float]()
        for day in range(row.day - o.window_days, row.day + o.window_days + 1):
            for key in anchors(row.keys):
                rank = o.scoring.weight(key) + (100 if key[:1] == "p" else 0)   # a shared city first
                for handle in self.index.get((t, day, key), []):
                    acc[(handle, day)] = acc.get((handle, day), 0.0) + rank
        ranked = sorted(acc, key=lambda c: (-acc[c], c[0], c[1]))[:o.top]
        scored = [(o.scoring.score(row.keys, self.records[(t, day, h)][1]), self.records[(t, day, h)][0], h)
                  for h, day in ranked]
        best = min(scored, key=lambda s: (-s[0], s[1]), default=None)
        if best is not None and best[0] >= o.scoring.threshold:
            return best[2], best[1], "matched"
        return str(self.seq[t]), row.new_id, "new"

    def _store(self, t: str, handle: str, event_id: str, row: _Row) -> None:
        old = self.records.get((t, row.day, handle))
        if old is None:
            keys = list(row.keys)
        else:
            keys = old[1] + [k for k in row.keys if k not in old[1]][:max(0, _KEYS_CAP - len(old[1]))]
        self.records[(t, row.day, handle)] = (event_id, keys)
        for key in anchors(row.keys):
            handles = self.index.setdefault((t, row.day, key), [])
            if handle not in handles:
                handles.append(handle)
                del handles[:-self.owner.list_cap]


