"""Rule matching cost per item with 10, 1,000 and 10,000 generated rules: RuleMatcher against naive loops.

    python bench/bench_rules.py [--rounds 5] [--sizes 10 1000 10000] [--seed 2026]
                                [--full-naive-every 10] [--no-full-naive] [--profile] [--cache-dir DIR]

Parses the 591 items of tests/data/feeds/world-2026-02/*.xml with parse_feed and
classifies each once, outside the timing (Classifier.from_config_dir(config), as the
classify stage does: `item.facts`, `item.lang`). Then it generates 10,000 rules shaped
like those of config/rules/sahel.yaml from a fixed seed. Each rule is a YAML-equivalent
dict, and its `when` is parsed with alerts.rules.conditions.parse_condition into an
alerts.rules.loader.Rule (notify ["out"]). The phrases come from the corpus (capitalized
names, words) and from the config tables (city, country and actor names, topic terms, in
every language). The codes and slugs come from the tables. The N-rule set is the first N
rules of that one list.

For each rule count, the script pins itself to CPU 0 and keeps the best of `--rounds`
passes over all items (the indexed loop after one warm-up pass; the naive loop right after
it; the fully naive loop after every keywords condition has built its own automaton):

    indexed      RuleMatcher.match(item): one keyword automaton, the atom index (whose
                 answer is the match for the rules `exact` says it is), and `holds` with the
                 per-item memo for the others. Decides which rules match; builds no evidence
    +evidence    the same, then `evidence` of every match (what an alert carries): reported
                 per item and per match
    naive        ctx = matcher.context(item, memo=False): keyword hits shared (one
                 automaton pass), no memo, no index; then ctx.holds(rule.when) for every
                 rule, each condition computed afresh for every rule that holds it
    naive+memo   ctx.test(rule.when) for every rule with memo=True: evidence for every rule
                 that holds (checks that `holds` and `test` agree); from 1,000 rules on, one pass
    fully naive  ctx = MatchContext(item) (no shared keyword hits, no memo), then `test`:
                 every Keywords condition runs its own automaton. From 1,000 rules on it runs
                 on every 10th item only, and at 10,000 rules for one pass.

All loops must find the same (rule, item) pairs (asserted; the fully naive loop on its
items). The 10-rule cost is that of the first 10 rules, as in earlier runs; it is also
given for each of the first ten blocks of 10 rules (rules 0-99), since one draw of 10 may
lack whole shapes (the first 10 have no `near` and no `place`, the costliest conditions). At the largest size it then takes one indexed pass apart: context, atoms and
index, `test` per rule shape, and the cyclic GC's share. Last, the 10,000 rules are
written to a temporary YAML file, then loaded and compiled (parse_rule_file +
RuleMatcher, with the phrase-inflection cache emptied first), best of 3. Goals: indexed
cost(10k)/cost(10) <= 3x, indexed >= 20x faster than naive at 10k, load + compile of 10k
rules <= 5 s. The whole run takes 10-15 minutes on a busy 2-core machine; most of it is
the naive loops at 10,000 rules.
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import gc
import io
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import benchlib  # puts the repo on sys.path: keep it before the project imports
import yaml

from alerts.rules.conditions import parse_condition
from alerts.rules.context import MatchContext
from alerts.rules.loader import Rule, parse_rule_file
from alerts.rules.index import clauses
from alerts.rules.keywords import phrase_forms
from alerts.rules.matcher import Match, RuleMatcher
from newswatch.classify.classifier import Classifier
from newswatch.config.yamlconf import load_yaml
from workers.sources.feeds.parse import parse_feed

GOAL_RATIO = 3.0      # indexed cost(10k) / cost(10)
GOAL_SPEEDUP = 20.0   # naive / indexed at 10k
GOAL_LOAD = 5.0       # seconds to load and compile 10k rules
LANGS = ("en", "fr", "ar", "ru")
ROLES = ("official", "official", "head-of-state", "military", None)
MODALITIES = (None, None, "happened", "planned")


# --- the corpus ------------------------------------------------------------------------------

def load_items(classifier: Classifier) -> tuple[list, float]:
    items = []
    for name, body in benchlib.feed_bodies():
        items += parse_feed(body, name).items
    start = time.perf_counter()
    for item in items:
        item.facts = classifier.classify(item.title, item.text, declared_lang=item.lang)
        item.lang = item.facts.lang
    return items, time.perf_counter() - start


_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}\b")
_LOWER = re.compile(r"\b[a-z]+\b")


def corpus_phrases(items) -> tuple[list[str], list[str]]:
    """Capitalized names (1-3 words) seen 2-40 times and more often capitalized than not (so
    "The", "However" drop out), and lowercase words of 6+ letters seen 3-20 times. The cap
    leaves out the words of every other item ("Trump", "without"); such names still come in
    through the tables (actor and country names)."""
    text = "\n".join(f"{i.title}\n{i.text}" for i in items)
    lower = collections.Counter(_LOWER.findall(text))
    names = collections.Counter(_NAME.findall(text))
    good_names = sorted(n for n, c in names.items()
                        if 2 <= c <= 40 and len(n) >= 4 and c > 2 * lower.get(n.lower(), 0))
    words = sorted(w for w, c in lower.items() if len(w) >= 6 and 3 <= c <= 20)
    return good_names, words


# --- the rules -------------------------------------------------------------------------------

class Vocabulary:
    """Everything a generated rule draws from: corpus phrases and the config tables."""

    def __init__(self, items, tables):
        self.names, self.words = corpus_phrases(items)
        cities = sorted(tables.cities, key=lambda c: -c.population)[:3000]
        self.cities = sorted({c.name for c in cities})
        self.capitals = sorted({c.name for c in tables.cities if c.capital})
        self.country_names = sorted({n for c in tables.countries.values() for ns in c.names.values() for n in ns})
        self.actor_names = sorted({n for a in tables.actors for ns in a.names.values() for n in ns})
        self.topic_terms = sorted({t for topic in tables.topics for ts in topic.terms.values() for t in ts})
        self.codes = sorted(tables.countries)
        self.regions = sorted(tables.regions)
        self.nationalities = sorted({a.nationality for a in tables.actors})
        self.topics = sorted({t.path for t in tables.topics} | {t.path.split("/")[-1] for t in tables.topics})

    def phrase(self, rng: random.Random) -> str:
        pool = rng.choices((self.names, self.words, self.cities, self.country_names, self.actor_names,
                            self.topic_terms), weights=(40, 10, 15, 7, 15, 13))[0]
        return rng.choice(pool)

    def phrases(self, rng, low=1, high=5) -> list[str]:
        return sorted({self.phrase(rng) for _ in range(rng.randint(low, high))})

    def nationality(self, rng) -> str:
        return rng.choice(self.nationalities) if rng.random() < 0.7 else rng.choice(self.codes)


def gen_when(rng: random.Random, v: Vocabulary) -> tuple[str, dict]:
    """One rule's `when` tree and the name of its shape (weights sum to 100)."""
    shape = rng.choices(("keywords", "keywords-all", "keywords-place", "country-topic", "place-topic",
                         "actor-topic", "near", "any-mixed"),
                        weights=(24, 8, 14, 14, 8, 10, 16, 6))[0]
    topic = lambda: ({"topic": rng.choice(v.topics)} if rng.random() < 0.6 else
                     {"topic": {"name": rng.choice(v.topics), "modality": rng.choice(MODALITIES[2:])}})
    where = lambda: rng.choice((
        {"country": rng.sample(v.codes, rng.randint(1, 3))},
        {"country": {"code": rng.choice(v.codes), "mentioned": True}},
        {"region": rng.choice(v.regions)}))
    if shape == "keywords":
        when = {"keywords": v.phrases(rng)}
    elif shape == "keywords-all":
        when = {"all": [{"keywords": v.phrases(rng, 1, 3)}, {"keywords": v.phrases(rng, 1, 4)}]}
    elif shape == "keywords-place":
        when = {"all": [{"keywords": v.phrases(rng)}, where()]}
        if rng.random() < 0.3:
            when["all"].append({"none": [{"keywords": v.phrases(rng, 1, 2)}]})
    elif shape == "country-topic":
        when = {"all": [where(), topic()]}
    elif shape == "place-topic":
        place = rng.choice(({"place": {"region": rng.choice(v.regions), "kind": "capital"}},
                            {"place": {"country": rng.choice(v.codes), "kind": "city"}},
                            {"city": rng.sample(v.capitals, rng.randint(1, 3))}))
        when = {"all": [place, topic()]}
    elif shape == "actor-topic":
        actor = ({"actor": {"nationality": v.nationality(rng), "role": rng.choice(ROLES[:-1])}}
                 if rng.random() < 0.7 else {"actor": rng.choice(v.actor_names)})
        when = {"all": [actor, topic()] + ([where()] if rng.random() < 0.4 else [])}
    elif shape == "near":
        nat, region = v.nationality(rng), rng.choice(v.regions)
        actor = {"nationality": nat}
        role = rng.choice(ROLES)
        if role:
            actor["role"] = role
        visit = {"name": rng.choice(v.topics)}
        modality = rng.choice(MODALITIES)
        if modality:
            visit["modality"] = modality
        near = {"all": [{"actor": actor},
                        {"any": [{"place": {"region": region, "kind": "capital"}},
                                 {"place": {"region": region, "kind": "country"}}]},
                        {"topic": visit}]}
        near.update({"scope": "sentence"} if rng.random() < 0.75 else {"within": rng.randint(8, 25)})
        when = {"all": [{"near": near}]}
        if rng.random() < 0.5:
            when["all"].append({"none": [{"near": {"scope": "sentence", "all": [
                {"place": {"country": nat, "kind": "city"}}, {"topic": visit["name"]}]}}]})
    else:
        when = {"any": [where(), {"keywords": v.phrases(rng, 1, 3)}]}
    if shape != "any-mixed" and rng.random() < 0.08:  # a few rules are for one language only
        lang = {"lang": rng.choice(LANGS)}
        when = {"all": when["all"] + [lang]} if "all" in when else {"all": [when, lang]}
    return shape, when


def generate(n: int, seed: int, vocab: Vocabulary) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        shape, when = gen_when(rng, vocab)
        out.append({"id": f"gen-{i:05d}-{shape}", "title": f"generated {shape} rule {i}",
                    "severity": rng.choice(("low", "medium", "high")), "when": when, "notify": ["out"]})
    return out


def to_rules(raw: list[dict]) -> list[Rule]:
    """Fresh Rule objects (RuleMatcher binds ids and tables into the condition nodes)."""
    rules = []
    for r in raw:
        errors: list = []
        when = parse_condition(r["when"], ("when",), errors)
        assert not errors and when is not None, (r["id"], errors)
        rules.append(Rule(r["id"], r["title"], "", r["severity"], True, when, r["notify"], 6 * 3600.0,
                          "<generated>", None))
    return rules


# --- the loops -------------------------------------------------------------------------------

def run_indexed(matcher: RuleMatcher, items) -> set:
    return {(m.rule.id, i) for i, item in enumerate(items) for m in matcher.match(item)}


def run_with_evidence(matcher: RuleMatcher, items) -> int:
    """Match, then build the evidence of every match; the number of evidence pieces."""
    return sum(len(m.evidence) for item in items for m in matcher.match(item))


def run_naive(matcher: RuleMatcher, items) -> set:
    found = set()
    for i, item in enumerate(items):
        ctx = matcher.context(item, memo=False)
        for rule in matcher.rules:
            if ctx.holds(rule.when):
                found.add((rule.id, i))
    return found


def run_naive_test(matcher: RuleMatcher, items) -> set:
    found = set()
    for i, item in enumerate(items):
        ctx = matcher.context(item, memo=True)
        for rule in matcher.rules:
            if ctx.test(rule.when) is not None:
                found.add((rule.id, i))
    return found


def run_full_naive(matcher: RuleMatcher, items) -> set:
    found = set()
    for i, item in enumerate(items):
        ctx = MatchContext(item)   # no shared hits, no memo: each Keywords condition runs its own automaton
        for rule in matcher.rules:
            if ctx.test(rule.when) is not None:
                found.add((rule.id, i))
    return found


def best_of(rounds: int, func, warm: bool = True) -> tuple[float, float, object]:
    result = func() if warm else None  # warm-up pass
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def candidate_stats(matcher: RuleMatcher, items) -> float:
    """Mean number of rules the index hands to `test` per item."""
    return sum(len(matcher.candidates(matcher.context(item))) for item in items) / len(items)


def index_shape(matcher: RuleMatcher) -> tuple[collections.Counter, collections.Counter]:
    """Rules by their number of atom sets, and atom sets by their kinds of atom."""
    sets, kinds = collections.Counter(), collections.Counter()
    memo: dict = {}
    for rule in matcher.rules:
        reqs = set(clauses(rule.when, memo=memo))
        sets[len(reqs)] += 1
        kinds.update("/".join(sorted({a[0] for a in req})) for req in reqs)
    return sets, kinds


class GcMeter:
    """Collections of the cyclic GC while it is attached, and the time they took."""

    def __init__(self):
        self.runs, self.seconds, self._start = collections.Counter(), collections.Counter(), 0.0

    def __call__(self, phase, info):
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.runs[info["generation"]] += 1
            self.seconds[info["generation"]] += time.perf_counter() - self._start

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)


def breakdown(matcher: RuleMatcher, items) -> None:
    """One indexed pass taken apart: context (text normalized, keyword automaton), atoms and
    index, `holds` per rule shape (for the candidates the index does not decide alone), the
    Match objects, in us per item; and the cyclic GC's share of a pass."""
    clock = time.perf_counter
    parts = collections.Counter()
    tested, spent, hits = collections.Counter(), collections.Counter(), collections.Counter()
    shape_of = {i: rule.id.split("-", 2)[2] for i, rule in enumerate(matcher.rules)}
    answers = 0
    for item in items:
        t0 = clock()
        ctx = matcher.context(item)
        t1 = clock()
        candidates = matcher.candidates(ctx)
        t2 = clock()
        parts["context"] += t1 - t0
        parts["candidates"] += t2 - t1
        held_ones = []
        for index in candidates:
            if matcher.exact[index]:
                held_ones.append(index)
                continue
            t3 = clock()
            held = ctx.holds(matcher.rules[index].when)
            spent[shape_of[index]] += clock() - t3
            tested[shape_of[index]] += 1
            hits[shape_of[index]] += held
            if held:
                held_ones.append(index)
        t4 = clock()
        [Match(matcher.rules[index], item, None, ctx) for index in held_ones]
        parts["objects"] += clock() - t4
        answers += len(ctx._held) + len(ctx._positions)
    n = len(items)
    print(f"  context (normalize, keyword automaton) {parts['context'] / n * 1e6:7.0f} us   "
          f"candidates (atoms, index) {parts['candidates'] / n * 1e6:5.0f} us   "
          f"holds {sum(spent.values()) / n * 1e6:6.0f} us   Match objects {parts['objects'] / n * 1e6:4.0f} us   "
          f"(one pass, timer overhead included); {answers / n:.0f} distinct condition answers per item")
    with GcMeter() as meter:
        start = time.perf_counter()
        run_indexed(matcher, items)
        took = time.perf_counter() - start
    print("  cyclic GC during one indexed pass: " + ", ".join(
        f"gen{g} {meter.runs[g]} runs {meter.seconds[g] * 1e3:.0f} ms" for g in sorted(meter.runs))
        + f" = {sum(meter.seconds.values()) / took:.0%} of the pass ({len(gc.get_objects()):,} objects tracked)")
    rules = collections.Counter(shape_of.values())
    for shape, seconds in spent.most_common():
        print(f"    {shape:<15} {rules[shape]:5,} rules  tested {tested[shape] / n:6.1f} per item  "
              f"matched {hits[shape] / n:5.1f}  holds {seconds / n * 1e6:6.0f} us per item "
              f"({seconds / max(1, tested[shape]) * 1e6:5.1f} us per test)")


def print_profile(func, top: int) -> None:
    prof = cProfile.Profile()
    prof.enable()
    func()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if "ncalls" in ln)
    print("\n".join("    " + ln.replace(str(benchlib.REPO) + "/", "")[:140] for ln in lines[start:start + top + 1]))


def load_compile(raw: list[dict], tables, rounds: int = 3) -> tuple[list[dict[str, float]], RuleMatcher]:
    """Write the rules to a YAML file; time parse_rule_file (and, apart, its load_yaml), then RuleMatcher."""
    out = []
    with tempfile.TemporaryDirectory(prefix="bench-rules-") as tmp:
        path = Path(tmp) / "generated.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
        for _ in range(rounds):
            phrase_forms.cache_clear()   # a cold start: no inflections cached from the loops above
            t0 = time.perf_counter()
            rules, issues = parse_rule_file(path)
            t1 = time.perf_counter()
            matcher = RuleMatcher(rules, tables=tables)
            t2 = time.perf_counter()
            load_yaml(path)
            t3 = time.perf_counter()
            assert not issues and len(rules) == len(raw), issues[:3]
            out.append({"parse": t1 - t0, "compile": t2 - t1, "total": t2 - t0, "yaml": t3 - t2,
                        "bytes": path.stat().st_size})
    return out, matcher


def measure(n: int, raw: list[dict], tables, items, args) -> dict:
    """Time the three loops with the first n generated rules; print one block of results."""
    matcher = RuleMatcher(to_rules(raw[:n]), tables=tables)
    idx_best, idx_med, idx_found = best_of(args.rounds, lambda: run_indexed(matcher, items))
    nv_best, nv_med, nv_found = best_of(args.rounds, lambda: run_naive(matcher, items), warm=False)
    assert idx_found == nv_found, (f"{n} rules: indexed and naive differ: only indexed "
                                   f"{sorted(idx_found - nv_found)[:5]}, only naive {sorted(nv_found - idx_found)[:5]}")
    ev_best, _, pieces = best_of(args.rounds, lambda: run_with_evidence(matcher, items))
    memo_rounds = args.rounds if n < 1000 else 1
    nm_best, _, nm_found = best_of(memo_rounds, lambda: run_naive_test(matcher, items), warm=False)
    assert nm_found == idx_found, f"{n} rules: naive `test` with memo differs from indexed"
    matches = len(idx_found)
    r = {"idx": idx_best / len(items), "idx_med": idx_med / len(items), "naive": nv_best / len(items),
         "naive_med": nv_med / len(items), "naive_memo": nm_best / len(items), "matches": matches,
         "ev": ev_best / len(items), "items_hit": len({i for _, i in idx_found}),
         "cands": candidate_stats(matcher, items), "exact": sum(matcher.exact) / max(1, n), "matcher": matcher,
         "full": float("nan"), "full_med": float("nan")}
    per_match = (ev_best - idx_best) / matches * 1e6 if matches else float("nan")
    print(f"  {n:6,} rules: indexed {r['idx'] * 1e6:9.1f} us [{r['idx_med'] * 1e6:.1f}]   "
          f"naive {r['naive'] * 1e6:10.1f} us [{r['naive_med'] * 1e6:.1f}]   "
          f"naive+memo (test) {r['naive_memo'] * 1e6:10.1f} us ({memo_rounds} pass{'es' if memo_rounds > 1 else ''})")
    print(f"                +evidence of every match {r['ev'] * 1e6:9.1f} us ({per_match:.1f} us per match, "
          f"{pieces / max(1, matches):.1f} pieces)")
    print(f"                matches {matches:,} on {r['items_hit']} items ({matches / len(items):.2f} per item; "
          f"indexed = naive = naive+memo: yes); candidate rules per item {r['cands']:,.1f} of {n:,}, "
          f"{r['exact']:.0%} of the rules decided by the index alone")
    if args.no_full_naive:
        return r
    every = 1 if n < 1000 else args.full_naive_every
    sample = items[::every]
    rounds = args.rounds if n < 10000 else 1
    for kw in matcher.keywords:     # each Keywords condition builds its own automaton on first use
        kw.test(MatchContext(items[0]))
    fn_best, fn_med, fn_found = best_of(rounds, lambda: run_full_naive(matcher, sample), warm=False)
    fn_found = {(rule_id, i * every) for rule_id, i in fn_found}
    idx_sample = {(rule_id, i) for rule_id, i in idx_found if i % every == 0}
    assert idx_sample == fn_found, (f"{n} rules: indexed and fully naive differ: only indexed "
                                    f"{sorted(idx_sample - fn_found)[:5]}, only fully naive {sorted(fn_found - idx_sample)[:5]}")
    r.update(full=fn_best / len(sample), full_med=fn_med / len(sample))
    subset = "" if every == 1 else f" (every {every}th item: {len(sample)}; {rounds} pass{'es' if rounds > 1 else ''})"
    print(f"                fully naive {r['full'] * 1e6:,.1f} us [{r['full_med'] * 1e6:,.1f}]{subset}; "
          f"same pairs as indexed: yes ({len(fn_found):,})")
    return r


def small_blocks(size: int, raw: list[dict], tables, items, rounds: int) -> list[float]:
    """Indexed cost per item of each of the first ten blocks of `size` rules, alone; printed."""
    costs, shapes = [], []
    for b in range(10):
        block = raw[b * size:(b + 1) * size]
        matcher = RuleMatcher(to_rules(block), tables=tables)
        costs.append(best_of(rounds, lambda: run_indexed(matcher, items))[0] / len(items))
        shapes.append(collections.Counter(r["id"].split("-", 2)[2] for r in block))
    print(f"\n{size}-rule blocks (rules 0-{10 * size - 1}), indexed us per item: "
          + "  ".join(f"{c * 1e6:.1f}" for c in costs)
          + f"   min {min(costs) * 1e6:.1f} median {statistics.median(costs) * 1e6:.1f} max {max(costs) * 1e6:.1f}")
    print("  blocks with a near rule: " + ", ".join(str(b) for b, s in enumerate(shapes) if s["near"])
          + "; with a place-topic rule: " + ", ".join(str(b) for b, s in enumerate(shapes) if s["place-topic"]))
    return costs


def where_time_goes(matcher: RuleMatcher, items, big: int) -> None:
    """The index's shape, then one indexed pass taken apart (`breakdown`)."""
    print(f"\nwhere the time goes at {big:,} rules:")
    sets, kinds = index_shape(matcher)
    print("  index: rules by number of atom sets " + ", ".join(f"{k}: {v:,}" for k, v in sorted(sets.items()))
          + "; atom sets by kind " + ", ".join(f"{k} {v:,}" for k, v in kinds.most_common(8)))
    print(f"  {matcher.conditions:,} distinct condition nodes after interning; {len(matcher.keywords):,} keywords "
          f"conditions, {len(matcher.keyword_index or ()):,} automaton terms")
    breakdown(matcher, items)


# --- main ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000, 10000])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--full-naive-every", type=int, default=10,
                        help="from 1,000 rules on, the fully naive loop runs on every Nth item only")
    parser.add_argument("--no-full-naive", action="store_true", help="skip the fully naive loop")
    parser.add_argument("--profile", action="store_true", help="also cProfile one indexed pass at the largest size")
    parser.add_argument("--cache-dir", type=Path, help="classifier automaton cache (default: a temporary folder)")
    args = parser.parse_args(argv)

    os.sched_setaffinity(0, {0})
    print(benchlib.machine_header("bench_rules"))
    print(f"pinned   CPU {sorted(os.sched_getaffinity(0))}")
    quiet = benchlib.wait_quiet()
    print(f"load     machine {quiet:.0%} busy just before the start (waited up to 60 s for < 25%); "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    with tempfile.TemporaryDirectory(prefix="bench-rules-cache-") as tmp:
        t0 = time.perf_counter()
        classifier = Classifier.from_config_dir(benchlib.TABLES, cache_dir=args.cache_dir or Path(tmp))
        built = time.perf_counter() - t0
    tables = classifier.tables
    items, classify_s = load_items(classifier)
    vocab = Vocabulary(items, tables)
    print(f"corpus   {len(items)} items from {len(benchlib.feed_files())} feeds; classifier built in {built:.1f} s, "
          f"classify {classify_s * 1000 / len(items):.2f} ms per item (outside the timing)")
    print(f"vocab    {len(vocab.names)} corpus names, {len(vocab.words)} corpus words, {len(vocab.cities)} cities, "
          f"{len(vocab.country_names)} country names, {len(vocab.actor_names)} actor names, "
          f"{len(vocab.topic_terms)} topic terms, {len(vocab.codes)} codes, {len(vocab.regions)} regions")

    largest = max(args.sizes)
    raw = generate(largest, args.seed, vocab)
    shapes = collections.Counter(r["id"].split("-", 2)[2] for r in raw)
    print(f"rules    {largest:,} generated (seed {args.seed}): "
          + ", ".join(f"{k} {v}" for k, v in sorted(shapes.items(), key=lambda kv: -kv[1])))
    print(f"         e.g. {raw[0]['when']}\n              {next(r['when'] for r in raw if 'near' in r['id'])}")

    print(f"\nper-item matching cost, best of {args.rounds} passes over {len(items)} items (median in brackets):")
    results = {n: measure(n, raw, tables, items, args) for n in sorted(args.sizes)}

    small, big = min(results), max(results)
    blocks = small_blocks(small, raw, tables, items, args.rounds)
    ratio = results[big]["idx"] / results[small]["idx"]
    ratio_median = results[big]["idx"] / statistics.median(blocks)
    ratio_ev = results[big]["ev"] / results[small]["ev"]
    speedup = results[big]["naive"] / results[big]["idx"]
    full_speedup = results[big]["full"] / results[big]["idx"]
    print(f"\nindexed cost({big:,}) / cost({small:,}) = {ratio:.2f}x   goal <= {GOAL_RATIO:.0f}x -> "
          f"{'MET' if ratio <= GOAL_RATIO else 'NOT MET'}")
    print(f"  against the median of the {len(blocks)} blocks of {small} rules: {ratio_median:.2f}x; "
          f"with the evidence of every match built: {ratio_ev:.2f}x "
          f"({results[big]['matches'] / len(items):.1f} matches per item at {big:,} rules, "
          f"{results[small]['matches'] / len(items):.2f} at {small})")
    print(f"speedup vs naive at {big:,} rules = {speedup:.1f}x   goal >= {GOAL_SPEEDUP:.0f}x -> "
          f"{'MET' if speedup >= GOAL_SPEEDUP else 'NOT MET'}   (vs fully naive: {full_speedup:.0f}x)")
    print(f"indexed throughput at {big:,} rules: {1 / results[big]['idx']:,.0f} items/s on one core")

    matcher = results[big]["matcher"]
    where_time_goes(matcher, items, big)

    loads, yaml_matcher = load_compile(raw[:big], tables)
    best_load = min(loads, key=lambda x: x["total"])
    print(f"\nload + compile {big:,} rules from one YAML file ({best_load['bytes'] / 1e6:.1f} MB), best of {len(loads)}: "
          f"parse_rule_file {best_load['parse']:.2f} s (its load_yaml alone: {best_load['yaml']:.2f} s) "
          f"+ RuleMatcher {best_load['compile']:.2f} s = {best_load['total']:.2f} s "
          f"(median {statistics.median(x['total'] for x in loads):.2f} s)   goal <= {GOAL_LOAD:.0f} s -> "
          f"{'MET' if best_load['total'] <= GOAL_LOAD else 'NOT MET'}")
    same = run_indexed(yaml_matcher, items) == run_indexed(matcher, items)
    print(f"rules loaded from the YAML file find the same matches as the generated ones: {'yes' if same else 'NO'}")
    assert same
    print(f"load     load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    if args.profile:
        print(f"\ncProfile, one indexed pass at {big:,} rules (tottime):")
        print_profile(lambda: run_indexed(matcher, items), 20)
        with tempfile.TemporaryDirectory(prefix="bench-rules-") as tmp:
            path = Path(tmp) / "generated.yaml"
            path.write_text(yaml.safe_dump(raw[:big], sort_keys=False, allow_unicode=True), encoding="utf-8")
            print(f"\ncProfile, parse_rule_file + RuleMatcher, {big:,} rules (tottime):")
            print_profile(lambda: RuleMatcher(parse_rule_file(path)[0], tables=tables), 12)
    return 0


if __name__ == "__main__":
    sys.exit(main())
