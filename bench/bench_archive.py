"""Archive search at scale: N synthetic items (words drawn with the frequencies of the 18 real feeds of
tests/data/feeds/world-2026-02, facets with a skewed country mix, fetched in order over 90 days) written
through the archive's own writer, then the issue's query timed: two words, one country, the last 7
days, newest first, limit 50.

    python bench/bench_archive.py [--items 1000000] [--backend sqlite|postgresql] [--url URL] [--queries 200]

Goal (issue #13): p95 <= 100 ms at 1M items. Words are picked per query from the common middle of the
distribution (each in 0.5%-5% of items), so most queries have matches, as a desk's would. Prints the
load rate, the database size and p50/p95/max of the query, and the query plan.
"""
from __future__ import annotations

import argparse
import collections
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

import benchlib  # noqa: F401  (puts the repo on sys.path)

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402

from newswatch.archive.database import Archive  # noqa: E402
from newswatch.archive.query import SearchQuery, plan  # noqa: E402
from newswatch.archive.records import Entry  # noqa: E402
from newswatch.archive.search import statement  # noqa: E402
from newswatch.archive.searchtext import words  # noqa: E402

DAY = 86400.0
COUNTRIES = ["US", "RU", "UA", "IL", "CN", "FR", "GB", "DE", "IR", "ML", "NE", "BF", "TD", "SD", "IN", "PK", "JP",
             "BR", "MX", "TR", "SY", "LB", "EG", "NG", "ZA", "KE", "ET", "SO", "AF", "KP", "KR", "TW", "VE", "CO"]


def vocabulary() -> tuple[list[str], list[int]]:
    counts: collections.Counter[str] = collections.Counter()
    for feed in sorted(benchlib.FEEDS.glob("*.xml")):
        text = re.sub(r"<[^>]+>", " ", feed.read_text(encoding="utf-8", errors="replace"))
        counts.update(w for w in words(text) if w.isalpha() and len(w) > 2)
    common = counts.most_common(20000)
    return [w for w, _ in common], [n for _, n in common]


def records(n: int, start: int, total: int, vocab: list[str], weights: list[int], now: float,
            rng: random.Random) -> list[Entry]:
    """Items as they come in: fetched in order over 90 days, each published up to a day before."""
    country_weights = [1 / (rank + 1) for rank in range(len(COUNTRIES))]
    out = []
    for i in range(start, start + n):
        body = rng.choices(vocab, weights, k=rng.randint(60, 220))
        about = rng.choices(COUNTRIES, country_weights, k=rng.choice((0, 1, 1, 2)))
        fetched = now - 90 * DAY * (1 - i / total)
        at = fetched - rng.random() * DAY
        out.append(Entry("item", {
            "fingerprint": f"bench{i:010d}", "source": f"feed-{i % 50}", "url": f"https://example.org/{i}",
            "title": " ".join(body[:10]).capitalize(), "text": " ".join(body[10:]), "published": at, "fetched": fetched,
            "at": at, "lang": "en", "story_id": f"bench{i:010d}", "countries": sorted(set(about)),
            "mentioned": sorted(set(about)), "cities": [], "regions": [], "topics": [], "actors": [], "facts": None}))
    return out


def load(archive: Archive, n: int, vocab, weights, now: float) -> float:
    rng, batch, started = random.Random(13), 2000, time.perf_counter()
    for start in range(0, n, batch):
        archive.write(records(min(batch, n - start), start, n, vocab, weights, now, rng))
        if start and start % 100_000 == 0:
            print(f"  {start:,} items, {start / (time.perf_counter() - started):,.0f}/s", flush=True)
    return n / (time.perf_counter() - started)


def analyze(archive: Archive) -> None:
    if archive.backend == "postgresql":
        with archive.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with archive.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


def time_queries(archive: Archive, name: str, pool: list[str], now: float, n: int, what: str) -> SearchQuery:
    """Two words of `pool`, one of the 12 commonest countries, the last 7 days, limit 50: p50/p95/max."""
    rng, times, hits = random.Random(7), [], []
    for _ in range(n):
        query = SearchQuery(" ".join(rng.sample(pool, 2)), country=[rng.choice(COUNTRIES[:12])],
                            since=now - 7 * DAY, limit=50)
        started = time.perf_counter()
        hits.append(len(archive.search(query)))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{name:<8} p50 {statistics.median(times):.1f} ms · p95 {p95:.1f} ms · max {times[-1]:.1f} ms "
          f"({n} queries, {what}; median {statistics.median(hits):.0f} hits)")
    return query


PG_LOAD = """
INSERT INTO items (fingerprint, source, url, title, text, published, fetched, at, lang, story_id, countries,
                   mentioned, cities, regions, topics, actors, search)
SELECT 'bench' || lpad(i::text, 10, '0'), 'feed-' || (i % 50), 'https://example.org/' || i,
       split_part(body, ' ', 1), body, at, fetched, at, 'en', 'bench' || lpad(i::text, 10, '0'),
       '[]', '[]', '[]', '[]', '[]', '[]', setweight(to_tsvector('simple', body), 'A')
FROM (SELECT g.i, min(g.fetched) AS fetched, min(g.at) AS at, string_agg(b.word, ' ' ORDER BY t.k) AS body
      FROM (SELECT i, CAST(:now AS float8) - 90 * 86400.0 * (1 - i::float8 / :total) AS fetched,
                   CAST(:now AS float8) - 90 * 86400.0 * (1 - i::float8 / :total) - random() * 86400 AS at
            FROM generate_series(CAST(:start AS int), CAST(:stop AS int)) AS i) AS g
      CROSS JOIN LATERAL (SELECT k, 1 + floor(random() * :bag_size)::int AS n
                          FROM generate_series(1, 60 + (random() * 160)::int + g.i * 0) AS k) AS t
      JOIN bench_bag AS b ON b.n = t.n
      GROUP BY g.i) AS generated
ORDER BY i
"""
PG_FACETS = """
INSERT INTO item_facets (item_id, kind, value, at)
SELECT DISTINCT id, 'country', (CAST(:countries AS text[]))[1 + floor(power(random(), 2.5) * :n_countries)::int], at
FROM items, generate_series(1, 1 + (id % 2)) WHERE id BETWEEN :first AND :last AND id % 4 <> 0
ON CONFLICT DO NOTHING
"""


def pg_load(archive: Archive, n: int, vocab: list[str], weights: list[int], now: float) -> float:
    """PostgreSQL, generated in the server (the Python writer is the same on both backends and timed
    on SQLite): the same word frequencies as a bag of 200,000 draws, the same skewed countries."""
    rng = random.Random(13)
    bag = rng.choices(vocab, weights, k=200_000)
    archive.ready()
    with archive.engine.begin() as conn:
        conn.execute(sa.text("CREATE UNLOGGED TABLE IF NOT EXISTS bench_bag (n int PRIMARY KEY, word text)"))
        conn.execute(sa.text("TRUNCATE bench_bag"))
        conn.execute(sa.text("INSERT INTO bench_bag SELECT n, word FROM unnest(CAST(:bag AS text[])) "
                             "WITH ORDINALITY AS bag(word, n)"), {"bag": bag})
    started, step = time.perf_counter(), 50_000
    for start in range(0, n, step):
        with archive.engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL statement_timeout = 0"))
            first = conn.execute(sa.text("SELECT coalesce(max(id), 0) + 1 FROM items")).scalar_one()
            conn.execute(sa.text(PG_LOAD), {"now": now, "total": n, "bag_size": len(bag),
                                            "start": start, "stop": min(n, start + step) - 1})
            conn.execute(sa.text(PG_FACETS), {"countries": COUNTRIES, "n_countries": len(COUNTRIES),
                                              "first": first, "last": first + step - 1})
        print(f"  {start + step:,} items, {(start + step) / (time.perf_counter() - started):,.0f}/s", flush=True)
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--url", help="postgresql: an empty database (default: a new one on 127.0.0.1)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sqlite", help="an archive file to use (loaded only if it has fewer items than --items)")
    args = parser.parse_args()
    print(benchlib.machine_header(f"archive search, {args.items:,} items, {args.backend}"))
    if args.backend == "sqlite":
        url = URL.create("sqlite", database=args.sqlite or str(Path(tempfile.mkdtemp(prefix="nwbench-"))
                                                               / "archive.sqlite3"))
    else:
        url = make_url(args.url or "postgresql+psycopg://postgres@127.0.0.1:5432/nwbench")
    archive = Archive(url)
    vocab, weights = vocabulary()
    now = time.time()
    if archive.counts()["items"] < args.items:
        loader = pg_load if archive.backend == "postgresql" else load
        print(f"load     {loader(archive, args.items, vocab, weights, now):,.0f} items/s ({loader.__name__})")
        analyze(archive)
    else:
        with archive.engine.connect() as conn:
            now = conn.execute(sa.text("SELECT max(at) FROM items")).scalar_one()
    print(f"size     {archive.counts()['items']:,} items")
    total = sum(weights)
    doc_share = [1 - (1 - c / total) ** 140 for c in weights]   # a word's share of items (140 words an item)
    for name, low, high in (("typical", 0.005, 0.05), ("common", 0.05, 0.5)):
        pool = [w for w, share in zip(vocab, doc_share) if low < share < high]
        query = time_queries(archive, name, pool, now, args.queries, f"each word in {low:.1%}-{high:.0%} of items")
    with archive.engine.connect() as conn:
        stmt = statement(conn, plan(query))
        if archive.backend == "sqlite":
            rows = conn.execute(sa.text("EXPLAIN QUERY PLAN " + str(stmt.compile(
                conn, compile_kwargs={"literal_binds": True}))))
        else:
            compiled = stmt.compile(conn, compile_kwargs={"render_postcompile": True})
            rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        for row in rows:
            print("plan    ", " | ".join(str(c) for c in row))
    archive.close()


if __name__ == "__main__":
    main()
