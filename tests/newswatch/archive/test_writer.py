"""Writing a batch, on both backends: once per fingerprint however often it comes, every column and
facet an item has, alerts with their evidence, delivery statuses that never go back in time."""
import json
import time
from datetime import datetime, timezone

import sqlalchemy as sa

from newswatch.archive.query import SearchQuery
from newswatch.archive.records import Entry, alert_entry, decode, delivery_entry, item_entry, to_json
from newswatch.archive.schema import items
from newswatch.archive.schema import TEXT_MAX_BYTES
from newswatch.classify.model import Facts
from newswatch.model.alert import Alert, Evidence
from newswatch.model.item import Item

PUBLISHED = datetime(2026, 2, 10, 9, 30, tzinfo=timezone.utc)


def lavrov_item(**kw) -> Item:
    item = Item("wire", "Lavrov lands in Bamako", "Sergei Lavrov arrived in Bamako on Monday.",
                url="https://example.org/lavrov?utm_source=x", published=PUBLISHED, lang="en", **kw).finish()
    item.facts = Facts(lang="en", countries=["ML"], mentioned=["ML", "RU"], regions=["sahel", "africa"],
                       topics=["diplomacy/visit"], cities=[{"id": "2460596", "name": "Bamako", "country": "ML",
                                                            "capital": True}],
                       actors=[{"id": "lavrov", "name": "Sergey Lavrov", "nationality": "RU", "role": "official"}])
    return item


def rows(archive, sql: str) -> list:
    with archive.engine.connect() as conn:
        return conn.execute(sa.text(sql)).all()


def test_an_item_is_written_once_whatever_comes_again(archive):
    item = lavrov_item()
    entries = [decode(item_entry(item))] * 2
    assert archive.write(entries).items == 1
    again = archive.write(entries + [decode(item_entry(lavrov_item()))])
    assert (again.items, again.items_known) == (0, 1)
    assert rows(archive, "SELECT count(*) FROM items") == [(1,)]
    assert rows(archive, "SELECT count(*) FROM item_facets") == [(10,)]


def test_what_an_item_keeps(archive):
    item = lavrov_item()
    archive.write([decode(item_entry(item))])
    [row] = rows(archive, "SELECT fingerprint, source, url, title, published, fetched, at, lang, story_id FROM items")
    assert row == (item.id, "wire", "https://example.org/lavrov", item.title, PUBLISHED.timestamp(),
                   item.fetched_at.timestamp(), PUBLISHED.timestamp(), "en", item.id)
    facets = set(rows(archive, "SELECT kind, value FROM item_facets"))
    assert facets == {("country", "ML"), ("mentioned", "ML"), ("mentioned", "RU"), ("region", "sahel"),
                      ("region", "africa"), ("topic", "diplomacy/visit"), ("topic", "diplomacy"), ("topic", "visit"),
                      ("city", "bamako"), ("actor", "lavrov")}
    [hit] = archive.search(SearchQuery("lavrov"))
    assert hit.cities[0]["name"] == "Bamako" and hit.actors[0]["role"] == "official"


def test_text_is_capped_on_a_character_boundary_and_nul_is_dropped(archive):
    text = "Бамако\x00 " + "я" * TEXT_MAX_BYTES   # two bytes a letter: the cap falls inside one
    item = Item("wire", "Long\x00", text, url="https://example.org/long").finish()
    archive.write([decode(item_entry(item))])
    [(title, stored)] = rows(archive, "SELECT title, text FROM items")
    assert title == "Long" and "\x00" not in stored and stored.startswith("Бамако ")
    assert len(stored.encode("utf-8")) <= TEXT_MAX_BYTES and stored.endswith("я")
    assert len(stored.encode("utf-8")) > TEXT_MAX_BYTES - 2


def stored_facts(archive) -> list:
    with archive.engine.connect() as conn:   # read through the column's JSON type, as the archive's readers do
        return conn.execute(sa.select(items.c.facts).order_by(items.c.id)).scalars().all()


def test_facts_travel_as_their_json_text_and_are_stored_as_the_object_they_were(archive):
    item = lavrov_item()
    item.facts.sentences = {"title": [(0, 22)]}   # tuples, a NUL, a backslash then "u0000": kept as JSON keeps them
    item.facts.actors[0]["name"] = "Сергей\x00 Лавров \\u0000"
    entry = decode(item_entry(item))
    assert isinstance(entry.record["facts"], str)
    expected = json.loads(json.dumps(item.facts.to_dict()))
    expected["actors"][0]["name"] = "Сергей Лавров \\u0000"
    assert json.loads(entry.record["facts"]) == expected and expected["sentences"] == {"title": [[0, 22]]}
    old = lavrov_item(guid="another")   # an entry queued before: its Facts an object inside the record
    legacy = Entry("item", {**decode(item_entry(old)).record, "facts": old.facts.to_dict()})
    assert archive.write([entry, legacy]).items == 2
    assert stored_facts(archive) == [expected, json.loads(json.dumps(old.facts.to_dict()))]


def test_to_json_drops_a_nul_only_where_json_wrote_one():
    for text in ("a\x00b", "\\u0000", "\\\x00", "x\\\\u0000y\x00", "\\\\\x00\\", "ok"):
        assert json.loads(to_json({"t": [text]})) == {"t": [text.replace("\x00", "")]}


def test_an_unclassified_item_has_no_facets_and_is_still_found(archive):
    item = Item("wire", "Niamey", "Без классификации", url="https://example.org/raw").finish()
    archive.write([decode(item_entry(item))])
    assert rows(archive, "SELECT facts, countries FROM items")[0][0] is None
    assert rows(archive, "SELECT count(*) FROM item_facets") == [(0,)]
    assert [h.item_id for h in archive.search(SearchQuery("классификации"))] == [item.id]
    assert len(archive.search(SearchQuery("niamey"))) == 1


def alert(**kw) -> Alert:
    return Alert(id="a1", rule_id="lavrov-bamako", rule_title="Lavrov in Bamako", severity="high", item_id="fp1",
                 source_id="wire", title="Lavrov lands in Bamako", url="https://example.org/lavrov", published=None,
                 summary="", channels=["desk", "console"], story_id="fp1",
                 evidence=[Evidence("when.all[0].keywords", "keywords", "Lavrov", "title", 0, 6, "lavrov", 0, ""),
                           Evidence("when.all[1].city", "city", "Bamako", "title", 16, 22, "bamako", 0,
                                    "Bamako (capital, ML, sahel)")], **kw)


def test_an_alert_keeps_its_evidence_explanation_and_a_delivery_per_channel(archive):
    assert archive.write([decode(alert_entry(alert()))] * 2).alerts == 1
    assert archive.write([decode(alert_entry(alert().to_dict()))]).alerts == 0
    [(rule, explanation, evidence)] = rows(archive, "SELECT rule_id, explanation, evidence FROM alerts")
    assert rule == "lavrov-bamako"
    assert explanation == "keywords: Lavrov · city: Bamako (capital, ML, sahel)"
    evidence = evidence if isinstance(evidence, list) else json.loads(evidence)
    assert [e["matched"] for e in evidence] == ["Lavrov", "Bamako"]
    assert sorted(rows(archive, "SELECT channel, status, attempts FROM alert_deliveries")) == [
        ("console", "pending", 0), ("desk", "pending", 0)]


def test_delivery_statuses_never_go_back_in_time(archive):
    now = time.time()
    sent = decode(delivery_entry("a1", "desk", "sent", attempts=2, at=now + 10))
    archive.write([sent])                                   # settled before its alert was archived
    archive.write([decode(alert_entry(alert()))])           # the alert's own "pending" does not undo it
    archive.write([decode(delivery_entry("a1", "desk", "failed", attempts=1, last_error="old", at=now + 5)),
                   decode(delivery_entry("a1", "console", "held", at=now + 3)),
                   decode(delivery_entry("a1", "console", "digested", at=now + 4))])
    assert sorted(rows(archive, "SELECT channel, status, attempts, last_error FROM alert_deliveries")) == [
        ("console", "digested", 0, None), ("desk", "sent", 2, None)]
    archive.write([decode(delivery_entry("a1", "desk", "failed", attempts=3, last_error="550 no such user",
                                         at=now + 20))])
    assert rows(archive, "SELECT status, attempts, last_error FROM alert_deliveries WHERE channel = 'desk'") == [
        ("failed", 3, "550 no such user")]
