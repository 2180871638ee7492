"""Whole-system helpers: real processes, real Redis, loopback HTTP and SMTP servers."""
import html
import os
import signal
import subprocess
import sys
import time
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

import pytest
import redis
import yaml

ROOT = Path(__file__).resolve().parents[2]
SEED_URL = "https://english.aawsat.com/world/lavrov-bamako"


def seed_item_xml(data_dir: Path, published: datetime | None = None, url: str = SEED_URL) -> str:
    """The seed story (tests/data/seed) as an RSS <item>, published now unless told otherwise."""
    lines = (data_dir / "seed" / "lavrov-bamako-telegram-post.txt").read_text(encoding="utf-8").strip().split("\n")
    when = format_datetime(published or datetime.now(timezone.utc))
    return (f"<item><title>{html.escape(lines[0].strip())}</title><link>{url}</link>"
            f"<guid isPermaLink=\"true\">{url}</guid><pubDate>{when}</pubDate>"
            f"<description>{html.escape(chr(10).join(lines[1:]))}</description></item>")


def feed_with_seed(data_dir: Path, name: str = "aljazeera_all__3f9eeff5039a008d.xml", **kw) -> bytes:
    """A real feed from tests/data/feeds with the seed story added as its newest item."""
    body = (data_dir / "feeds" / "world-2026-02" / name).read_bytes()
    at = body.index(b"<item>")
    return body[:at] + seed_item_xml(data_dir, **kw).encode("utf-8") + body[at:]


LAVROV_RULE = [{"id": "lavrov-bamako", "title": "Russian official visits a Sahel capital", "severity": "high",
                "when": {"all": [{"keywords": ["Lavrov"]}, {"keywords": ["Bamako", "Niamey"]}]},
                "notify": ["desk-email"]}]


def write_config(tmp_path: Path, settings: dict, rules: list | None = None) -> Path:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules if rules is not None else LAVROV_RULE))
    settings = {"rules": ["rules.yaml"], **settings}
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def email_channel(smtp, **extra) -> dict:
    return {"id": "desk-email", "type": "email", "host": "127.0.0.1", "port": smtp.port, "security": "none",
            "from": "alerts@newswatch.test", "to": ["desk@newswatch.test"], "timeout": "3s", **extra}


class Proc:
    """A `newswatch ...` subprocess with its output in files (so pipes never fill up)."""

    def __init__(self, tmp_path: Path, *args: str, env: dict | None = None, name: str | None = None,
                 web: bool = False):
        name = name or args[0]
        if args[:1] == ("run",) and not web:
            args = (*args, "--no-web")    # the desk's child only where a test is about it (tests/browser)
        self.out_path = tmp_path / f"{name}-{time.monotonic_ns()}.out"
        self.err_path = tmp_path / f"{name}-{time.monotonic_ns()}.err"
        self.proc = subprocess.Popen([sys.executable, "-m", "workers.cli", *args], cwd=ROOT,
                                     stdout=open(self.out_path, "wb"), stderr=open(self.err_path, "wb"),
                                     env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def terminate(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1, procs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    logs = "\n".join(f"--- {p.proc.args[3:]} stderr ---\n{p.stderr()[-4000:]}" for p in procs)
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{logs}")


@pytest.fixture
def procs(tmp_path):
    """Processes started by a test; anything left running is killed at the end."""
    started: list[Proc] = []

    def start(*args, **kw) -> Proc:
        p = Proc(tmp_path, *args, **kw)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()


@pytest.fixture
def rdb(redis_url):
    return redis.Redis.from_url(redis_url, decode_responses=True)


def deliveries(rdb, prefix: str) -> dict[str, dict]:
    """Delivery records (hashes), without their attempt logs (`...:log` lists)."""
    return {k: rdb.hgetall(k) for k in rdb.scan_iter(f"{prefix}:delivery:*") if not k.endswith(":log")}


TELEGRAM_CHANNEL = "The_International_Affairs"   # the channel the seed post came from (its last line)
_TG_FIXTURES = ROOT / "tests" / "fixtures" / "telegram"


def telegram_page_with_seed(data_dir: Path, post_id: int = 4242, published: datetime | None = None,
                            with_post: bool = True) -> bytes:
    """A t.me/s/<channel> page (the real capture `full.html` as the template) whose only post is the seed
    post, verbatim, dated `published` (now by default); `with_post=False`: the channel before it."""
    import copy
    from lxml import etree
    doc = etree.fromstring((_TG_FIXTURES / "full.html").read_bytes(), etree.HTMLParser(encoding="utf-8"))
    [history] = doc.xpath("//section[contains(@class, 'tgme_channel_history')]")
    wraps = history.xpath("./div[contains(@class, 'tgme_widget_message_wrap')]")
    [template] = [w for w in wraps if w.xpath(".//@data-post")[0].endswith("/70990")]  # a text-only post
    for wrap in wraps:
        history.remove(wrap)
    wrap = copy.deepcopy(template)
    [message] = wrap.xpath(".//div[@data-post]")
    message.set("data-post", f"{TELEGRAM_CHANNEL}/{post_id}")
    [text] = wrap.xpath(".//div[contains(@class, 'tgme_widget_message_text')]")
    for child in list(text):
        text.remove(child)
    lines = (data_dir / "seed" / "lavrov-bamako-telegram-post.txt").read_text(encoding="utf-8").strip().split("\n")
    text.text = lines[0]
    for line in lines[1:]:
        br = etree.SubElement(text, "br")
        br.tail = line
    for time_el in wrap.xpath(".//time[@datetime]"):
        time_el.set("datetime", (published or datetime.now(timezone.utc)).isoformat(timespec="seconds"))
    for link in wrap.xpath(".//a[contains(@href, 'topwar_official/70990')]"):
        link.set("href", f"https://t.me/{TELEGRAM_CHANNEL}/{post_id}")
    if with_post:
        history.append(wrap)
    return etree.tostring(doc, method="html", encoding="utf-8", doctype="<!DOCTYPE html>")
