"""`newswatch test-rule [RULE_FILE ...] --since 7d [--until DATE]`: the rules replayed over the archive.

Each archived item of the window is matched as it was classified when it came in (its stored
Facts: nothing is fetched or classified again), oldest first, and printed exactly as
`test-rule --input` prints an item (workers.rule_dry_run): a rule written today says what it would
have matched last week. The window is `--since <= at <= --until` on each item's time (published,
else fetched), both ends included, in the forms of `newswatch search` (7d, 12h, 2026-02-10, ...).
`--source ID` keeps only the archived items of that configured source. Items the archive holds
unclassified (too old when they came in, or classification off) were never matched by the service:
they are skipped and counted on stderr. Items are read in pages (newswatch.archive.replay), so
memory does not grow with the window.

Exit 0 (matches or not), 1 when the archive cannot be read, 2 for a window or `--source` that cannot be used.
"""
from __future__ import annotations

import sys
from typing import Any

from alerts.rules.loader import Rule, vocabulary
from alerts.rules.matcher import RuleMatcher
from newswatch.archive.database import Archive, ArchiveUnavailable
from newswatch.archive.replay import BATCH, Window
from newswatch.config import Config
from workers.archive_cli import parse_when
from workers.rule_dry_run import report_and_matches, source_tags, unknown_source

PROG = "newswatch test-rule"


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
    return Window(since, until, (args.source,) if args.source else ())


def cmd_replay(args: Any, config: Config, rules: list[Rule], batch: int = BATCH) -> int:
    """Print each archived item of the window with what the rules match, as `test-rule --input` does."""
    window = replay_window(args, config)
    if isinstance(window, str):
        print(f"{PROG}: {window}", file=sys.stderr)
        return 2
    matcher = RuleMatcher(rules, tables=vocabulary(config).tables, source_tags=source_tags(config))
    archive = Archive.from_config(config.settings.archive, config.state_dir)
    replayed = matched = unclassified = 0
    out = sys.stdout
    try:
        for item in archive.items_between(window, batch=batch):
            if item.facts is None:
                unclassified += 1
                continue
            text, matches = report_and_matches(item, matcher, args.format, args.explain)
            out.write(text + "\n")
            replayed += 1
            matched += bool(matches)
    except ArchiveUnavailable as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    finally:
        archive.close()
    skipped = f"; {unclassified} archived unclassified, skipped" if unclassified else ""
    print(f"{replayed} archived item(s) replayed, {matched} matched{skipped} ({archive.where})", file=sys.stderr)
    return 0
