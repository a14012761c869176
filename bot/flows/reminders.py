"""Reminders to take up a stage again: set (``/remind``, the end-of-stage buttons), listed,
cancelled, snoozed, the group's time zone, and the reminder message itself.

Every decision takes the current moment as a parameter (``turn.now``, or ``now``), so tests can
move the clock across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.db import chats, records
from bot.db import reminders as sql
from bot.db.partners import Member
from bot.db.records import OpenIssue
from bot.db.reminders import Reminder, zone_or_utc
from bot.db.tx import Tx
from bot.domain.buttons import CancelReminder, Dismiss, RemindFor, Snooze, StartNow
from bot.domain.moments import Refusal, parse_moment, split_stage
from bot.domain.permissions import Action
from bot.domain.purposes import ReminderList, ReminderMessage, RemindQuestion
from bot.domain.wheel import Wheel
from bot.flows import checkups, gate, position, session
from bot.flows.common import answered_once, refuse, set_up_chat, stale_button
from bot.flows.turn import Turn
from bot.render.messages import (
    Button,
    Joined,
    Msg,
    Reply,
    Result,
    WallTime,
    lines,
    msg,
    plural_msg,
    reply,
    wheel_text,
)

#: The time of day of a reminder set by months.
REMIND_AT = dt.time(10, 0)
#: A reminder sent this long after it fell due says it comes late.
LATE_AFTER = dt.timedelta(minutes=10)
SNOOZE_DAYS = 7
#: At most this many reminders are claimed in one round; the rest follow in the next.
CLAIM_AT_ONCE = 50
#: A stage button of ``which_stage`` sets nothing further ahead than this (``/remind`` itself
#: takes two calendar years; the margin is for a question answered days later).
MOST_AHEAD = dt.timedelta(days=2 * 366 + 7)
#: A reminder lists at most this many open issues (each clipped to ``CLIP_AT`` characters), so
#: it stays one message.
SHOW_OPEN = 10
CLIP_AT = 200
#: How much of text that is not a moment the refusal quotes.
QUOTE_AT_MOST = 60


def stage_words() -> dict[str, list[str]]:
    """Stage names people may write, in both languages, by stage id."""
    words: dict[str, list[str]] = {}
    for word, stage_id in session.STAGE_WORDS.items():
        words.setdefault(stage_id, []).append(word)
    return words


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Jan → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has 28 days")


def examples() -> Msg:
    return msg(
        "For example: <code>/remind in 3 months</code>, <code>/remind next Monday 9:00 "
        "integration</code> or <code>/remind 1 March 2027 transformation</code> (Dutch works "
        "too)."
    )


def _refusal(kind: Refusal, text: str) -> Msg:
    if kind is Refusal.PAST:
        return msg("That date has passed; please choose one in the future.")
    if kind is Refusal.TOO_FAR:
        return msg("That is more than two years ahead. Please choose a moment within two years.")
    if kind is Refusal.EMPTY:
        return msg("When shall I remind you? Put a date or a period after /remind.")
    # Quote enough to recognise it: a whole pasted paragraph need not come back.
    shown = text if len(text) <= QUOTE_AT_MOST else text[: QUOTE_AT_MOST - 1] + "…"
    return msg("I can't read “{text}” as a date or time.", text=shown)


# -- setting ------------------------------------------------------------------------------------


async def remind_command(turn: Turn, text: str) -> Result:
    """``/remind <when> [stage]``: set (or move) the reminder for a stage."""
    found_member = await _member_and_chat(turn, button=False, reply_to=turn.message_id)
    if isinstance(found_member, Result):
        return found_member
    member, chat = found_member
    when_text, stage_id = split_stage(text, stage_words())
    found = parse_moment(when_text, now=turn.now, zone=zone_or_utc(chat.timezone))
    if isinstance(found, Refusal):
        problem = reply(_refusal(found, when_text), examples(), reply_to=turn.message_id)
        return Result(replies=(problem,))
    if stage_id is None:
        # Guessing the stage could silently move a reminder the group set for another one.
        return Result(replies=(which_stage(turn.wheel, found.local, turn.message_id),))
    said = await _set(turn, member.user_id, stage_id, found.local, chat.timezone)
    return Result(replies=(reply(said),))


def which_stage(wheel: Wheel, local: dt.datetime, reply_to: int | None) -> Reply:
    """``/remind <when>`` named no stage: ask which one, a button per stage."""
    at = int(local.timestamp())
    return reply(
        msg("Which stage shall I remind you of on {when}?", when=WallTime(local)),
        buttons=(
            tuple(
                Button(wheel_text(stage.name), RemindFor(stage.id, at).pack())
                for stage in wheel.stages
            ),
        ),
        remember=RemindQuestion(at).pack(),
        reply_to=reply_to,
    )


async def remind_for(turn: Turn, stage_id: str, at: int) -> Result:
    """A stage button of ``which_stage``: set the reminder for that stage, once."""
    found_member = await _member_and_chat(turn, button=True, reply_to=None)
    if isinstance(found_member, Result):
        return found_member
    member, chat = found_member
    local = dt.datetime.fromtimestamp(at, dt.UTC).astimezone(zone_or_utc(chat.timezone))
    if local <= turn.now or local - turn.now > MOST_AHEAD:
        # Pressed after the moment passed (or data nobody's question carried).
        return Result(notice=_refusal(Refusal.PAST, ""), alert=True)
    done = await answered_once(turn, RemindQuestion)
    if done is not None:
        return done
    text = await _set(turn, member.user_id, stage_id, local, chat.timezone)
    return Result(replies=(reply(text, edit=turn.message_id),), notice=msg("Reminder set."))


async def remind_later(turn: Turn, stage_id: str, months: int) -> Result:
    """An end-of-stage button: a reminder in 1, 3 or 6 months, at 10:00 local time."""
    found_member = await _member_and_chat(turn, button=True, reply_to=None)
    if isinstance(found_member, Result):
        return found_member
    member, chat = found_member
    already = await sql.pending_for_stage(turn.conn, turn.chat_id, stage_id)
    if already is not None:
        # A second press (by either partner) keeps the one reminder there is.
        return Result(
            notice=msg("A reminder is already set for {when}.", when=WallTime(already.local()))
        )
    zone = zone_or_utc(chat.timezone)
    day = add_months(turn.now.astimezone(zone).date(), months)
    local = dt.datetime.combine(day, REMIND_AT, tzinfo=zone)
    text = await _set(turn, member.user_id, stage_id, local, chat.timezone)
    return Result(replies=(reply(text),), notice=msg("Reminder set."))


async def _member_and_chat(
    turn: Turn, *, button: bool, reply_to: int | None
) -> tuple[Member, chats.Chat] | Result:
    """The representative who sets a reminder and their group, or the refusal to give."""
    member = await gate.member(turn, Action.REMIND, button=button, reply_to=reply_to)
    if isinstance(member, Result):
        return member
    assert turn.chat is not None  # a representative's group is set up
    return member, turn.chat


async def _set(turn: Turn, user_id: int, stage_id: str, local: dt.datetime, timezone: str) -> Msg:
    """Set the stage's reminder, or move the one there is; say which."""
    conn, chat_id = turn.conn, turn.chat_id
    stage = wheel_text(turn.wheel.stage(stage_id).name)
    existing = await sql.pending_for_stage(conn, chat_id, stage_id)
    if existing is None:
        await sql.add(conn, chat_id, stage_id, local, timezone, user_id, turn.stamp)
        text = msg(
            "Noted: on {when} I'll remind you about <b>{stage}</b>. /reminders shows what is set.",
            when=WallTime(local),
            stage=stage,
        )
    else:
        await sql.reschedule(conn, existing.id, local, timezone)
        text = msg(
            "I've moved the reminder: on {when} I'll remind you about <b>{stage}</b> (instead "
            "of on {before}).",
            when=WallTime(local),
            stage=stage,
            before=WallTime(existing.local()),
        )
    return text


# -- listing and cancelling ---------------------------------------------------------------------


async def list_reminders(turn: Turn) -> Result:
    """``/reminders``: what is set, each with a button to cancel it."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    return Result(replies=(await _listing(turn),))


async def _listing(turn: Turn, *, edit: int | None = None) -> Reply:
    wheel = turn.wheel
    pending = await sql.pending(turn.conn, turn.chat_id)
    if not pending:
        return reply(
            msg("No reminders are set."),
            lines(msg("Set one with /remind."), examples()),
            edit=edit,
        )
    entries = [
        msg(
            "⏰ <b>{stage}</b>: {when}",
            stage=wheel_text(wheel.stage(r.stage).name),
            when=WallTime(r.local()),
        )
        for r in pending
    ]
    buttons = tuple(
        (
            Button(
                msg("Cancel {stage} reminder", stage=wheel_text(wheel.stage(r.stage).name)),
                CancelReminder(r.id).pack(),
            ),
        )
        for r in pending
    )
    return reply(
        plural_msg("<b>{n} reminder</b> is set:", "<b>{n} reminders</b> are set:", len(pending)),
        lines(*entries),
        buttons=buttons,
        remember=ReminderList(tuple(r.id for r in pending)).pack(),
        edit=edit,
    )


async def cancel_pending(turn: Turn, reminder_id: int) -> Result:
    """A cancel button of ``/reminders``: cancel that reminder and show the list as it is now."""
    member = await gate.member(turn, Action.REMINDER_BUTTONS, button=True)
    if isinstance(member, Result):
        return member
    found = await sql.get(turn.conn, turn.chat_id, reminder_id)
    cancelled = found is not None and await sql.cancel(turn.conn, reminder_id)
    listing = await _listing(turn, edit=turn.message_id)
    if not cancelled:
        return Result(replies=(listing,), notice=msg("That reminder is no longer set."))
    return Result(replies=(listing,), notice=msg("Reminder cancelled."))


# -- the reminder itself ------------------------------------------------------------------------


async def fire_due(conn: Tx, wheel: Wheel, now: dt.datetime) -> list[tuple[Reminder, Reply]]:
    """Claim the reminders due by ``now`` and return each with its message (for the outbox, in
    the same transaction)."""
    claimed = await sql.claim_due(conn, now.isoformat(timespec="seconds"), CLAIM_AT_ONCE)
    return [(r, await reminder_message(conn, wheel, r, now)) for r in claimed]


async def reminder_message(
    conn: Tx,
    wheel: Wheel,
    reminder: Reminder,
    now: dt.datetime,
    *,
    closing: Msg | None = None,
    edit: int | None = None,
) -> Reply:
    """The stage, its open issues and agreements to look at again, and three buttons; once the
    group answered, ``closing`` says how, in place of message ``edit``, without buttons."""
    stage = wheel_text(wheel.stage(reminder.stage).name)
    topic_ids = {t.id for t in wheel.stage_topics(reminder.stage)}
    agreed = [
        a for a in await records.agreements(conn, reminder.chat_id) if a.topic_id in topic_ids
    ]
    parts: list[Msg | Joined] = [msg("⏰ As agreed: time for <b>{stage}</b>.", stage=stage)]
    if closing is None and now - reminder.due() > LATE_AFTER:
        parts.append(
            msg(
                "This reminder is late: it was due on {when}, when I was offline.",
                when=WallTime(reminder.local()),
            )
        )
    parts.append(still_open(wheel, await records.issues(conn, reminder.chat_id)))
    due = await checkups.due_agreements(conn, reminder.chat_id, now)
    if due:
        # The check-up lists them with their buttons (the reminder job brings it along): a
        # second list here, or a /checkup for a third, would only compete with it.
        parts.append(
            plural_msg(
                "<b>{n} agreement</b> has reached its check-up date: mark it together in the "
                "check-up.",
                "<b>{n} agreements</b> have reached their check-up date: mark them together in "
                "the check-up.",
                len(due),
            )
        )
    elif agreed:
        # Listed, not only counted: a number without the words is of little use.
        shown = [msg("✓ {text}", text=_clip(a.text)) for a in agreed[:SHOW_OPEN]]
        rest = (
            [
                plural_msg(
                    "… and {n} more: /agreements lists them all.",
                    "… and {n} more: /agreements lists them all.",
                    len(agreed) - SHOW_OPEN,
                )
            ]
            if len(agreed) > SHOW_OPEN
            else []
        )
        parts.append(
            lines(
                plural_msg(
                    "You made {n} agreement in this stage. Check together that it still holds:",
                    "You made {n} agreements in this stage. Check together that they still hold:",
                    len(agreed),
                ),
                *shown,
                *rest,
            )
        )
    if closing is not None:
        parts.append(closing)
        return Reply(parts=tuple(parts), edit=edit)
    # Coming back is the moment to say where the collaboration stands now.
    parts.append(position.invitation())
    rate = await position.offer_button(conn, reminder.chat_id, None, now)
    buttons = (
        (Button(msg("Start {stage} now", stage=stage), StartNow(reminder.id).pack()),),
        (
            Button(msg("Remind us in a week"), Snooze(reminder.id).pack()),
            Button(msg("Cancel"), Dismiss(reminder.id).pack()),
        ),
        (rate,),
    )
    return Reply(
        parts=tuple(parts),
        buttons=buttons,
        remember=ReminderMessage(reminder.id).pack(),
    )


def still_open(wheel: Wheel, open_: list[OpenIssue]) -> Msg | Joined:
    """Every open issue the group still has, whatever its stage (the thread to pick up again),
    each with its stage; the first ``SHOW_OPEN`` of them, and how to see the rest."""
    if not open_:
        return msg("There are no open issues.")
    shown = [
        msg(
            "• {text} <i>({stage})</i>",
            text=_clip(issue.text),
            stage=wheel_text(wheel.stage(wheel.topic(issue.topic_id).stage).name),
        )
        for issue in open_[:SHOW_OPEN]
        if any(t.id == issue.topic_id for t in wheel.topics)
    ]
    rest: tuple[Msg, ...] = ()
    if len(open_) > SHOW_OPEN:
        rest = (
            plural_msg(
                "… and {n} more: /issues lists them all.",
                "… and {n} more: /issues lists them all.",
                len(open_) - SHOW_OPEN,
            ),
        )
    return lines(
        plural_msg(
            "<b>{n} open issue</b> to pick up again:",
            "<b>{n} open issues</b> to pick up again:",
            len(open_),
        ),
        *shown,
        *rest,
    )


def _clip(text: str) -> str:
    """An issue's text short enough for a list that must stay one message."""
    return text if len(text) <= CLIP_AT else text[: CLIP_AT - 1].rstrip() + "…"


async def _answerable(turn: Turn, reminder_id: int) -> tuple[Reminder, str] | Result:
    """The sent reminder a button belongs to and who pressed, or the answer to give instead."""
    member = await gate.member(turn, Action.REMINDER_BUTTONS, button=True)
    if isinstance(member, Result):
        return member
    found = await sql.get(turn.conn, turn.chat_id, reminder_id)
    if found is None:
        return Result(notice=stale_button(), alert=True)
    if found.status == "pending":
        return Result(
            notice=msg("This reminder is set again for {when}.", when=WallTime(found.local()))
        )
    if found.status != "sent" or found.outcome is not None:
        return Result(notice=msg("Someone has already answered this reminder."))
    return found, member.name


async def start_now(turn: Turn, reminder_id: int) -> Result:
    """ "Start the stage now": go to the stage, and the reminder says who took it up."""
    found = await _answerable(turn, reminder_id)
    if isinstance(found, Result):
        return found
    reminder, name = found
    await sql.close(turn.conn, reminder.id, "started")
    closing = msg("{name} started this stage.", name=name)
    edited = await _closed(turn, reminder, closing)
    started = await session.start_round(turn, reminder.stage)
    return Result(replies=(edited, *started.replies), notice=started.notice)


async def snooze(turn: Turn, reminder_id: int) -> Result:
    """ "Remind us in a week": the same reminder again, a week on, at its time of day."""
    found = await _answerable(turn, reminder_id)
    if isinstance(found, Result):
        return found
    reminder, name = found
    zone_name = turn.chat.timezone if turn.chat else reminder.timezone
    zone = zone_or_utc(zone_name)
    today = turn.now.astimezone(zone).date()
    day = max(today, reminder.local().date()) + dt.timedelta(days=SNOOZE_DAYS)
    local = dt.datetime.combine(day, reminder.local().time(), tzinfo=zone)
    closing = msg("{name} moved this reminder to {when}.", name=name, when=WallTime(local))
    edited = await _closed(turn, reminder, closing)
    await sql.reschedule(turn.conn, reminder.id, local, zone_name)
    return Result(
        replies=(edited,),
        notice=msg("I'll remind you again on {when}.", when=WallTime(local)),
    )


async def dismiss(turn: Turn, reminder_id: int) -> Result:
    """ "Cancel" on a reminder: no more reminding about it."""
    found = await _answerable(turn, reminder_id)
    if isinstance(found, Result):
        return found
    reminder, name = found
    await sql.close(turn.conn, reminder.id, "dismissed")
    closing = msg(
        "{name} cancelled this reminder. Set a new one any time with /remind.", name=name
    )
    edited = await _closed(turn, reminder, closing)
    return Result(replies=(edited,), notice=msg("Reminder cancelled."))


async def _closed(turn: Turn, reminder: Reminder, closing: Msg) -> Reply:
    """The reminder pressed, as it reads once answered: ``closing`` in place of its buttons."""
    return await reminder_message(
        turn.conn, turn.wheel, reminder, turn.now, closing=closing, edit=turn.message_id
    )


# -- the group's time zone ----------------------------------------------------------------------


def find_zone(name: str, known: Iterable[str] | None = None) -> str | None:
    """The IANA zone people meant, ignoring case ("europe/amsterdam"); None when unknown."""
    wanted = name.strip().replace(" ", "_").casefold()
    for zone in known if known is not None else sorted(available_timezones()):
        if zone.casefold() == wanted:
            return zone
    return None


async def set_timezone(turn: Turn, text: str) -> Result:
    """``/timezone [name]``: show the group's time zone, or change it; pending reminders keep
    their time of day in the new zone."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    clock, message_id = turn.now, turn.message_id
    if not text.strip():
        return Result(
            replies=(
                reply(
                    msg(
                        "This group's time zone is <b>{zone}</b> (it is {time} there now).",
                        zone=chat.timezone,
                        time=WallTime(clock.astimezone(zone_or_utc(chat.timezone))),
                    ),
                    msg(
                        "To change it, write /timezone and a name such as "
                        "<code>Europe/Amsterdam</code>, <code>Europe/Brussels</code> or "
                        "<code>Europe/London</code>."
                    ),
                    reply_to=message_id,
                ),
            )
        )
    member = await gate.member(turn, Action.TIMEZONE, button=False, reply_to=message_id)
    if isinstance(member, Result):
        return member
    zone_name = find_zone(text)
    if zone_name is None:
        return refuse(
            msg(
                "I don't know the time zone “{name}”. Use a name such as "
                "<code>Europe/Amsterdam</code>, <code>Europe/Brussels</code> or "
                "<code>Europe/London</code>.",
                name=text.strip(),
            ),
            button=False,
            reply_to=message_id,
        )
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return refuse(msg("I don't know the time zone “{name}”.", name=zone_name), button=False)
    await chats.set_timezone(turn.conn, turn.chat_id, zone_name, turn.stamp)
    moved = await sql.change_zone(turn.conn, turn.chat_id, zone_name)
    parts: list[Msg] = [
        msg(
            "Done: this group's time zone is now <b>{zone}</b> (it is {time} there now).",
            zone=zone_name,
            time=WallTime(clock.astimezone(zone)),
        )
    ]
    if moved:
        parts.append(
            plural_msg(
                "{n} reminder keeps its time of day, now in this zone.",
                "{n} reminders keep their time of day, now in this zone.",
                moved,
            )
        )
    return Result(replies=(reply(*parts, reply_to=message_id),))
