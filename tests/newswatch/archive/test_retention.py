"""Retention on both backends: exactly what is older than `keep` goes (items with their facets and
search words, alerts with their deliveries), what is newer all stays; beyond `max_items` the oldest
go; a pruned item is found neither by its words nor by its facets, even when SQLite gives its id
to the next item; the index does not grow when the archive does not; a dry run counts the same."""
import itertools

import sqlalchemy as sa

from newswatch.archive.query import SearchQuery
from newswatch.archive.records import Entry, alert_entry, decode, delivery_entry, item_entry
from newswatch.archive.retention import Retention, plan, prune
from newswatch.classify.model import Facts
from newswatch.model.alert import Alert
from newswatch.model.item import Item

NOW = 1_780_000_000.0    # "now", injected: the cutoff is NOW - keep
DAY = 86400.0
KEEP = Retention(keep=90 * DAY)
CUTOFF = NOW - 90 * DAY


def item(n: int, at: float, title: str = "", text: str = "", countries: tuple[str, ...] = ("ML",)) -> Entry:
    it = Item("wire", title or f"Report {n} from Bamako", text or f"Text of report {n} about the talks.",
              url=f"https://example.org/{n}").finish()
    it.facts = Facts(lang="en", countries=list(countries), mentioned=list(countries), topics=["diplomacy/visit"])
    entry = decode(item_entry(it))
    entry.record.update(at=at, published=at)
    return entry


def alert(n: int, created: float, channels: tuple[str, ...] = ("desk", "console")) -> Entry:
    entry = decode(alert_entry(Alert(id=f"alert-{n}", rule_id="r", rule_title="R", severity="high", item_id=f"fp{n}",
                                     source_id="wire", title=f"Alert {n}", url=None, published=None, summary="",
                                     channels=list(channels), story_id=None, evidence=[])))
    entry.record["created"] = created
    return entry


def one(archive, sql: str, **params) -> int:
    with archive.engine.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one())


def fingerprints(archive) -> set[str]:
    with archive.engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT fingerprint FROM items")).scalars())


def found(archive, text: str = "", **kw) -> set[str]:
    return {hit.item_id for hit in archive.search(SearchQuery(text, limit=1000, **kw))}


def test_exactly_what_is_older_than_keep_goes(archive):
    # 230 items older than the cutoff (the newest a millisecond before it), 170 at it or newer
    old = [item(n, CUTOFF - 0.001 - n * 3571.0) for n in range(230)]
    new = [item(1000 + n, CUTOFF + n * 1913.0) for n in range(170)]
    entries = list(itertools.chain(*zip(old, new))) + old[170:]   # ids interleaved: age is not id order
    archive.write(entries)
    archive.write([alert(1, CUTOFF - 5), alert(2, CUTOFF - 0.5), alert(3, CUTOFF), alert(4, NOW)])
    archive.write([decode(delivery_entry("alert-2", "desk", "sent", attempts=1, at=CUTOFF + 60)),   # its alert goes
                   decode(delivery_entry("lost-old", "desk", "sent", at=CUTOFF - 60)),    # its alert never came
                   decode(delivery_entry("lost-new", "desk", "sent", at=CUTOFF + 60))])
    facets_per_item = one(archive, "SELECT count(*) FROM item_facets") // 400

    expected = plan(archive.engine, KEEP, NOW)
    assert (expected.items, expected.items_over_max, expected.alerts, expected.deliveries) == (230, 0, 2, 5)
    assert one(archive, "SELECT count(*) FROM items") == 400   # a dry run removes nothing
    report = prune(archive.engine, KEEP, NOW, batch=64)
    assert (report.items, report.items_over_max, report.alerts, report.deliveries, report.done) == (230, 0, 2, 5, True)
    assert report.by_kind() == {"item": 230, "alert": 2, "delivery": 5}

    assert fingerprints(archive) == {e.record["fingerprint"] for e in new}
    assert one(archive, "SELECT count(*) FROM item_facets") == 170 * facets_per_item
    assert one(archive, "SELECT count(*) FROM item_facets WHERE item_id NOT IN (SELECT id FROM items)") == 0
    with archive.engine.connect() as conn:
        assert set(conn.execute(sa.text("SELECT alert_id FROM alerts")).scalars()) == {"alert-3", "alert-4"}
        assert sorted(conn.execute(sa.text("SELECT alert_id, channel FROM alert_deliveries")).all()) == [
            ("alert-3", "console"), ("alert-3", "desk"), ("alert-4", "console"), ("alert-4", "desk"),
            ("lost-new", "desk")]
    if archive.backend == "sqlite":   # the FTS5 index holds exactly the items left
        assert one(archive, "SELECT count(*) FROM items_fts") == 170
    again = prune(archive.engine, KEEP, NOW)
    assert (again.items, again.alerts, again.deliveries, again.done) == (0, 0, 0, True)


def test_a_pruned_item_is_found_neither_by_words_nor_by_facets(archive):
    kept = item(1, NOW - DAY, "Lavrov in Niamey", "The minister met officials in Niger.", ("NE",))
    # the old one is written last: it has the highest id, which SQLite gives to the next item once it is gone
    gone = item(2, NOW - 100 * DAY, "Lavrov lands in Bamako", "Sergei Lavrov arrived in Mali.", ("ML",))
    archive.write([kept])
    archive.write([gone])
    assert found(archive, "bamako") == {gone.record["fingerprint"]} and found(archive, country=["ML"])
    assert prune(archive.engine, KEEP, NOW).items == 1
    assert found(archive, "bamako") == set() and found(archive, "mali") == set()
    assert found(archive, country=["ML"]) == set() and found(archive, "lavrov", mentioned=["ML"]) == set()
    assert found(archive, "lavrov") == {kept.record["fingerprint"]} == found(archive, topic=["visit"])
    later = item(3, NOW, "Talks in Ouagadougou", "Delegations met in Burkina Faso.", ("BF",))
    archive.write([later])
    with archive.engine.connect() as conn:
        later_id = conn.execute(sa.text("SELECT id FROM items WHERE fingerprint = :f"),
                                {"f": later.record["fingerprint"]}).scalar_one()
    if archive.backend == "sqlite":
        assert later_id == 2, "SQLite was expected to give the pruned item's id again"
        assert one(archive, "SELECT count(*) FROM items_fts") == 2
    # the pruned item's words are not found on the item that has its id now
    assert found(archive, "bamako") == set() and found(archive, "sergei") == set()
    assert found(archive, "ouagadougou") == {later.record["fingerprint"]}


def test_the_index_does_not_grow_when_the_archive_does_not(archive):
    words = [f"word{n}" for n in range(400)]

    def fts_bytes() -> int:
        return one(archive, "SELECT coalesce(sum(length(block)), 0) FROM items_fts_data")

    sizes = []
    for day in range(16):   # each day 300 items come in and the day-before-yesterday's go
        now = NOW + day * DAY
        batch = [item(day * 1000 + n, now - 0.5 * DAY,
                      f"Report {n}", " ".join(words[(n * 7 + k * 13 + day) % 400] for k in range(60)))
                 for n in range(300)]
        archive.write(batch)
        report = prune(archive.engine, Retention(keep=DAY), now, batch=100)
        assert report.items == (300 if day else 0) and report.done
        assert one(archive, "SELECT count(*) FROM items") == 300
        assert found(archive, words[0]) <= {e.record["fingerprint"] for e in batch}
        if archive.backend == "sqlite":
            assert one(archive, "SELECT count(*) FROM items_fts") == 300
            sizes.append(fts_bytes())
    if archive.backend == "sqlite":
        assert max(sizes) < 6 * sizes[0], sizes   # 4,800 went in; 300 stay


def test_beyond_max_items_the_oldest_go(archive):
    entries = [item(n, NOW - n * 60.0) for n in range(50)]     # all within keep
    archive.write(entries[25:])
    archive.write(entries[:25])
    retention = Retention(keep=90 * DAY, max_items=20)
    assert plan(archive.engine, retention, NOW).items_over_max == 30
    report = prune(archive.engine, retention, NOW, batch=7)
    assert (report.items, report.items_over_max, report.done) == (0, 30, True)
    assert fingerprints(archive) == {e.record["fingerprint"] for e in entries[:20]}   # the 20 newest
    assert found(archive, country=["ML"]) == fingerprints(archive)


def test_keep_and_max_items_together_count_each_item_once(archive):
    archive.write([item(n, CUTOFF - 10 - n) for n in range(10)] + [item(100 + n, NOW - n) for n in range(15)])
    retention = Retention(keep=90 * DAY, max_items=12)
    expected = plan(archive.engine, retention, NOW)
    report = prune(archive.engine, retention, NOW)
    assert (expected.items, expected.items_over_max) == (report.items, report.items_over_max) == (10, 3)
    assert one(archive, "SELECT count(*) FROM items") == 12


def test_the_budget_stops_between_batches_and_the_next_prune_goes_on(archive):
    archive.write([item(n, CUTOFF - 1 - n) for n in range(45)])
    ticks = itertools.count()
    report = prune(archive.engine, KEEP, NOW, budget=2.5, batch=10, clock=lambda: float(next(ticks)))
    assert (report.items, report.done) == (20, False)           # two batches, then out of time
    assert one(archive, "SELECT count(*) FROM items") == 25
    assert one(archive, "SELECT min(at) FROM items") == CUTOFF - 25   # the oldest went first
    report = prune(archive.engine, KEEP, NOW, budget=60, batch=10)
    assert (report.items, report.done) == (25, True)


def test_archive_prune_counts_as_a_dry_run_and_then_removes(archive):
    archive.write([item(n, CUTOFF - 1 - n) for n in range(3)] + [item(9, NOW)])
    dry = archive.prune(KEEP, now=NOW, dry_run=True)
    assert (dry.items, dry.cutoff) == (3, CUTOFF) and one(archive, "SELECT count(*) FROM items") == 4
    assert archive.prune(KEEP, now=NOW).items == 3
    stats = archive.stats()
    assert (stats["items"], stats["oldest_item"], stats["newest_item"]) == (1, NOW, NOW)


def test_keep_off_removes_nothing_for_its_age_but_max_items_still_holds(archive):
    archive.write([item(n, 1000.0 + n) for n in range(12)])          # all from 1970: ancient
    archive.write([alert(1, 1000.0)])
    off = Retention(keep=0, max_items=10)
    expected = plan(archive.engine, off, NOW)
    report = prune(archive.engine, off, NOW)
    assert (expected.items, expected.alerts, expected.items_over_max, expected.cutoff) == (0, 0, 2, None)
    assert (report.items, report.alerts, report.items_over_max, report.done) == (0, 0, 2, True)
    assert one(archive, "SELECT min(at) FROM items") == 1002.0 and one(archive, "SELECT count(*) FROM alerts") == 1
