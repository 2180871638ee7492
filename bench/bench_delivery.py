"""Deliveries/s through ONE `newswatch worker` to a local webhook server, against Apprise's own
json:// delivery of the same alert bodies to the same server, in the same run.

    python bench/bench_delivery.py [--alerts 2000] [--repeat 3] [--concurrency default 1]

The receiver (`WebhookReceiver`, in this process): a ThreadingHTTPServer on 127.0.0.1, HTTP/1.1
keep-alive, TCP_NODELAY (`disable_nagle_algorithm`), that answers every POST with 200 "ok" and
counts requests per path (distinct deliveries by the X-Newswatch-Delivery header, else by a
hash of the body; arrival times with time.time()).

The alerts: N alerts built from the real items of tests/data/feeds/world-2026-02 (title, url,
published, summary, one keyword of the title as evidence), the same N in every variant.

Each repeat runs, in turn, in separate child processes:
- **worker** (per --concurrency): a fresh key prefix and config (one webhook channel on the
  receiver, classify off: deliveries never classify), ONE `python -m workers.cli worker -c CFG
  --no-status [--concurrency N]`. A driver process stores the N alerts with State.open_alert,
  calls workers.celery_app.make_app(redis_url, prefix), sends one warm-up delivery and waits
  for it, then times from the first `TaskQueue.delivery` until the receiver holds
  all N and every delivery record says `sent` (end = the later of the last arrival and the last
  record's updated_at). Then, untimed for the rate, the same N tasks are enqueued again: every
  record already says sent, so each task only reads it; the worker's CPU for this pass is what
  Celery (broker, acks_late) plus one HGETALL cost per task.
- **apprise** (baseline): `apprise.Apprise().add("json://127.0.0.1:PORT/apprise/...")`, then
  `notify(body, title)` for the same N alerts, sequential in one thread (title and body are
  rendered first, as the apprise channel renders them, and not timed).
- **notifier** (reference): newswatch's WebhookNotifier.send for the same N alerts, sequential
  in one thread, no Celery, no Redis: what the worker machinery adds on top of the HTTP POST.
- **direct** (reference): alerts.delivery.deliver_once (the deliver task's body: record, lock,
  silences, attempt count, send, record, metrics, INFO logs) in a loop in one thread, fresh prefix,
  no Celery: the delivery bookkeeping without the broker.

--profile PATH runs one more, untimed, deliver_once loop under cProfile and prints the Redis
round trips per delivery and the top newswatch functions.

Prints deliveries/s per variant (median and range over --repeat) and the ratios to Apprise.
Redis keys under each bench prefix are deleted (SCAN MATCH prefix*) when a run ends.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.server
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import benchlib  # noqa: E402  (puts the repo on sys.path)
import yaml
from alerts.store import AlertStore

CHANNEL = "hook"
RULE = "bench-delivery"
TIMEOUT = 600.0
QUIET_WAIT = 30.0   # s to wait for a quiet machine (under 25% busy) before each timed loop


# --- the receiver ------------------------------------------------------------------------------

class _ReceiverHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"       # keep-alive, as a real webhook endpoint
    disable_nagle_algorithm = True      # see benchlib.start_server: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        arrived = time.time()
        self.server.receiver.record(urlsplit(self.path).path, self.headers, body, arrived)
        self._reply(200, b"ok", "text/plain")

    def do_GET(self) -> None:  # noqa: N802
        path = parse_qs(urlsplit(self.path).query).get("path", [""])[0]
        self._reply(200, json.dumps(self.server.receiver.stats(path)).encode(), "application/json")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _ReceiverServer(http.server.ThreadingHTTPServer):
    request_queue_size = 256            # listen backlog: Apprise opens a new connection per request


class WebhookReceiver:
    """Counts POSTs per path; `on_post(path, headers, body, arrived)` sees each one (bench_latency)."""

    def __init__(self, on_post=None):
        self.on_post = on_post
        self._lock = threading.Lock()
        self._paths: dict[str, dict] = {}
        self.server = _ReceiverServer(("127.0.0.1", 0), _ReceiverHandler)
        self.server.daemon_threads = True
        self.server.receiver = self
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="webhook-receiver", daemon=True)

    def start(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def record(self, path: str, headers, body: bytes, arrived: float) -> None:
        key = headers.get("X-Newswatch-Delivery") or hashlib.blake2b(body, digest_size=12).hexdigest()
        with self._lock:
            s = self._paths.setdefault(path, {"count": 0, "bytes": 0, "keys": Counter(), "first": arrived,
                                              "last": arrived})
            s["count"] += 1
            s["bytes"] += len(body)
            s["keys"][key] += 1
            s["last"] = max(s["last"], arrived)
        if self.on_post is not None:
            self.on_post(path, headers, body, arrived)

    def stats(self, path: str) -> dict:
        with self._lock:
            s = self._paths.get(path)
            if s is None:
                return {"count": 0, "distinct": 0, "duplicates": 0, "bytes": 0, "first": None, "last": None}
            return {"count": s["count"], "distinct": len(s["keys"]), "bytes": s["bytes"],
                    "duplicates": sum(n - 1 for n in s["keys"].values() if n > 1),
                    "first": s["first"], "last": s["last"]}


def receiver_stats(stats_url: str, path: str) -> dict:
    with urllib.request.urlopen(f"{stats_url}?path={path}", timeout=10) as reply:
        return json.loads(reply.read())


# --- the alerts --------------------------------------------------------------------------------

def build_alerts(n: int, tag: str) -> list:
    """N alerts from the corpus's real items (cycled; " · #i" makes every title, so every body,
    unique), ids unique per `tag`."""
    from newswatch.model.alert import Alert, Evidence, alert_id
    from workers.sources.feeds.parse import parse_feed

    items = [it for name, body in benchlib.feed_bodies() for it in parse_feed(body, name).items if it.title]
    out = []
    for i in range(n):
        item = items[i % len(items)]
        word = re.search(r"\w{4,}", item.title)
        evidence = [Evidence(clause="when.keywords", kind="keywords", matched=word.group(), field="title",
                             start=word.start(), end=word.end(), entry=word.group().lower(), sentence=0)
                    ] if word else []
        summary = item.text if len(item.text) <= 400 else item.text[:397].rsplit(" ", 1)[0] + "…"
        story = f"{tag}-{i}"
        out.append(Alert(id=alert_id(RULE, story), rule_id=RULE, rule_title="Bench delivery", severity="high",
                         item_id=f"{item.id}-{i}", source_id=item.source_id, title=f"{item.title} · #{i}",
                         url=item.url,
                         published=item.published.isoformat() if item.published else None, summary=summary,
                         evidence=evidence, channels=[CHANNEL], story_id=story))
    return out


# --- child modes -------------------------------------------------------------------------------

def _wait(condition, timeout: float, what: str, step: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(step)


def drive_worker(redis_url: str, prefix: str, n: int, stats_url: str, path: str, worker_pid: int) -> dict:
    from newswatch.store.state import State, connect
    from workers.celery_app import make_app
    from workers.tasks import TaskQueue

    state = State(connect(redis_url), prefix)
    alerts = build_alerts(n + 1, prefix)
    for a in alerts:
        status, _ = AlertStore(state).open_alert(a.id, a.to_dict(), [CHANNEL], 300.0, rule_id=RULE, story_id=a.story_id,
                                     realert=0, source_id=a.source_id)
        assert status == "created", status
    queue = TaskQueue(make_app(redis_url, prefix))
    warm, timed = alerts[0], alerts[1:]
    t_warm = time.perf_counter()
    queue.delivery(warm.id, CHANNEL)
    _wait(lambda: AlertStore(state).delivery(warm.id, CHANNEL).get("status") == "sent", 180, "the warm-up delivery", 0.05)
    warm_s = time.perf_counter() - t_warm
    quiet = benchlib.wait_quiet(timeout=QUIET_WAIT)
    meter = benchlib.CpuMeter().start()
    cpu0, redis0 = benchlib.own_cpu_seconds([worker_pid]), _redis_cpu(state.r)
    start, p0 = time.time(), time.perf_counter()
    for a in timed:
        queue.delivery(a.id, CHANNEL)
    enqueue_s = time.perf_counter() - p0
    _wait(lambda: receiver_stats(stats_url, path)["count"] >= n + 1, TIMEOUT, f"{n} webhook requests", 0.02)
    records = []

    def all_sent() -> bool:
        pipe = state.r.pipeline(transaction=False)
        for a in timed:
            pipe.hgetall(state.keys.delivery(a.id, CHANNEL))
        records[:] = pipe.execute()
        return all(r.get("status") == "sent" for r in records)
    _wait(all_sent, 60, "every delivery record to say sent", 0.02)
    stats = receiver_stats(stats_url, path)
    end = max(stats["last"], max(float(r["updated_at"]) for r in records))
    cpu = {"worker_cpu": benchlib.own_cpu_seconds([worker_pid]) - cpu0, "redis_cpu": _redis_cpu(state.r) - redis0,
           "machine_busy": meter.stop()["cpu"]}
    noop = _noop_pass(state, queue, timed, worker_pid, prefix)
    return {**noop, **cpu, "seconds": end - start, "enqueue_seconds": enqueue_s, "warm_seconds": warm_s,
            "quiet_before": quiet, "received": stats["count"] - 1, "distinct": stats["distinct"] - 1,
            "duplicates": stats["duplicates"], "bytes_per_request": stats["bytes"] / stats["count"],
            "retried": sum(1 for r in records if int(r.get("attempts", 0)) != 1), "n": n}


def drive_direct(cfg: str, redis_url: str, prefix: str, n: int, stats_url: str, path: str,
                 profile: str = "") -> dict:
    """deliver_once() (the deliver task's body) called in a loop in one thread: no Celery, no broker."""
    from newswatch.logs import setup_logging
    from alerts.delivery import deliver_once
    from workers.runtime import Runtime

    setup_logging("info")                           # the worker's log lines, to the captured stderr
    rt = Runtime.load(cfg, redis_url)
    alerts = build_alerts(n + 1, prefix)
    for a in alerts:
        rt.alerts.open_alert(a.id, a.to_dict(), [CHANNEL], 300.0, rule_id=RULE, story_id=a.story_id, realert=0,
                            source_id=a.source_id)
    assert deliver_once(rt, alerts[0].id, CHANNEL).status == "sent"      # warm-up
    result = _timed_sequential(lambda a: deliver_once(rt, a.id, CHANNEL), alerts[1:], n, stats_url, path, profile)
    statuses = Counter(rt.alerts.delivery(a.id, CHANNEL).get("status") for a in alerts[1:])
    result["not_sent"] = n - statuses["sent"]
    return result


def _noop_pass(state, tasks, timed: list, worker_pid: int, prefix: str) -> dict:
    """The same N deliver tasks again: every record already says sent, so each task reads it and
    returns ("done"). The worker's CPU for these is what Celery and one HGETALL cost per task."""
    from workers.celery_app import queues

    queue, unacked = f"{prefix}:celery:{queues(prefix)[1]}", f"{prefix}:celery:unacked"
    cpu0, p0 = benchlib.own_cpu_seconds([worker_pid]), time.perf_counter()
    for a in timed:
        tasks.delivery(a.id, CHANNEL)
    _wait(lambda: state.r.llen(queue) == 0 and state.r.hlen(unacked) == 0, 300, "the no-op tasks to drain", 0.02)
    seconds = time.perf_counter() - p0
    return {"noop_seconds": seconds, "noop_cpu": benchlib.own_cpu_seconds([worker_pid]) - cpu0}


def _redis_cpu(client) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def drive_apprise(n: int, stats_url: str, path: str, port: int) -> dict:
    import apprise

    from alerts.notifiers.apprise.notifier import AppriseNotifier

    url = f"json://127.0.0.1:{port}{path}"
    render = AppriseNotifier(CHANNEL, url=url)      # only to render title/body as the apprise channel does
    messages = [render.message(a) for a in build_alerts(n + 1, path)]
    client = apprise.Apprise()
    assert client.add(url), "apprise refused the json:// URL"

    def send(title: str, body: str) -> None:
        if not client.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT,
                             notify_type=apprise.NotifyType.WARNING):
            raise RuntimeError("apprise notify returned False")
    send(*messages[0])                              # warm-up: imports, plugin instance
    return _timed_sequential(lambda m: send(*m), messages[1:], n, stats_url, path)


def drive_notifier(n: int, stats_url: str, path: str, port: int) -> dict:
    from alerts.notifiers.webhook.notifier import WebhookNotifier

    notifier = WebhookNotifier(CHANNEL, url=f"http://127.0.0.1:{port}{path}")
    alerts = build_alerts(n + 1, path)
    notifier.send(alerts[0])                        # warm-up: template, connection
    return _timed_sequential(notifier.send, alerts[1:], n, stats_url, path)


def _timed_sequential(send, payloads: list, n: int, stats_url: str, path: str, profile: str = "") -> dict:
    quiet = benchlib.wait_quiet(timeout=QUIET_WAIT)
    profiler = None
    if profile:                                     # an extra, untimed pass (cProfile slows it down)
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    meter = benchlib.CpuMeter().start()
    cpu0 = time.process_time()
    start, p0 = time.time(), time.perf_counter()
    for payload in payloads:
        send(payload)
    seconds = time.perf_counter() - p0
    cpu = time.process_time() - cpu0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    stats = receiver_stats(stats_url, path)
    return {"seconds": max(seconds, stats["last"] - start), "quiet_before": quiet, "client_cpu": cpu,
            "machine_busy": meter.stop()["cpu"], "received": stats["count"] - 1, "distinct": stats["distinct"] - 1,
            "duplicates": stats["duplicates"], "bytes_per_request": stats["bytes"] / stats["count"], "n": n}


# --- the orchestration -------------------------------------------------------------------------

def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=TIMEOUT + 300,
                         cwd=benchlib.REPO)
    if out.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_config(directory: Path, prefix: str, hook_url: str, redis_url: str) -> Path:
    (directory / "rules.yaml").write_text(yaml.safe_dump([{"id": RULE, "title": "Bench delivery", "severity": "high",
                                                           "when": {"keywords": ["never-in-any-feed"]},
                                                           "notify": [CHANNEL]}]))
    settings = {"redis_url": redis_url, "key_prefix": prefix, "state_dir": str(directory / "state"),
                "classify": {"enabled": False}, "sources": [],
                "channels": [{"id": CHANNEL, "type": "webhook", "url": hook_url}], "rules": ["rules.yaml"]}
    path = directory / "newswatch.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


@contextlib.contextmanager
def deployment(receiver: WebhookReceiver, redis_url: str, tmp: Path):
    """A fresh key prefix and config (webhook channel at /hook/<prefix>); its keys deleted afterwards."""
    from newswatch.store.state import connect

    prefix = benchlib.new_prefix()
    workdir = Path(tempfile.mkdtemp(prefix="delivery-", dir=tmp))
    path = f"/hook/{prefix}"
    try:
        yield prefix, write_config(workdir, prefix, receiver.url(path), redis_url), path, workdir
    finally:
        client = connect(redis_url)
        benchlib.delete_prefix(client, prefix)
        left = sum(1 for _ in client.scan_iter(match=f"{prefix}*"))
        if left:
            print(f"  warning: {left} keys left under {prefix}", file=sys.stderr)
        client.close()


def worker_variant(receiver: WebhookReceiver, concurrency: int | None, n: int, redis_url: str, tmp: Path) -> dict:
    with deployment(receiver, redis_url, tmp) as (prefix, cfg, path, workdir):
        args = [sys.executable, "-m", "workers.cli", "worker", "-c", str(cfg), "--no-status"]
        if concurrency:
            args += ["--concurrency", str(concurrency)]
        err_path = workdir / "worker.err"
        with open(workdir / "worker.out", "wb") as out, open(err_path, "wb") as err:
            worker = subprocess.Popen(args, cwd=benchlib.REPO, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                      env={**os.environ, "PYTHONUNBUFFERED": "1"})
            try:
                result = run_child("--drive-worker", redis_url, prefix, str(n), receiver.url("/_stats"), path,
                                   str(worker.pid))
            finally:
                benchlib.stop_process(worker)
        with open(err_path, "rb") as f:
            result["log_lines"] = sum(1 for _ in f)
    return result


def direct_variant(receiver: WebhookReceiver, n: int, redis_url: str, tmp: Path, profile: str) -> dict:
    with deployment(receiver, redis_url, tmp) as (prefix, cfg, path, _):
        return run_child("--drive-direct", str(cfg), redis_url, prefix, str(n), receiver.url("/_stats"), path,
                         profile)


def describe(name: str, r: dict) -> str:
    rate = r["n"] / r["seconds"]
    text = (f"  {name:<30} {r['seconds']:6.2f} s = {rate:7,.0f} deliveries/s; received {r['received']} "
            f"({r['distinct']} distinct, {r['duplicates']} duplicates), {r['bytes_per_request']:,.0f} B/request; "
            f"machine {r['machine_busy']:.0%} busy ({r['quiet_before']:.0%} just before)")
    if "worker_cpu" in r:
        text += (f"\n  {'':<30} enqueue {r['enqueue_seconds']:.2f} s of it; worker CPU {r['worker_cpu']:.2f} s "
                 f"({r['worker_cpu'] / r['seconds']:.0%} of a core, {1000 * r['worker_cpu'] / r['n']:.2f} ms/delivery),"
                 f" redis-server CPU {r['redis_cpu']:.2f} s; records not sent on attempt 1: {r['retried']}; "
                 f"worker log lines {r['log_lines']}"
                 f"\n  {'':<30} the same {r['n']} tasks again, records already sent (no-op): "
                 f"{r['noop_seconds']:.2f} s, worker CPU {1000 * r['noop_cpu'] / r['n']:.2f} ms/task")
    else:
        text += f"\n  {'':<30} client CPU {r['client_cpu']:.2f} s ({1000 * r['client_cpu'] / r['n']:.2f} ms/delivery)"
        if "not_sent" in r:
            text += f"; records not sent: {r['not_sent']}"
    return text


VARIANTS = {"apprise": "apprise json:// (1 thread)", "notifier": "WebhookNotifier.send (1 thread)",
            "direct": "deliver_once, no Celery (1 thread)"}


def run_variant(key: str, receiver: WebhookReceiver, args, tmp: Path, round_no: int) -> dict:
    tag = f"/{key}/{round_no}-{os.getpid()}"
    stats = receiver.url("/_stats")
    if key in ("apprise", "notifier"):
        return run_child(f"--drive-{key}", str(args.alerts), stats, tag, str(receiver.port))
    if key == "direct":
        return direct_variant(receiver, args.alerts, args.redis_url, tmp, "")
    return worker_variant(receiver, None if key == "default" else int(key), args.alerts, args.redis_url, tmp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=2000, help="alerts per variant (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each runs every variant once")
    parser.add_argument("--concurrency", nargs="+", default=["default", "1"],
                        help="worker concurrencies ('default' = worker.concurrency, 8)")
    parser.add_argument("--redis-url", default=benchlib.REDIS_URL)
    parser.add_argument("--profile", metavar="PATH", help="cProfile the deliver_once loop of round 1 into PATH "
                        "and print its top functions")
    parser.add_argument("--drive-worker", nargs=6, help=argparse.SUPPRESS)
    parser.add_argument("--drive-direct", nargs=7, help=argparse.SUPPRESS)
    parser.add_argument("--drive-apprise", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--drive-notifier", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drive_worker:
        url, prefix, n, stats_url, path, pid = args.drive_worker
        print(json.dumps(drive_worker(url, prefix, int(n), stats_url, path, int(pid))))
        return 0
    if args.drive_direct:
        cfg, url, prefix, n, stats_url, path, profile = args.drive_direct
        print(json.dumps(drive_direct(cfg, url, prefix, int(n), stats_url, path, profile)))
        return 0
    for flag, func in ((args.drive_apprise, drive_apprise), (args.drive_notifier, drive_notifier)):
        if flag:
            n, stats_url, path, port = flag
            print(json.dumps(func(int(n), stats_url, path, int(port))))
            return 0
    return orchestrate(args)


def orchestrate(args) -> int:
    print(benchlib.machine_header("bench_delivery"))
    print(f"load     {Path('/proc/loadavg').read_text().strip()} (/proc/loadavg before the first round)")
    receiver = WebhookReceiver().start()
    print(f"setup    receiver {receiver.url('/')} (ThreadingHTTPServer in the bench process, HTTP/1.1, TCP_NODELAY); "
          f"{args.alerts} alerts per variant from the world-2026-02 items; {args.repeat} rounds")
    names = dict(VARIANTS)
    names.update({c: "worker default (8 threads)" if c == "default" else f"worker --concurrency {c}"
                  for c in args.concurrency})
    results: dict[str, list[dict]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="nw-bench-") as tmp_name:
            for round_no in range(1, args.repeat + 1):
                print(f"\nround {round_no} (load {Path('/proc/loadavg').read_text().split()[0]})", flush=True)
                for key, name in names.items():
                    r = run_variant(key, receiver, args, Path(tmp_name), round_no)
                    results.setdefault(name, []).append(r)
                    print(describe(name, r), flush=True)
            summarize(results, args.alerts, args.repeat)
            if args.profile:
                profile_direct(receiver, args, Path(tmp_name))
    finally:
        receiver.stop()
    return 0


def profile_direct(receiver: WebhookReceiver, args, tmp: Path) -> None:
    """One more deliver_once loop under cProfile (not timed): where a delivery's time goes."""
    import pstats

    direct_variant(receiver, args.alerts, args.redis_url, tmp, str(Path(args.profile).resolve()))
    stats = pstats.Stats(args.profile, stream=sys.stdout)

    def calls(module: str, name: str) -> float:
        return sum(v[1] for f, v in stats.stats.items() if f[0].endswith(module) and f[2] == name) / args.alerts
    print(f"\ncProfile of an extra deliver_once loop ({args.alerts} deliveries, untimed; {args.profile}): "
          f"per delivery {calls('redis/connection.py', 'read_response'):.1f} Redis replies read, "
          f"{calls('redis/client.py', '_execute_command'):.1f} single commands, "
          f"{calls('redis/client.py', '_execute_transaction'):.1f} MULTI pipelines, "
          f"{calls('redis/client.py', '_execute_pipeline'):.1f} plain pipelines")
    stats.sort_stats("cumulative").print_stats(r"/(workers|alerts|newswatch)/", 20)


def summarize(results: dict[str, list[dict]], n: int, repeat: int) -> None:
    base = statistics.median(n / r["seconds"] for r in results[VARIANTS["apprise"]])
    print(f"\nsummary ({n} deliveries per run; median of {repeat} rounds, range in brackets; x = / Apprise median):")
    for name, runs in results.items():
        rates = [n / r["seconds"] for r in runs]
        med = statistics.median(rates)
        ok = all(r["received"] == n and r["distinct"] == n and r["duplicates"] == 0 and not r.get("not_sent")
                 and not r.get("retried") for r in runs)
        print(f"  {name:<36} {med:8,.0f} deliveries/s [{min(rates):,.0f}-{max(rates):,.0f}]  {med / base:5.2f}x  "
              f"{'all delivered exactly once' if ok else 'MISSING, DUPLICATE OR RETRIED DELIVERIES'}")
    print("redis: every key under the bench prefixes deleted (a warning above names any left)")


if __name__ == "__main__":
    sys.exit(main())
