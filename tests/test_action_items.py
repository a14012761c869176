"""Action items, played through the real application with the clock moved ahead: an open issue
gets an owner and a date (``/action``, or the buttons of the end of a stage), shows in /issues,
/summary and the export, and on its date the owner is reminded, once, however the process ran
in between; Done, Not feasible and a week later; in English and in Dutch."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bot.jobs import following
from bot.offline.fake_api import FakeBotApi, Sent
from bot.services import services
from tests.conftest import ANNA, BEN, CARLA
from tests.support.telegram import Group
from tests.test_bad_input import DAVID, ORG_A, join, ready
from tests.test_button_binding import STALE
from tests.test_export import read
from tests.test_reminders import Clock, running_at, use_clock

ISSUE = "Who pays for the coordinator?"


@pytest.fixture
def clock(group: Group) -> Clock:
    found = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))  # Monday 12:00 in Amsterdam
    use_clock(group, found)
    return found


async def remind_due(group: Group) -> int:
    """What the action-item job does when it looks; waits for the delivery."""
    svc = services(group.app)
    count = await following.remind_due(group.app.bot, svc, svc.clock())
    await svc.outbox.idle()
    return count


def notice(group: Group, query: str) -> str:
    return str(group.answers_to(query)[0]["text"])


def alerts(group: Group, query: str) -> list[str]:
    return [str(a["text"]) for a in group.answers_to(query) if a.get("show_alert")]


def items(db_path: Path) -> list[tuple[int, str | None, str, str | None]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT owner, due_local, status, reminded_at IS NOT NULL FROM action_items"
            " ORDER BY issue_id"
        ).fetchall()


async def test_an_action_item_by_command_and_its_reminder(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, f"/issue {ISSUE}")
    await group.send(DAVID, "/action 1 van dam 15 March 2027")
    assert group.last.text == (
        f"Action item 1: “{ISSUE}”. Who picks it up: Van Dam, by 15 March 2027. I'll remind "
        "you on Monday 15 March 2027 at 10:00."
    )
    assert items(db_path) == [(2, "2027-03-15T10:00", "open", 0)]

    await group.send(CARLA, "/issues")
    listing = group.last
    assert f"1. Ambition: {ISSUE}\n→ Action item: Van Dam, by 15 March 2027." in listing.text
    assert "1 · Make it an action item" not in listing.buttons  # it is one already
    await group.send(CARLA, "/summary")
    assert "    → Action item: Van Dam, by 15 March 2027." in group.last.text
    await group.send(CARLA, "/export")
    document = group.last
    assert document.file is not None
    flat = read(document.file[1]).flat
    assert "Action item: Van Dam, by 15 March 2027." in flat

    # 09:59 in Amsterdam (winter time: UTC+1) is too early; 10:00 is the moment, once.
    clock.set("2027-03-15 08:59")
    assert await remind_due(group) == 0
    clock.set("2027-03-15 09:00")
    assert await remind_due(group) == 1
    reminder = group.last
    assert reminder.text == (
        f"⏰ Action item on Ambition: “{ISSUE}”\n\n"
        "Who took it on: Van Dam (David), by 15 March 2027. Has it happened?"
    )
    assert reminder.buttons == ["Done", "Not feasible", "Remind us in a week"]
    clock.set("2027-03-15 10:00")
    assert await remind_due(group) == 0

    # Someone who represents neither partner may not say how it went.
    query = await group.press(CARLA, "Done", on=reminder)
    assert alerts(group, query) == [
        "Only the representatives of De Brug and Van Dam can do this. Send /partners and tap "
        "your organisation to join."
    ]

    # A week later: the reminder says so, and comes again then.
    query = await group.press(BEN, "Remind us in a week", on=reminder)
    assert notice(group, query) == "Moved a week."
    assert reminder.buttons == []
    assert reminder.text.endswith(
        "Ben moved it a week: I'll remind you again on Monday 22 March 2027 at 10:00."
    )
    clock.set("2027-03-22 09:00")
    assert await remind_due(group) == 1
    again = group.last
    assert again.message_id != reminder.message_id
    assert again.buttons[0] == "Done"

    # Done: the open issue is resolved once someone says so.
    query = await group.press(DAVID, "Done", on=again)
    assert notice(group, query) == "Noted: done."
    assert "✅ Done, says David." in again.text
    assert again.buttons == ["Resolved"]
    await group.press(BEN, "Resolved", on=again)
    assert again.text == f"{ISSUE} – resolved by Ben."
    await group.send(CARLA, "/issues")
    assert group.last.text == "There are no open issues. Well done."
    assert items(db_path) == [(2, "2027-03-22T10:00", "done", 1)]


async def test_what_action_cannot_read_gets_an_answer(group: Group, clock: Clock) -> None:
    await ready(group)
    await group.send(BEN, "/action")
    assert group.last.text.startswith("To make an open issue an action item, write /action")
    await group.send(BEN, f"/issue {ISSUE}")
    await group.send(BEN, "/action 3 Van Dam tomorrow")
    assert group.last.text == "There is no open issue 3: you have 1 open issue (see /issues)."
    await group.send(BEN, "/action 1 The mayor tomorrow")
    assert group.last.text.startswith(
        "Who picks it up? “The mayor tomorrow” is neither De Brug, Van Dam nor both."
    )
    await group.send(BEN, "/action 1 both last week")
    assert group.last.text.startswith("I can't read “last week” as a date.") or (
        group.last.text.startswith("That date has already passed.")
    )
    # An owner without a date: the question asks by when.
    await group.send(BEN, "/action 1 both")
    asked = group.last
    assert "→ De Brug and Van Dam: by when?" in asked.text
    assert asked.buttons == ["1 · In 2 weeks", "1 · In 1 month", "1 · In 3 months"]
    query = await group.press(DAVID, "1 · In 2 weeks", on=asked)
    assert notice(group, query) == (
        "Action item: De Brug and Van Dam, by 15 March 2027. I'll remind you that day."
    )
    assert asked.buttons == []
    assert "→ Action item: De Brug and Van Dam, by 15 March 2027." in asked.text


async def test_the_end_of_a_stage_asks_who_picks_up_its_open_issues_in_dutch(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/language nl")
    await group.send(BEN, "/issue Wie betaalt de coördinator?")
    await group.send(BEN, "/skip")
    await group.send(DAVID, "/issue Hoe meten we zichtbaarheid?")
    await group.send(DAVID, "/action 2 samen 1 juni 2027")
    sent = len(group.sent)
    for _ in range(8):
        await group.send(BEN, "/skip")
    recap, walk = group.sent[-2:]
    assert recap.text.startswith("Dat was het laatste thema van Oriëntatie.")
    # Only the open issue that nobody picked up yet.
    assert walk.text.startswith("Wie pakt wat op, en wanneer?")
    assert "1. Ambitie: ‘Wie betaalt de coördinator?’" in walk.text
    assert "zichtbaarheid" not in walk.text
    assert walk.buttons == ["1 · De Brug", "1 · Van Dam", "1 · Samen"]
    # Seven cards, the recap and the walk: a /skip is answered with a reaction, not a message.
    assert len(group.sent) - sent == 7 + 1 + 1

    # Only a partner or the facilitator chooses; then who, then by when.
    query = await group.press(CARLA, "1 · Van Dam", on=walk)
    assert alerts(group, query)
    query = await group.press(BEN, "1 · Van Dam", on=walk)
    assert notice(group, query) == "Wie het oppakt: Van Dam. Uiterlijk wanneer?"
    assert "→ Van Dam: uiterlijk wanneer?" in walk.text
    assert walk.buttons == ["1 · Over 2 weken", "1 · Over 1 maand", "1 · Over 3 maanden"]
    query = await group.press(DAVID, "1 · Over 1 maand", on=walk)
    assert notice(group, query) == (
        "Actiepunt: Van Dam, uiterlijk 1 april 2027. Ik herinner jullie er die dag aan."
    )
    assert "→ Actiepunt: Van Dam, uiterlijk 1 april 2027." in walk.text
    assert walk.buttons == []
    await group.send(CARLA, "/issues")
    assert "→ Actiepunt: De Brug en Van Dam, uiterlijk 1 juni 2027." in group.last.text

    # Summer time began on 28 March: 10:00 in Amsterdam is 08:00 UTC.
    clock.set("2027-04-01 07:59")
    assert await remind_due(group) == 0
    clock.set("2027-04-01 08:00")
    assert await remind_due(group) == 1
    reminder = group.last
    assert reminder.text == (
        "⏰ Actiepunt bij Ambitie: ‘Wie betaalt de coördinator?’\n\n"
        "Wie het oppakte: Van Dam (David), uiterlijk 1 april 2027. Is het gelukt?"
    )
    assert reminder.buttons == ["Gedaan", "Niet haalbaar", "Een week uitstellen"]
    query = await group.press(DAVID, "Niet haalbaar", on=reminder)
    assert notice(group, query) == "Genoteerd: niet haalbaar."
    assert "Niet haalbaar, laat David weten." in reminder.text
    query = await group.press_data(BEN, "astat:1:done", on=reminder)  # a copy with buttons
    assert notice(group, query) == "Dit actiepunt is al afgehandeld."
    # Not feasible leaves the open issue open, to be picked up again.
    await group.send(CARLA, "/issues")
    listing = group.last
    assert "→ Actiepunt van Van Dam, uiterlijk 1 april 2027: niet haalbaar." in listing.text
    assert "1 · Omzetten in actiepunt" in listing.buttons
    await group.press(BEN, "1 · Omzetten in actiepunt", on=listing)
    assert group.last.buttons == ["1 · De Brug", "1 · Van Dam", "1 · Samen"]


async def test_a_reminder_due_while_the_bot_was_down_comes_once_after_the_restart(
    db_path: Path, api: FakeBotApi
) -> None:
    clock = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))
    async with running_at(db_path, api, clock) as group:
        await ready(group)
        await group.send(BEN, f"/issue {ISSUE}")
        await group.send(BEN, "/action 1 De Brug 2 March 2027")
    clock.set("2027-03-03 09:00")  # a day after its moment, the bot is started again
    async with running_at(db_path, api, clock) as group:
        assert await remind_due(group) == 1
        assert await remind_due(group) == 0
        reminder = group.last
        assert reminder.text.startswith(f"⏰ Action item on Ambition: “{ISSUE}”")
        assert "Who took it on: De Brug (Ben), by 2 March 2027." in reminder.text
        assert "This reminder is late: it was due on Tuesday 2 March 2027 at 10:00" in (
            reminder.text
        )


async def test_a_forged_press_does_not_turn_another_message_into_the_question(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    await group.send(BEN, f"/issue {ISSUE}")
    await group.send(BEN, "/issues")
    listing = group.last
    query = await group.press_data(BEN, "aown:1:2", on=listing)
    assert alerts(group, query) == [STALE]
    query = await group.press_data(BEN, "astat:1:done", on=listing)
    assert alerts(group, query) == [STALE]
    assert listing.text.startswith("Open issues")


async def test_owners_are_named_with_their_people(group: Group, clock: Clock) -> None:
    await ready(group)
    await join(group, ANNA, ORG_A, BEN)
    await group.send(BEN, f"/issue {ISSUE}")
    await group.send(BEN, "/action 1 beide 2 March 2027")
    clock.set("2027-03-02 09:00")
    assert await remind_due(group) == 1
    reminder: Sent = group.last
    assert "Who took it on: De Brug (Ben, Anna) and Van Dam (David), by 2 March 2027." in (
        reminder.text
    )
