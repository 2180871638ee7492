"""Ingest with the archive on (SQLite, PostgreSQL) vs off, per core, in the same run (issue #13).

    python bench/bench_archive_ingest.py [--rounds 15] [--redis-url URL] [--pg-admin-url URL] [--profile MODE]

The realistic ingest: the 591 items of tests/data/feeds/world-2026-02 (18 feeds), each feed body one
poll, through what a worker does after the fetch. `parse_feed(body)`, then `workers.polling.process_items`
itself: clip, exact dedup and story dedup (Redis), age (off), CLASSIFY (the real classifier), match
(config/rules/sahel.yaml + config/demo/rules.yaml), dispatch, and the archive's two steps: the poll's new
items and alerts pushed to the Redis queue (json+zlib+base64 each), then the queue drained into the database
(one transaction per poll: items, facets, FTS5 / tsvector). Three runtimes, one per mode:

    off         the archive is not there (a null archiver: nothing pushed, nothing drained)
    sqlite      a file in a temp dir (WAL, synchronous=NORMAL: the default archive)
    postgresql  a fresh database on the PostgreSQL at 127.0.0.1:5432, dropped at the end

Rounds are interleaved (off, sqlite, postgresql, then the next order), each on fresh items: every item's
fingerprint is re-hashed with the round's number, and the mode's Redis keys are deleted after each round,
so exact and story dedup see 582 new items (the 9 others are copies inside the round) and the archive
inserts them all. The process is pinned to CPU 0. CPU is counted for every process that works: this one
(process_time), redis-server (a private one started here, unless --redis-url) and the PostgreSQL backends
of the bench's database (both from /proc/<pid>/task/*/schedstat, in ns). Items/s per core = items / (all
of that CPU). `--profile MODE` then runs 5 more rounds of MODE under cProfile (untimed).
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import os
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import benchlib  # noqa: E402  (puts the repo on sys.path)

import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import yaml  # noqa: E402

from newswatch.archive.archiver import DrainReport  # noqa: E402
from workers.polling import process_items  # noqa: E402
from workers.registry import load_config  # noqa: E402
from workers.runtime import Runtime  # noqa: E402
from workers.sources.feeds.parse import parse_feed  # noqa: E402

MODES = ("off", "sqlite", "postgresql")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RULES = (benchlib.REPO / "config" / "rules" / "sahel.yaml", benchlib.REPO / "config" / "demo" / "rules.yaml")
GOAL = 1.20   # at most 20% slower per core than "off"


class NullArchiver:
    """The archive off: a poll queues nothing and drains nothing."""

    def push_items(self, items, alerts) -> int:
        return 0

    def drain(self, budget: float = 5.0, force: bool = False) -> DrainReport:
        return DrainReport()


class TimedArchiver:
    """The runtime's own archiver, its two steps timed (client CPU, this thread)."""

    def __init__(self, inner):
        self.inner, self.push_cpu, self.drain_cpu = inner, 0.0, 0.0

    def push_items(self, items, alerts) -> int:
        t = time.thread_time()
        try:
            return self.inner.push_items(items, alerts)
        finally:
            self.push_cpu += time.thread_time() - t

    def drain(self, budget: float = 5.0, force: bool = False) -> DrainReport:
        t = time.thread_time()
        try:
            return self.inner.drain(budget=budget, force=force)
        finally:
            self.drain_cpu += time.thread_time() - t


@dataclass
class Round:
    wall: float
    client: float
    redis: float
    pg: float
    items: int
    new: int
    alerts: int
    push: float = 0.0
    drain: float = 0.0
    others: float = 0.0     # share of CPU 0 not ours during the round
    pg_bg: float = 0.0      # PostgreSQL's shared background processes (WAL writer, checkpointer, bgwriter)
    gc: float = 0.0         # client CPU in Python's cyclic garbage collector (part of `client`)

    @property
    def cpu(self) -> float:
        return self.client + self.redis + self.pg


@dataclass
class Mode:
    name: str
    rt: Runtime
    timed: TimedArchiver | None
    pg_db: str | None = None
    rounds: list[Round] = field(default_factory=list)


class GcTimer:
    """CPU seconds this process spends in cyclic garbage collection (gc.callbacks)."""

    def __init__(self):
        self.total, self._start = 0.0, 0.0
        self.by_gen, self.n_gen = [0.0, 0.0, 0.0], [0, 0, 0]
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.thread_time()
        else:
            self.total += time.thread_time() - self._start
            self.by_gen[info["generation"]] += time.thread_time() - self._start
            self.n_gen[info["generation"]] += 1


GC = GcTimer()


# --- CPU of other processes ------------------------------------------------------------------

def task_cpu_ns(pid: int) -> int:
    """CPU time of every thread of `pid`, in ns (0 when it is gone)."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                total += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    except OSError:
        return 0
    return total


def pg_backends(admin: sa.Engine, database: str | None) -> list[int]:
    """The server processes of `database` (the archive's connections, an autovacuum worker), or with None
    the server's shared background processes."""
    where = "datname = :d" if database else "backend_type IN ('walwriter', 'checkpointer', 'background writer')"
    with admin.connect() as conn:
        return [int(p) for p in conn.execute(sa.text(f"SELECT pid FROM pg_stat_activity WHERE {where}"),
                                             {"d": database}).scalars()]


def start_redis() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    client.close()
    return proc, f"redis://127.0.0.1:{port}/0"


# --- the runtimes ----------------------------------------------------------------------------

def write_config(folder: Path, mode: str, redis_url: str, archive_url: str, names: list[str]) -> Path:
    folder.mkdir()
    for path in RULES:   # the shipped rules, notifying the console only (nothing is delivered here)
        rules = yaml.safe_load(path.read_text())
        for rule in rules:
            rule["notify"] = ["console"]
        (folder / path.name).write_text(yaml.safe_dump(rules, sort_keys=False))
    settings = {"redis_url": redis_url, "key_prefix": benchlib.new_prefix(), "state_dir": str(folder.parent / "state"),
                "max_age": "off", "archive": {"url": archive_url},
                "sources": [{"id": name, "type": "rss", "path": str(p)} for name, p in zip(names, benchlib.feed_files())],
                "channels": [{"id": "console", "type": "stdout"}], "rules": [p.name for p in RULES]}
    (folder / "newswatch.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    return folder / "newswatch.yaml"


def build_modes(tmp: Path, redis_url: str, pg_url: sa.URL, names: list[str]) -> list[Mode]:
    urls = {"off": "", "sqlite": f"sqlite:///{tmp / 'archive.sqlite3'}", "postgresql": pg_url.render_as_string(hide_password=False)}
    modes, classifier = [], None
    for name in MODES:
        rt = Runtime(load_config(write_config(tmp / name, name, redis_url, urls[name], names)), redis_url)
        if classifier is None:
            classifier = rt.classifier   # built once (state_dir/cache), shared by the three runtimes
        rt.__dict__["classifier"] = classifier
        timed = None
        if name == "off":
            rt.archiver = NullArchiver()  # type: ignore[assignment]
        else:
            timed = TimedArchiver(rt.archiver)
            rt.archiver = timed  # type: ignore[assignment]
        modes.append(Mode(name, rt, timed, pg_url.database if name == "postgresql" else None))
    return modes


# --- one round -------------------------------------------------------------------------------

def fresh_ids(items, tag: str) -> None:
    """A new fingerprint per round, of the same form as a real one (blake2b, 24 hex)."""
    for item in items:
        item.id = hashlib.blake2b(f"{tag}:{item.id}".encode(), digest_size=12).hexdigest()


def one_round(mode: Mode, bodies, tag: str, redis_pid: int, admin: sa.Engine) -> Round:
    rt, sent = mode.rt, []
    pg_pids, bg_pids = (pg_backends(admin, mode.pg_db) if mode.pg_db else []), pg_backends(admin, None)
    push0, drain0 = (mode.timed.push_cpu, mode.timed.drain_cpu) if mode.timed else (0.0, 0.0)
    meter = benchlib.CpuMeter().start()
    redis0, pg0, bg0 = task_cpu_ns(redis_pid), {p: task_cpu_ns(p) for p in pg_pids}, sum(map(task_cpu_ns, bg_pids))
    wall, cpu, gc0 = time.perf_counter(), time.process_time(), GC.total
    items = new = 0
    for name, body in bodies:
        parsed = parse_feed(body, name).items
        fresh_ids(parsed, tag)
        report = process_items(rt, name, parsed, {}, lambda *a: sent.append(a), parser="lxml")
        items, new = items + report.items, new + report.new
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    redis_cpu = (task_cpu_ns(redis_pid) - redis0) / 1e9
    after = set(pg_backends(admin, mode.pg_db)) if mode.pg_db else set()
    pg_cpu = sum(task_cpu_ns(p) - pg0.get(p, 0) for p in set(pg_pids) | after) / 1e9
    pg_bg = (sum(map(task_cpu_ns, bg_pids)) - bg0) / 1e9
    busy = meter.stop().get("cpu0", 0.0)
    push, drain = (mode.timed.push_cpu - push0, mode.timed.drain_cpu - drain0) if mode.timed else (0.0, 0.0)
    benchlib.delete_prefix(rt.state.r, rt.settings.key_prefix)   # the next round's items are new again
    return Round(wall, cpu, redis_cpu, pg_cpu, items, new, len(sent), push, drain, max(0.0, busy - cpu / wall), pg_bg,
                 GC.total - gc0)


def archived(mode: Mode) -> int:
    return 0 if mode.name == "off" else mode.rt.archive.counts()["items"]


# --- the report ------------------------------------------------------------------------------

def summary(modes: list[Mode]) -> None:
    def per_k(rounds: list[Round], what: str) -> float:
        return sum(getattr(r, what) for r in rounds) / sum(r.items for r in rounds) * 1000

    def rate(rounds: list[Round], what: str) -> float:
        return sum(r.items for r in rounds) / sum(getattr(r, what) for r in rounds)

    off = modes[0].rounds
    print("\nCPU ms per item (sums over the rounds), items/s, ratio to off (> 1: slower); per core = client + Redis "
          "+ PostgreSQL backends")
    print(f"  {'mode':<11} {'client':>6} {'redis':>6} {'pg':>6} {'total':>6} | {'push':>5} {'drain':>5} | "
          f"{'per core':>8} {'ratio':>5} {'rounds':>11} | {'client':>6} {'ratio':>5} | {'wall':>5} {'ratio':>5} | "
          f"{'gc':>5} {'pg bg':>5} others")
    for m in modes:
        r = m.rounds
        by_round = sorted((x.cpu / x.items) / (o.cpu / o.items) for x, o in zip(r, off))
        wall = statistics.median(x.items / x.wall for x in r)
        print(f"  {m.name:<11} {per_k(r, 'client'):6.3f} {per_k(r, 'redis'):6.3f} {per_k(r, 'pg'):6.3f} "
              f"{per_k(r, 'cpu'):6.3f} | {per_k(r, 'push'):5.3f} {per_k(r, 'drain'):5.3f} | {rate(r, 'cpu'):8,.0f} "
              f"{rate(off, 'cpu') / rate(r, 'cpu'):5.2f} {by_round[0]:5.2f}-{by_round[-1]:<5.2f} | "
              f"{rate(r, 'client'):6,.0f} {rate(off, 'client') / rate(r, 'client'):5.2f} | {wall:5,.0f} "
              f"{statistics.median(x.items / x.wall for x in off) / wall:5.2f} | {per_k(r, 'gc'):5.3f} {per_k(r, 'pg_bg'):5.3f} "
              f"{statistics.median(x.others for x in r):.0%}")
    for m in modes[1:]:
        ratio = rate(off, "cpu") / rate(m.rounds, "cpu")
        print(f"goal: {m.name} at most 20% slower per core (client + Redis + PostgreSQL CPU): "
              f"{(ratio - 1) * 100:+.1f}% -> {'MET' if ratio <= GOAL else 'NOT MET'}")


def profile(mode: Mode, bodies, redis_pid: int, admin: sa.Engine, top: int = 30) -> None:
    prof = cProfile.Profile(time.process_time)   # CPU time: other processes on the core do not count
    prof.enable()
    for i in range(5):
        one_round(mode, bodies, f"profile-{i}", redis_pid, admin)
    prof.disable()
    print(f"\ncProfile (CPU time) of 5 rounds, {mode.name} (cumulative, top {top}):")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--redis-url", help="an existing Redis on this machine (default: a private redis-server)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN)
    parser.add_argument("--profile", choices=MODES)
    parser.add_argument("--label", default="", help="printed after the header (e.g. which code a copy holds)")
    args = parser.parse_args(argv)

    os.sched_setaffinity(0, {0})
    print(benchlib.machine_header("bench_archive_ingest") + (f"\nlabel    {args.label}" if args.label else ""))
    server, redis_url = (None, args.redis_url) if args.redis_url else start_redis()
    admin = sa.create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
    bodies = benchlib.feed_bodies()
    modes: list[Mode] = []
    pg_db = f"nwbench_{benchlib.new_prefix()[6:]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{pg_db}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="nwbench-") as tmp:
            pg_url = sa.make_url(args.pg_admin_url).set(database=pg_db)
            modes = build_modes(Path(tmp), redis_url, pg_url, [n for n, _ in bodies])
            client = modes[0].rt.state.r
            redis_pid = int(client.info("server")["process_id"])
            with admin.connect() as conn:
                pg_version = conn.execute(sa.text("SHOW server_version")).scalar_one()
            print(f"pinned   CPU {sorted(os.sched_getaffinity(0))}; redis-server pid {redis_pid} "
                  f"({'private' if server else redis_url}), PostgreSQL {pg_version} (database {modes[2].pg_db})")
            for m in modes:   # warm-up: classifier and rules, the archive's schema, connection pools
                one_round(m, bodies, f"warm-{m.name}", redis_pid, admin)
            quiet = benchlib.wait_quiet()
            print(f"load     machine {quiet:.0%} busy just before the start (waited up to 60 s for < 25%)")
            meter = benchlib.CpuMeter().start()
            for i in range(args.rounds):
                order = modes[i % 3:] + modes[:i % 3]
                for m in order:
                    m.rounds.append(one_round(m, bodies, f"round-{i}", redis_pid, admin))
            busy = meter.stop()
            r0 = modes[0].rounds[0]
            print(f"rounds   {args.rounds} per mode, interleaved; {r0.items} items a round, {r0.new} new, "
                  f"{r0.alerts} deliveries enqueued; machine {busy['cpu']:.0%} busy during the rounds "
                  f"(cpu0 {busy.get('cpu0', 0):.0%}, cpu1 {busy.get('cpu1', 0):.0%})")
            print("archived " + ", ".join(f"{m.name} {archived(m):,} items" for m in modes[1:]))
            summary(modes)
            if args.profile:
                profile(next(m for m in modes if m.name == args.profile), bodies, redis_pid, admin)
            for m in modes:
                m.rt.close()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)'))
        admin.dispose()
        if server is not None:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
