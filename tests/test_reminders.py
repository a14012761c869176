"""Reminders arrive on time, once, in the group's language and zone, whatever the process did in
between: a controllable clock moves across daylight-saving changes and restarts."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import build_app
from bot.jobs import reminding
from bot.offline.fake_api import FakeBotApi
from bot.offline.lifecycle import close_app
from bot.ops.startup import open_services
from bot.services import KEY, services
from tests.conftest import BEN, CARLA, make_config, running
from tests.support.telegram import Group
from tests.test_bad_input import DAVID, ready

AMSTERDAM = "Europe/Amsterdam"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, moment: dt.datetime) -> None:
        self.now = moment

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, text: str) -> None:
        """Move to a UTC moment written as 'YYYY-MM-DD HH:MM'."""
        self.now = dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def use_clock(group: Group, clock: Clock) -> None:
    group.app.bot_data[KEY] = dataclasses.replace(services(group.app), clock=clock)


@asynccontextmanager
async def running_at(db_path: Path, api: FakeBotApi, clock: Clock) -> AsyncIterator[Group]:
    """The application, as ``running`` starts it, on the test's clock: a restart months later."""
    async with running(db_path, api) as group:
        use_clock(group, clock)
        yield group


@pytest.fixture
def clock(group: Group) -> Clock:
    found = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))  # Monday 12:00 in Amsterdam
    use_clock(group, found)
    return found


async def fire(group: Group) -> int:
    """What the reminder job does when it looks: send what is due now; wait for delivery."""
    svc = services(group.app)
    count = await reminding.send_due(group.app.bot, svc, svc.clock())
    await svc.outbox.idle()
    return count


def rows(db_path: Path) -> list[tuple[str, str, str, str, str]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT stage, local_time, timezone, due_utc, status FROM reminders ORDER BY id"
        ).fetchall()


async def remind_and_fire(group: Group, clock: Clock) -> None:
    """Set up the group, ask for a reminder in a month (for Integration), and let it fire."""
    await ready(group)
    await group.send(BEN, "/remind in 1 month integration")
    clock.set("2027-04-01 08:00")
    await fire(group)


def reminders_sent(group: Group) -> list[str]:
    return [m.text for m in group.sent if m.text.startswith("⏰ As agreed: time for")]


# -- choosing a moment ---------------------------------------------------------------------------


async def test_a_month_ahead_lands_at_ten_local_after_the_march_change(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/remind in 1 month integration")
    assert "Thursday 1 April 2027 at 10:00" in group.last.text
    assert "Integration" in group.last.text
    # Summer time began on 28 March: 10:00 in Amsterdam is 08:00 UTC.
    assert rows(db_path) == [
        ("integration", "2027-04-01T10:00", AMSTERDAM, "2027-04-01T08:00:00+00:00", "pending")
    ]
    clock.set("2027-04-01 07:59")
    assert await fire(group) == 0
    clock.set("2027-04-01 08:00")
    assert await fire(group) == 1
    reminder = group.last
    assert reminder.text.startswith("⏰ As agreed: time for Integration.")
    assert "is late" not in reminder.text
    assert reminder.buttons == [
        "Start Integration now",
        "Remind us in a week",
        "Cancel",
        "Rate privately",
    ]
    clock.set("2027-04-01 09:00")
    assert await fire(group) == 0  # once
    assert len(reminders_sent(group)) == 1


async def test_a_date_after_the_october_change_is_ten_local(
    group: Group, clock: Clock, db_path: Path
) -> None:
    clock.set("2027-10-01 08:00")
    await ready(group)
    await group.send(BEN, "/remind 1 November 2027 transformation")
    assert "Monday 1 November 2027 at 10:00" in group.last.text
    # Winter time from 31 October: 10:00 in Amsterdam is 09:00 UTC.
    assert rows(db_path)[0][3] == "2027-11-01T09:00:00+00:00"
    clock.set("2027-11-01 08:59")
    assert await fire(group) == 0
    clock.set("2027-11-01 09:00")
    assert await fire(group) == 1


async def test_without_a_stage_it_asks_which_and_sets_it_once(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/remind in 3 months integration")
    await group.send(BEN, "/remind over 2 maanden")
    question = group.last
    # Nothing is guessed: a guess could silently move the Integration reminder.
    assert "Which stage shall I remind you of on Saturday 1 May 2027 at 10:00?" in question.text
    assert question.buttons == ["Orientation", "Integration", "Transformation"]
    assert [row[0] for row in rows(db_path)] == ["integration"]
    old_copy = question.button_data("Orientation")
    outsider = await group.press(CARLA, "Transformation", on=question)
    assert "Only the representatives" in group.answers_to(outsider)[0]["text"]
    await group.press(DAVID, "Transformation", on=question)
    assert "on Saturday 1 May 2027 at 10:00 I'll remind you about" in question.text
    assert "Transformation" in question.text
    assert question.buttons == []
    assert [row[0] for row in rows(db_path)] == ["integration", "transformation"]
    # An old copy of the buttons sets nothing more.
    await group.press_data(BEN, old_copy, question)
    assert [row[0] for row in rows(db_path)] == ["integration", "transformation"]
    # A question answered after its moment passed sets nothing.
    await group.send(BEN, "/remind in 10 minutes")
    late = group.last
    clock.set("2027-03-01 11:30")
    pressed = await group.press(BEN, "Orientation", on=late)
    assert "That date has passed" in group.answers_to(pressed)[0]["text"]
    assert [row[0] for row in rows(db_path)] == ["integration", "transformation"]


async def test_a_second_remind_for_a_stage_moves_it(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/remind in 3 months integration")
    await group.send(DAVID, "/remind 2027-04-12 integration")
    assert "I've moved the reminder" in group.last.text
    assert "Monday 12 April 2027 at 10:00" in group.last.text
    assert [(r[1], r[4]) for r in rows(db_path)] == [("2027-04-12T10:00", "pending")]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("/remind gisteren", "That date has passed"),
        ("/remind yesterday", "That date has passed"),
        ("/remind blauwe banaan", "I can't read “blauwe banaan” as a date or time"),
        ("/remind in 3 years", "more than two years ahead"),
        ("/remind <b>soon</b>", "I can't read “<b>soon</b>” as a date or time"),
        ("/remind " + "very " * 300 + "soon", "I can't read “very very"),
        ("/remind", "When shall I remind you?"),
    ],
)
async def test_moments_that_cannot_be_are_refused_with_examples(
    group: Group, clock: Clock, db_path: Path, text: str, answer: str
) -> None:
    await ready(group)
    await group.send(BEN, text)
    assert answer in group.last.text
    assert "For example" in group.last.text
    assert len(group.last.text) < 500  # a pasted paragraph is not quoted back whole
    assert rows(db_path) == []


async def test_refusals_and_confirmations_in_dutch(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/language nl")
    await group.send(BEN, "/remind gisteren")
    assert "Die datum is al voorbij" in group.last.text
    assert "Bijvoorbeeld" in group.last.text
    await group.send(BEN, "/remind volgende maandag om 9 uur integratie")
    assert "maandag 8 maart 2027 om 09:00" in group.last.text
    assert "Integratie" in group.last.text


async def test_only_representatives_set_reminders(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(CARLA, "/remind in 3 months integration")
    assert "Only the representatives" in group.last.text
    assert rows(db_path) == []


async def test_the_end_of_stage_buttons_and_an_old_button(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    for _ in range(9):
        await group.send(BEN, "/skip")
    recap = group.last
    assert recap.buttons == [
        "Continue with Integration",
        "In 1 month",
        "In 3 months",
        "In 6 months",
        "Export as PDF",  # to share with the boards
        "Rate privately",  # where the collaboration stands, at the end of a round
    ]
    await group.press(DAVID, "In 6 months", on=recap)
    assert "Wednesday 1 September 2027 at 10:00" in group.last.text
    # A recap from before the choice of months still works: it means three months.
    await group.send(BEN, "/reminders")
    await group.press(BEN, "Cancel Integration reminder")
    await group.press_data(BEN, "later:integration", on=recap)
    assert "Tuesday 1 June 2027 at 10:00" in group.last.text


# -- the reminder and its buttons ----------------------------------------------------------------


async def test_the_reminder_lists_open_issues_and_counts_agreements(
    group: Group, clock: Clock
) -> None:
    await ready(group)  # in Orientation
    await group.send(BEN, "/issue Who signs the contract?")
    await group.send(BEN, "/stage integration")
    await group.send(BEN, "/issue Who pays for the <b>coach</b>?")
    await group.send(BEN, "/agree Weekly stand-up on Monday")
    await group.press(DAVID, "Confirm")
    await group.send(BEN, "/remind in 1 month integration")
    clock.set("2027-04-01 08:00")
    await fire(group)
    text = group.last.text
    # Every issue still open, an earlier stage's too, each with its stage.
    assert "2 open issues to pick up again:" in text
    assert "• Who signs the contract? (Orientation)" in text
    assert "• Who pays for the <b>coach</b>? (Integration)" in text  # as written, not as markup
    assert "You made 1 agreement in this stage" in text


async def test_the_reminder_brings_the_check_up_of_the_agreements_due(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    await group.send(BEN, "/stage integration")
    await group.send(BEN, "/agree Weekly stand-up on Monday")
    await group.press(DAVID, "Confirm")  # review date: three months on, 1 June
    await group.send(BEN, "/remind in 4 months integration")
    clock.set("2027-07-01 08:00")
    await fire(group)
    reminder = next(m for m in reversed(group.sent) if m.text.startswith("⏰ As agreed: time for"))
    assert "1 agreement has reached its check-up date: mark it together in the check-up." in (
        reminder.text
    )
    assert "worth checking together" not in reminder.text
    # The check-up, with the agreement and its buttons, follows the reminder at once.
    assert group.last.text.startswith("⏰ Check-up of 1 July 2027")
    assert "Weekly stand-up on Monday" in group.last.text


async def test_a_reminder_with_many_open_issues_stays_one_message(
    group: Group, clock: Clock
) -> None:
    await ready(group)
    for number in range(14):
        await group.send(BEN, f"/issue Question {number:02d} " + "x" * 300)
    await group.send(BEN, "/remind in 1 month integration")
    clock.set("2027-04-01 08:00")
    await fire(group)
    text = group.last.text
    assert "14 open issues to pick up again:" in text
    assert "Question 09" in text
    assert "Question 10" not in text
    assert "… and 4 more: /issues lists them all." in text
    assert len(text) < 4096


async def test_snooze_moves_it_a_week_on_and_only_once(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await remind_and_fire(group, clock)
    reminder = group.last
    snooze = reminder.button_data("Remind us in a week")  # pressed again, on an old screen
    await group.press(DAVID, "Remind us in a week", on=reminder)
    edited = next(m for m in group.sent if m.message_id == reminder.message_id)
    assert edited.buttons == []
    assert "David moved this reminder to Thursday 8 April 2027 at 10:00" in edited.text
    assert rows(db_path)[0][1:] == (
        "2027-04-08T10:00", AMSTERDAM, "2027-04-08T08:00:00+00:00", "pending"
    )  # fmt: skip
    again = await group.press_data(BEN, snooze, reminder)
    assert "set again for Thursday 8 April 2027" in group.answers_to(again)[0]["text"]
    clock.set("2027-04-08 08:00")
    assert await fire(group) == 1
    assert len(reminders_sent(group)) == 2


async def test_cancel_closes_it_and_later_presses_change_nothing(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await remind_and_fire(group, clock)
    reminder = group.last
    snooze = reminder.button_data("Remind us in a week")
    await group.press(BEN, "Cancel", on=reminder)
    assert "Ben cancelled this reminder" in reminder.text
    assert reminder.buttons == []
    late = await group.press_data(DAVID, snooze, reminder)
    assert "already answered" in group.answers_to(late)[0]["text"]
    assert rows(db_path)[0][4] == "sent"


async def test_start_now_opens_the_stage(group: Group, clock: Clock) -> None:
    await remind_and_fire(group, clock)
    await group.press(DAVID, "Start Integration now")
    assert "Integration · Value creation · topic 1/9" in group.last.text
    assert any("David started this stage." in m.text for m in group.sent)


async def test_someone_who_is_not_a_partner_cannot_answer_it(group: Group, clock: Clock) -> None:
    await remind_and_fire(group, clock)
    press = await group.press(CARLA, "Cancel")
    assert "Only the representatives" in group.answers_to(press)[0]["text"]
    assert group.last.buttons == [
        "Start Integration now",
        "Remind us in a week",
        "Cancel",
        "Rate privately",
    ]


async def test_forged_reminder_buttons_change_nothing(group: Group, clock: Clock) -> None:
    await ready(group)
    with_buttons = next(m for m in reversed(group.sent) if m.buttons)
    for data in ("rsnz:999", "rend:²", "rnow:", "rcan:-1"):
        press = await group.press_data(BEN, data, on=with_buttons)
        assert group.answers_to(press)[0]["text"].startswith("This button no longer works.")


# -- /reminders and /timezone ---------------------------------------------------------------------


async def test_reminders_lists_them_with_a_cancel_button_each(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/reminders")
    assert "No reminders are set." in group.last.text
    await group.send(BEN, "/remind in 1 month integration")
    await group.send(BEN, "/remind 2027-06-01 9:30 transformation")
    await group.send(CARLA, "/reminders")  # looking is for everyone in the group
    listing = group.last
    assert "2 reminders are set" in listing.text
    assert "Integration</b>: Thursday 1 April 2027 at 10:00" in listing.html
    assert "Transformation</b>: Tuesday 1 June 2027 at 09:30" in listing.html
    assert listing.buttons == ["Cancel Integration reminder", "Cancel Transformation reminder"]
    await group.press(BEN, "Cancel Integration reminder", on=listing)
    now = next(m for m in group.sent if m.message_id == listing.message_id)
    assert now.buttons == ["Cancel Transformation reminder"]
    assert [r[4] for r in rows(db_path)] == ["cancelled", "pending"]


async def test_timezone_shows_changes_and_keeps_wall_times(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/remind in 1 month integration")
    await group.send(CARLA, "/timezone")
    assert "Europe/Amsterdam" in group.last.text
    await group.send(BEN, "/timezone Mars/Olympus")
    assert "I don't know the time zone “Mars/Olympus”" in group.last.text
    await group.send(BEN, "/timezone europe/london")
    assert "Europe/London" in group.last.text
    assert "1 reminder keeps its time of day" in group.last.text
    # Still 10:00, now London's: 09:00 UTC in summer time.
    assert rows(db_path)[0][1:4] == (
        "2027-04-01T10:00",
        "Europe/London",
        "2027-04-01T09:00:00+00:00",
    )
    await group.send(BEN, "/remind 2027-05-03 integration")
    assert "Monday 3 May 2027 at 10:00" in group.last.text
    assert rows(db_path)[0][3] == "2027-05-03T09:00:00+00:00"


# -- whatever happened to the process or the group -----------------------------------------------


async def test_a_restart_sends_each_overdue_reminder_once_and_keeps_the_rest(
    db_path: Path, api: FakeBotApi
) -> None:
    clock = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))
    async with running_at(db_path, api, clock) as group:
        await ready(group)
        await group.send(BEN, "/remind in 10 minutes integration")
        await group.send(BEN, "/remind in 3 months transformation")
    # The bot is down for a day; then it starts again.
    clock.set("2027-03-02 11:00")
    for _ in range(2):
        async with running_at(db_path, api, clock) as group:
            await fire(group)
    sent = reminders_sent(group)
    assert len(sent) == 1
    assert sent[0].startswith("⏰ As agreed: time for Integration.")
    assert "This reminder is late: it was due on Monday 1 March 2027 at 12:10" in sent[0]
    assert [r[4] for r in rows(db_path)] == ["sent", "pending"]


async def test_a_crash_after_the_claim_delivers_after_the_restart(
    db_path: Path, api: FakeBotApi
) -> None:
    clock = Clock(dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC))
    async with running_at(db_path, api, clock) as group:
        await ready(group)
        await group.send(BEN, "/remind in 1 month integration")
        clock.set("2027-04-01 08:00")

        async def no_wait(seconds: float) -> None:
            """The outbox's backoff, without the waiting."""

        services(group.app).outbox.sleep = no_wait
        api.fail_next("sendMessage", 502, "Bad Gateway")
        api.fail_next("sendMessage", 502, "Bad Gateway")
        api.fail_next("sendMessage", 502, "Bad Gateway")
        api.fail_next("sendMessage", 502, "Bad Gateway")
        await fire(group)  # claimed and owed; Telegram did not take it
        assert reminders_sent(group) == []
    # As if the process died with the request out: the outbox finds it 'sending'.
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE outbox SET status = 'sending' WHERE remember = 'reminder'")
    async with running_at(db_path, api, clock) as group:
        assert await fire(group) == 0  # not claimed again
    assert len(reminders_sent(group)) == 1


async def test_a_removed_bot_pauses_them_and_a_re_added_bot_resumes(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/remind in 1 month integration")
    await group.remove_bot(BEN)
    clock.set("2027-04-01 08:00")
    assert await fire(group) == 0
    clock.set("2027-04-20 08:00")
    await group.add_bot(BEN)
    assert await fire(group) == 1
    assert "is late" in reminders_sent(group)[0]


async def test_forbidden_on_send_puts_it_back_to_wait(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/remind in 1 month integration")
    clock.set("2027-04-01 08:00")
    group.api.removed.add(group.chat_id)  # removed, and the bot was not told
    assert await fire(group) == 1
    assert rows(db_path)[0][4] == "pending"
    assert await fire(group) == 0  # the group is inactive now: no retrying forever
    group.api.removed.discard(group.chat_id)
    await group.add_bot(BEN)
    assert await fire(group) == 1
    assert len(reminders_sent(group)) == 1
    assert group.api.refusals()  # the 403 Telegram gave
    group.api.calls.clear()


async def test_reminders_follow_a_group_that_became_a_supergroup(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/remind in 1 month integration")
    new_id = -1009876543210
    group.api.migrated[group.chat_id] = new_id
    clock.set("2027-04-01 08:00")
    assert await fire(group) == 1
    moved = [m.text for m in group.api.sent_to(new_id)]
    assert any(text.startswith("⏰ As agreed: time for Integration") for text in moved)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT chat_id FROM reminders").fetchone()[0] == new_id
    group.api.calls.clear()


# -- the job in the running application ----------------------------------------------------------


class ShiftedClock:
    """The real clock, ``offset`` ahead."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


@pytest.fixture
async def started(db_path: Path, api: FakeBotApi) -> AsyncIterator[tuple[Group, ShiftedClock]]:
    """An application that runs its jobs, as ``wheelbot run`` does, with a clock to move."""
    app = build_app(make_config(db_path), request=api, rate_limit=False)
    clock = ShiftedClock()
    svc = await open_services(make_config(db_path))
    app.bot_data[KEY] = dataclasses.replace(svc, clock=clock)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    try:
        yield Group(app, api), clock
    finally:
        await close_app(app)  # PTB's order: stop, post_stop, shutdown, post_shutdown


async def test_the_job_delivers_a_reminder_set_a_moment_ahead(
    started: tuple[Group, ShiftedClock], api: FakeBotApi
) -> None:
    group, clock = started
    await ready(group)
    # Set for a minute ahead, then the clock jumps: it is due in a second and a half.
    await group.send(BEN, "/remind in 1 minute integration")
    assert "Integration" in group.last.text
    clock.offset = dt.timedelta(seconds=58.5)
    await reminding.wake_for_next(group.app)
    for _ in range(100):
        if reminders_sent(group):
            break
        await asyncio.sleep(0.05)
    assert len(reminders_sent(group)) == 1
    assert group.last.buttons == [
        "Start Integration now",
        "Remind us in a week",
        "Cancel",
        "Rate privately",
    ]


async def test_reminders_stored_before_the_utc_column_get_their_due_moment(tmp_path: Path) -> None:
    import shutil

    from bot.db import MIGRATIONS, Store

    older = tmp_path / "migrations"
    older.mkdir()
    for path in sorted(MIGRATIONS.glob("*.sql"))[:4]:
        shutil.copy(path, older / path.name)
    db = tmp_path / "old.sqlite"
    store = await Store.open(db, older)
    await store.close()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO chats (chat_id, kind, language, timezone, created_at, updated_at)"
            " VALUES (-1, 'group', 'nl', 'Europe/Amsterdam', 'x', 'x')"
        )
        conn.execute(
            "INSERT INTO reminders (chat_id, stage, local_time, timezone, created_at)"
            " VALUES (-1, 'integration', '2027-07-01T10:00', 'Europe/Amsterdam', 'x')"
        )
    store = await Store.open(db)
    await store.close()
    assert rows(db) == [
        ("integration", "2027-07-01T10:00", AMSTERDAM, "2027-07-01T08:00:00+00:00", "pending")
    ]


async def test_the_end_of_transformation_offers_what_is_still_open(
    group: Group, clock: Clock, db_path: Path
) -> None:
    await ready(group)
    await group.send(BEN, "/stage transformation")
    for _ in range(3):
        await group.send(BEN, "/skip")
    recap = group.last
    assert "You have reached the centre of the wheel" in recap.text
    assert "Not discussed yet: Orientation, Integration" in recap.text
    assert recap.buttons == [
        "Continue with Orientation", "Continue with Integration",
        "In 1 month", "In 3 months", "In 6 months", "Export as PDF", "Rate privately",
    ]  # fmt: skip
    await group.press(DAVID, "In 6 months", on=recap)
    assert "I'll remind you about Transformation" in group.last.text
    assert rows(db_path)[0][0] == "transformation"


async def test_a_reminder_moves_the_group_to_a_supergroup_that_already_has_a_row(
    group: Group, clock: Clock, db_path: Path
) -> None:
    """Telegram moved the group; someone sent /help in the supergroup before the bot learnt of
    it; the reminder that finds out moves the record there, and the session goes on there."""
    await ready(group)
    await group.send(BEN, "/remind in 1 month integration")
    new_id = -1009876543210
    group.api.migrated[group.chat_id] = new_id
    supergroup = dataclasses.replace(group, chat_id=new_id, kind="supergroup")
    await supergroup.send(CARLA, "/help")  # the supergroup's own row, not set up
    clock.set("2027-04-01 08:00")
    assert await fire(group) == 1
    assert any(m.text.startswith("⏰ As agreed: time for Integration") for m in supergroup.sent)
    await supergroup.send(DAVID, "/status")
    assert "Now: Orientation, topic Ambition." in supergroup.last.text
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT chat_id, kind FROM chats").fetchall() == [
            (new_id, "supergroup")
        ]
        assert conn.execute("SELECT DISTINCT chat_id FROM reminders").fetchall() == [(new_id,)]
    group.api.calls.clear()
