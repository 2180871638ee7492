"""Scoring the event extractor on the hand-labelled sentences of tests/data/events.

`score_sentences(classifier, split)`: per type x language true/false positives (a row counts once
per type it reports or is given), and for each labelled event whose type the extractor found in
the row (matched to the event of that type sharing most with it), whether it got who (an actor id or a nationality in common: the labels leave `actor` null
for some listed people, «Эрдоган»), where (a (country, role) in
common), the destination (a destination country in common), the modality and the day right.

`score_founding(classifier)`: the founding event condition over tests/data/collected/visits.jsonl
(a visit that happened, by a Russian official or head of state, to or in a Sahel capital or
country), against the `founding` labels of visits_labels.jsonl (capital, country and implied are
positives), per language; and which look-alike lines (kind lookalike-*) it wrongly accepts.

Run by hand: `PYTHONPATH=. python3 -m tests.support.event_scoring dev [-v] [--set=sentences2.jsonl]` (or `founding`).
"""
from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tests.support.event_sentences import LANGS, TYPES, load_sentences, load_visit_labels, load_visits

ROOT = Path(__file__).resolve().parents[2]
SAHEL = frozenset({"ML", "BF", "NE", "TD", "MR"})   # regions.yaml `sahel`
FOUNDING_ROLES = frozenset({"official", "head-of-state", "head-of-government"})
ATTRIBUTES = ("who", "where", "destination", "modality", "when")


@dataclass
class SentenceScores:
    cells: dict[tuple[str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    right: Counter[str] = field(default_factory=Counter)   # attribute -> events right
    asked: Counter[str] = field(default_factory=Counter)   # attribute -> events with a label for it
    notes: list[str] = field(default_factory=list)         # misses and differences, for -v

    def cell(self, kind: str, lang: str) -> tuple[float, float, int]:
        """(precision, recall, labelled rows) of one type x language cell."""
        c = self.cells[(kind, lang)]
        return (c["tp"] / max(1, c["tp"] + c["fp"]), c["tp"] / max(1, c["tp"] + c["fn"]), c["tp"] + c["fn"])

    def overall(self) -> tuple[float, float]:
        total: Counter[str] = Counter()
        for c in self.cells.values():
            total.update(c)
        return total["tp"] / max(1, total["tp"] + total["fp"]), total["tp"] / max(1, total["tp"] + total["fn"])

    def accuracy(self, attribute: str) -> float:
        return self.right[attribute] / max(1, self.asked[attribute])

    def table(self) -> str:
        lines = [f"{'type':10} " + "  ".join(f"{lang:^13}" for lang in LANGS)]
        for kind in TYPES:
            cells = []
            for lang in LANGS:
                p, r, n = self.cell(kind, lang)
                cells.append(f"P{p:.2f} R{r:.2f}" if n or self.cells[(kind, lang)]["fp"] else "     -     ")
            lines.append(f"{kind:10} " + "  ".join(cells))
        p, r = self.overall()
        lines.append(f"types: P {p:.2f} R {r:.2f}; " + ", ".join(
            f"{a} {self.accuracy(a):.2f} (n={self.asked[a]})" for a in ATTRIBUTES))
        return "\n".join(lines)


def classify_row(classifier: Any, row: dict[str, Any]) -> list[Any]:
    """The events the extractor finds in the row's text (its context, when any, is read before it
    and gives pronouns their antecedents, but its own events are not the row's)."""
    context = row.get("context")
    text = f"{context} {row['text']}" if context else row["text"]
    published = date.fromisoformat(row["published"]) if row.get("published") else None
    facts = classifier.classify("", text, declared_lang=row["lang"], published=published)
    offset = len(text) - len(row["text"])
    return [e for e in facts.events if e.start >= offset]


def _score_event(scores: SentenceScores, gold: dict[str, Any], got: Any, rid: str) -> None:
    checks: dict[str, bool | None] = {"modality": got.modality == gold["modality"]}
    gold_where = {(w["country"], w["role"]) for w in gold["where"] if w.get("country")}
    checks["where"] = bool(gold_where & {(p.country, p.role) for p in got.where}) if gold_where else None
    gold_dest = {w["country"] for w in gold["where"] if w["role"] == "destination" and w.get("country")}
    checks["destination"] = (bool(gold_dest & {p.country for p in got.where if p.role == "destination"})
                             if gold_dest else None)
    gold_who = {w.get("actor") for w in gold["who"]} | {w.get("nationality") for w in gold["who"]}
    got_who = {p.actor for p in got.who} | {p.nationality for p in got.who}
    checks["who"] = bool((gold_who & got_who) - {None}) if gold_who - {None} else None
    checks["when"] = got.when == gold["when"] if gold.get("when") else None
    for attribute, ok in checks.items():
        if ok is None:
            continue
        scores.asked[attribute] += 1
        scores.right[attribute] += ok
        if not ok:
            scores.notes.append(f"WRONG {attribute:11} {rid} {gold['type']}: got "
                                f"{_show(attribute, got)}, want {_show(attribute, gold)}")


def _overlap(gold: dict[str, Any], got: Any) -> int:
    who = {w.get("actor") for w in gold["who"]} | {w.get("nationality") for w in gold["who"]}
    where = {(w.get("country"), w["role"]) for w in gold["where"]}
    return (len((who & ({p.actor for p in got.who} | {p.nationality for p in got.who})) - {None})
            + len(where & {(p.country, p.role) for p in got.where}) + (got.modality == gold["modality"]))


def _show(attribute: str, event: Any) -> str:
    if isinstance(event, dict):
        if attribute == "who":
            return str([(w["name"], w.get("actor") or w.get("nationality"), w["role"]) for w in event["who"]])
        if attribute in ("where", "destination"):
            return str([(w["name"], w.get("country"), w["role"]) for w in event["where"]])
        return str(event.get(attribute))
    if attribute == "who":
        return str([(p.name, p.actor or p.nationality, p.role) for p in event.who])
    if attribute in ("where", "destination"):
        return str([(p.name, p.country, p.role) for p in event.where])
    return str(getattr(event, attribute))


def score_sentences(classifier: Any, split: str, name: str = "sentences.jsonl") -> SentenceScores:
    """The extractor on the `split` half of the labelled set `name` (tests/data/events)."""
    scores = SentenceScores()
    for row in load_sentences(name):
        if row["split"] != split:
            continue
        got = classify_row(classifier, row)
        gold_types = {e["type"] for e in row["events"]}
        got_types = {e.type for e in got}
        for kind in gold_types | got_types:
            outcome = "tp" if kind in gold_types and kind in got_types else "fn" if kind in gold_types else "fp"
            scores.cells[(kind, row["lang"])][outcome] += 1
            if outcome != "tp":
                scores.notes.append(f"{'MISS' if outcome == 'fn' else 'EXTRA'} {kind:17} {row['id']} {row['lang']}: "
                                    f"{row['text'][:150]}")
        for gold in row["events"]:
            same = [e for e in got if e.type == gold["type"]]
            if same:   # of the events of its type, the one that shares most with it
                _score_event(scores, gold, max(same, key=lambda e: _overlap(gold, e)), row["id"])
    return scores


def founding_fires(facts: Any, modality: str = "happened") -> bool:
    """The founding event condition, as the `event:` rule condition of issue #14 states it."""
    for e in facts.events:
        if e.type != "visit" or e.modality != modality:
            continue
        if not any(p.nationality == "RU" and p.role in FOUNDING_ROLES for p in e.who):
            continue
        if any(p.role in ("destination", "location") and p.country in SAHEL and p.kind in ("capital", "country")
               for p in e.where):
            return True
    return False


@dataclass
class FoundingScores:
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))   # lang -> tp fp fn tn
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    lookalikes_accepted: list[str] = field(default_factory=list)
    lookalikes: int = 0

    def figures(self, lang: str) -> tuple[float, float]:
        c = self.counts[lang]
        return c["tp"] / max(1, c["tp"] + c["fp"]), c["tp"] / max(1, c["tp"] + c["fn"])

    def table(self) -> str:
        return "\n".join(f"{lang}: P {self.figures(lang)[0]:.2f} R {self.figures(lang)[1]:.2f} "
                         f"(tp {c['tp']} fn {c['fn']} fp {c['fp']})"
                         for lang in LANGS for c in [self.counts[lang]])


def score_founding(classifier: Any) -> FoundingScores:
    scores = FoundingScores()
    labels = {row["line"]: row for row in load_visit_labels()}
    for number, row in enumerate(load_visits(), 1):
        published = date.fromisoformat(row["published"]) if row.get("published") else None
        facts = classifier.classify(row.get("title") or "", row["text"], declared_lang=row["lang"], published=published)
        hit = founding_fires(facts)
        positive = labels[number]["founding"] != "no"
        outcome = ("tp" if hit else "fn") if positive else ("fp" if hit else "tn")
        scores.counts[row["lang"]][outcome] += 1
        line = f"line {number} {row['lang']} {row['kind']}: {row.get('note', '')[:90]}"
        if outcome == "fn":
            scores.misses.append(line)
        elif outcome == "fp":
            scores.wrong.append(line)
        if row["kind"].startswith("lookalike-"):
            scores.lookalikes += 1
            if hit:
                scores.lookalikes_accepted.append(line)
    return scores


def main(argv: list[str]) -> None:
    from newswatch.classify.classifier import Classifier
    classifier = Classifier.from_config_dir(ROOT / "newswatch" / "classify" / "data", cache_dir=Path("/tmp/nwcache"))
    what = argv[0] if argv else "dev"
    if what == "founding":
        founding = score_founding(classifier)
        print(founding.table())
        if "-v" in argv:
            print("\n".join(["MISSES", *founding.misses, "WRONG", *founding.wrong]))
        return
    name = next((a.split("=", 1)[1] for a in argv if a.startswith("--set=")), "sentences.jsonl")
    scores = score_sentences(classifier, what, name)
    if "-v" in argv:
        print("\n".join(sorted(scores.notes)))
    print(scores.table())


if __name__ == "__main__":
    main(sys.argv[1:])
