"""One poll cycle over 1,000 feeds on 127.0.0.1, 90% of them answering 304, with ONE worker.

    python bench/bench_poll_cycle.py [--concurrency default 16 32] [--redis-url ...]

Setup (in this process): a tests.support.http_server.LocalHTTPServer with 1,000 feed
routes (server.feed(): ETag + Last-Modified, 304 on a match; bodies cycle through the 18
world-2026-02 feeds), a config with 1,000 rss sources (interval 1h), one stdout channel
and one keyword rule, a fresh Redis key prefix per variant, and the ETag/Last-Modified
cursors of 900 sources (a fixed random sample) written with State.save_cursor.

Per worker concurrency: start ONE `python -m workers.cli worker -c CFG [--concurrency N]`,
warm it with one poll, then a separate enqueuer process (the role of `newswatch run
--once`) calls workers.celery_app.configure() and workers.tasks.queue.poll(source,
run_id, force=True) for all 1,000 sources and waits until State.run_progress(run_id)
lists all of them. Wall time runs from the first enqueue to the 1,000th "done".

Reference, same server: 1,000 conditional GETs (the same 900 with If-None-Match) with
one shared httpx.Client from 16 threads in a separate process: what the server can
serve, so it is known not to be the bottleneck. Goal: <= 10 s with one worker.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import benchlib  # noqa: E402  (puts the repo on sys.path)

N_FEEDS = 1000
N_PRIMED = 900
GOAL = 10.0
CYCLE_TIMEOUT = 120.0


# --- child modes -----------------------------------------------------------------------------

def reference_client(spec_path: str) -> int:
    """1,000 conditional GETs from 16 threads; prints a JSON line."""
    import httpx

    spec = json.loads(Path(spec_path).read_text())
    client = httpx.Client(timeout=20, headers={"User-Agent": "bench"})

    def get(entry):
        url, etag = entry
        headers = {"If-None-Match": etag} if etag else {}
        r = client.get(url, headers=headers)
        return r.status_code, len(r.content)

    with ThreadPoolExecutor(16) as pool:   # warm: connections and imports
        list(pool.map(get, [(spec["requests"][0][0], None)] * 16))
        start = time.perf_counter()
        results = list(pool.map(get, spec["requests"]))
        seconds = time.perf_counter() - start
    client.close()
    print(json.dumps({"seconds": seconds, "statuses": Counter(str(s) for s, _ in results),
                      "bytes": sum(n for _, n in results)}))
    return 0


def enqueuer(config_path: str, redis_url: str, prefix: str, mode: str, first_source: str) -> int:
    """`warm`: one poll, wait. `cycle`: enqueue every source like run_once, wait for all done."""
    import uuid

    from workers.registry import load_config
    from newswatch.store.state import State, connect
    from workers.celery_app import make_app
    from workers.tasks import TaskQueue

    config = load_config(config_path)
    queue = TaskQueue(make_app(redis_url, prefix))
    state = State(connect(redis_url), prefix)
    sources = [s.id for s in config.settings.sources if s.enabled] if mode == "cycle" else [first_source]
    run_id = uuid.uuid4().hex
    key = state.keys.run(run_id, "sources")
    queue.poll(sources[0], run_id=f"connect-{run_id}", force=True) if mode == "warm" else None
    start = time.perf_counter()
    for source_id in sources:
        queue.poll(source_id, run_id=run_id, force=True)
    enqueued = time.perf_counter() - start
    deadline = start + CYCLE_TIMEOUT
    while state.r.scard(key) < len(sources) and time.perf_counter() < deadline:
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    finished, deliveries = state.run_progress(run_id)   # the same record run_once reads
    print(json.dumps({"seconds": seconds, "enqueue_seconds": enqueued, "done": len(finished & set(sources)),
                      "sources": len(sources), "deliveries": len(deliveries),
                      "timed_out": len(finished) < len(sources)}))
    return 0


# --- the orchestration -------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def redis_cpu(client) -> float:
    """CPU seconds redis-server has used (all clients: other users of the shared Redis too)."""
    info = client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def run_child(*args: str, timeout: float = CYCLE_TIMEOUT + 60) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=timeout,
                         cwd=benchlib.REPO)
    if out.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def reference(server, routes, primed: set[int], tmp: Path) -> dict:
    spec = {"requests": [(server.url(path), route.etag if i in primed else None)
                         for i, (path, route) in enumerate(routes)]}
    spec_path = tmp / "reference.json"
    spec_path.write_text(json.dumps(spec))
    return run_child("--reference-client", str(spec_path))


def one_variant(server, routes, primed: set[int], concurrency: int | None, redis_url: str, tmp: Path,
                py_spy: str | None = None, profile_dir: Path | None = None) -> dict:
    from newswatch.store.state import State, connect

    prefix = benchlib.new_prefix()
    workdir = Path(tempfile.mkdtemp(prefix="cycle-", dir=tmp))
    cfg = benchlib.write_config(workdir, server, N_FEEDS, prefix=prefix, interval="1h", redis_url=redis_url)
    client = connect(redis_url)
    state = State(client, prefix)
    for i in sorted(primed):
        state.save_cursor(benchlib.source_id(i), etag=routes[i][1].etag, last_modified=routes[i][1].last_modified)
    warm_source = benchlib.source_id(min(primed))
    args = [sys.executable, "-m", "workers.cli", "worker", "-c", str(cfg)]
    if concurrency:
        args += ["--concurrency", str(concurrency)]
    out, err = open(workdir / "worker.out", "wb"), open(workdir / "worker.err", "wb")
    started = time.perf_counter()
    worker = subprocess.Popen(args, cwd=benchlib.REPO, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        warm = run_child("--enqueue", str(cfg), redis_url, prefix, "warm", warm_source)
        boot = time.perf_counter() - started
        result: dict = {}
        before_requests = len(server.requests)
        result["quiet_before"] = benchlib.wait_quiet()
        cpu0 = cpu_seconds(worker.pid)
        meter = benchlib.CpuMeter().start()
        own0, redis0 = time.process_time(), redis_cpu(client)
        spy = None
        if py_spy:   # samples of the thread holding the GIL (CPU attribution), collapsed stacks
            profile_dir.mkdir(parents=True, exist_ok=True)
            spy_out = profile_dir / f"worker-c{concurrency or 'default'}-{prefix}.collapsed"
            spy = subprocess.Popen([py_spy, "record", "--pid", str(worker.pid), "--rate", "250", "--format", "raw",
                                    "--nonblocking", "--gil", "--threads", "-o", str(spy_out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)
        result.update(run_child("--enqueue", str(cfg), redis_url, prefix, "cycle", warm_source))
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(30)
            result["profile"] = str(spy_out)
        machine = meter.stop()["cpu"]
        result["server_cpu"] = time.process_time() - own0   # this process: the HTTP server's threads
        result["redis_cpu"] = redis_cpu(client) - redis0
        worker_cpu = cpu_seconds(worker.pid) - cpu0
        window = server.requests[before_requests:]
        pipe = client.pipeline(transaction=False)
        for i in range(N_FEEDS):
            pipe.hget(state.keys.health(benchlib.source_id(i)), "last_status")
        health = Counter(s or "none" for s in pipe.execute())
        by_path = {path: route for path, route in routes}
        server_304 = sum(1 for r in window if r.headers.get("if-none-match") == by_path[r.path].etag)
        result.update(concurrency=concurrency, boot_seconds=boot, warm_seconds=warm["seconds"],
                      worker_cpu=worker_cpu, machine_busy=machine, health=dict(health), server_requests=len(window),
                      server_304=server_304, server_200=len(window) - server_304,
                      alerts=client.zcard(state.keys.alerts()))
        return result
    finally:
        benchlib.stop_process(worker)
        out.close()
        err.close()
        benchlib.delete_prefix(client, prefix)
        left = sum(1 for _ in client.scan_iter(match=f"{prefix}*"))
        if left:
            print(f"  warning: {left} keys left under {prefix}", file=sys.stderr)
        client.close()


def print_one(n: int, r: dict) -> None:
    print(f"  run {n}: wall {r['seconds']:.2f} s ({r['done']}/{r['sources']} done"
          f"{', TIMED OUT' if r['timed_out'] else ''}) = {r['done'] / r['seconds']:,.0f} polls/s; "
          f"enqueueing took {r['enqueue_seconds']:.2f} s of it; worker boot+warm-up {r['boot_seconds']:.1f} s")
    print(f"         CPU during the cycle: worker {r['worker_cpu']:.2f} s ({r['worker_cpu'] / r['seconds']:.0%} of "
          f"one core), HTTP server (bench process) {r['server_cpu']:.2f} s, redis-server {r['redis_cpu']:.2f} s; "
          f"machine (2 cores) {r['machine_busy']:.0%} busy, {r['quiet_before']:.0%} just before")
    print(f"         source health {r['health']}; server saw {r['server_requests']} requests: "
          f"{r['server_304']} x 304, {r['server_200']} x 200; alerts {r['alerts']}"
          + (f"; profile {r['profile']}" if r.get("profile") else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", nargs="+", default=["default", "16", "32"],
                        help="worker concurrencies to try ('default' = worker.concurrency from the config)")
    parser.add_argument("--redis-url", default=benchlib.REDIS_URL)
    parser.add_argument("--repeat", type=int, default=3, help="cycles per concurrency (median reported)")
    parser.add_argument("--py-spy", metavar="PATH", help="py-spy binary: record the worker's CPU during each cycle")
    parser.add_argument("--profile-dir", default="bench/profiles", help="where --py-spy writes (default %(default)s)")
    parser.add_argument("--server-nagle", action="store_true",
                        help="leave Nagle on in the test server (adds ~40 ms to every 200; see benchlib.start_server)")
    parser.add_argument("--reference-client", help=argparse.SUPPRESS)
    parser.add_argument("--enqueue", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reference_client:
        return reference_client(args.reference_client)
    if args.enqueue:
        return enqueuer(*args.enqueue)

    from newswatch.config import WorkerConfig

    print(benchlib.machine_header("bench_poll_cycle"))
    server = benchlib.start_server(nodelay=not args.server_nagle)
    routes = benchlib.serve_feeds(server, N_FEEDS)
    primed = set(random.Random(20261128).sample(range(N_FEEDS), N_PRIMED))
    unprimed_bytes = sum(len(routes[i][1].body) for i in range(N_FEEDS) if i not in primed)
    print(f"setup    {N_FEEDS} feeds on {server.base_url} (ThreadingHTTPServer in the bench process, "
          f"TCP_NODELAY {'off' if args.server_nagle else 'on'}), "
          f"{N_PRIMED} with a primed ETag cursor; the other {N_FEEDS - N_PRIMED} answer 200 "
          f"({unprimed_bytes / 1e6:.1f} MB in all)")
    results: dict[str, list[dict]] = {}
    refs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="nw-bench-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            busy = benchlib.wait_quiet()
            print(f"\nreference: 1,000 conditional GETs (900 with a matching If-None-Match), 16 threads, one "
                  f"httpx.Client, separate process, no worker (machine {busy:.0%} busy just before):")
            for _ in range(args.repeat):
                refs.append(reference(server, routes, primed, tmp))
                ref = refs[-1]
                print(f"  {ref['seconds']:.2f} s = {1000 / ref['seconds']:,.0f} req/s  statuses {ref['statuses']}")
            for c in args.concurrency:
                concurrency = None if c == "default" else int(c)
                label = f"default ({WorkerConfig().concurrency})" if concurrency is None else str(concurrency)
                print(f"\nworker concurrency {label}: fresh prefix, cursors and worker per repeat", flush=True)
                for n in range(args.repeat):
                    r = one_variant(server, routes, primed, concurrency, args.redis_url, tmp, args.py_spy,
                                    Path(args.profile_dir).resolve())
                    results.setdefault(label, []).append(r)
                    print_one(n + 1, r)
        finally:
            server.stop()
    print(f"\nsummary (one worker, 1,000 polls, 900 x 304; median of {args.repeat}, range in brackets):")
    print(f"  {'concurrency':<14}{'wall s':>20}{'polls/s':>9}{'304':>6}{'200':>6}{'worker CPU s':>14}"
          f"{'server CPU s':>14}  goal <= 10 s")
    for label, runs in results.items():
        walls = [r["seconds"] for r in runs]
        wall = statistics.median(walls)
        ok = all(r["seconds"] <= GOAL and not r["timed_out"] for r in runs)
        print(f"  {label:<14}{wall:8.2f} [{min(walls):4.2f}-{max(walls):5.2f}]{1000 / wall:9.0f}"
              f"{statistics.median(r['server_304'] for r in runs):6.0f}"
              f"{statistics.median(r['server_200'] for r in runs):6.0f}"
              f"{statistics.median(r['worker_cpu'] for r in runs):14.2f}"
              f"{statistics.median(r['server_cpu'] for r in runs):14.2f}  {'MET' if ok else 'NOT MET'} (every run)")
    ref_s = [r["seconds"] for r in refs]
    print(f"  reference (httpx, 16 threads, no worker): median {statistics.median(ref_s):.2f} s "
          f"[{min(ref_s):.2f}-{max(ref_s):.2f}], {1000 / statistics.median(ref_s):,.0f} req/s")
    print("redis: every key under the bench prefixes deleted (a warning above names any left)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
