"""StoryDeduplicator against the real Redis, with real text: the seed Telegram post and real feed items."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newswatch.model.item import Item
from newswatch.store.state import State, connect
from newswatch.pipeline.stories import StoryDeduplicator, fingerprint_text, lead, sketch, story_reports, words
from workers.sources.feeds.parse import parse_feed

SEED = "lavrov-bamako-telegram-post.txt"
FEEDS = "feeds/world-2026-02"
PUBLISHED = datetime(2026, 2, 17, 12, 0, tzinfo=timezone.utc)


def seed_original(data_dir: Path) -> Item:
    """The story as the newspaper's feed would carry it: headline, body, no Telegram tail."""
    lines = (data_dir / "seed" / SEED).read_text(encoding="utf-8").strip().splitlines()
    body = "\n".join(line for line in lines[1:] if not line.startswith("read more"))
    return Item(source_id="aawsat", title="Russia steps up its policy in West Africa as Lavrov visits Bamako",
                text=body, url="https://english.aawsat.com/arab-world/lavrov-bamako", published=PUBLISHED).finish()


def seed_post(data_dir: Path, channel_post: int = 4242, titled: bool = True) -> Item:
    """The real Telegram post: "(AFP)" first line, the body, "read more in our Telegram-channel";
    titled like the Telegram sources do, by its first line (or untitled)."""
    text = (data_dir / "seed" / SEED).read_text(encoding="utf-8")
    title = text.split("\n", 1)[0] if titled else ""
    return Item(source_id="intl-affairs", title=title, text=text, published=PUBLISHED,
                url=f"https://t.me/The_International_Affairs/{channel_post}").finish()


def feed_item(data_dir: Path, feed: str, title_start: str) -> Item:
    path = next((data_dir / FEEDS).glob(f"{feed}*.xml"))
    return next(i for i in parse_feed(path.read_bytes(), path.name).items if i.title.startswith(title_start))


def variant(item: Item, source_id: str, *, title: str | None = None, text: str | None = None,
            url: str | None = None) -> Item:
    return Item(source_id=source_id, title=item.title if title is None else title,
                text=item.text if text is None else text, url=url or f"https://{source_id}.example/{item.id}",
                published=item.published).finish()


def same_story(stage: StoryDeduplicator, first: Item, *later: Item) -> bool:
    for item in (first, *later):
        stage.process([item])
    return all(i.story_id == first.id for i in later) and first.story_first is True


@pytest.mark.parametrize("titled", [True, False])
def test_telegram_repost_of_the_seed_story_is_the_same_story(state, data_dir, titled):
    stage = StoryDeduplicator(state)
    original, post = seed_original(data_dir), seed_post(data_dir, titled=titled)
    assert same_story(stage, original, post)
    assert post.story_first is False and post.story_similarity >= stage.threshold
    assert stage.hits == {"new_story": 1, "near_duplicate": 1}


@pytest.mark.parametrize("change", ["afp_prefix", "reuters_dateline", "telegram_tail", "new_headline", "cut_half"])
def test_reposts_of_a_short_wire_item_stay_one_story(state, data_dir, change):
    """A real 30-word AP item (Japan Today), changed the way reposts change things."""
    item = feed_item(data_dir, "japantoday", "Peru's Congress removes interim President")
    text, title = item.text, None
    if change == "afp_prefix":
        text = "(AFP) — " + text
    elif change == "reuters_dateline":
        text = "LIMA, Feb 17 (Reuters) - " + text
    elif change == "telegram_tail":
        text = text + "\n\nread more in our Telegram-channel https://t.me/The_International_Affairs"
    elif change == "new_headline":
        title = "Jerí ousted: Congress votes out Peru's interim leader"
    elif change == "cut_half":
        text = " ".join(text.split()[: len(text.split()) // 2])
    copy = variant(item, "repost-channel", title=title, text=text)
    assert copy.id != item.id
    assert same_story(StoryDeduplicator(state), item, copy), change


def test_tracking_parameters_on_the_link_are_the_same_story(state):
    first = Item(source_id="desk-a", guid="1001", title="Floods close the port", text="Heavy rain ...",
                 url="https://news.example.org/world/floods?id=7&utm_source=rss&utm_medium=feed").finish()
    again = Item(source_id="desk-b", guid="x-77", title="Port shut", text="Nothing in common with the first",
                 url="https://NEWS.example.org/world/floods?fbclid=abc&id=7#top").finish()
    stage = StoryDeduplicator(state)
    assert first.id != again.id and same_story(stage, first, again)
    assert stage.hits["same_url"] == 1


@pytest.mark.parametrize("feed_a,title_a,feed_b,title_b", [
    ("npr", "US and Iran to meet for second round", "cbsnews", "U.S. and Iran wrap up second round"),
    ("abcnews", "Australians with alleged IS ties are turned back", "japantoday", "Australia won't repatriate 34"),
    ("japantoday", "Iran’s top diplomat to attend", "japantoday", "Iran meets U.N. nuclear watchdog"),
    ("ndtv", "Tarique Rahman's Oath-Taking Ceremony", "ndtv", "Why Jamaat, NCP Boycotted"),
])
def test_different_stories_on_one_topic_the_same_day_stay_apart(state, data_dir, feed_a, title_a, feed_b, title_b):
    a, b = feed_item(data_dir, feed_a, title_a), feed_item(data_dir, feed_b, title_b)
    StoryDeduplicator(state).process([a, b])
    assert a.story_id == a.id and b.story_id == b.id and b.story_first is True


def test_copies_inside_one_batch_are_grouped(state, data_dir):
    original, post = seed_original(data_dir), seed_post(data_dir)
    other = feed_item(data_dir, "japantoday", "Peru's Congress removes interim President")
    stage = StoryDeduplicator(state)
    assert stage.process([original, other, post]) == [original, other, post]  # drops nothing
    assert post.story_id == original.id and other.story_id == other.id


def test_workers_share_stories_and_racing_copies_make_one_story(state, redis_url, key_prefix, data_dir):
    worker_a, worker_b = StoryDeduplicator(state), StoryDeduplicator(State(connect(redis_url), key_prefix))
    original = seed_original(data_dir)
    worker_a.process([original])
    later = seed_post(data_dir)
    worker_b.process([later])
    assert later.story_id == original.id
    # two workers, two copies of a new story, at the same moment: one story, one first copy
    item = feed_item(data_dir, "abcnews", "Peru's Congress removes interim President")
    copies = [variant(item, f"channel-{n}", text="(AFP) — " + item.text) for n in range(2)]
    barrier = threading.Barrier(2)
    stages = [StoryDeduplicator(State(connect(redis_url), key_prefix)) for _ in copies]

    def run(stage, copy):
        barrier.wait()
        stage.process([copy])

    threads = [threading.Thread(target=run, args=pair) for pair in zip(stages, copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len({c.story_id for c in copies}) == 1
    assert sorted(c.story_first for c in copies) == [False, True]


def test_window_keys_expire_and_an_old_story_is_not_reopened(state, data_dir):
    window, now = 600.0, [time.time()]
    stage = StoryDeduplicator(state, window=window, clock=lambda: now[0])
    original, post = seed_original(data_dir), seed_post(data_dir)
    stage.process([original])
    keys = list(state.r.scan_iter(f"{state.keys.prefix + ':story'}:*"))
    assert keys and all(0 < state.r.ttl(k) <= window * 2 for k in keys)  # a slot is one window long
    assert 0 < state.r.ttl(state.keys.story_reports(original.id)) <= window
    now[0] += window + 1  # the story's last copy is older than the window
    stage.process([post])
    assert post.story_id == post.id and post.story_first is True


def test_a_copy_inside_the_window_extends_it(state, data_dir):
    window, now = 600.0, [time.time()]
    stage = StoryDeduplicator(state, window=window, clock=lambda: now[0])
    original = seed_original(data_dir)
    copies = [seed_post(data_dir, n) for n in (1, 2)]
    stage.process([original])
    now[0] += window * 0.9
    stage.process([copies[0]])
    now[0] += window * 0.9  # 1.8 windows after the original, 0.9 after the last copy
    stage.process([copies[1]])
    assert [c.story_id for c in copies] == [original.id, original.id]


def test_a_copy_published_long_after_the_story_starts_a_new_one(state, data_dir):
    """Replayed or resurfacing text: the story's publication date must be within the window too."""
    stage = StoryDeduplicator(state, window=3600)
    original, post = seed_original(data_dir), seed_post(data_dir)
    post.published = original.published.replace(day=original.published.day + 1)
    stage.process([original, post])
    assert post.story_id == post.id


def test_reports_list_every_copy_once_first_first(state, data_dir):
    stage = StoryDeduplicator(state)
    original, post = seed_original(data_dir), seed_post(data_dir)
    stage.process([original])
    stage.process([post])
    stage.process([post])  # a re-poll of the same post adds no second report
    reports = story_reports(state, original.id)
    assert [(r["source_id"], r["url"], r["item_id"]) for r in reports] == [
        ("aawsat", original.url, original.id), ("intl-affairs", post.url, post.id)]
    assert reports[0]["title"] == original.title and reports[0]["published"] == PUBLISHED.isoformat()
    assert reports[0]["seen_at"] <= reports[1]["seen_at"]
    assert story_reports(state, "no-such-story") == []


def test_without_redis_the_batch_is_grouped_alike(state, data_dir):
    items = [seed_original(data_dir), feed_item(data_dir, "abcnews", "Peru's Congress removes"),
             seed_post(data_dir), feed_item(data_dir, "japantoday", "Peru's Congress removes")]
    StoryDeduplicator(None).process(items)
    local = [i.story_id for i in items]
    StoryDeduplicator(state).process(items)
    assert [i.story_id for i in items] == local == [items[0].id, items[1].id, items[0].id, items[1].id]


def test_index_is_compact_and_under_the_prefix(state, key_prefix, data_dir):
    stage = StoryDeduplicator(state)
    stage.process([seed_original(data_dir), seed_post(data_dir)])
    keys = list(state.r.scan_iter("*" + key_prefix + "*"))
    assert keys and all(k.startswith(f"{key_prefix}:story:") for k in keys)
    index = [k for k in keys if ":story:ix:" in k]
    assert index and {state.r.object("encoding", k) for k in index} == {"listpack"}  # small int-keyed hashes


def test_empty_items_and_bad_settings(state):
    empty = Item(source_id="s", title="", text="").finish()
    StoryDeduplicator(state).process([empty])
    assert empty.story_id == empty.id
    with pytest.raises(ValueError, match=r"threshold in \(0, 1\] \(got 1.5\)"):
        StoryDeduplicator(state, threshold=1.5)
    with pytest.raises(ValueError, match=r"window must be > 0 s \(got 0\)"):
        StoryDeduplicator(state, window=0)


def test_boilerplate_is_not_part_of_the_fingerprint():
    cases = {
        "(AFP) — Lavrov arrived in Bamako.": "Lavrov arrived in Bamako.",
        "KHARTOUM: A drone attack hit a market.": "A drone attack hit a market.",
        "By Laila Bassam and Tala Ramadan\n\nDUBAI, Feb 17 (Reuters) - Armed group Hezbollah rejected":
            "Armed group Hezbollah rejected",
        "[Capital FM] Nairobi -- Aviation workers have suspended": "Aviation workers have suspended",
        "JERUSALEM / ISLAMABAD: As Pakistan denounced": "As Pakistan denounced",
        "Police said the suspect died.\n\nThe post Suspect identified appeared first on Boston.com.":
            "Police said the suspect died.",
        "A group of 34 women.\n\n(Image credit: Baderkhan Ahmad)": "A group of 34 women.",
        "Europe vowed a response.\n\n[time-brightcove not-tgx=”true”]\n\nTrump said":
            "Europe vowed a response. Trump said",
        "Lavrov in Bamako. read more in our Telegram-channel https://t.me/The_International_Affairs":
            "Lavrov in Bamako",
        "Subscribe to our channel!\nLavrov met Goita.\nFollow us on X": "Lavrov met Goita.",
        # not a dateline: an ordinary first sentence with dashes stays whole
        "Washington - Lavrov said on Tuesday - again - that": "Washington - Lavrov said on Tuesday - again - that",
    }
    for raw, kept in cases.items():
        assert words(fingerprint_text("", raw)[1]) == words(kept), raw
    assert fingerprint_text("BREAKING: Lavrov lands in Bamako (AFP)", "")[0] == "Lavrov lands in Bamako"
    # a post titled by its first line (clipped or not) does not count that line twice
    assert fingerprint_text("Lavrov in Bamako", "Lavrov in Bamako\nHe met Goita.")[1] == "He met Goita."
    assert fingerprint_text("Lavrov in Bamako (AFP).", "Lavrov in Bamako (AFP).\nHe met Goita.") == (
        "Lavrov in Bamako", "He met Goita.")
    assert fingerprint_text("Lavrov lands in Bamako on his…", "Lavrov lands in Bamako on his tour\nHe met Goita.")[1] \
        == "He met Goita."
    assert fingerprint_text("Peru", "Peru's Congress voted.")[1] == "Peru's Congress voted."  # a short title is not cut


def test_words_fold_case_accents_and_scripts():
    assert words("Peru’s Congress ousts José JERÍ") == ["peru", "s", "congress", "ousts", "jose", "jeri"]
    assert words("وَزِيرُ الخارجيـــة الروسي في باماكو") == words("وزير الخارجية الروسي في باماكو")
    assert words("أعلن إعلان آخر") == ["اعلن", "اعلان", "اخر"]
    assert words("Лавров прибыл в Бамако, ЁЛКА") == ["лавров", "прибыл", "в", "бамако", "елка"]
    assert words("拉夫罗夫抵达") == ["拉", "夫", "罗", "夫", "抵", "达"]
    assert lead("Lavrov in Bamako", "(AFP) — Russia is stepping up") == (["lavrov", "in", "bamako"],
                                                                       ["russia", "is", "stepping", "up"])
    title_only = Item(source_id="s", title="Lavrov in Bamako", text="").finish()
    values, shingle_count = sketch(title_only)
    assert shingle_count == 1 and len(values) == 1  # one word 3-gram
    values, shingle_count = sketch(Item(source_id="s", title="Lavrov", text="In Bamako today he met Goita").finish())
    assert shingle_count == 1 + 4 and values == sorted(values)  # a 1-word title counts whole
