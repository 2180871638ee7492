"""Date expressions in en, fr, ar and ru, read as a day relative to the day the item was published.

    find_dates(text, published)  -> [(start, end, day)]: "7 February 2023", "Feb. 7", «le 6 février»,
                                     «6 февраля», «6 فبراير» / «6 شباط» / «6 فيفري», ISO dates,
                                     weekdays ("on Monday", «lundi», «в понедельник», «الاثنين») and
                                     yesterday / today / tomorrow in the four languages

A day without a year takes the year that puts it nearest the published day; a weekday is the
last such day up to the published day (or the next one after it for an event still planned);
without a published day, only expressions that carry their own year are read.
"""
from __future__ import annotations

import re
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
             "сегодня": 0, "اليوم": 0, "tomorrow": 1, "demain": 1, "завтра": 1, "غدا": 1, "غداً": 1}

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_MONTH = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_DAY = r"(?P<day>[0-3]?\d)(?:er|st|nd|rd|th|-?го|-?е)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# "7 February 2023", «6 февраля 2023 года», «6 فبراير 2023» ; "February 7, 2023", "Feb. 7"
_DAY_MONTH = re.compile(rf"(?<!\w){_DAY}\s+(?:de\s+|من\s+)?(?P<month>{_MONTH})\.?(?:\s*,?\s*{_YEAR})?(?!\w)", re.I)
_MONTH_DAY = re.compile(rf"(?<!\w)(?P<month>{_MONTH})\.?\s+{_DAY}(?:\s*,\s*{_YEAR})?(?!\w)", re.I)
_ISO = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?!\d)")
_WORDS = re.compile(r"(?<!\w)(" + "|".join(sorted((re.escape(w) for w in [*_WEEKDAYS, *_RELATIVE]), key=len,
                                                      reverse=True)) + r")(?!\w)", re.I)

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


def _weekday(weekday: int, published: date, ahead: bool) -> date:
    if ahead:
        return published + timedelta(days=(weekday - published.weekday() - 1) % 7 + 1)
    return published - timedelta(days=(published.weekday() - weekday) % 7)


def find_dates(text: str, published: date | None, ahead: bool = False) -> list[Found]:
    """Every date expression of `text` with its day, by position. `ahead`: the event is still
    planned, so a bare weekday is the next one."""
    text = text.translate(_ARABIC_DIGITS)   # same length: offsets stay
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_ISO, _DAY_MONTH, _MONTH_DAY):
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            month = m.group("month")
            number = int(month) if month.isdigit() else _MONTHS[month.casefold()]
            day_number = int(m.group("day"))
            year = m.group("year")
            if year:
                day = _day(int(year), number, day_number)
            else:
                day = _nearest_year(number, day_number, published) if published else None
            if day is not None:
                found.append((m.start(), m.end(), day))
                taken.append((m.start(), m.end()))
    if published is not None:
        for m in _WORDS.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            word = m.group(1).casefold()
            if word in _RELATIVE:
                found.append((m.start(), m.end(), published + timedelta(days=_RELATIVE[word])))
            else:
                found.append((m.start(), m.end(), _weekday(_WEEKDAYS[word], published, ahead)))
    return sorted(found)
