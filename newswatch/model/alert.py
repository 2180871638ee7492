"""What a rule match becomes: an alert, delivered once to each of its channels."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

TITLE_MAX = 1000        # characters: an alert never carries more of a title, summary or matched text
SUMMARY_MAX = 1000
EVIDENCE_MAX = 300
EVIDENCE_ITEMS = 20     # evidence entries kept: the first of each (clause, kind, words, field), at most this many
URL_MAX = 8192


def _clip(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"


def alert_id(rule_id: str, story_id: str) -> str:
    """One alert per (rule, story): the same pair always gets the same id."""
    return hashlib.blake2b(f"{rule_id}\x00{story_id}".encode(), digest_size=10).hexdigest()


@dataclass(slots=True)
class Evidence:
    """Why a clause held: which condition, which words, where."""

    clause: str          # e.g. "when.all[0].keywords"
    kind: str            # condition kind: "keywords", later "country", "actor", ...
    matched: str         # the text that matched, as it stands in the item
    field: str           # "title" or "text"
    start: int           # character offsets in that field
    end: int
    entry: str | None = None  # the table entry or phrase that matched
    sentence: int | None = None  # sentence index in that field
    detail: str = ""          # human words for the explanation: "Bamako (capital, ML, sahel)"


@dataclass(slots=True)
class Alert:
    id: str
    rule_id: str
    rule_title: str
    severity: str
    item_id: str
    source_id: str
    title: str
    url: str | None
    published: str | None      # ISO 8601, or None
    summary: str               # the first few hundred characters of the item's text
    evidence: list[Evidence] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    story_id: str | None = None
    event_id: str | None = None    # the event the item reports (Item.event_id): the alert stands for all its reports
    countries: list[str] = field(default_factory=list)   # what the item is about (classifier), for tags
    regions: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    reported_by: list[str] = field(default_factory=list)  # other sources of the story, filled in at send time
    digest_of: list[dict[str, Any]] = field(default_factory=list)   # a digest: the alerts it sends together (alerts.digest)

    def matched_words(self) -> list[str]:
        seen: dict[str, None] = {}
        for ev in self.evidence:
            seen.setdefault(ev.matched, None)
        return list(seen)

    def explanation(self) -> str:
        """One line saying why the rule fired:
        "actor: Sergey Lavrov (RU official) · place: Bamako (capital, ML, sahel) · topic: visit — same sentence"."""
        parts, seen, suffix = [], set(), ""
        for ev in self.evidence:
            if ev.kind == "near":
                suffix = f" — {ev.detail}"
                continue
            text = f"{ev.kind}: {ev.detail or ev.matched}"
            key = (ev.clause, ev.detail)     # an event's cue, who and where share it: said once
            if text not in seen and (not ev.detail or key not in seen):
                seen.update([text, key])
                parts.append(text)
        return (" · ".join(parts) if parts else "matched") + suffix

    def bounded(self) -> "Alert":
        """The alert with every text from the item cut to a size any channel can carry (in place).
        Items are clipped when they enter the pipeline; this also bounds alerts stored before that."""
        self.title = _clip(self.title, TITLE_MAX) or ""
        self.summary = _clip(self.summary, SUMMARY_MAX) or ""
        if self.url and len(self.url) > URL_MAX:
            self.url = None
        firsts = {(ev.clause, ev.kind, ev.matched, ev.field): ev for ev in reversed(self.evidence)}
        self.evidence = [ev for ev in self.evidence if firsts[(ev.clause, ev.kind, ev.matched, ev.field)] is ev]
        near = [ev for ev in self.evidence if ev.kind == "near"]       # the explanation's "— same sentence"
        self.evidence = [ev for ev in self.evidence if ev.kind != "near"][:EVIDENCE_ITEMS - len(near[:1])] + near[:1]
        for ev in self.evidence:
            ev.matched, ev.detail = _clip(ev.matched, EVIDENCE_MAX) or "", _clip(ev.detail, EVIDENCE_MAX) or ""
        for member in self.digest_of:
            if isinstance(member.get("title"), str):
                member["title"] = _clip(member["title"], TITLE_MAX)
            if isinstance(member.get("url"), str) and len(member["url"]) > URL_MAX:
                member["url"] = None
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Alert":
        data = dict(data)
        data["evidence"] = [Evidence(**e) for e in data.get("evidence", [])]
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})  # a newer writer's extra keys are ignored
