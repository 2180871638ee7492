"""Rule replay over the archive at scale: N archived items with real Facts (the 591 items of the 18
world feeds of tests/data/feeds/world-2026-02 and the 297 excerpts of tests/data/collected/visits.jsonl,
each classified once by the real classifier, then archived again and again under new fingerprints,
spread over the last 7 days), then `newswatch test-rule config/rules/sahel.yaml --since 8d` run as a
user runs it (a process of its own, its JSON lines to /dev/null), timed from start to exit.

    python bench/bench_replay.py [--items 100000] [--backend sqlite|postgresql] [--url URL] [--folder DIR] [--jobs N]

Goal (issue #13): <= 30 s for the founding rules over 100,000 archived items. Prints the load rate,
the replay's wall time, items/s and the process's peak memory (it reads the archive in pages, so
memory does not grow with N).
"""
from __future__ import annotations

import argparse
import html
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import benchlib  # noqa: F401  (puts the repo on sys.path)

import yaml  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402

from newswatch.archive.database import Archive  # noqa: E402
from newswatch.archive.records import decode, item_entry  # noqa: E402
from newswatch.classify.classifier import Classifier  # noqa: E402
from newswatch.model.item import Item  # noqa: E402
from workers.sources.inputs import read_items  # noqa: E402

DAY = 86400.0
VISITS = benchlib.REPO / "tests" / "data" / "collected" / "visits.jsonl"
RULES = benchlib.REPO / "config" / "rules" / "sahel.yaml"


def real_items(cache: Path) -> list[Item]:
    """The corpus, classified once (Facts as the pipeline stores them)."""
    items = [item for feed in benchlib.feed_files() for item in read_items(str(feed))]
    for n, line in enumerate(VISITS.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        items.append(Item("visits", html.unescape(row["title"] or ""), row["text"], url=row["source"],
                          guid=f"visits-{n}").finish())
    classifier = Classifier.from_config_dir(benchlib.TABLES, cache_dir=cache)
    for item in items:
        item.facts = classifier.classify(item.title, item.text, declared_lang=item.lang)
        item.lang = item.facts.lang
    return items


def load(archive: Archive, corpus: list[Item], n: int, now: float) -> float:
    started, batch = time.perf_counter(), 2000
    for start in range(0, n, batch):
        entries = []
        for i in range(start, min(n, start + batch)):
            item = corpus[i % len(corpus)]
            item.id, item.guid = f"bench{i:010d}", f"bench-{i}"
            item.published = None
            item.fetched_at = datetime.fromtimestamp(now - 7 * DAY * (1 - i / n), timezone.utc)
            entries.append(decode(item_entry(item)))
        archive.write(entries)
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--url", help="postgresql: an empty database (default: nwbench_replay on 127.0.0.1)")
    parser.add_argument("--folder", help="a folder of an earlier run (its SQLite archive, its classifier cache)")
    parser.add_argument("--jobs", type=int, help="test-rule --jobs (default: its own)")
    args = parser.parse_args()
    print(benchlib.machine_header(f"rule replay, {args.items:,} items, {args.backend}"))
    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="nwbench-replay-"))
    if args.backend == "sqlite":
        url = URL.create("sqlite", database=str(folder / "archive.sqlite3"))
    else:
        url = make_url(args.url or "postgresql+psycopg://postgres@127.0.0.1:5432/nwbench_replay")
    archive = Archive(url)
    if archive.counts()["items"] < args.items:
        corpus = real_items(folder / "cache")
        print(f"corpus   {len(corpus)} real items, classified")
        print(f"load     {load(archive, corpus, args.items, time.time()):,.0f} items/s")
    print(f"size     {archive.counts()['items']:,} items")
    archive.close()
    config = folder / "newswatch.yaml"
    config.write_text(yaml.safe_dump({
        "state_dir": str(folder / "state"), "rules": [str(RULES)],
        "archive": {"url": url.render_as_string(hide_password=False)},
        "channels": [{"id": "console", "type": "stdout"},
                     {"id": "desk-email", "type": "email", "host": "127.0.0.1", "from": "a@example.org",
                      "to": ["b@example.org"]}]}))
    started = time.perf_counter()
    with open("/dev/null", "w") as sink:
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        proc = subprocess.run([sys.executable, "-m", "workers.cli", "test-rule", "-c", str(config), "--since", "8d", *jobs],
                              stdout=sink, stderr=subprocess.PIPE, text=True, cwd=benchlib.REPO, check=False)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"replay   {took:.1f} s, {args.items / took:,.0f} items/s, peak RSS {peak:.0f} MB (largest process), "
          f"exit {proc.returncode}")
    print(f"         {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ''}")


if __name__ == "__main__":
    main()
