"""`newswatch search`: the archive's items, by words and facets, newest first; `newswatch story ID`:
every report of one story, oldest first.

    newswatch search lavrov bamako --country ML --since 7d
    newswatch search '"foreign minister"' --not moscow --topic visit --lang fr --format json
    newswatch search lavrov -- -moscow             (after `--`, a word may start with "-")
    newswatch story 3f2a...                        (a story id, or the id of any of its items)

They read the archive database of the config (`archive.url`, else SQLite in state_dir) and nothing
else: no Redis, no channel secrets (the config is loaded as a dry run). Exit 0 (hits or none),
1 when the database cannot be read, 2 for a search that cannot run as written or a story the
archive does not hold.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone

from newswatch.config.units import parse_duration

FACETS = ("country", "mentioned", "city", "region", "topic", "actor", "source", "lang")


def parse_when(value: str | None, name: str) -> float | None:
    """`7d` (that long ago), `2026-02-10` or `2026-02-10T09:00` (UTC unless it says otherwise)."""
    if value is None:
        return None
    try:
        return time.time() - parse_duration(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}: {value!r} is neither a duration (7d, 12h) nor a date (2026-02-10, "
                         "2026-02-10T09:00)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M")


def cmd_search(args) -> int:
    from newswatch.archive.database import Archive, ArchiveUnavailable
    from newswatch.archive.query import SearchError, SearchQuery
    from workers.registry import load_config
    config = load_config(args.config, dry_run=True)   # reads the archive only: no secret needed
    try:
        text = " ".join([*args.words, *(f"-{w}" if " " not in w else f'-"{w}"' for w in args.exclude or [])])
        query = SearchQuery(text, since=parse_when(args.since, "--since"),
                            until=parse_when(args.until, "--until"), limit=args.limit,
                            **{facet: getattr(args, facet) or [] for facet in FACETS})
        archive = Archive.from_config(config.settings.archive, config.state_dir)
    except ValueError as exc:
        print(f"newswatch search: {exc}", file=sys.stderr)
        return 2
    try:
        hits = archive.search(query)
    except SearchError as exc:
        print(f"newswatch search: {exc}", file=sys.stderr)
        return 2
    except ArchiveUnavailable as exc:
        print(f"newswatch search: {exc}", file=sys.stderr)
        return 1
    finally:
        archive.close()
    for hit in hits:
        if args.format == "json":
            print(json.dumps(asdict(hit), ensure_ascii=False))
        else:
            print(f"{_day(hit.at)}  {hit.source:<16} {','.join(hit.countries) or '-':<8} {hit.title[:90]}"
                  + (f"  {hit.url}" if hit.url else ""))
    if args.format != "json":
        print(f"{len(hits)} item(s)", file=sys.stderr)
    return 0


def cmd_story(args) -> int:
    """Every report of a story (its id, or the fingerprint of one of its items), oldest first."""
    from newswatch.archive.database import Archive, ArchiveUnavailable
    from workers.registry import load_config
    config = load_config(args.config, dry_run=True)   # reads the archive only: no secret needed
    archive = Archive.from_config(config.settings.archive, config.state_dir)
    try:
        reports = archive.story(args.id)
    except ArchiveUnavailable as exc:
        print(f"newswatch story: {exc}", file=sys.stderr)
        return 1
    finally:
        archive.close()
    if not reports:
        print(f"newswatch story: no story or item {args.id!r} in the archive ({archive.where})", file=sys.stderr)
        return 2
    for r in reports:
        when = datetime.fromtimestamp(r.at, timezone.utc)
        if args.format == "json":
            print(json.dumps({"when": when.isoformat(), **asdict(r)}, ensure_ascii=False))
        else:
            print(f"{when:%Y-%m-%d %H:%M}Z  {r.source:<16} {r.lang or '-':<3} {r.title[:90]}"
                  + (f"  {r.url}" if r.url else ""))
    if args.format != "json":
        sources = len({r.source for r in reports})
        print(f"story {reports[0].story_id}: {len(reports)} report(s) from {sources} source(s)", file=sys.stderr)
    return 0


def add_archive_parsers(sub, common) -> None:
    search = sub.add_parser("search", parents=[common], help="search the archive: words, \"phrases\", -words, facets")
    search.add_argument("words", nargs="*", metavar="WORD",
                        help='words (all must be there), "a phrase" (quoted for the shell too), -word (excluded)')
    search.add_argument("--not", dest="exclude", action="append", metavar="WORD",
                        help="leave out items with this word (or phrase); the same as -WORD after --")
    for facet, text in (("country", "about the country (ISO code: ML)"), ("mentioned", "names the country"),
                        ("city", "names the city"), ("region", "about the region (sahel)"),
                        ("topic", "a topic or a segment of its path (visit, diplomacy/visit)"),
                        ("actor", "an actor's id (lavrov)"), ("source", "a source id"), ("lang", "a language (fr)")):
        search.add_argument(f"--{facet}", action="append", metavar=facet.upper(), help=f"{text}; repeat for any of several")
    search.add_argument("--since", help="7d (that long ago) or a date, 2026-02-10 (UTC)")
    search.add_argument("--until", help="the same forms as --since")
    search.add_argument("--limit", type=int, default=20, help="at most this many items (default 20, at most 1000)")
    search.add_argument("--format", choices=["text", "json"], default="text")
    search.set_defaults(func=cmd_search)
    story = sub.add_parser("story", parents=[common], help="every report of a story, from the archive")
    story.add_argument("id", metavar="ID", help="a story id, or the id (fingerprint) of one of its items")
    story.add_argument("--format", choices=["text", "json"], default="text")
    story.set_defaults(func=cmd_story)
