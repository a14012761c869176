"""What people write after ``/remind``, turned into a moment: Dutch or English, in the group's zone.

Pure and Telegram-free: the caller passes the clock (``now``) and the zone. ``dateparser`` does the
parsing; this module adds only what it lacks for Dutch (``volgende maandag``, ``om 9 uur``,
``half tien``, number words before units), and the rules people expect of a reminder: no time of
day means 10:00 local time, minutes and hours are real elapsed time, and moments in the past, more
than two years ahead, or that are not a date at all are refused.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from dateparser.date import DateDataParser

#: The wall time of a reminder whose text names a day but no time of day.
DEFAULT_TIME = dt.time(10, 0)
#: How far ahead a reminder may be, in calendar years from today's local date.
MAX_YEARS_AHEAD = 2
#: Longer text is no date anyone types, and dateparser's time grows with its input.
MAX_LENGTH = 120

LANGUAGES = ["nl", "en"]


@dataclass(frozen=True, slots=True)
class Moment:
    """When a reminder is due.

    Order and compare by ``due_utc``: Python calls an aware datetime in a repeated hour (autumn's
    02:30) unequal to every datetime of another zone, the same instant included.
    """

    local: dt.datetime  # aware, in the group's zone: the wall time people meant
    due_utc: dt.datetime  # aware, UTC
    time_given: bool  # whether the text named a time of day or a minutes/hours offset


class Refusal(StrEnum):
    """Why text was not accepted as a moment."""

    EMPTY = "empty"
    NOT_A_DATE = "not_a_date"
    PAST = "past"
    TOO_FAR = "too_far"


def parse_moment(text: str, *, now: dt.datetime, zone: ZoneInfo) -> Moment | Refusal:
    """Read ``text`` as a moment after ``now`` (aware), as people in ``zone`` mean it."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    cleaned = _clean(text)
    if not cleaned:
        return Refusal.EMPTY
    # A lone number ("5", "2027") is no moment anyone means; dateparser would make it a day.
    if len(cleaned) > MAX_LENGTH or cleaned.isdigit():
        return Refusal.NOT_A_DATE
    seconds = _offset(cleaned)
    if seconds is not None:
        # Elapsed time, counted in UTC: "over 2 uur" across a clock change is still two hours.
        try:
            due = now.astimezone(dt.UTC) + dt.timedelta(seconds=seconds)
        except OverflowError:
            return Refusal.TOO_FAR
        moment = Moment(due.astimezone(zone), due, time_given=True)
    else:
        base = now.astimezone(zone).replace(tzinfo=None)
        rewritten = _normalise(cleaned, base.date())
        found = None if rewritten is None else _parse_wall(rewritten, base, zone)
        if found is None:
            return Refusal.NOT_A_DATE
        moment = found
    return _judge(moment, now, zone)


def warm_up() -> None:
    """Parse once in each language, so the first ``/remind`` does not wait for dateparser.

    dateparser loads its language data on first use (about 0.1 s, against well under a
    millisecond for every parse after it); the application calls this at start-up.
    """
    now = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    for text in ("volgende maandag om 9 uur", "next Monday 9:00"):
        parse_moment(text, now=now, zone=ZoneInfo("UTC"))


def split_stage(text: str, stages: Mapping[str, Iterable[str]]) -> tuple[str, str | None]:
    """Split '/remind' arguments into (when-text, stage id or None).

    ``stages`` maps stage id → names people may write (e.g. ``{"integration": ["integration",
    "Integratie"], ...}``); the last words are matched, case- and accent-insensitively; the stage
    may also come first. A name may have several words.
    """
    words = text.split()
    folded = [_fold(word) for word in words]
    names = sorted(
        (
            (tuple(_fold(word) for word in name.split()), stage_id)
            for stage_id, written in stages.items()
            for name in written
            if name.split()
        ),
        key=lambda item: -len(item[0]),  # "value creation" before "creation"
    )
    for name, stage_id in names:
        if len(name) <= len(words) and tuple(folded[-len(name) :]) == name:
            return _join(words[: -len(name)]), stage_id
    for name, stage_id in names:
        if len(name) <= len(words) and tuple(folded[: len(name)]) == name:
            return _join(words[len(name) :]), stage_id
    return _join(words), None


def format_day(local: dt.datetime, locale: str) -> str:
    """Weekday, day, month and year written out: "maandag 1 maart 2027", "Monday 1 March 2027"."""
    # A fixed pattern, not Babel's "full" format: English "full" is American ("Monday, March 1,
    # 2027") and the two languages should read alike.
    return format_date(local, "EEEE d MMMM y", locale=locale)


def format_clock(local: dt.datetime, locale: str) -> str:
    """The 24-hour wall time of an aware ``local``: "10:00"."""
    # Named explicitly: what people read must be the group's wall time, never the server's.
    return format_time(local, "HH:mm", tzinfo=local.tzinfo, locale=locale)


# ---- judging ------------------------------------------------------------------------------------


def _judge(moment: Moment, now: dt.datetime, zone: ZoneInfo) -> Moment | Refusal:
    if moment.due_utc <= now.astimezone(dt.UTC):
        return Refusal.PAST
    # A limit on dates, not instants: "in 2 years" is accepted whatever the time of day.
    if moment.local.date() > _add_years(now.astimezone(zone).date(), MAX_YEARS_AHEAD):
        return Refusal.TOO_FAR
    return moment


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _localise(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Give a naive wall time its zone: ambiguous (autumn) takes the first, missing moves on."""
    # fold=0 reads an ambiguous time as its first occurrence, and a time in the spring-forward
    # gap with the offset from before the gap; the round trip through UTC then names that
    # instant's real wall time, 02:30 → 03:30 in Europe/Amsterdam.
    return wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC).astimezone(zone)


def _parse_wall(text: str, base: dt.datetime, zone: ZoneInfo) -> Moment | None:
    """Let dateparser read ``text`` relative to ``base``, the naive wall time now in ``zone``."""
    parser = DateDataParser(
        languages=LANGUAGES,
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "future",
            # Both languages' readers: 01-03-2027 is 1 March, never 3 January.
            "DATE_ORDER": "DMY",
            "PREFER_LOCALE_DATE_ORDER": False,
            # "morgen" and "in 3 months" come back with the base's time of day, as "morgen
            # 15:00" would; the period (with the parts) tells which text named a time.
            "RETURN_TIME_AS_PERIOD": True,
        },
    )
    try:
        data = parser.get_date_data(text)
    except (ValueError, OverflowError):
        return None
    found = data.date_obj
    if found is None:
        return None
    if found.tzinfo is not None:
        # The text named its own zone ("9:00 UTC"): that is an instant already.
        due = found.astimezone(dt.UTC)
        return Moment(due.astimezone(zone), due, time_given=True)
    # The period alone says "day" for "morgen om 15:00" when the base is 15:00 sharp: dateparser
    # only calls it "time" when naming the time moved the clock. The parts list it either way.
    # types-dateparser (1.4.3) predates dateparser 1.5, which added ``parts``.
    parts: tuple[str, ...] = data.parts  # type: ignore[attr-defined]
    time_given = "time" in parts or data.period in ("time", "part_of_day")
    if not time_given:
        found = dt.datetime.combine(found.date(), DEFAULT_TIME)
    local = _localise(found, zone)
    return Moment(local, local.astimezone(dt.UTC), time_given)


# ---- offsets: minutes and hours are real time -------------------------------------------------

_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NL_NUMBERS = {
    "een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
    "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "vijftien": 15,
    "twintig": 20, "dertig": 30, "veertig": 40, "vijfenveertig": 45, "vijftig": 50,
    "zestig": 60, "negentig": 90,
}  # fmt: skip
_NUMBERS = _EN_NUMBERS | _NL_NUMBERS
_HOUR_WORDS = {word: n for word, n in _NUMBERS.items() if 1 <= n <= 12 and word[0] != "a"}
_HOUR = r"\d{1,2}|" + "|".join(sorted(_HOUR_WORDS, key=len, reverse=True))
_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "seconde": 1, "seconden": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "minuut": 60, "minuten": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "u": 3600, "uur": 3600,
    "uren": 3600, "kwartier": 900,
}  # fmt: skip
_AMOUNT = r"\d+(?:[.,]\d+)?|anderhalf|half|" + "|".join(
    sorted((re.escape(word) for word in _NUMBERS), key=len, reverse=True)
)
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))  # longest first: "min" before "m"
_PART = re.compile(rf"(?P<amount>{_AMOUNT})?\s*(?P<unit>{_UNIT})")
_SEPARATOR = re.compile(r"\s*(?:,|and|en|\+)?\s*")
# Whole phrases whose words do not follow "amount unit".
_FIXED = {
    "half an hour": 1800, "half a hour": 1800, "an hour and a half": 5400,
    "one hour and a half": 5400, "a quarter of an hour": 900, "quarter of an hour": 900,
    "a quarter hour": 900, "een half uur": 1800, "half uur": 1800, "anderhalf uur": 5400,
    "een uur en een kwartier": 4500, "een uur en een half": 5400,
}  # fmt: skip


def _offset(text: str) -> float | None:
    """Seconds in "in 10 minutes", "over 2 uur", "over anderhalf uur"; None for any other text."""
    body, marked = re.subn(r"^(?:in|over|binnen|within)\s+", "", text)
    body, after = re.subn(r"\s+(?:from now|vanaf nu|van nu)$", "", body)
    if not (marked or after) and re.fullmatch(rf"(?:{_HOUR})\s*uur", body):
        return None  # "9 uur" alone is nine o'clock; "over 9 uur" is the offset
    if body in _FIXED:
        return _FIXED[body]
    seconds = 0.0
    position = 0
    while position < len(body):
        if position:
            separator = _SEPARATOR.match(body, position)
            position = separator.end() if separator else position
        part = _PART.match(body, position)
        # \b by hand: "2 maanden" must not read as "2 m" followed by "aanden".
        if part is None or (part.end() < len(body) and body[part.end()].isalnum()):
            return None
        amount = part.group("amount")
        if amount is None and part.group("unit") != "kwartier":
            return None
        seconds += _amount(amount) * _UNITS[part.group("unit")]
        position = part.end()
    return seconds if position else None


def _amount(word: str | None) -> float:
    if word is None:
        return 1
    if word == "anderhalf":
        return 1.5
    if word == "half":
        return 0.5
    if word in _NUMBERS:
        return _NUMBERS[word]
    return float(word.replace(",", "."))


# ---- Dutch (and a little English) dateparser does not read ------------------------------------


class _BadClock(ValueError):
    """The text named a time of day no clock shows (25:00, 9:75)."""


_WEEKDAYS = "maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"
_WEEKDAY_NUMBERS = {
    name: number
    for names in (_WEEKDAYS, "monday|tuesday|wednesday|thursday|friday|saturday|sunday")
    for number, name in enumerate(names.split("|"))
}
_DAY_WORDS = rf"vandaag|morgen|overmorgen|today|tomorrow|{'|'.join(_WEEKDAY_NUMBERS)}"
_DATE_UNITS = r"dag|dagen|week|weken|maand|maanden|jaar|jaren"
_MONTH_START = r"jan|feb|mrt|maa|mar|apr|mei|may|jun|jul|aug|sep|okt|oct|nov|dec"
_AM_PM = r"a\.?m\.?|p\.?m\.?"
#: The wall time dateparser gives "tomorrow morning" and friends, for the Dutch words it lacks.
_PARTS_OF_DAY = {"ochtend": 9, "middag": 15, "avond": 18, "nacht": 20}
_MARKERS = {
    "'s ochtends": "ochtend", "'s morgens": "ochtend", "in the morning": "ochtend",
    "'s middags": "middag", "in the afternoon": "middag", "'s avonds": "avond",
    "in the evening": "avond", "'s nachts": "nacht", "at night": "nacht",
}  # fmt: skip
# A spoken time ("om 3 uur", "half 4") carries this mark until its part of the day is known.
_SPOKEN = "~"


def _clean(text: str) -> str:
    """Lower case, one space between words, typographic apostrophes made plain."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(text.split()).strip(" ,;!?")


def _normalise(text: str, today: dt.date) -> str | None:
    """Rewrite what dateparser does not read into what it does, clock times as HH:MM.

    None when the text names a clock time that does not exist: dateparser would drop it quietly.
    """
    # "1e maart", "2de week"; dateparser reads English ordinals itself.
    text = re.sub(r"\b(\d{1,2})(?:ste|de|e)\b", r"\1", text)
    # "over een week", "over drie maanden": dateparser reads Dutch units only after digits.
    text = re.sub(
        rf"\b({'|'.join(_NL_NUMBERS)})\s+(?=(?:{_DATE_UNITS})\b)",
        lambda m: f"{_NL_NUMBERS[m.group(1)]} ",
        text,
    )
    # "volgende maandag", "op vrijdag": dateparser reads the bare weekday, and with dates from
    # the future preferred that is the coming one, as "next Monday" is in English.
    text = re.sub(rf"\b(?:volgende|komende|aanstaande|deze|op)\s+(?=(?:{_WEEKDAYS})\b)", "", text)
    text = re.sub(r"^op\s+(?=\d)", "", text)  # "op 1 maart"
    # "volgende week dinsdag", "tuesday next week": a day of next week, which no bare weekday is.
    text = re.sub(
        rf"\b(?:(?:volgende|komende|next)\s+week\s+(?P<a>{'|'.join(_WEEKDAY_NUMBERS)})"
        rf"|(?P<b>{'|'.join(_WEEKDAY_NUMBERS)})\s+(?:volgende|komende|next)\s+week)\b",
        lambda m: _next_week(today, m.group("a") or m.group("b")),
        text,
    )
    text = re.sub(r"\bvolgende jaar\b", "volgend jaar", text)
    # "morgenochtend", "vanavond", "vrijdagmiddag": the day, and the part of it remembered.
    part: str | None = None

    def day_part(match: re.Match[str]) -> str:
        nonlocal part
        part = "ochtend" if match.group(2) == "morgen" else match.group(2)
        return "vandaag" if match.group(1) == "van" else match.group(1)

    text = re.sub(
        rf"\b(overmorgen|morgen|van|{_WEEKDAYS})\s?(ochtend|middag|avond|nacht|morgen)\b",
        day_part,
        text,
    )
    try:
        text = _clock_times(text)
    except _BadClock:
        return None
    # "om 3 uur 's middags", "'s avonds om 8 uur", "at 9 in the evening".
    for marker, marked in _MARKERS.items():
        text, found = re.subn(rf"\s*{re.escape(marker)}\b", "", text)
        if found:
            part = marked
    if part is not None:
        clock = re.search(rf"(\d\d):(\d\d){_SPOKEN}?", text)
        if clock:
            at = _in_part(int(clock.group(1)), int(clock.group(2)), part)
            text = text[: clock.start()] + at + text[clock.end() :]
        else:
            text = f"{text} {_PARTS_OF_DAY[part]:02d}:00"
    # A spoken time before 07:00 is in the afternoon or evening: "om 3 uur", "half 5" (unless
    # "am" follows, which dateparser reads itself). Nobody means 03:00 by "om 3 uur" for a
    # partners' meeting, and the confirmation shows the time that was understood.
    text = re.sub(rf"(\d\d):(\d\d){_SPOKEN}(?!\s*(?:{_AM_PM}))", _afternoon, text)
    return " ".join(text.replace(_SPOKEN, "").split())


def _clock_times(text: str) -> str:
    """Times of day dateparser misses or misreads, as HH:MM (spoken ones marked ``_SPOKEN``)."""
    hour = rf"(?P<h>{_HOUR})"
    # "half tien" is 9:30; "kwart over/voor"; and English "half past 9", "quarter to 10".
    text = re.sub(rf"\bhalf\s+{hour}\b", lambda m: _spoken(m, -30), text)
    text = re.sub(rf"\bkwart\s+over\s+{hour}\b", lambda m: _spoken(m, 15), text)
    text = re.sub(rf"\bkwart\s+voor\s+{hour}\b", lambda m: _spoken(m, -15), text)
    text = re.sub(rf"\bhalf\s+past\s+{hour}\b", lambda m: _spoken(m, 30), text)
    text = re.sub(rf"\b(?:a\s+)?quarter\s+past\s+{hour}\b", lambda m: _spoken(m, 15), text)
    text = re.sub(rf"\b(?:a\s+)?quarter\s+to\s+{hour}\b", lambda m: _spoken(m, -15), text)
    # "14.30", "9:00 uur", Flemish "14u30", "9u": clock times written with digits, as they are.
    text = re.sub(
        r"(?<![\d.:/-])(\d{1,2})[.:](\d{2})(?![\d.:/-]?\d)(?:\s*uur\b)?",
        lambda m: _hhmm(int(m.group(1)), int(m.group(2))),
        text,
    )
    text = re.sub(
        r"\b(\d{1,2})[uh](\d{2})?\b",
        lambda m: _hhmm(int(m.group(1)), int(m.group(2) or 0)),
        text,
    )
    # "9 uur", "negen uur", "9 o'clock"; a bare hour after "om"/"at" ("morgen om 9") or after a
    # day ("morgen 14", which dateparser reads as "morgen", the 14 dropped).
    text = re.sub(rf"\b{hour}\s+(?:uur|o'clock)\b", lambda m: _spoken(m, 0), text)
    not_a_clock = rf"(?!\s*(?:[:.]\d|{_AM_PM}|{_MONTH_START}))"
    text = re.sub(rf"\b(?:om|at)\s+{hour}\b{not_a_clock}", lambda m: _spoken(m, 0), text)
    return re.sub(
        rf"\b(?P<day>{_DAY_WORDS})\s+(?P<h>\d{{1,2}})\b{not_a_clock}",
        lambda m: f"{m.group('day')} {_spoken(m, 0)}",
        text,
    )


def _next_week(today: dt.date, weekday: str) -> str:
    monday = today + dt.timedelta(days=7 - today.weekday())
    return (monday + dt.timedelta(days=_WEEKDAY_NUMBERS[weekday])).isoformat()


def _spoken(match: re.Match[str], minutes: int) -> str:
    """HH:MM for an hour named in words or digits, ``minutes`` after (or before) it."""
    named = match.group("h")
    hour = _HOUR_WORDS[named] if named in _HOUR_WORDS else int(named)
    if hour > 24:
        raise _BadClock(named)
    total = (hour * 60 + minutes) % (24 * 60)
    # Only hours a clock face shows can be the afternoon's: "om 0 uur", "om 24 uur" cannot.
    return _hhmm(total // 60, total % 60) + (_SPOKEN if 1 <= hour <= 12 else "")


def _afternoon(match: re.Match[str]) -> str:
    hour = int(match.group(1))
    return _hhmm(hour % 12 + 12 if hour < 7 else hour, int(match.group(2)))


def _hhmm(hour: int, minute: int) -> str:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise _BadClock(f"{hour}:{minute}")
    return f"{hour:02d}:{minute:02d}"


def _in_part(hour: int, minute: int, part: str) -> str:
    """A clock time read in a part of the day: 3 's middags is 15:00, 12 's nachts 00:00."""
    if part in ("middag", "avond") and hour < 12:
        hour += 12
    elif part == "nacht" and hour >= 7:
        hour = (hour + 12) % 24
    elif part == "ochtend" and hour == 12:
        hour = 0
    return _hhmm(hour, minute)


def _fold(word: str) -> str:
    """A word as split_stage compares it: no case, no accents, no punctuation around it."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.strip(".,;:!?()[]\"'-–—")


def _join(words: list[str]) -> str:
    return " ".join(words).strip(" ,;:-–—")
