"""What the classifier says about an item, with the evidence for each fact."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(slots=True)
class Mention:
    """One fact found in the text: where, what it said, which table entry."""

    kind: str            # country | demonym | city | region | actor | role | institution | topic | modality
    value: str           # ISO code, geonameid, region slug, actor id, topic path, ...
    field: str           # "title" or "text"
    start: int           # offsets in that field
    end: int
    text: str            # the words as they stand in the item
    entry: str           # the table entry that matched (normalized term)
    sentence: int        # index of the sentence in that field (title is sentence 0 of "title")
    country: str | None = None   # the country this mention points to (for places, demonyms, actors)
    extra: dict = field(default_factory=dict)


@dataclass(slots=True)
class Facts:
    lang: str | None = None
    lang_how: str = "unknown"
    countries: list[str] = field(default_factory=list)   # what the item is about, most salient first
    mentioned: list[str] = field(default_factory=list)   # every country named at all
    salience: dict[str, float] = field(default_factory=dict)
    cities: list[dict] = field(default_factory=list)      # {"id", "name", "country", "capital"}
    regions: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    actors: list[dict] = field(default_factory=list)      # {"id", "name", "nationality", "role"}
    evidence: list[Mention] = field(default_factory=list)
    sentences: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Facts":
        data = dict(data)
        data["evidence"] = [Mention(**m) for m in data.get("evidence", [])]
        data["sentences"] = {k: [tuple(s) for s in v] for k, v in data.get("sentences", {}).items()}
        return cls(**data)
