"""Reading the archive back for rule replay and stories, on both backends: the window (both ends
included), oldest first, page after page by keyset (no OFFSET, ties on the time kept in id order),
the items exactly as they went in (guid, times, language, story and the classifier's whole Facts),
and every report of a story by its id or by any of its items."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from newswatch.archive.database import Archive, ArchiveUnavailable
from newswatch.archive.records import decode, item_entry
from newswatch.archive.replay import Window
from newswatch.model.item import Item

T0 = datetime(2026, 2, 10, 9, 0, tzinfo=timezone.utc)


def wire(n: int, *, source: str = "wire", at: datetime | None = None, story: str | None = None,
         classified: bool = True, guid: str | None = None) -> Item:
    from newswatch.classify.model import Facts
    item = Item(source, f"Report {n}", f"Text of report {n}.", url=f"https://example.org/{source}/{n}",
                guid=guid, published=at or T0 + timedelta(minutes=n), lang="en").finish()
    item.story_id = story
    item.facts = Facts(lang="en", countries=["ML"]) if classified else None
    return item


def fill(archive: Archive, items: list[Item]) -> None:
    archive.write([decode(item_entry(i)) for i in items])


def ids(items) -> list[str]:
    return [i.id for i in items]


def test_the_window_includes_both_ends_and_is_read_oldest_first(archive):
    items = [wire(n) for n in range(6)]
    fill(archive, list(reversed(items)))               # archived newest first: the order is the time's
    assert ids(archive.items_between(Window())) == ids(items)
    since, until = items[1].published.timestamp(), items[4].published.timestamp()
    assert ids(archive.items_between(Window(since, until))) == ids(items[1:5])
    assert ids(archive.items_between(Window(since=until))) == ids(items[4:])
    assert ids(archive.items_between(Window(until=since))) == ids(items[:2])
    assert ids(archive.items_between(Window(until, since))) == []


def test_an_undated_item_is_placed_by_when_it_was_fetched(archive):
    dated = wire(1, at=T0)
    undated = Item("wire", "No date", "Text.", url="https://example.org/undated").finish()
    undated.fetched_at = T0 - timedelta(hours=1)
    fill(archive, [dated, undated])
    assert ids(archive.items_between(Window())) == [undated.id, dated.id]


def test_pages_follow_each_other_by_keyset_without_offset(archive):
    # 23 items, 7 of them at one same time: a page boundary falls inside the tie
    items = [wire(n, at=T0 + timedelta(minutes=n if n < 10 or n > 16 else 10)) for n in range(23)]
    fill(archive, items)
    statements: list[tuple[str, object]] = []
    archive.ready()

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))
    event.listen(archive.engine, "before_cursor_execute", seen)
    try:
        got = list(archive.items_between(Window(), batch=4))
    finally:
        event.remove(archive.engine, "before_cursor_execute", seen)
    with archive.engine.connect() as conn:
        order = conn.execute(sa.text("SELECT fingerprint FROM items ORDER BY at, id")).scalars().all()
    assert ids(got) == order and len(set(ids(got))) == 23
    pages = [(s, p) for s, p in statements if "FROM items" in s]
    assert len(pages) == 6                         # 4+4+4+4+4+3: the short page is the last
    # SQLite's dialect spells a LIMIT as "LIMIT ? OFFSET ?": the offset is always 0, nothing is skipped by it
    assert all("OFFSET" not in s or list(p)[-1] == 0 for s, p in pages)


def test_a_page_is_read_lazily(archive):
    fill(archive, [wire(n) for n in range(10)])
    stream = archive.items_between(Window(), batch=3)
    assert next(stream).title == "Report 0"      # one page read, the rest not yet
    fill(archive, [wire(n) for n in range(10, 12)])
    assert len(list(stream)) == 11               # the later pages see what came since


def test_sources_narrow_the_window(archive):
    fill(archive, [wire(n, source="wire" if n % 2 else "desk") for n in range(8)])
    got = list(archive.items_between(Window(sources=("desk",)), batch=2))
    assert [i.source_id for i in got] == ["desk"] * 4
    assert ids(got) == ids(sorted(got, key=lambda i: i.published))


def test_an_item_comes_back_as_it_went_in_with_its_whole_facts(archive, classifier):
    """Real facts of a real report (the classifier's evidence, sentences, salience...), round-tripped."""
    item = Item("intl-affairs", "Лавров прибыл в Бамако",
                "Министр иностранных дел России Сергей Лавров прибыл в Бамако с официальным визитом. "
                "Его встретил глава МИД Мали Абдулайе Диоп.", url="https://t.me/intl/1", guid="intl-1",
                published=T0, lang="ru").finish()
    item.fetched_at = T0 + timedelta(seconds=42.5)
    item.story_id = "story-1"
    item.facts = classifier.classify(item.title, item.text, declared_lang="ru")
    assert item.facts.evidence and item.facts.actors        # something to lose
    fill(archive, [item])
    [back] = archive.items_between(Window())
    assert back.facts == item.facts
    for name in ("id", "guid", "source_id", "title", "text", "url", "published", "fetched_at", "lang", "story_id"):
        assert getattr(back, name) == getattr(item, name), name


def test_unclassified_and_unreadable_facts_come_back_without_facts(archive, caplog):
    fill(archive, [wire(1, classified=False), wire(2)])
    with archive.engine.begin() as conn:   # as a later version might have written them
        conn.execute(sa.text("UPDATE items SET facts = :f WHERE title = 'Report 2'"), {"f": '{"unknown_key": 1}'})
    got = list(archive.items_between(Window()))
    assert [i.facts for i in got] == [None, None]
    assert "archive_facts_unreadable" in caplog.text and got[1].id in caplog.text


def test_a_story_by_its_id_or_by_any_of_its_reports(archive):
    first = wire(1, source="wire", at=T0)
    copies = [wire(2, source="tass", at=T0 + timedelta(hours=2), story=first.id),
              wire(3, source="telegram", at=T0 + timedelta(hours=1), story=first.id)]
    other = wire(4)
    fill(archive, [*copies, first, other])
    by_story = archive.story(first.id)
    assert [r.item_id for r in by_story] == [first.id, copies[1].id, copies[0].id]   # oldest first
    assert [r.source for r in by_story] == ["wire", "telegram", "tass"]
    assert archive.story(copies[0].id) == by_story      # the fingerprint of a later report
    assert by_story[0].title == "Report 1" and by_story[0].url == "https://example.org/wire/1"
    assert by_story[0].at == T0.timestamp() and by_story[0].lang == "en"
    assert [r.item_id for r in archive.story(other.id)] == [other.id]
    assert archive.story("no-such-story") == []


def test_a_table_that_went_away_is_archive_unavailable(archive):
    fill(archive, [wire(1)])
    with archive.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE items RENAME TO items_away"))
    gone = r"no such table|relation \"items\" does not exist"
    with pytest.raises(ArchiveUnavailable, match=gone):
        list(archive.items_between(Window()))
    with pytest.raises(ArchiveUnavailable, match=gone):
        archive.story("x")
