"""TelegramWebSource against a real HTTP server on 127.0.0.1 serving the real t.me/s capture.

`Channel` serves the 12 posts of tests/fixtures/telegram/full.html the way t.me does: the newest
`page_size` posts at /s/<channel>, older ones with ?before=<id>, newer ones with ?after=<id>, each
page built from the capture itself (its head, header and channel info, with only the chosen post
widgets in its history). Posts "arrive" by raising `channel.newest`.
"""
from __future__ import annotations

import copy
import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from lxml import etree

from workers.sources.telegram.config import TelegramSourceConfig

from workers.registry import load_config
from tests.support.http_server import LocalHTTPServer, RecordedRequest, Response
from workers.polling import poll_once
from workers.runtime import Runtime
from workers.sources.base import SourceError
from workers.sources.http_fetch import HttpFetcher
from workers.sources.telegram.web import TelegramWebSource

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "telegram"
FULL = (FIXTURES / "full.html").read_bytes()
IDS = [70989, 70990, 70992, 70995, 70996, 70997, 70998, 70999, 71000, 71006, 71007, 71008]
PATH = "/s/topwar_official"
SECRET = "s3cret-base-url-pass"
_PARSER = etree.HTMLParser(encoding="utf-8")


class Channel:
    """The capture's posts served by id, like t.me/s/topwar_official."""

    def __init__(self, page_size: int = 20, newest: int = IDS[-1]):
        self.page_size = page_size
        self.newest = newest
        self.doc = etree.fromstring(FULL, _PARSER)
        [self.history] = self.doc.xpath("//section[contains(@class, 'tgme_channel_history')]")
        self.wraps = {}
        for wrap in self.history.xpath("./div[contains(@class, 'tgme_widget_message_wrap')]"):
            post_id = int(wrap.xpath(".//@data-post")[0].split("/")[1])
            self.wraps[post_id] = wrap
            self.history.remove(wrap)
        assert sorted(self.wraps) == IDS

    def page(self, ids: list[int]) -> bytes:
        doc = copy.deepcopy(self.doc)
        [history] = doc.xpath("//section[contains(@class, 'tgme_channel_history')]")
        for post_id in ids:
            history.append(copy.deepcopy(self.wraps[post_id]))
        return etree.tostring(doc, method="html", encoding="utf-8", doctype="<!DOCTYPE html>")

    def __call__(self, request: RecordedRequest) -> Response:
        live = [i for i in IDS if i <= self.newest]
        query = request.query
        if "before" in query:
            chosen = [i for i in live if i < int(query["before"])][-self.page_size:]
        elif "after" in query:
            chosen = [i for i in live if i > int(query["after"])][:self.page_size]
        else:
            chosen = live[-self.page_size:]
        return Response(body=self.page(chosen), headers={"Content-Type": "text/html; charset=utf-8"})


@pytest.fixture
def server():
    with LocalHTTPServer() as running:
        yield running


@pytest.fixture
def fetcher():
    with HttpFetcher(timeout=5.0) as made:
        yield made


def source(server, fetcher, *, base_url: str | None = None, **options) -> TelegramWebSource:
    config = TelegramSourceConfig(id="topwar", type="telegram", channel="@topwar_official",
                                  base_url=base_url or server.base_url, lang="ru", **options)
    return TelegramWebSource(config, fetcher)


def served(server, **options) -> Channel:
    channel = Channel(**options)
    server.route(PATH, channel)
    return channel


def ids_of(result) -> list[int]:
    return [int(item.url.rsplit("/", 1)[1]) for item in result.items]


def page_requests(server) -> list[str]:
    return [r.path for r in server.requests_for(PATH)]


# --- cursor and paging --------------------------------------------------------------------------------

def test_first_poll_reads_the_newest_page_only(server, fetcher):
    served(server, page_size=6)
    result = source(server, fetcher).poll({})
    assert ids_of(result) == IDS[-6:]
    assert result.cursor == {"last_id": "71008"}
    assert page_requests(server) == [PATH]
    assert result.detail["pages"] == 1 and "gap" not in result.detail
    first = result.items[0]
    assert first.url == first.guid == "https://t.me/topwar_official/70998"   # t.me, not the local server
    assert first.published == datetime(2023, 2, 28, 10, 29, 8, tzinfo=timezone.utc)
    assert first.extra["forwarded_from"] == {"name": "БелВПО", "url": "https://t.me/Belarus_VPO/34301"}
    assert first.title == "Новые ракетные корабли ВМФ РФ с Калибрами вышли на учения в Балтийское море"
    assert (first.source_id, first.lang) == ("topwar", "ru")


def test_catches_up_across_two_pages_without_gaps_or_repeats(server, fetcher):
    channel = served(server, page_size=6, newest=70990)
    src = source(server, fetcher)
    first = src.poll({})
    assert ids_of(first) == [70989, 70990] and first.cursor == {"last_id": "70990"}
    channel.newest = IDS[-1]                       # ten posts arrive: more than one page
    second = src.poll(first.cursor)
    assert ids_of(second) == IDS[2:]               # oldest first, each once, none at or below the cursor
    assert page_requests(server) == [PATH, PATH, f"{PATH}?before=70998"]
    assert second.cursor == {"last_id": "71008"}
    assert second.detail["pages"] == 2 and "gap" not in second.detail
    third = src.poll(second.cursor)
    assert third.items == [] and third.cursor == {"last_id": "71008"}
    assert page_requests(server)[3:] == [PATH]     # nothing new: one request


def test_nothing_at_or_below_the_cursor(server, fetcher):
    served(server, page_size=20)
    result = source(server, fetcher).poll({"last_id": "71006"})
    assert ids_of(result) == [71007, 71008]
    assert page_requests(server) == [PATH]


def test_cursor_moves_past_every_id_of_an_album(server, fetcher):
    channel = served(server, newest=71000)          # 71000 is an album of 71000..71005
    src = source(server, fetcher)
    first = src.poll({"last_id": "70999"})
    assert ids_of(first) == [71000] and first.cursor == {"last_id": "71005"}
    channel.newest = 71006
    assert ids_of(src.poll(first.cursor)) == [71006]


def test_max_pages_records_a_gap_and_moves_on(server, fetcher, caplog):
    served(server, page_size=3)
    with caplog.at_level(logging.WARNING, logger="workers.sources.telegram.web"):
        result = source(server, fetcher, max_pages=2).poll({"last_id": "70989"})
    assert ids_of(result) == IDS[-6:]
    assert page_requests(server) == [PATH, f"{PATH}?before=71006"]
    assert result.cursor == {"last_id": "71008"}
    assert result.detail["gap"] == ("read 2 pages (max_pages) without reaching the cursor: posts "
                                    "70990..70997 may be missing")
    [record] = [r for r in caplog.records if r.getMessage().startswith("telegram_gap")]
    assert "source_id=topwar" in record.getMessage() and "oldest_read=70998" in record.getMessage()


def test_an_unreadable_cursor_reads_the_newest_page_and_says_so(server, fetcher, caplog):
    served(server, page_size=4)
    with caplog.at_level(logging.WARNING, logger="workers.sources.telegram.web"):
        result = source(server, fetcher).poll({"last_id": "not-a-number"})
    assert ids_of(result) == IDS[-4:] and result.cursor == {"last_id": "71008"}
    assert any("telegram_cursor_invalid" in r.getMessage() for r in caplog.records)


def test_an_empty_channel_is_no_error(server, fetcher):
    channel = served(server)
    channel.newest = 0
    result = source(server, fetcher).poll({})
    assert result.items == [] and result.cursor == {}
    assert source(server, fetcher).poll({"last_id": "5"}).cursor == {"last_id": "5"}


# --- hostile pages: posts of other channels, ids far beyond the page's own ---------------------------------

FORGED_ID = 999999999999


class ForgingChannel(Channel):
    """The channel, with forged post widgets (another channel's, or this one's with a far id) added as the
    newest posts of every page."""

    def __init__(self, forged: list[str], **options):
        super().__init__(**options)
        self.forged = forged

    def page(self, ids: list[int]) -> bytes:
        doc = etree.fromstring(super().page(ids), _PARSER)
        [history] = doc.xpath("//section[contains(@class, 'tgme_channel_history')]")
        for ref in self.forged:
            wrap = copy.deepcopy(self.wraps[70990])
            wrap.xpath(".//div[@data-post]")[0].set("data-post", ref)
            history.append(wrap)
        return etree.tostring(doc, method="html", encoding="utf-8", doctype="<!DOCTYPE html>")


@pytest.mark.parametrize("forged", [f"other_channel/{FORGED_ID}", f"topwar_official/{FORGED_ID}"])
def test_a_forged_post_never_moves_the_cursor_and_later_posts_are_read(server, fetcher, forged, caplog):
    channel = ForgingChannel([forged], page_size=20, newest=70999)
    server.route(PATH, channel)
    src = source(server, fetcher)
    with caplog.at_level(logging.WARNING, logger="workers.sources.telegram.web"):
        first = src.poll({})
    assert ids_of(first) == IDS[:8] and first.cursor == {"last_id": "70999"}
    assert any("telegram_posts_refused" in r.getMessage() for r in caplog.records)
    channel.newest = IDS[-1]                       # real posts arrive: still read
    second = src.poll(first.cursor)
    assert ids_of(second) == IDS[8:] and second.cursor == {"last_id": "71008"}


def test_an_album_link_far_beyond_the_post_never_moves_the_cursor(server, fetcher):
    channel = served(server, newest=71000)          # 71000 is an album of 71000..71005
    wrap = channel.wraps[71000]
    wrap.xpath(".//a[contains(@href, '?single')]")[0].set("href", f"https://t.me/topwar_official/{FORGED_ID}?single")
    result = source(server, fetcher).poll({"last_id": "70999"})
    assert ids_of(result) == [71000] and int(result.cursor["last_id"]) < 71010


def test_a_poisoned_cursor_far_above_the_channel_is_reset(server, fetcher, caplog):
    served(server, page_size=4)
    with caplog.at_level(logging.WARNING, logger="workers.sources.telegram.web"):
        result = source(server, fetcher).poll({"last_id": str(FORGED_ID)})
    assert ids_of(result) == IDS[-4:] and result.cursor == {"last_id": "71008"}
    assert any("telegram_cursor_reset" in r.getMessage() for r in caplog.records)


# --- errors -------------------------------------------------------------------------------------------------

def poll_error(src, cursor: dict | None = None) -> SourceError:
    with pytest.raises(SourceError) as caught:
        src.poll(cursor or {})
    return caught.value


def test_404_is_channel_not_found(server, fetcher):
    error = poll_error(source(server, fetcher))     # nothing routed: the server answers 404
    assert error.reason == "channel @topwar_official not found (HTTP 404 Not Found)"
    assert error.permanent


def test_429_waits_as_told(server, fetcher):
    server.route(PATH, Response(status=429, headers={"Retry-After": "120"}))
    error = poll_error(source(server, fetcher))
    assert error.retry_after == 120
    assert error.reason == "rate limited reading @topwar_official (HTTP 429 Too Many Requests); waiting 120s as told"
    assert not error.permanent


def test_429_on_the_second_page_loses_nothing(server, fetcher):
    channel = served(server, page_size=6)
    server.route(f"{PATH}?before=70998", Response(status=429, headers={"Retry-After": "30"}))
    src = source(server, fetcher)
    assert poll_error(src, {"last_id": "70990"}).retry_after == 30
    server.route(f"{PATH}?before=70998", channel)   # the next poll starts again from the same cursor
    assert ids_of(src.poll({"last_id": "70990"})) == IDS[2:]


def test_500_is_a_server_error(server, fetcher):
    server.route(PATH, Response(status=500, body=b"oops"))
    error = poll_error(source(server, fetcher))
    assert error.reason == "server error reading @topwar_official (HTTP 500 Internal Server Error)"
    assert not error.permanent and error.retry_after is None


def test_changed_html_says_the_layout_changed(server, fetcher):
    changed = FULL.replace(b"tgme_widget_message", b"tgme_post").replace(b"tgme_channel_history", b"tgme_feed")
    server.route(PATH, Response(body=changed, headers={"Content-Type": "text/html; charset=utf-8"}))
    error = poll_error(source(server, fetcher))
    assert error.reason.startswith("cannot read the posts of @topwar_official: the page has no Telegram post list")
    assert "layout has changed" in error.reason


# A t.me card page: what t.me/<name> shows for a name without a public post list (t.me redirects
# /s/<name> there; the snscrape and RSSHub scrapers test for that redirect). Built for this test on the
# layout of t.me's card pages: tgme_page, tgme_page_title, tgme_page_extra; no post widgets.
CARD_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Telegram: Contact @topwar_official</title>"
             "</head><body><div class=\"tgme_page_wrap\"><div class=\"tgme_page\"><div class=\"tgme_page_title\">"
             "<span dir=\"auto\">Военное обозрение</span></div><div class=\"tgme_page_extra\">109 000 subscribers"
             "</div></div></div></body></html>").encode()


def test_a_channel_without_public_preview_redirected_to_its_card(server, fetcher):
    server.route(PATH, Response.redirect("/topwar_official", status=302))
    server.route("/topwar_official", Response(body=CARD_PAGE, headers={"Content-Type": "text/html; charset=utf-8"}))
    error = poll_error(source(server, fetcher))
    assert error.reason.startswith("@topwar_official has no public web preview (t.me sends "
                                   "/s/topwar_official to /topwar_official)")
    assert error.permanent


def test_a_card_page_served_at_s_is_no_preview_too(server, fetcher):
    server.route(PATH, Response(body=CARD_PAGE, headers={"Content-Type": "text/html; charset=utf-8"}))
    error = poll_error(source(server, fetcher))
    assert "has no public web preview" in error.reason and "card page" in error.reason


def test_reasons_never_show_a_password_in_base_url(server, fetcher, caplog):
    base = f"http://reader:{SECRET}@127.0.0.1:{server.port}"
    reasons = []
    with caplog.at_level(logging.DEBUG):
        for route in (None, Response(status=500), Response(status=429, headers={"Retry-After": "5"}),
                      Response(body=b"<html><body>nothing</body></html>"), Response.redirect("/elsewhere")):
            if route is not None:
                server.route(PATH, route)
            reasons.append(poll_error(source(server, fetcher, base_url=base)).reason)
    assert len(reasons) == 5 and all(SECRET not in r for r in reasons)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("workers", "newswatch"))]
    assert ours and not [m for m in ours if SECRET in m]   # (httpx's own INFO lines are silenced by setup_logging)


# --- the whole poll: Runtime, pipeline, Redis ---------------------------------------------------------

def test_through_poll_once_second_poll_is_quiet_and_a_new_post_is_the_only_news(tmp_path, server, redis_url,
                                                                                   key_prefix):
    channel = served(server, page_size=20, newest=71006)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump([{
        "id": "fsb-priorities", "title": "FSB priorities", "severity": "high",
        "when": {"all": [{"keywords": ["ФСБ"]}]}, "notify": ["console"]}], allow_unicode=True))
    config = tmp_path / "newswatch.yaml"
    config.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "max_age": "off", "classify": {"enabled": False},
        "sources": [{"id": "topwar", "type": "telegram", "channel": "https://t.me/topwar_official", "mode": "web",
                     "base_url": server.base_url, "interval": "2m", "lang": "ru"}],
        "channels": [{"id": "console", "type": "stdout"}], "rules": ["rules.yaml"]}))
    rt = Runtime(load_config(config), redis_url)
    try:
        deliveries = []
        first = poll_once(rt, "topwar", lambda alert, ch: deliveries.append((alert, ch)), force=True)
        assert (first.status, first.items, first.new, first.deliveries) == ("ok", 10, 10, [])
        assert rt.state.cursor("topwar") == {"last_id": "71006"}
        second = poll_once(rt, "topwar", lambda *a: deliveries.append(a), force=True)
        assert (second.status, second.items, second.new) == ("ok", 0, 0)
        channel.newest = 71007                     # Putin on the FSB's priorities
        third = poll_once(rt, "topwar", lambda *a: deliveries.append(a), force=True)
        assert (third.status, third.items, third.new) == ("ok", 1, 1)
        assert [ch for _, ch in deliveries] == ["console"]
        [alert] = [rt.alerts.alert(a) for a, _ in deliveries]
        assert (alert["url"], alert["source_id"]) == ("https://t.me/topwar_official/71007", "topwar")
        assert alert["published"] == "2023-02-28T13:02:00+00:00"
        assert alert["title"].startswith("Путин – о приоритетах ФСБ в 2023 году")
        assert rt.state.cursor("topwar") == {"last_id": "71007"}
        assert rt.state.health("topwar")["last_status"] == "ok"
    finally:
        rt.close()

