"""What a dry run of the rules says per item — which rules matched and why (and, asked, which did not) —
as `newswatch test-rule` prints it and the desk's rule tester shows it (one implementation of each).

One JSON record per item:

    {"id": ..., "url": ..., "title": ...,
     "matches": [{"rule": "<rule id>", "evidence": [{"clause", "kind", "matched", "field", "start", "end",
                                                    "entry", "sentence", "detail"}, ...]}],
     "near_misses": [{"rule": "<rule id>", "failed": ["<clause>: <why>", ...]}]}   # only with explain

or, as text, the title and per match the rule id and the alert's own explanation.
Nothing here sends or stores anything.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from alerts.rules.matcher import Match, RuleMatcher
from newswatch.config import Config
from newswatch.model.alert import Alert
from newswatch.model.item import Item


def explanation(match: Match) -> str:
    """The one line an alert for this match would give (Alert.explanation): what held, and where."""
    rule, item = match.rule, match.item
    return Alert(id="", rule_id=rule.id, rule_title=rule.title, severity=rule.severity, item_id=item.id,
                 source_id=item.source_id, title=item.title, url=item.url, published=None, summary="",
                 evidence=match.evidence).explanation()


def match_record(item: Item, matches: list[Match], near_misses: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    record = {"id": item.guid or item.id, "url": item.url, "title": item.title,
              "matches": [{"rule": m.rule.id, "evidence": [asdict(e) for e in m.evidence]} for m in matches]}
    if near_misses is not None:
        record["near_misses"] = near_misses
    return record


def text_summary(item: Item, matches: list[Match], near_misses: list[dict[str, Any]] | None = None) -> str:
    lines = [item.title or "(no title)"]
    if item.url:
        lines.append(f"  {item.url}")
    lines += [f"  MATCH {m.rule.id} ({m.rule.severity}): {explanation(m)}" for m in matches] or ["  no rule matched"]
    for miss in near_misses or ():
        lines.append(f"  no match {miss['rule']}:")
        lines += [f"    - {clause}" for clause in miss["failed"]]
    return "\n".join(lines)


def source_tags(config: Config) -> dict[str, frozenset[str]]:
    """Each configured source's tags, by id: what `source:` conditions match besides the id."""
    return {src.id: frozenset(src.tags) for src in config.settings.sources}


def unknown_source(config: Config, source_id: str) -> str | None:
    """What is wrong with `--source ID` (no such configured source), else None."""
    known = [src.id for src in config.settings.sources]
    if source_id in known:
        return None
    return f"--source: no source {source_id!r} in {config.path} (sources: {', '.join(known) or 'none configured'})"


def report(item: Item, matcher: RuleMatcher, fmt: str = "json", explain: bool = False) -> str:
    """Match one classified item against every rule; the JSON line or text block to print."""
    return report_and_matches(item, matcher, fmt, explain)[0]


def report_and_matches(item: Item, matcher: RuleMatcher, fmt: str = "json",
                       explain: bool = False) -> tuple[str, list[Match]]:
    """`report`, and the matches it reports."""
    matches = matcher.match(item)
    near_misses = matcher.explain(item) if explain else None
    if fmt == "text":
        return text_summary(item, matches, near_misses), matches
    return json.dumps(match_record(item, matches, near_misses), ensure_ascii=False), matches
