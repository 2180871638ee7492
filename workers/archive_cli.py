"""`newswatch search`: the archive's items, by words and facets, newest first; `newswatch story ID`:
every report of one story, oldest first; `newswatch archive prune|stats`: retention by hand, and what
the archive holds.

    newswatch search lavrov bamako --country ML --since 7d
    newswatch search '"foreign minister"' --not moscow --topic visit --lang fr --format json
    newswatch search lavrov -- -moscow             (after `--`, a word may start with "-")
    newswatch archive prune [--dry-run]            what is older than archive.keep (and beyond max_items)
    newswatch archive stats [--format json]        counts, oldest/newest, top sources and languages, size
    newswatch story 3f2a...                        (a story id, an event id visit-..., or the id of any of its items)

They read the archive database of the config (`archive.url`, else SQLite in state_dir), no channel
secrets (the config is loaded as a dry run); `stats` also asks the service's Redis, when it answers,
how many entries wait to be written. Exit 0, 1 when the database cannot be read, 2 for a search
that cannot run as written or a story the archive does not hold.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime, timezone


from newswatch.archive.query import FACETS, parse_when   # noqa: F401 (parse_when: workers.rule_replay)


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M")


def cmd_search(args) -> int:
    from newswatch.archive.database import ArchiveUnavailable
    from newswatch.archive.query import SearchError, search_query
    try:
        text = " ".join([*args.words, *(f"-{w}" if " " not in w else f'-"{w}"' for w in args.exclude or [])])
        query = search_query(text, {facet: getattr(args, facet) or [] for facet in FACETS}, args.since, args.until,
                             args.limit, since_name="--since", until_name="--until")
    except ValueError as exc:
        print(f"newswatch search: {exc}", file=sys.stderr)
        return 2
    _, archive = _open_archive(args, "search")
    if archive is None:
        return 1
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


def _open_archive(args, command: str):
    """(config, archive); archive None (the reason printed) when the database cannot be opened."""
    from newswatch.archive.database import Archive
    from newswatch.config.base import DRY_RUN_SECRET
    from workers.registry import load_config
    config = load_config(args.config, dry_run=True)   # reads the archive only: no channel secret needed
    url = config.settings.archive.database_url(config.state_dir)
    if DRY_RUN_SECRET in url.render_as_string(hide_password=False):
        print(f"newswatch {command}: the archive's password is not here (archive.password_file cannot "
              "be read, or a ${VAR} of archive.url or archive.password is not set)", file=sys.stderr)
        return config, None
    return config, Archive(url)


def _retention_line(config) -> str:
    from newswatch.config.units import format_duration
    a = config.settings.archive
    return f"keep {format_duration(a.keep) if a.keep else 'off'}, max_items {a.max_items if a.max_items is not None else 'none'}"


def cmd_archive_prune(args) -> int:
    from newswatch.archive.database import ArchiveUnavailable
    from newswatch.archive.retention import Retention
    config, archive = _open_archive(args, "archive prune")
    if archive is None:
        return 1
    try:
        report = archive.prune(Retention.from_config(config.settings.archive), dry_run=args.dry_run)
    except ArchiveUnavailable as exc:
        print(f"newswatch archive prune: {exc}", file=sys.stderr)
        return 1
    finally:
        archive.close()
    if args.format == "json":
        print(json.dumps({"database": archive.where, "dry_run": args.dry_run, **report.as_dict()}))
        return 0
    goes = "nothing goes for its age" if report.cutoff is None else f"older than {_day(report.cutoff)} UTC goes"
    print(f"archive {archive.where}: {_retention_line(config)}; {goes}")
    print(f"{'would remove' if args.dry_run else 'removed'}: {report.items} items older than keep, "
          f"{report.items_over_max} items beyond max_items, {report.alerts} alerts, {report.deliveries} deliveries"
          + ("" if args.dry_run else f" ({report.seconds:.1f} s)"))
    return 0


def _waiting(config) -> int | None:
    """Entries waiting in the service's Redis to be written to the archive; None when it does not answer."""
    import redis

    from newswatch.archive.queue import ArchiveQueue
    from newswatch.store.state import State
    from workers.admin_cli import _service_redis
    url, _ = _service_redis(config)
    if url is None:
        return None
    client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2)
    try:
        return ArchiveQueue(State(client, config.settings.key_prefix), config.settings.archive.queue_max).waiting()
    except (redis.RedisError, OSError):
        return None
    finally:
        client.close()


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    size = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1024
        if size < 1024 or unit == "TB":
            break
    return f"{size:.1f} {unit}"


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 1")
    return int(value)


def cmd_archive_stats(args) -> int:
    from newswatch.archive.database import ArchiveUnavailable
    config, archive = _open_archive(args, "archive stats")
    if archive is None:
        return 1
    try:
        stats = archive.stats(top=args.top)
    except ArchiveUnavailable as exc:
        print(f"newswatch archive stats: {exc}", file=sys.stderr)
        return 1
    finally:
        archive.close()
    a = config.settings.archive
    stats = {"database": archive.where, "backend": archive.backend, **stats, "waiting": _waiting(config),
             "keep_seconds": a.keep, "max_items": a.max_items}
    if args.format == "json":
        print(json.dumps(stats, ensure_ascii=False))
        return 0
    span = (f" (oldest {_day(stats['oldest_item'])}, newest {_day(stats['newest_item'])} UTC)"
            if stats["items"] else "")
    waiting = "unknown (no Redis answers)" if stats["waiting"] is None else stats["waiting"]
    print(f"archive {archive.where} ({archive.backend}), {_size(stats['size_bytes'])} on disk")
    print(f"items: {stats['items']}{span}")
    print(f"alerts: {stats['alerts']}; deliveries: {stats['deliveries']}; waiting in Redis to be written: {waiting}")
    for title, key in (("by source", "by_source"), ("by language", "by_lang")):
        print(f"{title}: " + (", ".join(f"{row['name'] or '-'} {row['items']}" for row in stats[key]) or "-"))
    print(f"retention: {_retention_line(config)}")
    return 0


def cmd_story(args) -> int:
    """Every report of a story (its id, or the fingerprint of one of its items) or of an event (its id),
    oldest first, each with its outlet and language."""
    from newswatch.archive.database import ArchiveUnavailable
    _, archive = _open_archive(args, "story")
    if archive is None:
        return 1
    try:
        reports = archive.story(args.id)
    except ArchiveUnavailable as exc:
        print(f"newswatch story: {exc}", file=sys.stderr)
        return 1
    finally:
        archive.close()
    if not reports:
        print(f"newswatch story: no story, event or item {args.id!r} in the archive ({archive.where})",
              file=sys.stderr)
        return 2
    for r in reports:
        when = datetime.fromtimestamp(r.at, timezone.utc)
        if args.format == "json":
            print(json.dumps({"when": when.isoformat(), **asdict(r)}, ensure_ascii=False))
        else:
            print(f"{when:%Y-%m-%d %H:%M}Z  {r.source:<16} {r.lang or '-':<3} {r.title[:90]}"
                  + (f"  {r.url}" if r.url else ""))
    if args.format != "json":
        sources, langs = len({r.source for r in reports}), len({r.lang for r in reports if r.lang})
        what = f"event {args.id}" if reports[0].event_id == args.id else f"story {reports[0].story_id}"
        print(f"{what}: {len(reports)} report(s) from {sources} source(s) in {langs} language(s)", file=sys.stderr)
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
    archive = sub.add_parser("archive", parents=[common], help="the archive: prune (retention), stats")
    asub = archive.add_subparsers(dest="action", required=True)
    prune = asub.add_parser("prune", parents=[common],
                            help="remove what is older than archive.keep (and the oldest beyond archive.max_items)")
    prune.add_argument("--dry-run", action="store_true", help="only count what would go")
    prune.add_argument("--format", choices=["text", "json"], default="text")
    prune.set_defaults(func=cmd_archive_prune)
    stats = asub.add_parser("stats", parents=[common], help="items, alerts, oldest/newest, top sources and languages, size")
    stats.add_argument("--top", type=_positive, default=10, help="sources and languages shown (default 10)")
    stats.add_argument("--format", choices=["text", "json"], default="text")
    stats.set_defaults(func=cmd_archive_stats)
    story = sub.add_parser("story", parents=[common], help="every report of a story, from the archive")
    story.add_argument("id", metavar="ID", help="a story id, an event id (visit-…), or the id (fingerprint) of one of its items")
    story.add_argument("--format", choices=["text", "json"], default="text")
    story.set_defaults(func=cmd_story)
