"""Agreement check-ups: does each agreement still hold in practice?

Every confirmed agreement has a review date (``set_first_review``): the day of its stage's
pending reminder when one is set, otherwise three months after its confirmation. When review
dates fall due, the job (``bot/jobs/checking.py``) posts one check-up listing the agreements due
(``post_due``); ``/checkup`` posts one listing every agreement. Each agreement has the buttons
*Kept*, *Partly* and *Not kept*. A press is confirmed privately; the message shows which
organisations have marked, never what, until both have: then both marks appear together, a
*Partly* or *Not kept* opens an open issue on the agreement's topic (``issue_message``), and the
agreement's next review date is three months on. ``/checkup date <n> <date>`` moves the review
date of agreement n (numbered as ``/agreements`` numbers them).

A check-up that lists an agreement an earlier one still waits for (a second ``/checkup``, or the
job posting one that ``/checkup`` listed before its date) takes its marks along: the earlier
message then says where the agreement went and takes no more marks for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

from bot.db import bot_messages, chats, partners, progress, records
from bot.db import checkups as sql
from bot.db import reminders as reminder_sql
from bot.db.checkups import Checkup, DueAgreement, Item
from bot.db.records import Agreement
from bot.db.reminders import zone_or_utc
from bot.db.tx import Tx
from bot.domain import purposes
from bot.domain.buttons import CHECKUP_MARKS, MarkCheckup, Resolve
from bot.domain.moments import Refusal, parse_moment
from bot.domain.permissions import Action
from bot.domain.purposes import CheckupIssue, CheckupPart
from bot.domain.wheel import Wheel
from bot.flows import gate
from bot.flows.turn import Turn
from bot.render.messages import (
    Button,
    Joined,
    Msg,
    Reply,
    Result,
    lines,
    msg,
    plural_msg,
    reply,
    wheel_text,
)

#: Months from a confirmation (or a finished check-up) to the next check-up.
REVIEW_MONTHS = 3
#: A check-up message carries at most this many agreements (three buttons each) and about this
#: many characters of their text, well within Telegram's 4096; a longer check-up is several.
PART_ITEMS = 8
PART_CHARS = 3000
#: How much of an agreement a check-up quotes (the open issue quotes it whole).
QUOTE_AT_MOST = 280
#: At most this many agreements are posted by the job in one look; the rest follow.
POST_AT_ONCE = 200
#: The words people may write after /checkup to change a review date.
DATE_WORDS = ("date", "datum")


# -- words ----------------------------------------------------------------------------------------


def mark_word(mark: str) -> Msg:
    """Kept, Partly or Not kept, as a mark reads."""
    if mark == "kept":
        return msg("Kept")
    if mark == "partly":
        return msg("Partly")
    return msg("Not kept")


def _mark_button(mark: str, number: int) -> Msg:
    if mark == "kept":
        return msg("{n} · Kept", n=number)
    if mark == "partly":
        return msg("{n} · Partly", n=number)
    return msg("{n} · Not kept", n=number)


def worst(marks: dict[int, str]) -> str:
    """The weaker of the two marks: it decides whether something needs doing."""
    return max(marks.values(), key=CHECKUP_MARKS.index)


_ICON = {"kept": "✅", "partly": "🟡", "not-kept": "❌"}
#: The marks in print, where an outlined yellow circle would say nothing.
PRINTED_ICON = {"kept": "✓", "partly": "◐", "not-kept": "✗"}


def both_marks(
    names: dict[int, str], marks: dict[int, str], icons: Mapping[str, str] | None = None
) -> Msg:
    """Both organisations' marks together: "Kept (both)", or each with its organisation.
    ``icons`` replaces the chat's coloured marks (the PDF's font draws emoji without colour)."""
    icon = (icons or _ICON)[worst(marks)]
    if marks.get(1) == marks.get(2):
        return msg("{icon} {mark} (both)", icon=icon, mark=mark_word(marks[1]))
    return msg(
        "{icon} {first}: {first_mark} · {second}: {second_mark}",
        icon=icon,
        first=names.get(1, ""),
        first_mark=mark_word(marks[1]),
        second=names.get(2, ""),
        second_mark=mark_word(marks[2]),
    )


def _months_later(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, as a reminder set by months counts them."""
    # Imported here: reminders imports the session, whose agreement review imports agreements,
    # which imports this module to give a confirmed agreement its review date.
    from bot.flows.reminders import add_months

    return add_months(day, months)


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_AT_MOST else text[: QUOTE_AT_MOST - 1] + "…"


# -- review dates ---------------------------------------------------------------------------------


def local_day(now: dt.datetime, timezone: str) -> dt.date:
    return now.astimezone(zone_or_utc(timezone)).date()


def is_due(review_due: str, now: dt.datetime, timezone: str) -> bool:
    """Whether a review date has come: its day at ``sql.DUE_AT`` in the group's zone."""
    hour, minute = (int(part) for part in sql.DUE_AT.split(":"))
    moment = dt.datetime.combine(
        _day(review_due), dt.time(hour, minute), tzinfo=zone_or_utc(timezone)
    )
    return moment <= now


async def first_review(
    conn: Tx, wheel: Wheel, chat_id: int, timezone: str, topic_id: str, now: dt.datetime
) -> dt.date:
    """The review date of an agreement confirmed ``now``: its stage's pending reminder, else
    three months on."""
    stage = wheel.topic(topic_id).stage
    reminder = await reminder_sql.pending_for_stage(conn, chat_id, stage)
    if reminder is not None:
        return reminder.local().date()
    return _months_later(local_day(now, timezone), REVIEW_MONTHS)


async def set_first_review(turn: Turn, agreement_id: int, topic_id: str) -> dt.date:
    """Give an agreement confirmed in this turn its review date (``agreements.confirm``)."""
    timezone = turn.chat.timezone if turn.chat is not None else turn.where.timezone
    day = await first_review(turn.conn, turn.wheel, turn.chat_id, timezone, topic_id, turn.now)
    await sql.set_review_due(turn.conn, agreement_id, day.isoformat())
    return day


async def set_next_review(turn: Turn, agreement_id: int) -> dt.date:
    """An agreement was checked in this turn (both marked it; or both said it still holds): its
    next check-up is three months on."""
    timezone = turn.chat.timezone if turn.chat is not None else turn.where.timezone
    day = _months_later(local_day(turn.now, timezone), REVIEW_MONTHS)
    await sql.set_review_due(turn.conn, agreement_id, day.isoformat())
    return day


async def due_agreements(conn: Tx, chat_id: int, now: dt.datetime) -> list[DueAgreement]:
    """The chat's agreements whose review date has come (for the reminder to list)."""
    return await sql.due_agreements(conn, chat_id, now.isoformat(timespec="seconds"))


def ordered(wheel: Wheel, agreements: list[Agreement]) -> list[Agreement]:
    """Agreements in the order ``/agreements`` numbers them: by the wheel's topics, then oldest
    first; an agreement on a topic the wheel no longer has is left out, as there."""
    order = {topic.id: n for n, topic in enumerate(wheel.topics)}
    known = [a for a in agreements if a.topic_id in order]
    return sorted(known, key=lambda a: (order[a.topic_id], a.id))


# -- the check-up message ------------------------------------------------------------------------


def _parts(items: list[tuple[int, str]]) -> list[int]:
    """Which message each of the (agreement id, text) goes into."""
    parts: list[int] = []
    count = size = part = 0
    for _, text in items:
        cost = len(_quote(text)) + 200  # the topic, the number, the status line
        if count and (count == PART_ITEMS or size + cost > PART_CHARS):
            part, count, size = part + 1, 0, 0
        parts.append(part)
        count, size = count + 1, size + cost
    return parts


async def post(
    conn: Tx,
    wheel: Wheel,
    chat_id: int,
    kind: str,
    day: dt.date,
    asked_by: int | None,
    now: str,
    listed: list[tuple[Agreement | DueAgreement, str | None]],
) -> list[Reply]:
    """Record a check-up of ``listed`` (each agreement with the review date it answers, or
    None) and return its message(s)."""
    checkup_id = await sql.create(conn, chat_id, kind, day.isoformat(), asked_by, now)
    parts = _parts([(_id(a), a.text) for a, _ in listed])
    replaced: set[tuple[int, int]] = set()
    for position, ((agreement, review_due), part) in enumerate(
        zip(listed, parts, strict=True), start=1
    ):
        await sql.add_item(conn, checkup_id, _id(agreement), position, part, review_due)
        # Marks already given in an earlier check-up still open are not lost: they come along.
        earlier = await sql.carry_over(conn, checkup_id, _id(agreement))
        if earlier is not None:
            replaced.add(earlier)
    checkup = await sql.checkup(conn, chat_id, checkup_id)
    assert checkup is not None
    names = await partners.names(conn, chat_id)
    items = await sql.items(conn, checkup_id)
    messages = [part_message(wheel, names, checkup, items, part) for part in sorted(set(parts))]
    # The earlier messages say where their agreements went, and take no more marks for them.
    for earlier_id, part in sorted(replaced):
        shown = await progress.latest_message(conn, chat_id, *CheckupPart(earlier_id, part).pack())
        earlier_checkup = await sql.checkup(conn, chat_id, earlier_id)
        if shown is None or earlier_checkup is None:
            continue
        earlier_items = await sql.items(conn, earlier_id)
        messages.append(
            part_message(wheel, names, earlier_checkup, earlier_items, part, edit=shown)
        )
    return messages


def _id(agreement: Agreement | DueAgreement) -> int:
    return agreement.id if isinstance(agreement, Agreement) else agreement.agreement_id


def part_message(
    wheel: Wheel,
    names: dict[int, str],
    checkup: Checkup,
    items: list[Item],
    part: int,
    *,
    edit: int | None = None,
) -> Reply:
    """One message of a check-up: its agreements, what is known of their marks, and a row of
    buttons for each agreement still to mark."""
    mine = [item for item in items if item.part == part]
    paragraphs: list[Msg | Joined] = []
    if part == 0:
        day = _day(checkup.day)
        if checkup.kind == "due":
            paragraphs.append(
                plural_msg(
                    "⏰ <b>Check-up</b> of {date}: {n} agreement has reached its check-up date. "
                    "Is it kept?",
                    "⏰ <b>Check-up</b> of {date}: {n} agreements have reached their check-up "
                    "date. Are they kept?",
                    len(items),
                    date=day,
                )
            )
        else:
            paragraphs.append(
                plural_msg(
                    "<b>Check-up</b> of {date}: is your agreement kept?",
                    "<b>Check-up</b> of {date}: are your {n} agreements kept?",
                    len(items),
                    date=day,
                )
            )
        paragraphs.append(
            msg(
                "Each organisation marks each agreement with the buttons. I keep a mark hidden "
                "until both organisations have marked that agreement; until then a colleague "
                "can still change their organisation's mark."
            )
        )
    rows: list[tuple[Button, ...]] = []
    for item in mine:
        title = msg(
            "{n}. <i>{topic}</i>: “{text}”",
            n=item.position,
            topic=wheel_text(wheel.topic(item.topic_id).name),
            text=_quote(item.text),
        )
        paragraphs.append(lines(title, _status(names, item)))
        if not item.completed and not item.replaced and item.status == "confirmed":
            rows.append(
                tuple(
                    Button(
                        _mark_button(mark, item.position),
                        MarkCheckup(checkup.id, item.agreement_id, mark).pack(),
                    )
                    for mark in CHECKUP_MARKS
                )
            )
    return Reply(
        parts=tuple(paragraphs),
        buttons=tuple(rows),
        remember=CheckupPart(checkup.id, part).pack(),
        edit=edit,
    )


def _status(names: dict[int, str], item: Item) -> Msg:
    if item.completed and len(item.marks) == 2:
        return msg("    {marks}", marks=both_marks(names, item.marks))
    if item.status != "confirmed":
        return msg("    No longer an agreement: nothing to mark.")
    if item.replaced:
        return msg("    In a newer check-up now, with the marks given here: mark it there.")
    if len(item.marks) == 1:
        (slot,) = item.marks
        return msg(
            "    Marked by {first}; waiting for {second}.",
            first=names.get(slot, ""),
            second=names.get(3 - slot, ""),
        )
    return msg("    Not marked yet.")


# -- posting -------------------------------------------------------------------------------------


async def post_due(
    conn: Tx, wheel: Wheel, now: dt.datetime, chat_ids: Collection[int] | None = None
) -> list[tuple[int, list[Reply]]]:
    """The job: for each group with agreements whose review date has come and that no check-up
    listed for that date yet, one check-up; returns each group's messages for the outbox (in
    this transaction). ``chat_ids``: only for these groups (a reminder brings its group's
    check-up along, ``bot/jobs/reminding.py``)."""
    stamp = now.isoformat(timespec="seconds")
    due = await sql.unposted_due(conn, stamp, POST_AT_ONCE, chat_ids)
    by_chat: dict[int, list[DueAgreement]] = {}
    for agreement in due:
        by_chat.setdefault(agreement.chat_id, []).append(agreement)
    posted = []
    for chat_id, found in by_chat.items():
        timezone = await _timezone(conn, chat_id)
        order = {topic.id: n for n, topic in enumerate(wheel.topics)}
        listed = sorted(
            (f for f in found if f.topic_id in order),
            key=lambda f: (order[f.topic_id], f.agreement_id),
        )
        if not listed:
            continue
        replies = await post(
            conn, wheel, chat_id, "due", local_day(now, timezone), None, stamp,
            [(f, f.review_due) for f in listed],
        )  # fmt: skip
        posted.append((chat_id, replies))
    return posted


async def _timezone(conn: Tx, chat_id: int) -> str:
    chat = await chats.get(conn, chat_id)
    return chat.timezone if chat is not None else "UTC"


async def checkup_command(turn: Turn, text: str) -> Result:
    """``/checkup``: a check-up of every agreement now; ``/checkup date <n> <date>`` moves a
    review date."""
    words = text.split()
    if words and words[0].casefold() in DATE_WORDS:
        return await change_date(turn, words[1:])
    member = await gate.member(turn, Action.CHECKUP, button=False, reply_to=turn.message_id)
    if isinstance(member, Result):
        return member
    assert turn.chat is not None  # a representative's group is set up
    timezone = turn.chat.timezone
    agreed = ordered(turn.wheel, await records.agreements(turn.conn, turn.chat_id))
    if not agreed:
        return Result(
            replies=(
                reply(
                    msg(
                        "There are no agreements to check yet. Once you have confirmed one, "
                        "/checkup lets you check together whether it is kept."
                    ),
                    reply_to=turn.message_id,
                ),
            )
        )
    dates = await sql.review_dates(turn.conn, turn.chat_id)
    listed: list[tuple[Agreement | DueAgreement, str | None]] = []
    for agreement in agreed:
        due = dates.get(agreement.id)
        # A date that has come is answered by this check-up: the job need not post it again.
        listed.append((agreement, due if due and is_due(due, turn.now, timezone) else None))
    replies = await post(
        turn.conn, turn.wheel, turn.chat_id, "asked", local_day(turn.now, timezone),
        member.user_id, turn.stamp, listed,
    )  # fmt: skip
    return Result(replies=tuple(replies))


def _date_help() -> Msg:
    return msg(
        "To change when an agreement is checked, write /checkup date, its number in "
        "/agreements and the date, for example <code>/checkup date 2 1 June 2027</code> or "
        "<code>/checkup date 2 in 6 months</code>."
    )


async def change_date(turn: Turn, words: list[str]) -> Result:
    """``/checkup date <n> <date>``: move agreement n's review date."""
    message_id = turn.message_id
    member = await gate.member(turn, Action.CHECKUP_DATE, button=False, reply_to=message_id)
    if isinstance(member, Result):
        return member
    assert turn.chat is not None
    agreed = ordered(turn.wheel, await records.agreements(turn.conn, turn.chat_id))
    if not words or not words[0].isascii() or not words[0].isdigit():
        return Result(replies=(reply(_date_help(), reply_to=message_id),))
    number = int(words[0])
    if not 1 <= number <= len(agreed):
        problem = plural_msg(
            "There is no agreement {number}: you have {n} agreement (see /agreements).",
            "There is no agreement {number}: you have {n} agreements (see /agreements).",
            len(agreed),
            number=number,
        )
        return Result(replies=(reply(problem, reply_to=message_id),))
    agreement = agreed[number - 1]
    when = " ".join(words[1:])
    found = parse_moment(when, now=turn.now, zone=zone_or_utc(turn.chat.timezone))
    if isinstance(found, Refusal):
        return Result(
            replies=(reply(date_refusal(found, when), _date_help(), reply_to=message_id),)
        )
    day = found.local.date()
    await sql.set_review_due(turn.conn, agreement.id, day.isoformat())
    return Result(
        replies=(
            reply(
                msg(
                    "Done: agreement {number} (“{text}”) will be checked on {date}. I'll post "
                    "the check-up that day.",
                    number=number,
                    text=_quote(agreement.text),
                    date=day,
                ),
                reply_to=message_id,
            ),
        )
    )


def date_refusal(kind: Refusal, text: str) -> Msg:
    if kind is Refusal.PAST:
        return msg("That date has already passed. Please give a date in the future.")
    if kind is Refusal.TOO_FAR:
        return msg("That is more than two years ahead. Please choose a date within two years.")
    if kind is Refusal.EMPTY:
        return msg("Which date? Write it after the number.")
    return msg("I can't read “{text}” as a date.", text=_quote(text))


# -- a press --------------------------------------------------------------------------------------


async def mark(turn: Turn, checkup_id: int, agreement_id: int, given: str) -> Result:
    """Kept, Partly or Not kept: the organisation's mark, hidden until both have marked."""
    member = await gate.member(turn, Action.CHECKUP_MARK, button=True)
    if isinstance(member, Result):
        return member
    assert member.slot is not None
    conn, chat_id = turn.conn, turn.chat_id
    checkup = await sql.checkup(conn, chat_id, checkup_id)
    if checkup is None:
        return Result(
            notice=msg("This check-up is not one of this group's. Send /checkup for one."),
            alert=True,
        )
    items = await sql.items(conn, checkup_id)
    item = next((i for i in items if i.agreement_id == agreement_id), None)
    if item is None or not await _is_its_message(turn, checkup_id, item.part):
        return Result(notice=msg("That agreement is not part of this check-up."), alert=True)
    if item.replaced:
        return Result(
            notice=msg(
                "This agreement is in a newer check-up now, with the marks given here. Mark it "
                "there."
            ),
            alert=True,
        )
    if all(i.completed or i.status != "confirmed" for i in items):
        return Result(
            notice=msg(
                "This check-up is finished: both organisations have marked every agreement in "
                "it. Send /checkup for a new one."
            ),
            alert=True,
        )
    if item.completed:
        return Result(
            notice=msg("Both organisations have already marked this agreement."), alert=True
        )
    if item.status != "confirmed":
        return Result(notice=msg("This is no longer an agreement: there is nothing to mark."))
    names = await partners.names(conn, chat_id)
    await sql.mark(conn, checkup_id, agreement_id, member.slot, given, member.user_id, turn.stamp)
    marks = {**item.marks, member.slot: given}
    mine, other = names.get(member.slot, ""), names.get(3 - member.slot, "")
    replies: list[Reply] = []
    if len(marks) < 2:
        notice = msg(
            "Noted for {mine}: {mark}. Hidden until {other} has marked too.",
            mine=mine,
            mark=mark_word(given),
            other=other,
        )
    else:
        await sql.complete(conn, checkup_id, agreement_id, turn.stamp)
        await set_next_review(turn, agreement_id)
        notice = msg(
            "Noted for {mine}: {mark}. Both organisations have marked: the marks are shown now.",
            mine=mine,
            mark=mark_word(given),
        )
        if worst(marks) != "kept":
            # Written down as a facilitator would: the agreement's bare wording under "Still
            # open" would read as if the agreement itself were open.
            worded = turn.words(issue_text(worst(marks), item.text, _day(checkup.day)), item.text)
            issue_id = await records.raise_issue(
                conn, chat_id, item.topic_id, worded, member.user_id, turn.stamp
            )
            replies.append(
                issue_message(
                    turn.wheel, names, agreement_id, item.topic_id, item.text, marks,
                    _day(checkup.day), issue_id,
                )
            )  # fmt: skip
    if member.slot in item.marks and len(marks) < 2:
        # A colleague changed their organisation's mark: the message shows no more than before
        # (and Telegram refuses an edit that changes nothing).
        return Result(replies=tuple(replies), notice=notice)
    shown = part_message(
        turn.wheel, names, checkup, await sql.items(conn, checkup_id), item.part,
        edit=turn.message_id,
    )  # fmt: skip
    return Result(replies=(shown, *replies), notice=notice)


async def withdraw(turn: Turn, user_id: int, slot: int) -> list[Reply]:
    """Someone now represents ``slot``: their marks for the other organisation on agreements
    not yet marked by both no longer count (one person never marks for both). Returns the
    check-up messages as they read now."""
    conn, chat_id = turn.conn, turn.chat_id
    shown = await sql.withdraw_marks(conn, chat_id, user_id, slot)
    names = await partners.names(conn, chat_id)
    edits: list[Reply] = []
    for checkup_id, part in sorted(shown):
        checkup = await sql.checkup(conn, chat_id, checkup_id)
        target = await progress.latest_message(
            conn, chat_id, *CheckupPart(checkup_id, part).pack()
        )
        if checkup is None or target is None:
            continue
        items = await sql.items(conn, checkup_id)
        edits.append(part_message(turn.wheel, names, checkup, items, part, edit=target))
    return edits


async def _is_its_message(turn: Turn, checkup_id: int, part: int) -> bool:
    """Whether the message pressed is that part of that check-up: a forged press on another
    message must not turn it into a check-up."""
    remembered = await bot_messages.purpose(turn.conn, turn.chat_id, turn.message_id)
    shown = purposes.read(*remembered) if remembered is not None else None
    return shown == CheckupPart(checkup_id, part)


def issue_text(kept: str, text: str, day: dt.date) -> Msg:
    """The open issue a check-up writes down: the agreement (quoted: the agreement itself stays,
    and the open issue must fit the lists it goes into), how it was kept, the question."""
    text = _quote(text)
    if kept == "partly":
        return msg(
            "Partly kept at the check-up of {date}: “{text}”. What is needed?", text=text, date=day
        )
    return msg(
        "Not kept at the check-up of {date}: “{text}”. What is needed?", text=text, date=day
    )


def issue_message(
    wheel: Wheel,
    names: dict[int, str],
    agreement_id: int,
    topic_id: str,
    text: str,
    marks: dict[int, str],
    day: dt.date,
    issue_id: int,
) -> Reply:
    """The open issue a check-up opens when an agreement was partly or not kept: it quotes the
    agreement and asks what is needed, in one message."""
    kept = worst(marks)
    text = _quote(text)
    asked = (
        msg(
            "Agreement “{text}” was partly kept (check-up of {date}). What is needed?",
            text=text,
            date=day,
        )
        if kept == "partly"
        else msg(
            "Agreement “{text}” was not kept (check-up of {date}). What is needed?",
            text=text,
            date=day,
        )
    )
    return Reply(
        parts=(
            msg(
                "❓ <b>Open issue</b> on {topic}, from the check-up:",
                topic=wheel_text(wheel.topic(topic_id).name),
            ),
            asked,
            both_marks(names, marks),
        ),
        buttons=issue_buttons(agreement_id, issue_id),
        remember=CheckupIssue(agreement_id, issue_id).pack(),
    )


def issue_buttons(agreement_id: int, issue_id: int) -> tuple[tuple[Button, ...], ...]:
    """The buttons of a check-up's open issue: Still holds / Change / Drop for the agreement,
    and Resolved for the open issue once they have settled it."""
    # Imported here: agreement_review imports agreements, which imports this module to give a
    # confirmed agreement its review date.
    from bot.flows import agreement_review

    return (
        agreement_review.review_buttons(agreement_id),
        (Button(msg("Resolved"), Resolve(issue_id).pack()),),
    )
