"""A feed item with a 9 MB title, through a real `newswatch run --once`: the item is clipped when the
pipeline takes it, so the alert in Redis is small, each chat gets one message, the email is small,
and the worker's memory stays bounded."""
import html
import os
import threading
import time
from pathlib import Path

from tests.e2e.conftest import LAVROV_RULE, email_channel, write_config
from tests.support.chat_apis import DiscordWebhook, TelegramBotAPI, utf16_len
from tests.support.http_server import LocalHTTPServer
from tests.support.smtp_server import LocalSMTPServer

BOT_TOKEN = "7391054826:AAHcanaryBotToken_neverShown-x9Zq7731"
TITLE_BYTES = 9_000_000


def huge_feed() -> bytes:
    words = "Lavrov lands in Bamako for talks on security and grain "
    title = "Lavrov in Bamako: " + words * (TITLE_BYTES // len(words))
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Wire</title>"
            "<link>https://wire.example/</link><item>"
            f"<title>{html.escape(title)}</title><link>https://wire.example/lavrov-bamako</link>"
            "<description>Sergey Lavrov arrived in Bamako on Monday.</description></item>"
            "</channel></rss>").encode()


def _children(pid: int) -> list[int]:
    try:
        found = []
        for task in os.listdir(f"/proc/{pid}/task"):
            found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        return found
    except OSError:
        return []


def _peak_rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


class PeakRss:
    """The highest peak RSS (VmHWM) of any process below `pid`, sampled until stopped."""

    def __init__(self, pid: int):
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            todo, seen = [self.pid], set()
            while todo:
                pid = todo.pop()
                if pid not in seen:
                    seen.add(pid)
                    self.peak_kb = max(self.peak_kb, _peak_rss_kb(pid))
                    todo += _children(pid)
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(5)
        return self.peak_kb


def test_a_9mb_title_makes_one_small_alert_and_one_message_per_chat(tmp_path, procs, redis_url, key_prefix, rdb):
    rule = [{**LAVROV_RULE[0], "notify": ["desk-email", "tg", "discord"]}]
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp, TelegramBotAPI(BOT_TOKEN) as tg, \
            DiscordWebhook() as discord:
        http.feed("/wire.xml", huge_feed())
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "max_age": "off", "classify": {"enabled": False},
            "sources": [{"id": "wire", "type": "rss", "url": http.url("/wire.xml")}],
            "channels": [email_channel(smtp),
                         {"id": "tg", "type": "telegram", "bot_token": BOT_TOKEN, "chat_id": -1001234567890,
                          "api_url": tg.base_url},
                         {"id": "discord", "type": "discord", "webhook_url": discord.url()}]}, rule)
        run = procs("run", "-c", str(cfg), "--once", "--timeout", "90s")
        peak = PeakRss(run.pid)
        code = run.proc.wait(150)
        peak_mb = peak.stop() / 1024
        assert code == 0, run.stderr()[-3000:]
        [alert_key] = [k for k in rdb.scan_iter(f"{key_prefix}:alert:*")]
        stored = rdb.get(alert_key)
        assert len(stored) <= 4000, stored[:3000]                   # was 9 MB
        [message] = tg.accepted                                     # was 10 messages
        assert message["text"].count("Lavrov in Bamako") == 1 and utf16_len(message["text"]) <= 4096
        [post] = discord.accepted                                   # was 10 messages
        assert len(post["content"]) <= 2000
        [mail] = smtp.received                                      # was 19 MB
        assert len(mail.raw) <= 200_000, len(mail.raw)
        assert "Lavrov in Bamako" in smtp.messages[0]["Subject"]
    assert "item_clipped source_id=wire" in run.stderr() and "fields=title" in run.stderr()
    assert peak_mb < 400, f"peak RSS of the process tree {peak_mb:.0f} MB"
