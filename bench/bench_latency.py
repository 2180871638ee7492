"""End-to-end latency: an item appears in a locally served feed -> the webhook receives its alert.

    python bench/bench_latency.py [--items 200] [--interval 10] [--gap 0.5 1.5] [--seed 2026] [--cold]
                                  [--classify on|off]

Setup (in this process): a tests.support.http_server.LocalHTTPServer (TCP_NODELAY, see
benchlib.start_server) serving one RSS feed whose content follows a schedule fixed in advance:
item i is in the feed from its publish time on (the newest 50 items are listed, newest first,
then 5 older non-matching items that are there from the start, so the first poll is a normal one),
and a WebhookReceiver (bench_delivery.py) that records when each alert arrives (time.time()),
reading the item number from the alert JSON's `url`.

The system: `python -m workers.cli run -c CFG` (= `newswatch run`: the scheduler and one worker
child, default concurrency) against the external Redis at 127.0.0.1:6379 under a fresh key
prefix, one rss source with `interval: 10s`, one keyword rule (`keywords: [latencyprobe]`,
`realert: 0`), one webhook channel on the receiver. Classification on (the default) unless
`--classify off`; story dedup on (the default).

The items: real titles and descriptions from tests/data/feeds/world-2026-02, each title
prefixed "Latencyprobe <i>:" (unique, keyword-matching), a unique link and guid, pubDate =
publish time. After the first poll of the feed, items are published one by one at random gaps
(uniform --gap seconds), so they land at random points of the poll interval.

Latency = arrival at the receiver - publish time, per item. Also split into the wait for the
next poll (first feed response that listed the item - publish) and the processing after it
(arrival - that response). Prints median, p90, p99 (nearest rank) and max. Goal: p99 <=
interval + 2 s. Redis keys under the bench prefix are deleted at the end.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import escape

import benchlib  # noqa: E402  (puts the repo on sys.path)
import yaml
from bench_delivery import WebhookReceiver

KEYWORD = "latencyprobe"
FEED_PATH = "/latency/feed.xml"
LISTED = 50          # newest items listed in the feed
PRELUDE = 5          # non-matching corpus items in the feed from the start: the first poll is a normal one
BOOT_TIMEOUT = 180.0
TAIL = 60.0          # s to wait for the last alerts after the last publish


class ScheduledFeed:
    """The feed's content as a function of time; records every poll and which items it listed."""

    def __init__(self, base_url: str, run: str, corpus: list[tuple[str, str]], publish_at: list[float]):
        self.base_url, self.run = base_url, run
        self.corpus, self.publish_at = corpus, publish_at
        self.prelude_at = time.time() - 3600
        self.polls: list[float] = []                       # response times
        self.first_listed: dict[int, float] = {}           # item -> first response that listed it
        self._lock = threading.Lock()

    def link(self, i: int) -> str:
        return f"{self.base_url}/latency/{self.run}/item/{i}"

    def __call__(self, request):
        from tests.support.http_server import Response

        now = time.time()
        live = [i for i, t in enumerate(self.publish_at) if t <= now][-LISTED:]
        with self._lock:
            self.polls.append(now)
            for i in live:
                self.first_listed.setdefault(i, now)
        entries = "".join(self._entry(i) for i in reversed(live)) + "".join(map(self._prelude, range(PRELUDE)))
        body = (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>latency bench</title>'
                f"<link>{self.base_url}/latency/</link><description>scheduled items</description>"
                f"{entries}</channel></rss>").encode()
        return Response(body=body, headers={"Content-Type": "application/rss+xml; charset=utf-8"})

    def _prelude(self, k: int) -> str:
        title, text = self.corpus[-1 - k]
        link = f"{self.base_url}/latency/{self.run}/prelude/{k}"
        return (f"<item><title>{escape(title)}</title><link>{link}</link><guid>{link}</guid>"
                f"<description>{escape(text)}</description>"
                f"<pubDate>{formatdate(self.prelude_at - 60 * k, usegmt=True)}</pubDate></item>")

    def _entry(self, i: int) -> str:
        title, text = self.corpus[i % (len(self.corpus) - PRELUDE)]
        return (f"<item><title>{escape(f'Latencyprobe {i}: {title}')}</title><link>{self.link(i)}</link>"
                f"<guid isPermaLink=\"true\">{self.link(i)}</guid><description>{escape(text)}</description>"
                f"<pubDate>{formatdate(self.publish_at[i], usegmt=True)}</pubDate></item>")


class Arrivals:
    """on_post hook of the receiver: first arrival time per item number."""

    def __init__(self, run: str):
        self.marker = f"/latency/{run}/item/"
        self.first: dict[int, float] = {}
        self.duplicates = 0
        self.unparsed = 0
        self._lock = threading.Lock()

    def __call__(self, path: str, headers, body: bytes, arrived: float) -> None:
        try:
            url = json.loads(body).get("url") or ""
            i = int(url.split(self.marker, 1)[1])
        except (ValueError, IndexError, AttributeError):
            with self._lock:
                self.unparsed += 1
            return
        with self._lock:
            if i in self.first:
                self.duplicates += 1
            else:
                self.first[i] = arrived


def corpus_texts() -> list[tuple[str, str]]:
    from workers.sources.feeds.parse import parse_feed

    out, seen = [], set()
    for name, body in benchlib.feed_bodies():
        for item in parse_feed(body, name).items:
            if item.title and item.title not in seen:
                seen.add(item.title)
                out.append((item.title, item.text[:600]))
    return out


def write_config(directory: Path, prefix: str, feed_url: str, hook_url: str, interval: float, classify: bool) -> Path:
    (directory / "rules.yaml").write_text(yaml.safe_dump([{
        "id": "latency-probe", "title": "Latency probe", "severity": "high", "realert": 0,
        "when": {"keywords": [KEYWORD]}, "notify": ["hook"]}], sort_keys=False))
    settings = {"redis_url": benchlib.REDIS_URL, "key_prefix": prefix, "state_dir": str(directory / "state"),
                "classify": {"enabled": classify},
                "sources": [{"id": "latency-feed", "type": "rss", "url": feed_url, "interval": f"{interval:g}s"}],
                "channels": [{"id": "hook", "type": "webhook", "url": hook_url}], "rules": ["rules.yaml"]}
    path = directory / "newswatch.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary_line(name: str, values: list[float]) -> str:
    return (f"  {name:<34} median {statistics.median(values):6.2f} s  p90 {nearest_rank(values, 0.90):6.2f} s  "
            f"p99 {nearest_rank(values, 0.99):6.2f} s  max {max(values):6.2f} s  min {min(values):6.2f} s")


def wait_for(condition, timeout: float, what: str, proc) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise RuntimeError(f"newswatch run exited ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


def measure(args, server, receiver, arrivals: Arrivals, feed: ScheduledFeed, cfg: Path, workdir: Path) -> dict:
    """Start `newswatch run`, publish on schedule, wait for the alerts; returns the raw figures."""
    with open(workdir / "run.out", "wb") as out, open(workdir / "run.err", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "workers.cli", "run", "-c", str(cfg)], cwd=benchlib.REPO,
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            started = time.time()
            if args.cold:
                # cold start: publishing begins 1 s after `newswatch run` was started, with an empty
                # state_dir, so the worker's start (classifier build, rule compile) is inside the figures.
                t0 = started + 1.0
            else:
                wait_for(lambda: feed.polls, BOOT_TIMEOUT, "the first poll", proc)
                # steady state: publishing starts 2 s after the second poll. Gaps are random, so the
                # items land at random points of the interval.
                wait_for(lambda: len(feed.polls) >= 2, BOOT_TIMEOUT, "the second poll", proc)
                t0 = time.time() + 2.0
            rng = random.Random(args.seed)
            at = t0
            for i in range(args.items):
                at += rng.uniform(*args.gap)
                feed.publish_at[i] = at
            meter = benchlib.CpuMeter().start()
            last = feed.publish_at[-1]
            wait_for(lambda: len(feed.polls) >= 2, BOOT_TIMEOUT, "the second poll", proc)
            boot = feed.polls[0] - started
            print(f"run      boot to first poll {boot:.1f} s, to second poll {feed.polls[1] - started:.1f} s; "
                  f"publishing {args.items} items from "
                  f"{time.strftime('%H:%M:%S', time.localtime(t0))} ({t0 - started:.1f} s after the start"
                  f"{', cold' if args.cold else ''}) over {last - t0:.0f} s", flush=True)
            wait_for(lambda: len(arrivals.first) >= args.items or time.time() > last + TAIL, last - time.time()
                     + TAIL + 30, "the alerts", proc)
            busy = meter.stop()
        finally:
            benchlib.stop_process(proc)
    return {"boot": boot, "busy": busy, "exit": proc.returncode}


def report(args, feed: ScheduledFeed, arrivals: Arrivals, raw: dict) -> bool:
    got = sorted(arrivals.first)
    missing = [i for i in range(args.items) if i not in arrivals.first]
    latency = [arrivals.first[i] - feed.publish_at[i] for i in got]
    wait = [feed.first_listed[i] - feed.publish_at[i] for i in got if i in feed.first_listed]
    after = [arrivals.first[i] - feed.first_listed[i] for i in got if i in feed.first_listed]
    polls = [b - a for a, b in zip(feed.polls[1:], feed.polls[2:])]
    print(f"\nresults  {len(got)}/{args.items} alerts received ({arrivals.duplicates} duplicates, "
          f"{arrivals.unparsed} unparsed); missing {missing[:10]}{' ...' if len(missing) > 10 else ''}")
    print(f"         machine busy during the run: {raw['busy']['cpu']:.0%} (cpu0 {raw['busy'].get('cpu0', 0):.0%}, "
          f"cpu1 {raw['busy'].get('cpu1', 0):.0%}); newswatch run exit code {raw['exit']}")
    print(f"         {len(feed.polls)} polls; gaps between polls: median {statistics.median(polls):.2f} s, "
          f"min {min(polls):.2f} s, max {max(polls):.2f} s from the second poll on (interval {args.interval:g} s; "
          f"APScheduler adds a jitter of 0 to +10%)")
    if not latency:
        print("no alert arrived: nothing to measure")
        return False
    print(summary_line("latency (arrival - publish)", latency))
    print(summary_line("  wait for the next poll", wait))
    print(summary_line("  poll response -> webhook", after))
    p99, goal = nearest_rank(latency, 0.99), args.interval + 2
    met = p99 <= goal and not missing
    print(f"goal     p99 <= interval + 2 s = {goal:g} s: {'MET' if met else 'NOT MET'} (p99 {p99:.2f} s"
          f"{f', {len(missing)} alerts missing' if missing else ''})")
    return met


def log_summary(path: Path, feed: ScheduledFeed, args) -> None:
    """What `newswatch run` logged about polls, and the long gaps between polls seen by the feed."""
    lines = path.read_text(errors="replace").splitlines()
    errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    events = Counter(m.group(1) for line in lines if (m := re.search(r" (poll_\w+)(?: |$)", line)))
    skipped = Counter(m.group(1) for line in lines if (m := re.search(r"poll_skipped .*reason=(\S+)", line)))
    print(f"         log: {dict(events)}; skipped by reason {dict(skipped)}; {len(errors)} ERROR/Traceback lines"
          + (f"; first: {errors[0][:300]}" if errors else ""))
    first = next((m.group(1) for line in lines if (m := re.search(r"poll_done .* ms=(\d+)", line))), "?")
    warm = next((m.group(1) for line in lines if (m := re.search(r"warm_up_done .*ms=(\d+)", line))), "?")
    print(f"         worker warm-up (classifier built or loaded, rules compiled) took {warm} ms; "
          f"the first poll took {first} ms")
    long = [(a, b - a) for a, b in zip(feed.polls, feed.polls[1:]) if b - a > args.interval * 1.1 + 0.5]
    for at, gap in long:
        when = time.strftime('%H:%M:%S', time.localtime(at)) + f".{int(at * 1000) % 1000:03d}"
        print(f"         long gap between polls: {gap:.2f} s after the one at {when}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--interval", type=float, default=10.0, help="the source's poll interval, s")
    parser.add_argument("--gap", type=float, nargs=2, default=(0.5, 1.5), help="random gap between items, s")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--classify", choices=["on", "off"], default="on")
    parser.add_argument("--cold", action="store_true",
                        help="publish from 1 s after the start (fresh state_dir) instead of after the second poll")
    parser.add_argument("--keep-log", metavar="PATH", help="copy newswatch run's log (stderr) here")
    args = parser.parse_args(argv)
    from newswatch.store.state import connect

    print(benchlib.machine_header("bench_latency"))
    print(f"load     {Path('/proc/loadavg').read_text().strip()} (/proc/loadavg at the start)")
    run, prefix = os.urandom(4).hex(), benchlib.new_prefix()
    server = benchlib.start_server(nodelay=True)
    feed = ScheduledFeed(server.base_url, run, corpus_texts(), [math.inf] * args.items)
    server.route(FEED_PATH, feed)
    arrivals = Arrivals(run)
    receiver = WebhookReceiver(on_post=arrivals).start()
    print(f"setup    feed {server.url(FEED_PATH)}, receiver {receiver.url('/hook')}, prefix {prefix}, "
          f"interval {args.interval:g} s, classify {args.classify}, {args.items} items, gaps "
          f"uniform({args.gap[0]:g}, {args.gap[1]:g}) s, seed {args.seed}")
    try:
        with tempfile.TemporaryDirectory(prefix="nw-latency-") as tmp:
            workdir = Path(tmp)
            cfg = write_config(workdir, prefix, server.url(FEED_PATH), receiver.url("/hook"), args.interval,
                               args.classify == "on")
            raw = measure(args, server, receiver, arrivals, feed, cfg, workdir)
            met = report(args, feed, arrivals, raw)
            log_summary(workdir / "run.err", feed, args)
            if args.keep_log:
                shutil.copy(workdir / "run.err", args.keep_log)
                print(f"         newswatch run's log kept in {args.keep_log}")
    finally:
        receiver.stop()
        server.stop()
        client = connect(benchlib.REDIS_URL)
        benchlib.delete_prefix(client, prefix)
        left = sum(1 for _ in client.scan_iter(match=f"{prefix}*"))
        print(f"redis: keys under {prefix} deleted" + (f" ({left} left!)" if left else ""))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
