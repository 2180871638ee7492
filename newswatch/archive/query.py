"""What a search asks for, checked: words, "phrases", -exclusions, facets, a time window, a limit.

    parse_terms('lavrov bamako -moscow "foreign minister"')
      -> words AND-ed (each with its inflections), phrases in word order, excluded words and phrases

Facets (country, mentioned, city, region, topic, actor, source, lang) narrow the search: values of
one facet are alternatives (`country: [ML, NE]`, like a rule's list), facets are AND-ed. Bad input
is a `SearchError` saying what is wrong and what is allowed; nothing is silently dropped.
"""
from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from newswatch.archive.searchtext import phrase_forms, word_forms
from newswatch.classify.normalize import normalize_term
from newswatch.config.units import parse_duration

MAX_QUERY_CHARS = 500
MAX_TERMS = 16
MAX_LIMIT = 1000
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"|(\S+))')
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_LANG = re.compile(r"^[A-Za-z]{2,3}$")
_VALUE_MAX = 128
FACETS = ("country", "mentioned", "city", "region", "topic", "actor", "source", "lang")


class SearchError(ValueError):
    """A search that cannot run as written; the message says why and what is allowed."""


@dataclass(frozen=True)
class Term:
    """One word or phrase of the query: its forms (each a word or words in a row), whether it was
    quoted (then it is matched in word order only), as it was written."""

    forms: tuple[str, ...]
    phrase: bool
    written: str


@dataclass(frozen=True)
class Terms:
    required: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()


def parse_terms(text: str) -> Terms:
    """Words and "phrases" AND-ed; `-word` and `-"a phrase"` excluded."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise SearchError(f"the query is {len(text)} characters long (at most {MAX_QUERY_CHARS})")
    if text.count('"') % 2:
        raise SearchError('unbalanced quote: a phrase is written "like this"')
    required: list[Term] = []
    excluded: list[Term] = []
    for match in _TOKEN.finditer(text):
        minus, quoted, bare = match.groups()
        written = quoted if quoted is not None else bare
        if quoted is not None and not quoted.strip():
            raise SearchError('empty phrase "": put words between the quotes')
        forms = phrase_forms(written) if quoted is not None else word_forms(written)
        if not forms:
            continue   # punctuation alone ("-", "&"): nothing to look for
        term = Term(forms, quoted is not None or " " in forms[0], written)
        (excluded if minus else required).append(term)
    if len(required) + len(excluded) > MAX_TERMS:
        raise SearchError(f"{len(required) + len(excluded)} words and phrases (at most {MAX_TERMS})")
    return Terms(tuple(required), tuple(excluded))


def _values(name: str, values: str | list[str] | tuple[str, ...] | None) -> list[str]:
    items = [values] if isinstance(values, str) else list(values or [])
    out = []
    for value in items:
        if not isinstance(value, str) or not value.strip():
            raise SearchError(f"{name}: expected a non-empty value")
        if len(value) > _VALUE_MAX:
            raise SearchError(f"{name}: a value is at most {_VALUE_MAX} characters")
        if "\x00" in value:   # no database stores it (PostgreSQL refuses it in a parameter)
            raise SearchError(f"{name}: a value cannot contain a NUL character")
        out.append(value.strip())
    return out


def _country(name: str, values: list[str]) -> list[str]:
    bad = [v for v in values if not _COUNTRY.match(v)]
    if bad:
        raise SearchError(f"{name}: {bad[0]!r} is no ISO 3166-1 alpha-2 code (e.g. ML, NE, RU)")
    return [v.upper() for v in values]


def _when(name: str, value: datetime | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise SearchError(f"{name}: give a timezone-aware time (UTC), not a naive one")
        return value.astimezone(timezone.utc).timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise SearchError(f"{name}: expected a time (datetime or seconds since the epoch)")


@dataclass(frozen=True)
class SearchQuery:
    """One search. `text`: words, "phrases", -exclusions (may be empty: facets and window alone).
    `since` / `until`: the window on each item's time (published, else fetched); newest first."""

    text: str = ""
    country: list[str] = field(default_factory=list)     # about the country (salience)
    mentioned: list[str] = field(default_factory=list)   # names the country at all
    city: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    topic: list[str] = field(default_factory=list)       # a topic path or one of its segments: visit, diplomacy/visit
    actor: list[str] = field(default_factory=list)       # actor id: lavrov
    source: list[str] = field(default_factory=list)
    lang: list[str] = field(default_factory=list)
    since: datetime | float | None = None
    until: datetime | float | None = None
    limit: int = 50


@dataclass(frozen=True)
class Plan:
    """A SearchQuery checked and normalized: what the backends turn into SQL."""

    terms: Terms
    facets: dict[str, list[str]]   # facet kind (schema.FACET_KINDS) -> values
    sources: list[str]
    langs: list[str]
    since: float | None
    until: float | None
    limit: int


def plan(query: SearchQuery) -> Plan:
    if isinstance(query.limit, bool) or not isinstance(query.limit, int) or not 1 <= query.limit <= MAX_LIMIT:
        raise SearchError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    facets = {
        "country": _country("country", _values("country", query.country)),
        "mentioned": _country("mentioned", _values("mentioned", query.mentioned)),
        "city": [normalize_term(v) for v in _values("city", query.city)],
        "region": [v.lower() for v in _values("region", query.region)],
        "topic": [v.lower().strip("/") for v in _values("topic", query.topic)],
        "actor": [v.lower() for v in _values("actor", query.actor)],
    }
    langs = _values("lang", query.lang)
    if bad := [v for v in langs if not _LANG.match(v)]:
        raise SearchError(f"lang: {bad[0]!r} is no ISO 639-1 code (e.g. en, fr, ar, ru)")
    since, until = _when("since", query.since), _when("until", query.until)
    if since is not None and until is not None and since > until:
        raise SearchError("since is later than until")
    return Plan(parse_terms(query.text), {k: v for k, v in facets.items() if v}, _values("source", query.source),
                [v.lower() for v in langs], since, until, query.limit)


def parse_when(value: str | None, name: str) -> float | None:
    """`7d` (that long ago), `2026-02-10` or `2026-02-10T09:00` (UTC unless it says otherwise)."""
    if value is None or not value.strip():
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


def search_query(text: str, facets: Mapping[str, Sequence[str]], since: str | None = None, until: str | None = None,
                 limit: int = 20, since_name: str = "since", until_name: str = "until") -> SearchQuery:
    """The search `newswatch search` and the web desk run: the query text, the facets by name (FACETS),
    the window as written (`7d` or a date). ValueError (SearchError included) says what is wrong."""
    unknown = sorted(set(facets) - set(FACETS))
    if unknown:
        raise SearchError(f"unknown facet {unknown[0]!r} (allowed: {', '.join(FACETS)})")
    return SearchQuery(text, since=parse_when(since, since_name), until=parse_when(until, until_name), limit=limit,
                       **{facet: list(facets.get(facet) or []) for facet in FACETS})
