"""The shipped Alembic migrations, on both backends: from an empty database to head, from the previous
revision (with rows in it) to head, and one step down and up again."""
import sqlalchemy as sa

from newswatch.archive import migrate
from newswatch.archive.database import Archive
from newswatch.archive.query import SearchQuery
from newswatch.archive.records import decode, item_entry
from newswatch.archive.schema import items
from newswatch.archive.writer import write_entries
from newswatch.model.item import Item


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def search_ready(engine: sa.Engine) -> bool:
    """0002 is there: FTS5's table (SQLite) or the tsvector column (PostgreSQL)."""
    if engine.dialect.name == "sqlite":
        return "items_fts" in tables(engine)
    return "search" in {c["name"] for c in sa.inspect(engine).get_columns("items")}


def test_two_revisions_ship_in_order():
    assert migrate.revisions() == ["0001", "0002"]
    assert migrate.head() == "0002"


def test_upgrade_from_empty_to_head(archive_url):
    archive = Archive(archive_url)
    try:
        assert migrate.current(archive.engine) is None
        archive.ready()
        assert migrate.current(archive.engine) == "0002"
        assert {"items", "item_facets", "alerts", "alert_deliveries", migrate.VERSION_TABLE} <= tables(archive.engine)
        assert search_ready(archive.engine)
        archive.ready()   # again: nothing to do
        assert migrate.current(archive.engine) == "0002"
    finally:
        archive.close()


def test_upgrade_from_the_previous_revision_indexes_what_is_there(archive_url):
    """A 0001 archive with items in it (written as 0001 had them, no search index) upgraded to head:
    the items it had are found by words."""
    archive = Archive(archive_url)
    try:
        migrate.upgrade(archive.engine, "0001")
        assert migrate.current(archive.engine) == "0001" and not search_ready(archive.engine)
        item = Item("wire", "Lavrov lands in Bamako", "The Russian foreign minister arrived on Tuesday.",
                    url="https://example.org/lavrov").finish()
        record = decode(item_entry(item)).record
        with archive.engine.begin() as conn:   # 0001's items table is schema.items: no search column, no FTS
            conn.execute(items.insert(), [record])
        archive.ready()
        assert migrate.current(archive.engine) == "0002" and search_ready(archive.engine)
        hits = archive.search(SearchQuery("minister bamako"))
        assert [h.item_id for h in hits] == [item.id]
    finally:
        archive.close()


def test_downgrade_one_step_and_up_again(archive_url):
    archive = Archive(archive_url)
    try:
        archive.ready()
        item = Item("wire", "Визит Лаврова", "Лавров прибыл в Бамако", url="https://example.org/ru").finish()
        with archive.engine.begin() as conn:
            write_entries(conn, [decode(item_entry(item))])
        migrate.downgrade(archive.engine)
        assert migrate.current(archive.engine) == "0001"
        assert not search_ready(archive.engine)
        with archive.engine.connect() as conn:   # the items stay; only the index went
            assert conn.execute(sa.text("SELECT fingerprint FROM items")).scalars().all() == [item.id]
        migrate.upgrade(archive.engine)
        assert migrate.current(archive.engine) == "0002"
        assert [h.item_id for h in archive.search(SearchQuery("Бамако"))] == [item.id]
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
