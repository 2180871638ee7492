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


def record_without_guid(item: Item) -> dict:
    """An item's row as the schema before 0003 held it: no guid, the facts as a JSON value (the queue
    entry carries them as JSON text, which the writer stores as they are)."""
    record = decode(item_entry(item)).record
    del record["guid"]
    if isinstance(record.get("facts"), str):
        record["facts"] = json.loads(record["facts"])
    return record


def test_three_revisions_ship_in_order():
    assert migrate.revisions() == ["0001", "0002", "0003"]
    assert migrate.head() == "0003"


def test_upgrade_from_empty_to_head(archive_url):
    archive = Archive(archive_url)
    try:
        assert migrate.current(archive.engine) is None
        archive.ready()
        assert migrate.current(archive.engine) == "0003"
        assert {"items", "item_facets", "alerts", "alert_deliveries", migrate.VERSION_TABLE} <= tables(archive.engine)
        assert search_ready(archive.engine) and has_guid(archive.engine)
        archive.ready()   # again: nothing to do
        assert migrate.current(archive.engine) == "0003"
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
        assert migrate.current(archive.engine) == "0003" and search_ready(archive.engine)
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
        assert migrate.current(archive.engine) == "0003" and has_guid(archive.engine)
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
        assert migrate.current(archive.engine) == "0003" and has_guid(archive.engine)
        assert [h.item_id for h in archive.search(SearchQuery("Бамако"))] == [item.id]
        [back] = archive.items_between(Window())
        assert back.id == item.id and back.guid is None   # dropped with the column
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
