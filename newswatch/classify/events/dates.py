"""Date expressions in en, fr, ar and ru, read as a day relative to the day the item was published.

    find_dates(text, published)  -> [(start, end, day)]: "7 February 2023", "Feb. 7", «le 6 février»,
                                     «6 февраля», «6 فبراير» / «6 شباط» / «6 فيفري», ISO dates,
                                     weekdays ("on Monday", «lundi», «в понедельник», «الاثنين») and
                                     yesterday / today / tomorrow in the four languages

A day without a year takes the year that puts it nearest the published day; a weekday is the
last such day up to the published day (or the first on or after it for an event still planned, after
it when the text says "next": "next Wednesday", «mercredi prochain»);
without a published day, only expressions that carry their own year are read.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

_MONTHS: dict[str, int] = {}
for _n, _names in enumerate((
        "january jan janvier janv января январь janvier يناير كانون_الثاني جانفي",
        "february feb febr février fév févr февраля февраль فبراير شباط فيفري",
        "march mar mars марта март مارس آذار",
        "april apr avril avr апреля апрель أبريل ابريل نيسان أفريل",
        "may mai мая май مايو أيار ماي",
        "june jun juin июня июнь يونيو حزيران جوان",
        "july jul juillet juil июля июль يوليو تموز جويلية",
        "august aug août авг августа август أغسطس اغسطس آب أوت",
        "september sep sept septembre сентября сентябрь سبتمبر أيلول",
        "october oct octobre октября октябрь أكتوبر اكتوبر تشرين_الأول",
        "november nov novembre ноября ноябрь نوفمبر تشرين_الثاني",
        "december dec déc décembre декабря декабрь ديسمبر كانون_الأول"), start=1):
    for _name in _names.split():
        _MONTHS[_name.replace("_", " ")] = _n

_WEEKDAYS: dict[str, int] = {}
for _n, _names in enumerate((
        "monday lundi понедельник الاثنين الإثنين",
        "tuesday mardi вторник الثلاثاء",
        "wednesday mercredi среду среда الأربعاء الاربعاء",
        "thursday jeudi четверг الخميس",
        "friday vendredi пятницу пятница الجمعة",
        "saturday samedi субботу суббота السبت",
        "sunday dimanche воскресенье الأحد الاحد")):
    for _name in _names.split():
        _WEEKDAYS[_name] = _n

_RELATIVE = {"yesterday": -1, "hier": -1, "вчера": -1, "أمس": -1, "امس": -1, "today": 0, "aujourd'hui": 0,
             "сегодня": 0, "اليوم": 0, "tomorrow": 1, "demain": 1, "завтра": 1, "غدا": 1, "غداً": 1,
             "غد": 1}   # «صباح غد السبت»: tomorrow, Saturday, morning

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_HAS_ARABIC_DIGIT = re.compile("[٠-٩]")
_MONTH = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_SUFFIX = r"(?:er|st|nd|rd|th|-?го|-?е)?"   # 1er, 7th, «6-го»
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# Matched at a place, never searched for (a search tries the month alternation at every position):
# after a day's digits, "7 February 2023", «6 февраля 2023 года», «6 فبراير 2023», « 6 de febrero »;
# after the digits of "February 7" (the month before them is read from the words), ", 2023".
_AFTER_DAY = re.compile(rf"{_SUFFIX}\s+(?:de\s+|من\s+)?(?P<month>{_MONTH})\.?(?:\s*,?\s*{_YEAR})?(?!\w)", re.I)
_AFTER_MONTH_DAY = re.compile(rf"{_SUFFIX}(?:\s*,\s*{_YEAR})?(?!\w)", re.I)
_ISO = re.compile(r"(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?!\d)")
_DIGITS = re.compile(r"\d+")
_MONTH_FIRST = frozenset(m.split()[0] for m in _MONTHS)   # «كانون» of «كانون الثاني»
_ISO_HINT = re.compile(r"\d-[01]\d-")
_DAY_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# the first day of a range written before the last one's month: «du 22 au 26 juin», «с 22 по 26 июня»,
# «من 22 إلى 26 يونيو», "22 to 26 June", "22-26 June" (a planned visit is clustered from the day it begins)
_RANGE_START = re.compile(r"(?<!\d)(\d{1,2})\s*(?:-|–|au|à|по|до|إلى|الى|to|through|until)\s*$", re.I)

Found = tuple[int, int, date]


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest_year(month: int, day: int, published: date) -> date | None:
    """The day of that month nearest the published day (a report in January of "28 December")."""
    options = [d for y in (published.year - 1, published.year, published.year + 1) if (d := _day(y, month, day))]
    return min(options, key=lambda d: abs((d - published).days)) if options else None


def _weekday(weekday: int, published: date, ahead: bool, next_one: bool = False) -> date:
    """The weekday's day: the last one up to the published day; for an event still planned (`ahead`)
    the first on or after it ("will meet in Geneva Tuesday" in Tuesday's paper is that day), after it
    when the text says "next" (`next_one`: "next Wednesday", «mercredi prochain»)."""
    if ahead:
        return published + timedelta(days=(weekday - published.weekday() - next_one) % 7 + next_one)
    return published - timedelta(days=(published.weekday() - weekday) % 7)


_NEXT_BEFORE = ("next ", "следующ", "ближайш")   # "next Tuesday", «в следующий вторник»
_NEXT_AFTER = (" prochain", " prochaine", " المقبل", " القادم")   # «mardi prochain», «الثلاثاء المقبل»


def _says_next(text: str, start: int, end: int) -> bool:
    """Whether the weekday at [start, end) is "next": the word before it or after it says so."""
    before = text[max(0, start - 12):start].casefold()
    return (any(before.rstrip().rsplit(" ", 1)[-1].startswith(w.strip()) for w in _NEXT_BEFORE)
            or text[end:end + 10].casefold().startswith(_NEXT_AFTER))


def date_words() -> list[str]:
    """The words a date expression other than an ISO date holds one of: month and weekday names,
    yesterday, today, tomorrow (for a caller that knows which sentences hold them: `words`)."""
    return [*_MONTHS, *_WEEKDAYS, *_RELATIVE]


def has_numeric(text: str) -> bool:
    """Whether `text` may hold a date that no word of `date_words()` is in: an ISO date (in its
    digits, or in Arabic digits, which find_dates reads as theirs)."""
    if not text.isascii() and _HAS_ARABIC_DIGIT.search(text):
        return True
    # an ISO hint has "-0" or "-1": the substring tests spare most texts the pattern's scan
    return ("-0" in text or "-1" in text) and _ISO_HINT.search(text) is not None


def _numeric(text: str, published: date | None) -> list[Found]:
    """ISO dates, and a day with its month ("7 February 2023", "Feb. 7", «6 فبراير»), found from the
    digits of the text."""
    found: list[Found] = []
    end_of_last = -1
    for run in _DIGITS.finditer(text):
        start, end = run.span()
        if start < end_of_last or (start and text[start - 1].isalpha()):
            continue
        span = month = day_number = year = None
        if end - start == 4 and (iso := _ISO.match(text, start)):
            span, month, day_number, year = iso.span(), int(iso["month"]), int(iso["day"]), iso["year"]
        elif end - start <= 2:
            day_number = int(run.group())
            if after := _AFTER_DAY.match(text, end):
                span, month, year = (start, after.end()), _MONTHS[after["month"].casefold()], after["year"]
                first = _RANGE_START.search(text, max(0, start - 16), start)
                if first is not None and int(first[1]) < day_number:   # a range: its first day
                    span, day_number = (first.start(1), after.end()), int(first[1])
            elif (before := _month_before(text, start)) and (tail := _AFTER_MONTH_DAY.match(text, end)):
                span, month, year = (before[0], tail.end()), before[1], tail["year"]
        if span is None or month is None or day_number is None:
            continue
        day = (_day(int(year), month, day_number) if year
               else _nearest_year(month, day_number, published) if published else None)
        if day is not None:
            found.append((span[0], span[1], day))
            end_of_last = span[1]
    return found


def _month_before(text: str, start: int) -> tuple[int, int] | None:
    """(where it starts, its number) of the month name right before a day's digits ("Feb. 7",
    «كانون الثاني 7»)."""
    before = text[max(0, start - 24):start]
    if not before[-1:].isspace():
        return None
    words = before.split()
    for n in (2, 1):
        if len(words) >= n:
            name = " ".join(words[-n:])
            number = _MONTHS.get(name.rstrip(".").casefold())
            if number is not None and (n == len(words) or not before[:before.rindex(name)][-1:].isalnum()):
                return start - len(before) + before.rindex(name), number
    return None


def find_dates(text: str, published: date | None, ahead: bool = False,
               words: Sequence[tuple[int, int]] | None = None) -> list[Found]:
    """Every date expression of `text` with its day, by position. `ahead`: the event is still
    planned, so a bare weekday is the next one. `words`: where the text holds one of `date_words()`,
    when the caller knows (an automaton found them); else they are looked for here."""
    if words is not None and not words and not has_numeric(text):
        return []   # most sentences: no date word, and no digits an ISO date could be
    if _HAS_ARABIC_DIGIT.search(text):
        text = text.translate(_ARABIC_DIGITS)   # same length: offsets stay
    if words is None:
        words = [m.span() for m in _DAY_TOKEN.finditer(text)]
    named = [(s, e, text[s:e].casefold().replace("’", "'")) for s, e in words]
    found: list[Found] = []
    if any(w.split(" ", 1)[0].rstrip(".") in _MONTH_FIRST for _, _, w in named) or _ISO_HINT.search(text):
        found += _numeric(text, published)
    if published is not None:
        taken = [(s, e) for s, e, _ in found]
        relative_end, relative_ahead = -10, False
        for start, end, word in named:
            if (word in _RELATIVE or word in _WEEKDAYS) and not any(s < end and start < e for s, e in taken):
                if word in _RELATIVE:
                    day = published + timedelta(days=_RELATIVE[word])
                    relative_end, relative_ahead = end, _RELATIVE[word] > 0
                elif start - relative_end <= 2:   # "tomorrow, Monday", «صباح غد السبت», «أمس الثلاثاء»: the weekday
                    day = _weekday(_WEEKDAYS[word], published, relative_ahead)   # on the relative word's side
                else:
                    day = _weekday(_WEEKDAYS[word], published, ahead, ahead and _says_next(text, start, end))
                found.append((start, end, day))
    return sorted(found)
