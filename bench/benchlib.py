"""Helpers shared by the benchmarks: machine description, the feed corpus, Redis clean-up,
a 1,000-source config served from a loopback HTTP server, and RSS sampling.

Not a benchmark itself; the bench_*.py scripts import it (bench/ is on sys.path when a
script in it is run as `python bench/<name>.py`).
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import redis
import yaml

REPO = Path(__file__).resolve().parents[1]
TABLES = REPO / "newswatch" / "classify" / "data"   # the packaged reference tables
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.support.http_server, and the packages if not installed

FEEDS = REPO / "tests" / "data" / "feeds" / "world-2026-02"   # the copies the tests use (see SOURCES.tsv there)
REDIS_URL = "redis://127.0.0.1:6379/0"


# --- the machine ---------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_state(repo: Path = REPO) -> str:
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--", ".", ":!bench",
                                ":!BENCHMARKS.md"], capture_output=True, text=True, timeout=10).stdout.strip()
        return f"{head}{' + uncommitted changes outside bench/' if dirty else ''}" if head else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine_header(title: str) -> str:
    return "\n".join([
        f"== {title} ==",
        f"date     {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"nproc    {os.cpu_count()} (usable by this process: {len(os.sched_getaffinity(0))})",
        f"cpu      {cpu_model()}",
        f"python   {sys.version.split()[0]} ({sys.executable})",
        f"code     {git_state()}",
    ])


# --- the corpus ----------------------------------------------------------------------------

def feed_files() -> list[Path]:
    return sorted(FEEDS.glob("*.xml"))


def feed_bodies() -> list[tuple[str, bytes]]:
    """(name, body) of every world-2026-02 feed, read into memory."""
    return [(p.name.split("__", 1)[0], p.read_bytes()) for p in feed_files()]


# --- Redis ---------------------------------------------------------------------------------

def new_prefix() -> str:
    return f"bench-{uuid.uuid4().hex[:12]}"


def delete_prefix(client: redis.Redis, prefix: str) -> int:
    """Delete every key under `prefix` (SCAN MATCH prefix*). Returns how many went."""
    deleted = 0
    batch: list = []
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    return deleted


# --- a 1,000-source deployment against a loopback server -----------------------------------

KEYWORD_RULE = [{"id": "bench-ukraine", "title": "Ukraine in the news", "severity": "high",
                 "when": {"keywords": ["Ukraine"]}, "notify": ["console"]}]


def start_server(nodelay: bool = True):
    """A started tests.support.http_server.LocalHTTPServer.

    nodelay=True sets TCP_NODELAY on its connections (socketserver's
    `disable_nagle_algorithm`, set on the handler class at run time; the file is not
    changed). Without it, http.server writes the headers and the body of a response in
    two send() calls, and Nagle's algorithm holds the body back until the client's
    delayed ACK: about 40 ms added to every 200 on loopback (measured: 43.8 ms vs
    0.63 ms per fetch of a 13 kB feed). Real feed servers (nginx etc.) set TCP_NODELAY;
    the benchmarks measure newswatch, not that stall.
    """
    from tests.support import http_server
    http_server._Handler.disable_nagle_algorithm = nodelay
    return http_server.LocalHTTPServer().start()


def serve_feeds(server, count: int) -> list[tuple[str, object]]:
    """`count` feed routes /feeds/<i>.xml on `server`, bodies cycling through the corpus.
    Returns [(path, FeedRoute)]."""
    bodies = [b for _, b in feed_bodies()]
    routes = []
    for i in range(count):
        path = f"/feeds/{i:04d}.xml"
        routes.append((path, server.feed(path, bodies[i % len(bodies)])))
    return routes


def source_id(i: int) -> str:
    return f"feed-{i:04d}"


def write_config(directory: Path, server, count: int, *, prefix: str, interval: str,
                 redis_url: str | None = REDIS_URL, state_dir: Path | None = None,
                 concurrency: int | None = None) -> Path:
    """newswatch.yaml + rules.yaml in `directory`: `count` rss sources on `server`, one stdout
    channel, one keyword rule, max_age off (the corpus is from February 2026)."""
    (directory / "rules.yaml").write_text(yaml.safe_dump(KEYWORD_RULE, sort_keys=False))
    settings: dict = {"key_prefix": prefix}
    if redis_url:
        settings["redis_url"] = redis_url
    settings["state_dir"] = str(state_dir or directory / "state")
    settings["max_age"] = "off"
    if concurrency:
        settings["worker"] = {"concurrency": concurrency}
    settings["sources"] = [{"id": source_id(i), "type": "rss", "url": server.url(f"/feeds/{i:04d}.xml"),
                            "interval": interval} for i in range(count)]
    settings["channels"] = [{"id": "console", "type": "stdout"}]
    settings["rules"] = ["rules.yaml"]
    path = directory / "newswatch.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


# --- processes and memory --------------------------------------------------------------------

def vm_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of `pid` in kB ({} when it is gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0])
    except OSError:
        return {}
    return out


def children(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc/<pid>/task/*/children."""
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    kids.extend(int(x) for x in f.read().split())
            except OSError:
                continue
    except OSError:
        pass
    return kids


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for kid in children(todo.pop()):
            out.append(kid)
            todo.append(kid)
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def mb(kb: float) -> str:
    return f"{kb / 1024:.1f} MB"


# --- other load on the machine ----------------------------------------------------------------
# Other processes (a test run, a build) share the 2 cores; each bench reports how busy the
# machine was while it measured, and waits for a quiet moment before it starts.

def _cpu_ticks() -> dict[str, tuple[int, int]]:
    """cpu name -> (busy ticks, total ticks) from /proc/stat ('cpu' is all cores)."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if not line.startswith("cpu"):
                break
            name, *values = line.split()
            v = [int(x) for x in values[:8]]
            idle = v[3] + v[4]
            out[name] = (sum(v) - idle, sum(v))
    return out


class CpuMeter:
    """Busy fraction of the whole machine (and each core) between start() and stop()."""

    def start(self) -> "CpuMeter":
        self.t0 = _cpu_ticks()
        return self

    def stop(self) -> dict[str, float]:
        t1 = _cpu_ticks()
        return {k: (t1[k][0] - self.t0[k][0]) / max(1, t1[k][1] - self.t0[k][1]) for k in t1 if k in self.t0}


def wait_quiet(max_busy: float = 0.25, timeout: float = 60.0, window: float = 1.0) -> float:
    """Wait (at most `timeout` s) until the whole machine is under `max_busy` over one
    `window`; returns the last busy fraction seen."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        meter = CpuMeter().start()
        time.sleep(window)
        busy = meter.stop()["cpu"]
        if busy <= max_busy or time.monotonic() > deadline:
            return busy


def own_cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def stop_process(proc, timeout: float = 60.0) -> None:
    """SIGTERM (a worker's warm shutdown), then SIGKILL after `timeout`."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
