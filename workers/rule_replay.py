"""`newswatch test-rule [RULE_FILE ...] --since 7d [--until DATE]`: the rules replayed over the archive.

Each archived item of the window is matched as it was classified when it came in (its stored
Facts: nothing is fetched or classified again), oldest first, and printed exactly as
`test-rule --input` prints an item (workers.rule_dry_run): a rule written today says what it would
have matched last week. The window is `--since <= at <= --until` on each item's time (published,
else fetched), both ends included, in the forms of `newswatch search` (7d, 12h, 2026-02-10, ...).
`--source ID` keeps only the archived items of that configured source. Items the archive holds
unclassified (too old when they came in, or classification off) were never matched by the service:
they are skipped and counted on stderr.

This process reads the archive a page at a time (newswatch.archive.replay: keyset pages, so memory
does not grow with the window); decoding the stored Facts and matching, the costly part, is done by
`--jobs` worker processes (default: one per CPU, at most 4; none when the window fits in one page),
forked once the rules are compiled so they share them. At most two pages per worker are in flight,
and pages are printed in their order.

Exit 0 (matches or not), 1 when the archive cannot be read, 2 for a window or `--source` that cannot be used.
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterator
from multiprocessing.pool import AsyncResult
from typing import Any

from alerts.rules.loader import Rule, vocabulary
from alerts.rules.matcher import RuleMatcher
from newswatch.archive.database import Archive, ArchiveUnavailable
from newswatch.archive.replay import BATCH, ArchivedItem, Window, to_item
from newswatch.config import Config
from workers.archive_cli import parse_when
from alerts.rules.dry_run import report_and_matches, source_tags, unknown_source

PROG = "newswatch test-rule"
Rendered = tuple[list[str], int, int]     # the page's printed items; how many matched; how many unclassified


def default_jobs() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def replay_window(args: Any, config: Config) -> Window | str:
    """The archive window `args` ask for, or the problem with it."""
    try:
        since, until = parse_when(args.since, "--since"), parse_when(args.until, "--until")
    except ValueError as exc:
        return str(exc)
    if since is not None and until is not None and since > until:
        return f"--since ({args.since}) is later than --until ({args.until})"
    if args.source:
        problem = unknown_source(config, args.source)
        if problem:
            return problem
    if args.jobs is not None and args.jobs < 1:
        return f"--jobs: {args.jobs} is not a number of processes (1 or more)"
    return Window(since, until, (args.source,) if args.source else ())


class PageRenderer:
    """Turns a page of archived rows into what test-rule prints for them."""

    def __init__(self, matcher: RuleMatcher, fmt: str, explain: bool):
        self.matcher, self.fmt, self.explain = matcher, fmt, explain

    def __call__(self, rows: list[ArchivedItem]) -> Rendered:
        out, matched, unclassified = [], 0, 0
        for row in rows:
            item = to_item(row)
            if item.facts is None:
                unclassified += 1
                continue
            text, matches = report_and_matches(item, self.matcher, self.fmt, self.explain)
            out.append(text)
            matched += bool(matches)
        return out, matched, unclassified


# A pool worker's renderer, set once in each worker process by `_start_worker` (the forked child
# inherits the compiled rules; nothing is pickled but the pages and what they print).
_renderer: PageRenderer | None = None


def _start_worker(renderer: PageRenderer) -> None:
    global _renderer
    _renderer = renderer


def _render(rows: list[ArchivedItem]) -> Rendered:
    assert _renderer is not None, "set by the pool's initializer"
    return _renderer(rows)


def rendered_pages(pages: Iterator[list[ArchivedItem]], renderer: PageRenderer, jobs: int,
                   batch: int = BATCH) -> Iterator[Rendered]:
    """Each page rendered, in page order: here with one job or when the first page is the only one,
    else by `jobs` forked workers."""
    first = next(pages, None)
    if first is None:
        return
    if jobs == 1 or len(first) < batch:
        yield renderer(first)
        yield from map(renderer, pages)
        return
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_start_worker, initargs=(renderer,)) as pool:
        waiting: deque[AsyncResult[Rendered]] = deque()
        for rows in itertools.chain([first], pages):
            waiting.append(pool.apply_async(_render, (rows,)))
            if len(waiting) >= 2 * jobs:
                yield waiting.popleft().get()
        while waiting:
            yield waiting.popleft().get()


def cmd_replay(args: Any, config: Config, rules: list[Rule], batch: int = BATCH) -> int:
    """Print each archived item of the window with what the rules match, as `test-rule --input` does."""
    window = replay_window(args, config)
    if isinstance(window, str):
        print(f"{PROG}: {window}", file=sys.stderr)
        return 2
    matcher = RuleMatcher(rules, tables=vocabulary(config).tables, source_tags=source_tags(config))
    renderer = PageRenderer(matcher, args.format, args.explain)
    jobs = args.jobs or default_jobs()
    archive = Archive.from_config(config.settings.archive, config.state_dir)
    replayed = matched = unclassified = 0
    out = sys.stdout
    try:
        for lines, page_matched, page_unclassified in rendered_pages(archive.pages_between(window, batch),
                                                                       renderer, jobs, batch):
            if lines:
                out.write("\n".join(lines) + "\n")
            replayed, matched = replayed + len(lines), matched + page_matched
            unclassified += page_unclassified
    except ArchiveUnavailable as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    finally:
        archive.close()
    skipped = f"; {unclassified} archived unclassified, skipped" if unclassified else ""
    print(f"{replayed} archived item(s) replayed, {matched} matched{skipped} ({archive.where})", file=sys.stderr)
    return 0
