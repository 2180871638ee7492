"""The shipped Alembic migrations, on both backends: from an empty database to head, from each earlier
revision (with rows in it) to head, and down step by step and up again."""
import json

import sqlalchemy as sa

from newswatch.archive import migrate
from newswatch.archive.database import Archive
from newswatch.archive.query import SearchQuery
from newswatch.archive.records import decode, item_entry
from newswatch.archive.replay import Window
from newswatch.archive.writer import write_entries
from newswatch.classify.model import Facts
from newswatch.model.item import Item


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def search_ready(engine: sa.Engine) -> bool:
    """0002 is there: FTS5's table (SQLite) or the tsvector column (PostgreSQL)."""
    if engine.dialect.name == "sqlite":
        return "items_fts" in tables(engine)
    return "search" in {c["name"] for c in sa.inspect(engine).get_columns("items")}


def has_guid(engine: sa.Engine) -> bool:
    """0003 is there: items.guid."""
    return "guid" in {c["name"] for c in sa.inspect(engine).get_columns("items")}


def old_items(engine: sa.Engine) -> sa.Table:
    """The items table as the database has it now (before 0003: no guid column)."""
    return sa.Table("items", sa.MetaData(), autoload_with=engine)


def has_event_id(engine: sa.Engine) -> bool:
    """0004 is there: items.event_id and alerts.event_id."""
    return all("event_id" in {c["name"] for c in sa.inspect(engine).get_columns(t)} for t in ("items", "alerts"))


def record_without_guid(item: Item) -> dict:
    """An item's row as 0001 and 0002 held it: no guid, no event_id, the facts as a JSON value (the
    queue entry carries them as JSON text, which the writer stores as they are)."""
    record = decode(item_entry(item)).record
    del record["guid"], record["event_id"]
    if isinstance(record.get("facts"), str):
        record["facts"] = json.loads(record["facts"])
    return record


def test_four_revisions_ship_in_order():
    assert migrate.revisions() == ["0001", "0002", "0003", "0004"]
    assert migrate.head() == "0004"


def test_upgrade_from_empty_to_head(archive_url):
    archive = Archive(archive_url)
    try:
        assert migrate.current(archive.engine) is None
        archive.ready()
        assert migrate.current(archive.engine) == "0004"
        assert {"items", "item_facets", "alerts", "alert_deliveries", migrate.VERSION_TABLE} <= tables(archive.engine)
        assert search_ready(archive.engine) and has_guid(archive.engine) and has_event_id(archive.engine)
        archive.ready()   # again: nothing to do
        assert migrate.current(archive.engine) == "0004"
    finally:
        archive.close()


def test_upgrade_from_0001_indexes_what_is_there(archive_url):
    """A 0001 archive with items in it (written as 0001 had them, no search index) upgraded to head:
    the items it had are found by words."""
    archive = Archive(archive_url)
    try:
        migrate.upgrade(archive.engine, "0001")
        assert migrate.current(archive.engine) == "0001" and not search_ready(archive.engine)
        item = Item("wire", "Lavrov lands in Bamako", "The Russian foreign minister arrived on Tuesday.",
                    url="https://example.org/lavrov").finish()
        with archive.engine.begin() as conn:   # 0001's items table: no search column, no FTS, no guid
            conn.execute(old_items(archive.engine).insert(), [record_without_guid(item)])
        archive.ready()
        assert migrate.current(archive.engine) == "0004" and search_ready(archive.engine)
        hits = archive.search(SearchQuery("minister bamako"))
        assert [h.item_id for h in hits] == [item.id]
    finally:
        archive.close()


def test_upgrade_from_the_previous_revision_keeps_the_items_without_a_guid(archive_url):
    """A 0002 archive with items (and their facets and search index) upgraded to head: the items are
    there, searchable and replayable, with no guid; a new item keeps its own."""
    archive = Archive(archive_url)
    try:
        migrate.upgrade(archive.engine, "0001")
        old = Item("wire", "Lavrov lands in Bamako", "The Russian foreign minister arrived on Tuesday.",
                   url="https://example.org/lavrov", guid="wire-1").finish()
        old.facts = Facts(lang="en", countries=["ML"])
        with archive.engine.begin() as conn:
            conn.execute(old_items(archive.engine).insert(), [record_without_guid(old)])
        migrate.upgrade(archive.engine, "0002")   # 0002 indexes it: the archive as 0002 left it
        assert migrate.current(archive.engine) == "0002" and not has_guid(archive.engine)
        assert [h.item_id for h in archive.search(SearchQuery("minister bamako"))] == [old.id]
        archive.ready()
        assert migrate.current(archive.engine) == "0004" and has_guid(archive.engine)
        assert [h.item_id for h in archive.search(SearchQuery("minister bamako"))] == [old.id]
        new = Item("wire", "Lavrov leaves Bamako", "He flew on to Niamey.", url="https://example.org/2",
                   guid="wire-2").finish()
        new.facts = Facts(lang="en", countries=["NE"])
        archive.write([decode(item_entry(new))])
        back = {i.id: i for i in archive.items_between(Window())}
        assert (back[old.id].guid, back[old.id].facts) == (None, old.facts)
        assert back[new.id].guid == "wire-2"
    finally:
        archive.close()


def test_downgrade_one_step_and_up_again(archive_url):
    archive = Archive(archive_url)
    try:
        archive.ready()
        item = Item("wire", "Визит Лаврова", "Лавров прибыл в Бамако", url="https://example.org/ru", guid="ru-1").finish()
        item.facts = Facts(lang="ru", countries=["ML"])
        with archive.engine.begin() as conn:
            write_entries(conn, [decode(item_entry(item))])
        migrate.downgrade(archive.engine)   # 0004 -> 0003: the event_id columns go
        assert migrate.current(archive.engine) == "0003" and has_guid(archive.engine) and not has_event_id(archive.engine)
        migrate.downgrade(archive.engine)   # 0003 -> 0002: the guid column goes, the items and their facets stay
        assert migrate.current(archive.engine) == "0002" and not has_guid(archive.engine)
        with archive.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT fingerprint FROM items")).scalars().all() == [item.id]
            assert conn.execute(sa.text("SELECT count(*) FROM item_facets")).scalar_one() == 1
        assert [h.item_id for h in archive.search(SearchQuery("Бамако"))] == [item.id]
        migrate.downgrade(archive.engine)   # 0002 -> 0001: only the search index goes
        assert migrate.current(archive.engine) == "0001"
        assert not search_ready(archive.engine)
        with archive.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT fingerprint FROM items")).scalars().all() == [item.id]
        migrate.upgrade(archive.engine)
        assert migrate.current(archive.engine) == "0004" and has_guid(archive.engine) and has_event_id(archive.engine)
        assert [h.item_id for h in archive.search(SearchQuery("Бамако"))] == [item.id]
        [back] = archive.items_between(Window())
        assert back.id == item.id and back.guid is None   # dropped with the column
    finally:
        archive.close()


def test_upgrade_from_0003_keeps_items_and_alerts_and_archives_event_ids(archive_url):
    """A 0003 archive with an item and an alert upgraded to 0004: both stay, with no event id; a new item
    and alert keep theirs, and `story` finds the event's reports by the event id."""
    from newswatch.archive.records import alert_entry
    from newswatch.model.alert import Alert
    archive = Archive(archive_url)
    try:
        migrate.upgrade(archive.engine, "0003")
        assert not has_event_id(archive.engine)
        old = Item("wire", "Lavrov lands in Bamako", "He arrived on Tuesday.", url="https://example.org/1").finish()
        alert = Alert(id="a-old", rule_id="visit", rule_title="Visit", severity="high", item_id=old.id,
                      source_id="wire", title=old.title, url=old.url, published=None, summary="", channels=["desk"],
                      created_at="2023-02-07T09:00:00+00:00", event_id="visit-old")
        with archive.engine.begin() as conn:
            conn.execute(old_items(archive.engine).insert(), [{**record_without_guid(old), "guid": None}])
            alert_record = decode(alert_entry(alert)).record
            del alert_record["event_id"]
            conn.execute(sa.Table("alerts", sa.MetaData(), autoload_with=archive.engine).insert(), [alert_record])
        archive.ready()
        assert migrate.current(archive.engine) == "0004" and has_event_id(archive.engine)
        ru = Item("tass", "Лавров прилетел в Мали", "Глава МИД России прилетел в Бамако.",
                  url="https://example.org/ru").finish()
        ru.lang, ru.event_id, ru.story_id = "ru", "visit-" + old.id, ru.id
        fr = Item("abamako", "Lavrov en visite à Bamako", "Il est arrivé lundi soir.",
                  url="https://example.org/fr").finish()
        fr.lang, fr.event_id, fr.story_id = "fr", "visit-" + old.id, fr.id
        archive.write([decode(item_entry(ru)), decode(item_entry(fr)),
                       decode(alert_entry(Alert.from_dict({**alert.to_dict(), "id": "a-new", "event_id": ru.event_id})))])
        with archive.engine.connect() as conn:
            got = dict(conn.execute(sa.text("SELECT alert_id, event_id FROM alerts")).all())
            assert conn.execute(sa.text("SELECT event_id FROM items WHERE fingerprint = :f"), {"f": old.id}
                                ).scalar_one() is None
        assert got == {"a-old": None, "a-new": ru.event_id}
        reports = archive.story(ru.event_id)    # two stories, one event
        assert [(r.source, r.lang, r.event_id) for r in reports] == [("tass", "ru", ru.event_id),
                                                                     ("abamako", "fr", ru.event_id)]
        assert [r.item_id for r in archive.story(fr.id)] == [fr.id]   # by a story id: that story alone
    finally:
        archive.close()


def test_downgrade_to_empty_removes_every_table(archive_url):
    archive = Archive(archive_url)
    try:
        archive.ready()
        migrate.downgrade(archive.engine, "base")
        assert migrate.current(archive.engine) is None
        assert tables(archive.engine) & {"items", "item_facets", "alerts", "alert_deliveries"} == set()
    finally:
        archive.close()


def test_head_and_current_read_without_alembic_are_alembics(archive_url):
    """`head` (the migration files' revision lines) and `current` (one SELECT) are what Alembic says,
    at every revision: the start of a process with an archive up to date does not import Alembic."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    assert migrate.head() == ScriptDirectory.from_config(migrate._config()).get_current_head()
    archive = Archive(archive_url)
    try:
        for revision in [None, *migrate.revisions()]:
            if revision is not None:
                migrate.upgrade(archive.engine, revision)
            with archive.engine.connect() as conn:
                alembic_says = MigrationContext.configure(
                    conn, opts={"version_table": migrate.VERSION_TABLE}).get_current_revision()
            assert migrate.current(archive.engine) == alembic_says == revision
    finally:
        archive.close()
