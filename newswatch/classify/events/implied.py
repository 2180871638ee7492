"""Visits no cue word tells: a foreign official's talks held in a city of another country
(`venue_visit`), a guest received by a host of another country (`hosted_visit`), and an official
who meets a foreign head of state, no place named (`met_visit`).
"""
from __future__ import annotations

import re

from newswatch.classify.events.lexicon import RECEIVED_BY, RECEPTION
from newswatch.classify.model import Event, EventPlace, Mention

VISITOR_ROLES = frozenset({"official", "head-of-state", "head-of-government", "diplomat", "un-official"})
LEADERS = frozenset({"head-of-state", "head-of-government"})   # they host others; two of them meeting says no place
GUEST_REACH = 60   # characters after a verb of receiving where the one received is named


def venue_visit(event: Event, venues: list[EventPlace]) -> Event | None:
    """Talks held, or an agreement signed, in a country that is not a participant's own: that
    participant is visiting it ("Lavrov held talks in Nouakchott", « Goïta a reçu Lavrov à Koulouba »;
    a city only: countries named beside talks are mostly their subject, «обсудили ситуацию на Украине»).
    The visit is the talks' (same cue, day and modality), by the foreign participants (not their
    hosts), to the talks' places outside their own countries: places named as a venue ("in
    Nouakchott", «à Niamey», «في نواكشوط»), not as someone's country ("Traoré of Burkina Faso"). Not from a call."""
    if event.type not in ("talks", "agreement"):
        return None
    origins = {(p.field, p.start) for p in event.where if p.role == "origin"}
    places = [p for p in venues if p.country and (p.field, p.start) not in origins]
    visitors = [w for w in event.who if w.nationality and w.role in VISITOR_ROLES
                and any(p.country != w.nationality for p in places)]
    if not visitors:
        return None
    home = {w.nationality for w in visitors}
    where = [EventPlace(p.id, p.kind, p.name, p.country, "destination", p.field, p.start, p.end) for p in places
             if p.country not in home]
    return Event("visit", event.modality, visitors, where, event.when, event.when_text, event.field,
                 event.sentence, event.start, event.end, event.cue)


# The auxiliary right before a verb of receiving that makes it passive, its host named after it ("Lavrov was
# welcomed at the airport by his Malian counterpart"): the words between the verb and "by" keep "was welcomed
# by" from being one cue (lexicon.RECEIVED_BY).
_PASSIVE_BEFORE = re.compile(r"(?:\b(?:was|were|been|being|is|are|été)|был[аи]?)\s+$", re.IGNORECASE)


def hosted_visit(event: Event, lang: str, text: str = "") -> Event | None:
    """A guest received by a host of another country, no place named: the guest visits the host's
    country. The verb says who is who (lexicon.RECEPTION): its subject hosts, before it ("Goïta
    welcomed a Russian delegation", «Гоита принял российскую делегацию») or, in Arabic, right after
    it («استقبل الرئيس تراوري وفدا روسيا»); in the passive ("was received by Goïta", « a été reçu par »)
    the host comes after it. The guests who visit are officials."""
    if event.type != "talks":
        return None
    cue = event.cue.casefold()
    passive = _says(cue, lang, RECEIVED_BY) or _PASSIVE_BEFORE.search(text, max(0, event.start - 12), event.start) is not None
    if not passive and not _says(cue, lang, RECEPTION):
        return None
    people = [p for p in event.who if p.nationality and (p.actor or p.role) and not p.resolved
              and p.field == event.field]
    before = [p for p in people if p.end <= event.start]
    after = [p for p in people if p.start >= event.end]
    if passive:
        hosts, guests = after, before
    elif lang == "ar" and not before:
        hosts, guests = after[:1], after[1:]
    else:
        hosts, guests = before, after
    if len({p.nationality for p in hosts}) != 1:
        return None
    host = hosts[0]
    visitors = [p for p in guests if p.role in VISITOR_ROLES and p.nationality != host.nationality]
    if not visitors or host.nationality is None:
        return None
    where = [EventPlace(host.nationality, "country", host.name, host.nationality, "destination", host.field,
                        host.start, host.end)]
    return Event("visit", event.modality, visitors, where, event.when, event.when_text, event.field,
                 event.sentence, event.start, event.end, event.cue)


def _says(cue: str, lang: str, table: dict[str, tuple[str, ...]]) -> bool:
    """Whether the casefolded cue is, starts or ends with a verb of `table` (RECEPTION, RECEIVED_BY)
    in `lang` or English; asked of every cue, so each answer is kept (cues are few words)."""
    key = (cue, lang, id(table))
    found = _SAYS.get(key)
    if found is None:
        if len(_SAYS) > 20_000:
            _SAYS.clear()   # surface forms are few, but a service runs for months
        verbs = table.get(lang, ()) + table["en"]
        found = _SAYS[key] = any(cue == v or cue.startswith(v + " ") or cue.endswith(" " + v) for v in verbs)
    return found


_SAYS: dict[tuple[str, str, int], bool] = {}


def receives_someone(cue: Mention, mentions: list[Mention], lang: str) -> bool:
    """A verb of receiving counts as talks only with a person received: "Goïta received a Russian
    delegation", not "Mali received support" (the person within a few words after the verb, in
    Arabic anywhere after it)."""
    if not _says(cue.text.casefold(), lang, RECEPTION):
        return True
    reach = None if lang == "ar" else cue.end + GUEST_REACH
    return any(m.kind in ("actor", "role") and cue.end <= m.start and (reach is None or m.start <= reach)
               for m in mentions)


def met_visit(event: Event) -> Event | None:
    """Talks of officials with the head of state or government of another country, no place named: they
    are visiting him ("Евкуров встретился с президентом … Мали Ассими Гоитой", «تباحث الرئيس … تراوري،
    مع وفد روسي», "Lavrov met Prime Minister Maïga"). Leaders receive the ministers and delegations of
    others at home; when two leaders meet (a president and a prime minister: "Macron holds talks with
    India's Modi"), nothing says where."""
    if event.type != "talks":
        return None
    heads = {p.nationality for p in event.who if p.role in LEADERS and not p.resolved}
    if len(heads) != 1:
        return None
    (home,) = heads
    visitors = [p for p in event.who if p.role in ("official", "diplomat", "un-official") and p.nationality
                and p.nationality != home and not p.resolved]
    host = next(p for p in event.who if p.role in LEADERS and p.nationality == home)
    if not visitors or home is None or any(p.role in LEADERS and p.nationality != home for p in event.who):
        return None
    where = [EventPlace(home, "country", host.name, home, "destination", host.field, host.start, host.end)]
    return Event("visit", event.modality, visitors, where, event.when, event.when_text, event.field,
                 event.sentence, event.start, event.end, event.cue)
