"""The web desk under load: the alerts and search pages' latency with a large archive, how soon a stored
alert is on a live page, and the web process's memory.

    python bench/bench_web.py [--items 1000000] [--sqlite PATH] [--alerts 2000] [--requests 200]

The archive is bench_archive.py's (N synthetic items with the real feeds' word frequencies, facets, over
90 days; `--sqlite PATH` keeps the file, and an existing file with enough items is reused). The alert log
gets `--alerts` alerts in Redis (127.0.0.1:6379, a key prefix of its own, deleted at the end), each with a
delivery. Then `newswatch web` runs as its own process (uvicorn, loopback, as `newswatch run` serves it)
and this process, a second one, times over HTTP:
  - GET /alerts (the page: newest 50 alerts with evidence, deliveries, reports) and GET /api/alerts;
  - GET /search?q=two words&country=XX&since=7d (the page, with facets) and GET /api/search, the words
    drawn as bench_archive.py's "typical" queries (each in 0.5%-5% of items);
  - stored -> shown: an SSE client on /api/alerts/stream; an alert is stored (AlertStore, as the
    dispatcher stores it) and the time until its event arrives is taken, 20 times;
  - the web process's VmRSS and VmHWM (peak) from /proc after all of it.
Goals (issue #15): pages p95 <= 300 ms at 1,000,000 items; an alert shown <= 2 s after it is stored;
resident memory <= 120 MB.
"""
from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import benchlib

import yaml  # noqa: E402
from sqlalchemy.engine import URL  # noqa: E402

from bench_archive import COUNTRIES, load, vocabulary  # noqa: E402
from newswatch.archive.database import Archive  # noqa: E402

REDIS = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_archive(path: Path, items: int) -> int:
    archive = Archive(URL.create("sqlite", database=str(path)))
    try:
        have = archive.counts()["items"]
        if have < items:
            vocab, weights = vocabulary()
            print(f"load     {load(archive, items - have, vocab, weights, time.time()):,.0f} items/s", flush=True)
        return int(archive.counts()["items"])
    finally:
        archive.close()


def store_alerts(prefix: str, n: int) -> None:
    from alerts.store import AlertStore
    from newswatch.store.state import State, connect
    store = AlertStore(State(connect(REDIS), prefix))
    for i in range(n):
        alert_id, payload = bench_alert(i)
        store.create_alert(alert_id, payload, ["desk-email"], 7 * 86400)
        store.update_delivery(alert_id, "desk-email", "sent", count_attempt=True)


def bench_alert(i: int) -> tuple[str, dict]:
    from newswatch.model.alert import Alert, Evidence
    title = f"Russian Foreign Minister Sergei Lavrov arrives in Bamako ({i})"
    alert = Alert(id=f"bench{i:08d}", rule_id="russian-official-visits-sahel-capital",
                  rule_title="Russian official visits a Sahel capital", severity="high", item_id=f"item{i}",
                  source_id=f"feed-{i % 50}", title=title, url=f"https://example.org/{i}", published=None,
                  summary="The minister was received by the transitional president. " * 8,
                  evidence=[Evidence("when.any[0].event", "event", "arrives", "title", 39, 46, "visit", 0,
                                     "visit (arrives): Sergey Lavrov (RU official) → Bamako (ML capital), happened"),
                            Evidence("when.any[0].event", "actor", "Sergei Lavrov", "title", 25, 38, "lavrov", 0,
                                     "visit (arrives): Sergey Lavrov (RU official) → Bamako (ML capital), happened"),
                            Evidence("when.any[0].event", "place", "Bamako", "title", 50, 56, "2460596", 0,
                                     "visit (arrives): Sergey Lavrov (RU official) → Bamako (ML capital), happened")],
                  channels=["desk-email"], story_id=f"item{i}")
    return alert.id, alert.to_dict()


def write_config(tmp: Path, prefix: str, archive: Path) -> Path:
    (tmp / "rules.yaml").write_text("[]\n")
    path = tmp / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "redis_url": REDIS, "key_prefix": prefix, "state_dir": str(tmp / "state"), "rules": ["rules.yaml"],
        "archive": {"url": f"sqlite:///{archive}"},
        "sources": [{"id": f"feed-{i}", "type": "rss", "url": f"http://127.0.0.1:9/{i}.xml"} for i in range(50)],
        "channels": [{"id": "desk-email", "type": "stdout"}]}))
    return path


def timed(url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as r:
            r.read()
            assert r.status == 200, (url, r.status)
        out.append((time.perf_counter() - started) * 1000)
    return out


def report(name: str, ms: list[float]) -> None:
    q = statistics.quantiles(ms, n=20)
    print(f"{name:28} p50 {statistics.median(ms):7.1f}  p95 {q[18]:7.1f}  max {max(ms):7.1f} ms  (n={len(ms)})",
          flush=True)


def stored_to_shown(base: str, prefix: str, rounds: int = 20) -> list[float]:
    from alerts.store import AlertStore
    from newswatch.store.state import State, connect
    store, seen, out = AlertStore(State(connect(REDIS), prefix)), {}, []
    stop = threading.Event()

    def listen() -> None:
        with urllib.request.urlopen(base + "/api/alerts/stream", timeout=60) as r:
            for raw in r:
                line = raw.decode()
                if line.startswith("data: ") and '"id": "live' in line and not stop.is_set():
                    alert_id = line.split('"id": "', 1)[1].split('"', 1)[0]
                    seen.setdefault(alert_id, time.perf_counter())
                if stop.is_set():
                    return

    threading.Thread(target=listen, daemon=True).start()
    time.sleep(1.5)
    for i in range(rounds):
        alert_id, payload = bench_alert(10_000_000 + i)
        alert_id = payload["id"] = f"live{i:04d}"
        started = time.perf_counter()
        store.create_alert(alert_id, payload, ["desk-email"], 3600)
        while alert_id not in seen and time.perf_counter() - started < 10:
            time.sleep(0.005)
        out.append((seen.get(alert_id, float("inf")) - started) * 1000)
        time.sleep(0.3)
    stop.set()
    return out


def memory(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) // 1024
    return fields


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--sqlite", help="the archive file (built if it has fewer items)")
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    print(benchlib.machine_header(f"web desk, {args.items:,} archived items, {args.alerts:,} alerts"))
    tmp = Path(tempfile.mkdtemp(prefix="nwbench-web-"))
    archive = Path(args.sqlite or tmp / "archive.sqlite3")
    print(f"archive  {build_archive(archive, args.items):,} items in {archive}", flush=True)
    prefix = f"benchweb{os.getpid()}"
    store_alerts(prefix, args.alerts)
    port = free_port()
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-m", "workers.cli", "web", "-c", str(write_config(tmp, prefix, archive)),
                             "--port", str(port)], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/api/me", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        print(f"started  {memory(proc.pid)}", flush=True)
        rng = random.Random(7)
        vocab, weights = vocabulary()
        total = sum(weights)
        pool = [w for w, c in zip(vocab, weights) if 0.005 < 1 - (1 - c / total) ** 140 < 0.05]
        queries = [urllib.parse.urlencode({"q": " ".join(rng.sample(pool, 2)), "country": rng.choice(COUNTRIES[:12]),
                                           "since": "7d"}) for _ in range(args.requests)]
        timed(base + "/alerts", 5)   # warm-up
        report("GET /alerts (page)", timed(base + "/alerts", args.requests))
        report("GET /api/alerts", timed(base + "/api/alerts", args.requests))
        report("GET /search (page)", [timed(f"{base}/search?{q}", 1)[0] for q in queries])
        report("GET /api/search", [timed(f"{base}/api/search?{q}", 1)[0] for q in queries])
        report("stored -> on the live page", stored_to_shown(base, prefix))
        print(f"memory   {memory(proc.pid)} MB (VmRSS now, VmHWM peak)", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
        from newswatch.store.state import connect
        r = connect(REDIS)
        keys = list(r.scan_iter(f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            r.delete(*keys[start:start + 1000])


if __name__ == "__main__":
    main()
