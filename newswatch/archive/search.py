"""One search API over both backends: words AND-ed, "phrases", -exclusions, facets, a time window,
newest first.

The words go to SQLite FTS5 (`items_fts MATCH ...`) or to PostgreSQL's `items.search @@ tsquery`
(the 'simple' configuration: no stemming, no stop words; the normalizing and the inflections are
ours, newswatch.archive.searchtext). A word is any of its forms in `body` or `stems`; a phrase (or
a form of several words) is those words in a row in `body` only (FTS5 column filter, tsquery
weight A). Each facet is an `item_id IN (...)` over the (kind, value, at) index, with the window
repeated there so it is one index range.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from newswatch.archive.query import Plan, SearchQuery, Term, plan
from newswatch.archive.schema import FTS_TABLE, item_facets, items

_HIT_COLUMNS = ("fingerprint", "source", "url", "title", "text", "published", "fetched", "at", "lang", "story_id",
                "countries", "mentioned", "cities", "regions", "topics", "actors")


@dataclass(frozen=True)
class SearchHit:
    item_id: str            # the fingerprint
    source: str
    url: str | None
    title: str
    text: str
    published: float | None
    fetched: float
    at: float               # published, else fetched (what the window and the order use)
    lang: str | None
    story_id: str | None
    countries: list[str] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)
    cities: list[dict[str, Any]] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    actors: list[dict[str, Any]] = field(default_factory=list)


# --- SQLite FTS5 ------------------------------------------------------------------------

def _fts_form(form: str) -> str:
    return '"' + form.replace('"', '""') + '"'   # a form is letters, digits and spaces: a phrase of words


def _fts_term(term: Term) -> str:
    forms = " OR ".join(_fts_form(f) for f in term.forms)
    if term.phrase:
        return f"body : ({forms})"
    multi = [f for f in term.forms if " " in f]
    if multi:   # "u.s." -> "u s": words in a row, in body only
        single = [_fts_form(f) for f in term.forms if " " not in f]
        parts = single + [f"body : ({' OR '.join(_fts_form(f) for f in multi)})"]
        return "(" + " OR ".join(parts) + ")"
    return f"({forms})"


def _fts_match(terms: tuple[Term, ...]) -> str:
    return " AND ".join(_fts_term(t) for t in terms)


# --- PostgreSQL tsquery -----------------------------------------------------------------

def _ts_form(form: str, body_only: bool) -> str:
    weight = ":A" if body_only or " " in form else ""
    return "(" + " <-> ".join(f"'{word}'{weight}" for word in form.split()) + ")"


def _ts_term(term: Term) -> str:
    return "(" + " | ".join(_ts_form(f, term.phrase) for f in term.forms) + ")"


def _ts_query(terms: tuple[Term, ...]) -> str:
    return " & ".join(_ts_term(t) for t in terms)


# --- the statement ------------------------------------------------------------------------

def _text_conditions(conn: sa.Connection, p: Plan) -> list[sa.ColumnElement[bool]]:
    required, excluded = p.terms.required, p.terms.excluded
    if not required and not excluded:
        return []
    if conn.dialect.name == "postgresql":
        search: sa.ColumnElement[Any] = sa.literal_column("items.search")
        out: list[sa.ColumnElement[bool]] = []
        if required:
            out.append(search.op("@@")(sa.func.to_tsquery("simple", _ts_query(required))))
        if excluded:
            out.append(sa.not_(search.op("@@")(sa.func.to_tsquery("simple", " | ".join(map(_ts_term, excluded))))))
        return out
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    match: sa.ColumnElement[Any] = sa.literal_column(FTS_TABLE)
    bounds = _rowid_bounds(fts.c.rowid, p)

    def matching(expression: str) -> sa.Select[Any]:
        return sa.select(fts.c.rowid).where(match.op("MATCH")(expression), *bounds)
    if required:
        expression = _fts_match(required)
        if excluded:
            expression = f"({expression}) NOT ({' OR '.join(map(_fts_term, excluded))})"
        return [items.c.id.in_(matching(expression))]
    return [items.c.id.not_in(sa.select(fts.c.rowid).where(match.op("MATCH")(" OR ".join(map(_fts_term, excluded)))))]


def _rowid_bounds(rowid: sa.ColumnElement[Any], p: Plan) -> list[sa.ColumnElement[bool]]:
    """SQLite: the ids a hit can have, at most [min, max] of the first facet's items in the window
    (or of the window's items): FTS5 seeks its word lists to that range instead of reading them
    whole. Ids grow as items come in, so a recent window is a narrow range of a long archive."""
    if p.facets:
        kind, values = next(iter(p.facets.items()))
        where = [item_facets.c.kind == kind, item_facets.c.value.in_(values), *_window(item_facets.c.at, p)]
        ids: sa.ColumnElement[Any] = item_facets.c.item_id
    elif p.since is not None or p.until is not None:
        where, ids = _window(items.c.at, p), items.c.id
    else:
        return []
    return [rowid >= sa.select(sa.func.min(ids)).where(*where).scalar_subquery(),
            rowid <= sa.select(sa.func.max(ids)).where(*where).scalar_subquery()]


def _window(column: sa.ColumnElement[Any], p: Plan) -> list[sa.ColumnElement[bool]]:
    out = []
    if p.since is not None:
        out.append(column >= p.since)
    if p.until is not None:
        out.append(column <= p.until)
    return out


def statement(conn: sa.Connection, p: Plan) -> sa.Select[Any]:
    conditions = _window(items.c.at, p) + _text_conditions(conn, p)
    if p.sources:
        conditions.append(items.c.source.in_(p.sources))
    if p.langs:
        conditions.append(items.c.lang.in_(p.langs))
    for kind, values in p.facets.items():
        facet = sa.select(item_facets.c.item_id).where(
            item_facets.c.kind == kind, item_facets.c.value.in_(values), *_window(item_facets.c.at, p))
        conditions.append(items.c.id.in_(facet))
    return (sa.select(*[items.c[name] for name in _HIT_COLUMNS]).where(*conditions)
            .order_by(items.c.at.desc(), items.c.id.desc()).limit(p.limit))


def search(conn: sa.Connection, query: SearchQuery) -> list[SearchHit]:
    """The items matching `query`, newest first (SearchError: the query cannot run as written)."""
    rows = conn.execute(statement(conn, plan(query))).mappings().all()
    return [SearchHit(item_id=row["fingerprint"], **{k: row[k] for k in _HIT_COLUMNS if k != "fingerprint"})
            for row in rows]
