"""What people write after /remind: Dutch and English phrases, 10:00 by default, real minutes and
hours, clock changes, refusals, the stage word, and the day and time written out."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.domain.moments import (
    Moment,
    Refusal,
    format_clock,
    format_day,
    parse_moment,
    split_stage,
    warm_up,
)

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC
#: Friday 27 March 2026, half past three: the clocks go forward in the night of Sunday the 29th.
NOW = dt.datetime(2026, 3, 27, 15, 30, tzinfo=AMS)

STAGES = {
    "orientation": ["orientation", "Oriëntatie"],
    "integration": ["integration", "Integratie"],
    "transformation": ["transformation", "Transformatie"],
}


def moment(text: str, now: dt.datetime = NOW, zone: ZoneInfo = AMS) -> Moment:
    found = parse_moment(text, now=now, zone=zone)
    assert isinstance(found, Moment), f"{text!r} → {found!r}"
    # The same instant, told two ways; the wall time is in the group's zone. (Not `due_utc ==
    # local`: Python calls datetimes of different zones unequal when one is in a repeated hour.)
    assert found.local.astimezone(UTC) == found.due_utc
    assert found.due_utc.utcoffset() == dt.timedelta(0)
    assert found.local.tzinfo is zone
    return found


# (text, local date and time expected with NOW, whether the text named a time of day)
PHRASES: list[tuple[str, str, bool]] = [
    # The examples of issue 15.
    ("in 3 months", "2026-06-27 10:00", False),
    ("over 3 maanden", "2026-06-27 10:00", False),
    ("next Monday 9:00", "2026-03-30 09:00", True),
    ("volgende maandag om 9 uur", "2026-03-30 09:00", True),
    ("1 March 2027", "2027-03-01 10:00", False),
    ("1 maart 2027", "2027-03-01 10:00", False),
    ("2027-03-01", "2027-03-01 10:00", False),
    ("in 10 minutes", "2026-03-27 15:40", True),
    ("over 1 minuut", "2026-03-27 15:31", True),
    # Weeks, months and years: calendar days at 10:00.
    ("in a week", "2026-04-03 10:00", False),
    ("over een week", "2026-04-03 10:00", False),
    ("over twee weken", "2026-04-10 10:00", False),
    ("over drie maanden", "2026-06-27 10:00", False),
    ("in six months", "2026-09-27 10:00", False),
    ("over 6 maanden", "2026-09-27 10:00", False),
    ("next month", "2026-04-27 10:00", False),
    ("volgende maand", "2026-04-27 10:00", False),
    ("in 3 days", "2026-03-30 10:00", False),
    ("over 3 dagen", "2026-03-30 10:00", False),
    ("next year", "2027-03-27 10:00", False),
    ("over 2 jaar", "2028-03-27 10:00", False),
    # Days by name; Sunday the 29th is after the clocks went forward.
    ("tomorrow", "2026-03-28 10:00", False),
    ("morgen", "2026-03-28 10:00", False),
    ("overmorgen", "2026-03-29 10:00", False),
    ("vrijdag", "2026-04-03 10:00", False),
    ("op maandag", "2026-03-30 10:00", False),
    ("15 januari", "2027-01-15 10:00", False),
    ("1e april", "2026-04-01 10:00", False),
    ("op 1 april", "2026-04-01 10:00", False),
    ("01-03-2027", "2027-03-01 10:00", False),
    ("volgende week vrijdag", "2026-04-03 10:00", False),
    ("tuesday next week", "2026-03-31 10:00", False),
    # Times of day, Dutch ways of saying them included.
    ("morgen om 14:30", "2026-03-28 14:30", True),
    ("morgen 14.30 uur", "2026-03-28 14:30", True),
    ("tomorrow at 9", "2026-03-28 09:00", True),
    ("tomorrow at noon", "2026-03-28 12:00", True),
    ("morgen 14", "2026-03-28 14:00", True),
    ("3 p.m.", "2026-03-28 15:00", True),
    ("om half 10", "2026-03-28 09:30", True),
    ("half tien", "2026-03-28 09:30", True),
    ("kwart over 9", "2026-03-28 09:15", True),
    ("quarter to 10", "2026-03-28 09:45", True),
    ("morgen om 3 uur", "2026-03-28 15:00", True),
    ("om 3 uur 's nachts", "2026-03-28 03:00", True),
    ("aanstaande dinsdag om half 3", "2026-03-31 14:30", True),
    ("morgenochtend", "2026-03-28 09:00", True),
    ("vrijdagmiddag", "2026-04-03 15:00", True),
    ("1 maart 2027 om 9 uur", "2027-03-01 09:00", True),
    ("over 3 maanden om 9 uur", "2026-06-27 09:00", True),
    # Minutes and hours from now.
    ("in 2 hours", "2026-03-27 17:30", True),
    ("over 2 uur", "2026-03-27 17:30", True),
    ("over anderhalf uur", "2026-03-27 17:00", True),
    ("in half an hour", "2026-03-27 16:00", True),
    ("over een kwartier", "2026-03-27 15:45", True),
    ("over 1 uur en 30 minuten", "2026-03-27 17:00", True),
    # Typed the way people type.
    ("  Over   1   MINUUT ", "2026-03-27 15:31", True),
    ("Volgende Maandag om 9 uur!", "2026-03-30 09:00", True),
    ("morgen om 3 uur ’s nachts", "2026-03-28 03:00", True),
]


@pytest.mark.parametrize(("text", "expected", "time_given"), PHRASES)
def test_phrase(text: str, expected: str, time_given: bool) -> None:
    found = moment(text)
    assert found.local.strftime("%Y-%m-%d %H:%M") == expected
    assert found.time_given is time_given


def test_the_table_has_thirty_phrases_in_each_language_together() -> None:
    assert len(PHRASES) >= 30


def test_next_weeks_day_is_not_this_weeks() -> None:
    monday = dt.datetime(2026, 3, 30, 8, 0, tzinfo=AMS)
    assert moment("dinsdag", monday).local.date() == dt.date(2026, 3, 31)
    assert moment("volgende week dinsdag", monday).local.date() == dt.date(2026, 4, 7)
    assert moment("tuesday next week", monday).local.date() == dt.date(2026, 4, 7)


def test_minutes_and_hours_are_exact_to_the_second() -> None:
    now = NOW.replace(second=17, microsecond=5)
    assert moment("in 10 minutes", now).due_utc - now == dt.timedelta(minutes=10)
    # A reminder "a second or two ahead" is what a test through the Application needs.
    assert moment("over 2 seconden", now).due_utc - now == dt.timedelta(seconds=2)
    assert moment("in 2 seconds", now).due_utc - now == dt.timedelta(seconds=2)


def test_a_time_of_day_equal_to_nows_is_still_a_time_of_day() -> None:
    # dateparser reports the period "day" for these when the clock stands at exactly that time.
    sharp = NOW.replace(minute=0)
    for text in ("morgen om 15:00", "tomorrow at 3pm", "vrijdag 15:00"):
        found = moment(text, sharp)
        assert (found.local.hour, found.time_given) == (15, True), text


# ---- clock changes -------------------------------------------------------------------------------


def test_a_month_from_late_february_is_ten_local_after_the_march_change() -> None:
    now = dt.datetime(2027, 2, 28, 15, 0, tzinfo=AMS)  # winter time, UTC+1
    for text in ("in 1 month", "over 1 maand", "over een maand"):
        found = moment(text, now)
        # 28 March 2027 is the last Sunday of March: summer time, UTC+2, from 02:00.
        assert found.local == dt.datetime(2027, 3, 28, 10, 0, tzinfo=AMS)
        assert found.due_utc == dt.datetime(2027, 3, 28, 8, 0, tzinfo=UTC)


def test_tomorrow_is_ten_local_on_both_sides_of_the_march_change() -> None:
    friday = moment("morgen", dt.datetime(2026, 3, 27, 12, 0, tzinfo=AMS))
    saturday = moment("morgen", dt.datetime(2026, 3, 28, 12, 0, tzinfo=AMS))
    assert friday.due_utc == dt.datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    assert saturday.due_utc == dt.datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert (friday.local.hour, saturday.local.hour) == (10, 10)


def test_no_time_of_day_is_ten_local_after_the_october_change() -> None:
    saturday = dt.datetime(2026, 10, 24, 12, 0, tzinfo=AMS)  # summer time, UTC+2
    found = moment("tomorrow", saturday)
    assert found.local == dt.datetime(2026, 10, 25, 10, 0, tzinfo=AMS)
    assert found.due_utc == dt.datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    late_september = dt.datetime(2026, 9, 28, 15, 0, tzinfo=AMS)
    found = moment("over 1 maand", late_september)
    assert found.due_utc == dt.datetime(2026, 10, 28, 9, 0, tzinfo=UTC)


def test_hours_across_the_march_change_are_real_hours() -> None:
    now = dt.datetime(2026, 3, 29, 1, 30, tzinfo=AMS)  # half an hour before 02:00 becomes 03:00
    found = moment("over 2 uur", now)
    assert found.due_utc - now == dt.timedelta(hours=2)
    assert found.local.strftime("%H:%M %z") == "04:30 +0200"


def test_hours_across_the_october_change_are_real_hours() -> None:
    now = dt.datetime(2026, 10, 25, 1, 30, tzinfo=AMS)  # summer time; 03:00 becomes 02:00
    found = moment("in 2 hours", now)
    assert found.due_utc - now == dt.timedelta(hours=2)
    # The second 02:30 of the night.
    assert found.local.strftime("%H:%M %z") == "02:30 +0100"


def test_a_wall_time_the_spring_change_skips_moves_forward() -> None:
    saturday = dt.datetime(2026, 3, 28, 12, 0, tzinfo=AMS)
    for text in ("zondag om 2:30", "morgen half 3 's nachts"):
        found = moment(text, saturday)
        assert found.due_utc == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
        assert found.local.strftime("%Y-%m-%d %H:%M %z") == "2026-03-29 03:30 +0200"


def test_a_wall_time_the_autumn_change_repeats_is_the_first() -> None:
    saturday = dt.datetime(2026, 10, 24, 12, 0, tzinfo=AMS)
    found = moment("morgen om 2:30", saturday)
    assert found.due_utc == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert found.local.strftime("%H:%M %z") == "02:30 +0200"


def test_the_groups_zone_decides_the_wall_time() -> None:
    new_york = ZoneInfo("America/New_York")
    found = moment("morgen", NOW, new_york)  # 10:30 on Friday in New York
    assert found.local == dt.datetime(2026, 3, 28, 10, 0, tzinfo=new_york)
    assert found.due_utc == dt.datetime(2026, 3, 28, 14, 0, tzinfo=UTC)
    # Late on Friday in Amsterdam it is already Saturday in Tokyo: "tomorrow" is Sunday there.
    tokyo = ZoneInfo("Asia/Tokyo")
    late = dt.datetime(2026, 3, 27, 23, 0, tzinfo=AMS)
    assert moment("tomorrow", late, tokyo).local.date() == dt.date(2026, 3, 29)


# ---- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", Refusal.EMPTY),
        ("   ", Refusal.EMPTY),
        ("\n\t", Refusal.EMPTY),
        ("blauwe banaan", Refusal.NOT_A_DATE),
        ("soon", Refusal.NOT_A_DATE),
        ("binnenkort", Refusal.NOT_A_DATE),
        ("some day", Refusal.NOT_A_DATE),
        ("5", Refusal.NOT_A_DATE),
        ("morgen om 25:00", Refusal.NOT_A_DATE),
        ("tomorrow 9:75", Refusal.NOT_A_DATE),
        ("morgen " * 40, Refusal.NOT_A_DATE),
        ("gisteren", Refusal.PAST),
        ("yesterday", Refusal.PAST),
        ("1 January 2020", Refusal.PAST),
        ("1 januari 2020", Refusal.PAST),
        ("vandaag", Refusal.PAST),  # 10:00 today has passed at 15:30
        ("today", Refusal.PAST),
        ("vanmorgen", Refusal.PAST),
        ("nu", Refusal.PAST),
        ("over 3 jaar", Refusal.TOO_FAR),
        ("in 3 years", Refusal.TOO_FAR),
        ("in 25 months", Refusal.TOO_FAR),
        ("1 januari 2029", Refusal.TOO_FAR),
        ("28 March 2028", Refusal.TOO_FAR),
        ("over 99999999999999 uur", Refusal.TOO_FAR),
    ],
)
def test_refused(text: str, why: Refusal) -> None:
    assert parse_moment(text, now=NOW, zone=AMS) is why


def test_today_before_ten_is_today_at_ten() -> None:
    morning = NOW.replace(hour=9)
    for text in ("vandaag", "today"):
        assert moment(text, morning).local == dt.datetime(2026, 3, 27, 10, 0, tzinfo=AMS)


def test_two_years_ahead_is_the_last_day_accepted() -> None:
    assert moment("27 maart 2028").local.date() == dt.date(2028, 3, 27)
    assert parse_moment("28 maart 2028", now=NOW, zone=AMS) is Refusal.TOO_FAR
    # The limit is a date: "in 2 years" is accepted early in the morning too.
    assert moment("in 2 years", NOW.replace(hour=8)).local.date() == dt.date(2028, 3, 27)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_moment("morgen", now=NOW.replace(tzinfo=None), zone=AMS)


# ---- the stage word ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("over 1 minuut integratie", ("over 1 minuut", "integration")),
        ("integration next monday", ("next monday", "integration")),
        ("in 3 months", ("in 3 months", None)),
        # Words of a date that are no stage's name.
        ("over 3 maanden", ("over 3 maanden", None)),
        ("volgende maandag om 9 uur", ("volgende maandag om 9 uur", None)),
        ("INTEGRATIE over een week", ("over een week", "integration")),
        ("morgen orientatie", ("morgen", "orientation")),
        ("morgen Oriëntatie", ("morgen", "orientation")),
        ("1 maart 2027 transformation", ("1 maart 2027", "transformation")),
        ("over 1 minuut, integratie.", ("over 1 minuut", "integration")),
        ("integratie", ("", "integration")),
        ("", ("", None)),
        # Both ends name a stage: the last word is the stage, as the command reads.
        ("integratie morgen transformatie", ("integratie morgen", "transformation")),
    ],
)
def test_split_stage(text: str, expected: tuple[str, str | None]) -> None:
    assert split_stage(text, STAGES) == expected


def test_a_stage_name_of_several_words() -> None:
    stages = {"value-creation": ["value creation", "waardecreatie"], "creation": ["creation"]}
    assert split_stage("morgen value creation", stages) == ("morgen", "value-creation")
    assert split_stage("Value Creation morgen", stages) == ("morgen", "value-creation")


def test_remind_over_1_minuut_integratie() -> None:
    when, stage = split_stage("over 1 minuut integratie", STAGES)
    found = moment(when)
    assert stage == "integration"
    assert found.due_utc - NOW == dt.timedelta(minutes=1)


# ---- written out -------------------------------------------------------------------------------


def test_day_and_clock_in_both_languages() -> None:
    local = dt.datetime(2027, 3, 1, 10, 0, tzinfo=AMS)
    assert format_day(local, "nl") == "maandag 1 maart 2027"
    assert format_day(local, "en") == "Monday 1 March 2027"
    assert format_clock(local, "nl") == "10:00"
    assert format_clock(local, "en") == "10:00"
    assert f"{format_day(local, 'nl')} om {format_clock(local, 'nl')}" == (
        "maandag 1 maart 2027 om 10:00"
    )


def test_written_out_in_the_moments_own_zone() -> None:
    found = moment("zondag om 9 uur")
    assert found.due_utc.hour == 7  # summer time already
    assert format_clock(found.local, "en") == "09:00"
    assert format_day(found.local, "en") == "Sunday 29 March 2026"
    evening = dt.datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert format_day(evening, "nl") == "donderdag 31 december 2026"
    assert format_clock(evening, "nl") == "23:30"


def test_warm_up_runs() -> None:
    warm_up()
