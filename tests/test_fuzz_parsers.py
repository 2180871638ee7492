"""Fuzzing the three parsers of outside input (issue #16): feeds, t.me pages and rule files.

Real inputs (tests/data/feeds, tests/fixtures/telegram, the shipped and the broken rule files) are
mutated by Hypothesis (tests/support/fuzz.py). Each parser may fail only with the error it
documents, within a time bound, and what it returns is usable downstream:

- `parse_feed` raises only FeedParseError (what the source records in health); its items have a
  fingerprint, UTF-8-encodable strings (they go to Redis) and UTC dates, and never the content of
  a local file named by an external entity;
- `parse_page` raises only TelegramPageError (the source turns it into a SourceError), and every
  post it returns becomes an Item (`post_to_item`);
- `load_rules` returns rules or raises ConfigError (what `newswatch check` lists), every issue
  naming the file.

Every call must return within PER_CALL (2 s of CPU time). The run is derandomized: CI sees the same examples
each time; `NEWSWATCH_FUZZ=long` explores fifty times as many new ones.
"""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import yaml
from hypothesis import event, given, target
from hypothesis import strategies as st

from alerts.rules.conditions import CONDITIONS, GROUPS
from alerts.rules.loader import load_rules
from newswatch.config.yamlconf import ConfigError
from newswatch.model.item import Item
from tests.support.fuzz import (FEED_FIELDS, FEED_PROLOGS, FEED_SNIPPETS, PAGE_ENCODINGS, PAGE_FIELDS, PAGE_SNIPPETS,
                                PER_CALL, ROOT, TEST_TIMEOUT, fuzz_settings, mutated, mutated_tree, parts, read_all)
from workers.registry import load_config
from workers.sources.feeds.parse import FeedParseError, parse_feed
from workers.sources.telegram.html import TelegramPageError, parse_page
from workers.sources.telegram.web import post_to_item

pytestmark = pytest.mark.timeout(TEST_TIMEOUT)

FEEDS = read_all(ROOT / "tests" / "data" / "feeds", "*/*.[xra]*")
CAPTURES = read_all(ROOT / "tests" / "fixtures" / "telegram", "*.html")
# whole pages as they are; a fragment (a media block, a poll, a preview) inside a post of its own
PAGES = [capture if b"data-post=" in capture else
         b'<div class="tgme_channel_history"><div class="tgme_widget_message" data-post="chan/7"><div class='
         b'"tgme_widget_message_bubble">' + capture + b"</div></div></div>" for capture in CAPTURES]
RULE_FILES = (read_all(ROOT / "config", "rules/*.yaml") + read_all(ROOT / "config", "demo/rules.yaml")
              + read_all(ROOT / "tests" / "fixtures" / "config" / "invalid", "rules/*.yaml"))
SECRET_FILE_LINE = "root:x:0:0"     # /etc/passwd, named by the FEED_PROLOGS' external entity


def timed(call):
    """The call's result; it must take less than PER_CALL of this thread's CPU time (not wall time: the
    machine is shared, and a parser's cost is its CPU). Hypothesis is steered towards slow inputs."""
    started = time.thread_time()
    try:
        return call()
    finally:
        elapsed = time.thread_time() - started
        target(elapsed, label="CPU seconds per call")
        assert elapsed < PER_CALL.total_seconds(), f"took {elapsed:.2f}s of CPU (bound {PER_CALL.total_seconds():.0f}s)"


def check_item(item: Item) -> None:
    assert isinstance(item, Item) and item.id, item
    record = json.dumps(item.to_dict(), ensure_ascii=False, default=str)
    record.encode("utf-8")                                   # no lone surrogate: Redis takes it
    assert SECRET_FILE_LINE not in record
    assert item.published is None or item.published.utcoffset() == timedelta(0), item.published


# --- feeds -----------------------------------------------------------------------------------------

CONTENT_TYPES = [None, "application/rss+xml", "text/xml; charset=utf-8", "text/xml; charset=windows-1251",
                 "application/atom+xml; charset=bogus", "text/html; charset=utf-16", "text/xml; charset="]


@fuzz_settings(examples=150)
@given(body=mutated(FEEDS, FEED_SNIPPETS, FEED_PROLOGS, FEED_FIELDS),
       content_type=st.none() | st.sampled_from(CONTENT_TYPES), fast=st.sampled_from([True, True, False]))
def test_feed_parser_fails_only_with_feed_parse_error_in_bounded_time(body, content_type, fast):
    try:
        parsed = timed(lambda: parse_feed(body, "fuzz", content_type=content_type,
                                          base_url="https://feeds.example.org/world.xml", fast=fast))
    except FeedParseError as exc:
        assert str(exc)
        event(f"FeedParseError: {str(exc)[:30]}")
        return
    event(f"parsed by {parsed.parser}, {'some' if parsed.items else 'no'} items")
    for item in parsed.items:
        check_item(item)


# --- t.me pages ------------------------------------------------------------------------------------

@fuzz_settings(examples=250)
@given(body=mutated(PAGES, PAGE_SNIPPETS, fields=PAGE_FIELDS), encoding=st.none() | st.sampled_from(PAGE_ENCODINGS))
def test_telegram_page_parser_fails_only_with_page_error_in_bounded_time(body, encoding):
    def parse() -> list[Item]:
        return [post_to_item(post, "fuzz") for post in parse_page(body, encoding).posts]
    try:
        items = timed(parse)
    except TelegramPageError as exc:
        assert exc.reason
        event(f"TelegramPageError: {exc.reason[:30]}")
        return
    event(f"{'some' if items else 'no'} posts")
    for item in items:
        check_item(item)
        assert item.url.startswith("https://t.me/"), item.url


# --- rule files ------------------------------------------------------------------------------------

RULE_SNIPPETS = [
    b"- &a [*a]\n", b"- &a {id: x, when: *a}\n", b"[" * 5000, b"{a: " * 3000, b"- " * 3000 + b"x\n",
    b"? [a, b]\n: c\n", b"? {a: 1}\n: c\n", b"!!python/object/apply:os.system ['true']", b"!!binary AAAA",
    b"<<: *x\n", b"\t", b"%YAML 1.1\n---\n", b"---\n", b"...\n", b"\xff", b"${HOME}", b"${", b"${X:-",
    b"'(a+)+$'", b"'['", b"1e999", b".nan", b"0o777", b"~", b"'", b'"', b"- ", b":", b"&b ", b"*b",
    b"!!set {a, b}", b"!!omap [a: 1]", b"!!timestamp 2001-12-14", b"!custom x", b"realert: 99999999999999999d\n",
    b"2026-02-30", b"!!int abc", b"!!bool maybe", b"!!float x",
    b"x: &l [l,l,l,l,l,l,l,l,l]\ny: &m [*l,*l,*l,*l,*l,*l,*l,*l,*l]\nz: &n [*m,*m,*m,*m,*m,*m,*m,*m,*m]\n"
    b"w: [*n,*n,*n,*n,*n,*n,*n,*n,*n,*n,*n,*n,*n,*n,*n,*n,*n,*n,*n,*n]\n",
]
KINDS = list(GROUPS) + list(CONDITIONS)
WORDS = ["Lavrov", "Bamako", "ML", "RU", "FRA", "sahel", "capital", "country", "city", "visit", "happened",
         "official", "sentence", "24h", "-1h", "99999999999999d", "0s", "en", "wire", "state-media", "(a+)+$",
         "[", "", " ", "\u202e", "name", "kind", "region", "nationality", "role", "within", "scope", "modality"]
scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=20)
           | st.sampled_from(WORDS))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(WORDS + KINDS), inner, max_size=3), max_leaves=8)
conditions = st.recursive(
    st.dictionaries(st.sampled_from(KINDS), values, min_size=1, max_size=2),
    lambda inner: st.dictionaries(st.sampled_from(KINDS), st.lists(inner, max_size=3)
                                  | st.fixed_dictionaries({"within": values}, optional={"all": st.lists(inner)}),
                                  min_size=1, max_size=1), max_leaves=6)
rules = st.lists(st.fixed_dictionaries(
    {"id": st.sampled_from(["r1", "r2", "bad id", ""]) | st.text(max_size=10), "when": conditions},
    optional={"title": st.text(max_size=20), "severity": st.sampled_from(["high", "low", "bogus", 3]),
              "notify": st.sampled_from([["out"], [], ["nowhere"], "out", [None]]),
              "realert": st.sampled_from(["6h", "-1s", "99999999999999999d", 0, "abc", 1e308]),
              "enabled": values, "extra": values}), max_size=3)


def dumped(doc: object) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True).encode("utf-8")


SHIPPED_RULES = [yaml.safe_load(text) for text in RULE_FILES[:2]]   # config/rules/sahel.yaml, the demo's
rule_texts = st.one_of(
    mutated(RULE_FILES, RULE_SNIPPETS),                                          # the text, byte by byte
    mutated_tree(SHIPPED_RULES, st.sampled_from(parts(SHIPPED_RULES)) | values).map(dumped),   # value by value
    rules.map(dumped).flatmap(lambda text: mutated([text], RULE_SNIPPETS)))       # made up, then broken


WARM_UP = """- id: every-table
  title: every table loaded
  notify: [out]
  when:
    any: [city: Bamako, place: {name: Bamako}, country: ML, region: sahel, topic: visit, actor: Lavrov,
          lang: fr, source: wire, actor: {nationality: RU, role: official}]
"""


@pytest.fixture(scope="module")
def rules_config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-rules")
    (folder / "rules.yaml").write_text("[]\n")
    channels = [{"id": name, "type": "stdout"} for name in ("out", "desk-email", "console", "demo-console")]
    (folder / "newswatch.yaml").write_text(yaml.safe_dump({
        "channels": channels, "rules": ["rules.yaml"],
        "sources": [{"id": "wire", "type": "rss", "url": "http://127.0.0.1:9/wire.xml", "tags": ["state-media"]}]}))
    config = load_config(folder / "newswatch.yaml")
    (folder / "rules.yaml").write_text(WARM_UP)   # what the tables cost once per process, not per file
    assert len(load_rules(config, [folder / "rules.yaml"])) == 1
    return config, folder / "rules.yaml"


@fuzz_settings(examples=400)
@given(text=rule_texts)
def test_rule_loader_fails_only_with_config_error_in_bounded_time(rules_config, text):
    config, path = rules_config
    path.write_bytes(text)
    try:
        loaded = timed(lambda: load_rules(config, [path]))
    except ConfigError as exc:
        assert exc.issues and all(issue.file == str(path) and issue.message for issue in exc.issues), exc.issues
        event("ConfigError")
        return
    event(f"{'some' if loaded else 'no'} rules")
    assert all(rule.file == str(path) and rule.when is not None for rule in loaded)
