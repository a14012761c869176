"""Action items: an open issue that one organisation, or both, picks up by a date.

An open issue becomes an action item in two steps, on one message that is edited as people
choose (``walk``): who picks it up (a button per organisation, and *Both*), then by when (*In 2
weeks*, *In 1 month*, *In 3 months*). ``/action <n> <owner> <date>`` does both at once, with any
date ``/remind`` reads. The message comes at the end of a stage for the stage's open issues
(``stage_walk``), and for one open issue from its button in ``/issues`` or from ``/action <n>``.

On its date (10:00 in the group's zone unless a time was given) the job posts the action item's
reminder, naming the owner and their representatives (``due_replies``, ``bot/jobs/following.py``):
*Done*, *Not feasible* or *Remind us in a week*. Done leaves the open issue to be resolved (the
reminder then offers *Resolved*); not feasible leaves it open, without an owner, to be picked up
another way.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping

from bot.db import actions as sql
from bot.db import bot_messages, chats, partners, records
from bot.db.actions import BOTH, ActionItem, DueItem
from bot.db.partners import Member
from bot.db.records import OpenIssue
from bot.db.reminders import zone_or_utc
from bot.db.tx import Tx
from bot.domain import purposes
from bot.domain.buttons import ACTION_SPANS, ActionOwner, ActionStatus, ActionWhen, Resolve
from bot.domain.moments import DEFAULT_TIME, Refusal, parse_moment
from bot.domain.permissions import Action
from bot.domain.purposes import ActionDue, ActionWalk
from bot.domain.wheel import Wheel
from bot.flows import gate
from bot.flows.checkups import date_refusal
from bot.flows.common import set_up_chat, shown_name
from bot.flows.turn import Turn
from bot.render.messages import (
    Arg,
    Button,
    Joined,
    Msg,
    Reply,
    Result,
    WallTime,
    lines,
    listing,
    msg,
    plural_msg,
    reply,
    wheel_text,
)

#: A walk carries at most this many open issues (a row of three buttons each); the end of a
#: stage with more says how to pick up the rest.
WALK_AT_MOST = 10
#: How much of an open issue a walk or a reminder quotes.
QUOTE_AT_MOST = 280
#: A reminder sent this long after its moment says it comes late (as a stage's reminder does).
LATE_AFTER = dt.timedelta(minutes=10)
#: At most this many action items are claimed in one look; the rest follow in the next.
CLAIM_AT_ONCE = 50
#: What people may write for both organisations after ``/action <n>``, in both languages.
BOTH_WORDS = ("both", "together", "beide", "allebei", "samen")
#: Days a *Remind us in a week* moves an action item.
SNOOZE_DAYS = 7


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_AT_MOST else text[: QUOTE_AT_MOST - 1] + "…"


# -- words ----------------------------------------------------------------------------------------


def owner_name(names: Mapping[int, str], owner: int) -> Msg | str:
    """The organisation that picks it up, or both together."""
    if owner == BOTH:
        return msg("{first} and {second}", first=names.get(1, ""), second=names.get(2, ""))
    return names.get(owner, "")


def action_line(names: Mapping[int, str], owner: int, due: dt.date | None, status: str) -> Msg:
    """An action item in one line, under its open issue (``/issues``, ``/summary``, the
    export)."""
    who = owner_name(names, owner)
    if due is None:
        return msg("→ Who picks it up: {owner}; the date is still to be chosen.", owner=who)
    if status == "done":
        return msg("→ Action item of {owner}, by {date}: done.", owner=who, date=due)
    if status == "not-feasible":
        return msg("→ Action item of {owner}, by {date}: not feasible.", owner=who, date=due)
    return msg("→ Action item: {owner}, by {date}.", owner=who, date=due)


def item_line(names: Mapping[int, str], item: ActionItem, timezone: str) -> Msg:
    local = item.local(timezone)
    return action_line(names, item.owner, local.date() if local else None, item.status)


def _owner_people(names: Mapping[int, str], members: list[Member], owner: int) -> Msg | str:
    """The owner with the people who represent it: "Van Dam (David, Erik)"."""

    def one(slot: int) -> Msg | str:
        people = [m.name for m in members if m.slot == slot]
        if not people:
            return names.get(slot, "")
        return msg("{partner} ({people})", partner=names.get(slot, ""), people=listing(*people))

    if owner == BOTH:
        return msg("{first} and {second}", first=one(1), second=one(2))
    return one(owner)


def _span_label(span: str) -> Msg:
    if span == "2w":
        return plural_msg("In {n} week", "In {n} weeks", 2)
    if span == "1m":
        return plural_msg("In {n} month", "In {n} months", 1)
    return plural_msg("In {n} month", "In {n} months", 3)


def _after(day: dt.date, span: str) -> dt.date:
    if span == "2w":
        return day + dt.timedelta(days=14)
    # Imported here: reminders imports the session, which asks this module for a stage's walk.
    from bot.flows.reminders import add_months

    return add_months(day, 1 if span == "1m" else 3)


# -- the message that asks who picks up what, and by when -----------------------------------------


async def walk(turn: Turn, ids: tuple[int, ...], *, edit: int | None = None) -> Reply:
    """The open issues ``ids``, each with what is chosen and the buttons for the next choice."""
    conn, chat_id, wheel = turn.conn, turn.chat_id, turn.wheel
    names = await partners.names(conn, chat_id)
    timezone = turn.chat.timezone if turn.chat is not None else turn.where.timezone
    numbers = {issue.id: n for n, issue in enumerate(await records.issues(conn, chat_id), 1)}
    items = await sql.of_chat(conn, chat_id)
    paragraphs: list[Msg | Joined] = [
        msg("<b>Who picks up what, and by when?</b>"),
        msg(
            "An open issue becomes an action item once one of your organisations, or both, "
            "picks it up by a date. On that day I remind you, naming who took it on."
        ),
    ]
    rows: list[tuple[Button, ...]] = []
    example: int | None = None
    for issue_id in ids:
        issue = await records.issue(conn, chat_id, issue_id)
        if issue is None:
            continue
        topic = wheel_text(wheel.topic(issue.topic_id).name)
        number = numbers.get(issue_id)
        if issue.status != "open" or number is None:
            paragraphs.append(
                msg("<s>{topic}: “{text}”</s> – resolved", topic=topic, text=_quote(issue.text))
            )
            continue
        title = msg(
            "{n}. <i>{topic}</i>: “{text}”", n=number, topic=topic, text=_quote(issue.text)
        )
        item = items.get(issue_id)
        if item is None or (item.status == "not-feasible" and item.dated):
            paragraphs.append(title)
            rows.append(
                (
                    *(
                        Button(msg("{n} · {owner}", n=number, owner=names.get(owner, "")),
                               ActionOwner(issue_id, owner).pack())
                        for owner in (1, 2)
                    ),
                    Button(msg("{n} · Both", n=number), ActionOwner(issue_id, BOTH).pack()),
                )
            )  # fmt: skip
            example = number if example is None else example
        elif not item.dated:
            paragraphs.append(
                lines(
                    title,
                    msg("→ {owner}: by when?", owner=owner_name(names, item.owner)),
                )
            )
            rows.append(
                tuple(
                    Button(msg("{n} · {when}", n=number, when=_span_label(span)),
                           ActionWhen(issue_id, span).pack())
                    for span in ACTION_SPANS
                )
            )  # fmt: skip
            example = number if example is None else example
        else:
            paragraphs.append(lines(title, item_line(names, item, timezone)))
    if example is not None:
        paragraphs.append(
            msg(
                "Another date, or another owner later: <code>/action {n} {partner} 1 June "
                "2027</code>.",
                n=example,
                partner=names.get(1, ""),
            )
        )
    return Reply(
        parts=tuple(paragraphs),
        buttons=tuple(rows),
        remember=ActionWalk(ids).pack(),
        edit=edit,
    )


def needs_owner(item: ActionItem | None) -> bool:
    """Whether an open issue still waits for someone to pick it up."""
    return item is None or not item.dated or item.status == "not-feasible"


async def stage_walk(turn: Turn, stage_id: str) -> Reply | None:
    """The end of a stage: its open issues that nobody has picked up yet, to choose who does and
    by when (one message); None when there are none."""
    conn, chat_id = turn.conn, turn.chat_id
    in_stage = {t.id for t in turn.wheel.stage_topics(stage_id)}
    items = await sql.of_chat(conn, chat_id)
    waiting = [
        issue.id
        for issue in await records.issues(conn, chat_id)
        if issue.topic_id in in_stage and needs_owner(items.get(issue.id))
    ]
    if not waiting:
        return None
    found = await walk(turn, tuple(waiting[:WALK_AT_MOST]))
    if len(waiting) > WALK_AT_MOST:
        rest = plural_msg(
            "… and {n} more: /issues lists them all, each with its button.",
            "… and {n} more: /issues lists them all, each with its button.",
            len(waiting) - WALK_AT_MOST,
        )
        found = Reply(
            parts=(*found.parts, rest),
            buttons=found.buttons,
            remember=found.remember,
        )
    return found


async def _open_issue(turn: Turn, issue_id: int) -> OpenIssue | Result:
    issue = await records.issue(turn.conn, turn.chat_id, issue_id)
    if issue is None or issue.status != "open":
        return Result(notice=msg("This open issue has already been dealt with."), alert=True)
    return issue


async def _on_its_walk(turn: Turn, issue_id: int) -> ActionWalk | None:
    """The walk pressed, when the press is on a walk that holds this open issue: a forged press
    on another message must not turn that message into a walk."""
    remembered = await bot_messages.purpose(turn.conn, turn.chat_id, turn.message_id)
    shown = purposes.read(*remembered) if remembered is not None else None
    if isinstance(shown, ActionWalk) and issue_id in shown.ids:
        return shown
    return None


async def make_action(turn: Turn, issue_id: int) -> Result:
    """The action item button of an open issue in ``/issues``: the question for that issue."""
    member = await gate.member(turn, Action.ACTION, button=True)
    if isinstance(member, Result):
        return member
    issue = await _open_issue(turn, issue_id)
    if isinstance(issue, Result):
        return issue
    return Result(replies=(await walk(turn, (issue_id,)),))


async def choose_owner(turn: Turn, issue_id: int, owner: int) -> Result:
    """An owner button of a walk: who picks the open issue up; next, by when."""
    member = await gate.member(turn, Action.ACTION, button=True)
    if isinstance(member, Result):
        return member
    issue = await _open_issue(turn, issue_id)
    if isinstance(issue, Result):
        return issue
    shown = await _on_its_walk(turn, issue_id)
    if shown is None:
        return Result(notice=msg("That open issue is not part of this message."), alert=True)
    await sql.choose_owner(turn.conn, turn.chat_id, issue_id, owner, member.user_id, turn.stamp)
    names = await partners.names(turn.conn, turn.chat_id)
    return Result(
        replies=(await walk(turn, shown.ids, edit=turn.message_id),),
        notice=msg("Who picks it up: {owner}. By when?", owner=owner_name(names, owner)),
    )


async def choose_when(turn: Turn, issue_id: int, span: str) -> Result:
    """A date button of a walk: the open issue is an action item now, its reminder set."""
    member = await gate.member(turn, Action.ACTION, button=True)
    if isinstance(member, Result):
        return member
    issue = await _open_issue(turn, issue_id)
    if isinstance(issue, Result):
        return issue
    shown = await _on_its_walk(turn, issue_id)
    item = await sql.get(turn.conn, turn.chat_id, issue_id)
    if shown is None or item is None:
        return Result(notice=msg("That open issue is not part of this message."), alert=True)
    chat = turn.chat
    assert chat is not None  # a member's group is set up
    zone = zone_or_utc(chat.timezone)
    day = _after(turn.now.astimezone(zone).date(), span)
    local = dt.datetime.combine(day, DEFAULT_TIME, tzinfo=zone)
    await sql.set_due(
        turn.conn, turn.chat_id, issue_id, item.owner, local, member.user_id, turn.stamp
    )
    names = await partners.names(turn.conn, turn.chat_id)
    return Result(
        replies=(await walk(turn, shown.ids, edit=turn.message_id),),
        notice=msg(
            "Action item: {owner}, by {date}. I'll remind you that day.",
            owner=owner_name(names, item.owner),
            date=day,
        ),
    )


# -- /action ----------------------------------------------------------------------------------


def _help(names: Mapping[int, str]) -> Msg:
    return msg(
        "To make an open issue an action item, write /action, its number in /issues, who picks "
        "it up ({first}, {second} or both) and by when, for example <code>/action 2 {first} 1 "
        "June 2027</code> or <code>/action 2 both in 2 weeks</code>.",
        first=names.get(1, ""),
        second=names.get(2, ""),
    )


def split_owner(text: str, names: Mapping[int, str]) -> tuple[int | None, str]:
    """(owner, the rest) of what follows the number: an organisation's name or a word for both
    at the start, case-insensitively; (None, text) when it starts with neither."""
    written = unicodedata.normalize("NFC", text).strip()
    candidates = [(name, slot) for slot, name in names.items()]
    candidates += [(word, BOTH) for word in BOTH_WORDS]
    # The longest first: "Van Dam Bakery" is not "Van Dam" followed by a date.
    for word, owner in sorted(candidates, key=lambda c: -len(c[0])):
        size = len(word)
        head = written[:size]
        if head.casefold() == unicodedata.normalize("NFC", word).casefold() and (
            len(written) == size or written[size].isspace()
        ):
            return owner, written[size:].strip()
    return None, written


async def action_command(turn: Turn, text: str) -> Result:
    """``/action <n> [<owner> [<date>]]``: make open issue n an action item, or ask for what
    is missing."""
    message_id = turn.message_id
    member = await gate.member(turn, Action.ACTION, button=False, reply_to=message_id)
    if isinstance(member, Result):
        return member
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    conn, chat_id = turn.conn, turn.chat_id
    names = await partners.names(conn, chat_id)
    words = text.split(maxsplit=1)
    if not words or not words[0].isascii() or not words[0].isdigit():
        return Result(replies=(reply(_help(names), reply_to=message_id),))
    open_ = await records.issues(conn, chat_id)
    number = int(words[0])
    if not 1 <= number <= len(open_):
        problem = plural_msg(
            "There is no open issue {number}: you have {n} open issue (see /issues).",
            "There is no open issue {number}: you have {n} open issues (see /issues).",
            len(open_),
            number=number,
        )
        return Result(replies=(reply(problem, reply_to=message_id),))
    issue = open_[number - 1]
    rest = words[1] if len(words) > 1 else ""
    if not rest.strip():
        return Result(replies=(await walk(turn, (issue.id,)),))
    owner, when = split_owner(rest, names)
    if owner is None:
        problem = msg(
            "Who picks it up? “{text}” is neither {first}, {second} nor both.",
            text=_quote(rest.strip()),
            first=names.get(1, ""),
            second=names.get(2, ""),
        )
        return Result(replies=(reply(problem, _help(names), reply_to=message_id),))
    if not when:
        await sql.choose_owner(conn, chat_id, issue.id, owner, member.user_id, turn.stamp)
        return Result(replies=(await walk(turn, (issue.id,)),))
    found = parse_moment(when, now=turn.now, zone=zone_or_utc(chat.timezone))
    if isinstance(found, Refusal):
        return Result(
            replies=(reply(date_refusal(found, when), _help(names), reply_to=message_id),)
        )
    await sql.set_due(conn, chat_id, issue.id, owner, found.local, member.user_id, turn.stamp)
    said = msg(
        "Action item {number}: “{text}”. Who picks it up: <b>{owner}</b>, by {date}. I'll "
        "remind you on {when}.",
        number=number,
        owner=owner_name(names, owner),
        text=_quote(issue.text),
        date=found.local.date(),
        when=WallTime(found.local),
    )
    return Result(replies=(reply(said, reply_to=message_id),))


# -- the reminder on the day ----------------------------------------------------------------------


async def due_replies(conn: Tx, wheel: Wheel, now: dt.datetime) -> list[tuple[int, Reply]]:
    """The job: claim the action items due by ``now`` and return each group's reminders (for
    the outbox, in the same transaction)."""
    claimed = await sql.claim_due(conn, now.isoformat(timespec="seconds"), CLAIM_AT_ONCE)
    found = []
    for due in claimed:
        chat = await chats.get(conn, due.item.chat_id)
        assert chat is not None  # claim_due joins on chats
        found.append((chat.chat_id, await due_message(conn, wheel, chat, due, now)))
    return found


async def due_message(
    conn: Tx,
    wheel: Wheel,
    chat: chats.Chat,
    due: DueItem,
    now: dt.datetime,
    *,
    closing: tuple[Msg, ...] = (),
    buttons: tuple[tuple[Button, ...], ...] | None = None,
    edit: int | None = None,
) -> Reply:
    """An action item's reminder: the open issue, who took it on by when, and how it went; once
    answered, ``closing`` says how, with ``buttons`` in place of the three."""
    item = due.item
    names = await partners.names(conn, chat.chat_id)
    members = await partners.representatives(conn, chat.chat_id)
    local = item.local(chat.timezone)
    assert local is not None  # only a dated item is due
    parts: list[Msg | Joined] = [
        msg(
            "⏰ <b>Action item</b> on {topic}: “{text}”",
            topic=wheel_text(wheel.topic(due.topic_id).name),
            text=_quote(due.text),
        ),
        msg(
            "Who took it on: {owner}, by {date}. Has it happened?",
            owner=_owner_people(names, members, item.owner),
            date=local.date(),
        ),
    ]
    if not closing and now - local.astimezone(dt.UTC) > LATE_AFTER:
        parts.append(
            msg(
                "This reminder is late: it was due on {when}, when I was offline.",
                when=WallTime(local),
            )
        )
    if closing:
        # Its Resolved button still acts on this reminder (the routes check the purpose).
        kept = ActionDue(item.issue_id).pack() if buttons else None
        return Reply(parts=(*parts, *closing), buttons=buttons or (), remember=kept, edit=edit)
    issue_id = item.issue_id
    return Reply(
        parts=tuple(parts),
        buttons=(
            (
                Button(msg("Done"), ActionStatus(issue_id, "done").pack()),
                Button(msg("Not feasible"), ActionStatus(issue_id, "not-feasible").pack()),
            ),
            (Button(msg("Remind us in a week"), ActionStatus(issue_id, "week").pack()),),
        ),
        remember=ActionDue(issue_id).pack(),
        edit=edit,
    )


async def set_status(turn: Turn, issue_id: int, status: str) -> Result:
    """A button of an action item's reminder: done, not feasible, or a week later."""
    member = await gate.member(turn, Action.ACTION_STATUS, button=True)
    if isinstance(member, Result):
        return member
    conn, chat_id = turn.conn, turn.chat_id
    remembered = await bot_messages.purpose(conn, chat_id, turn.message_id)
    shown = purposes.read(*remembered) if remembered is not None else None
    item = await sql.get(conn, chat_id, issue_id)
    issue = await records.issue(conn, chat_id, issue_id)
    if shown != ActionDue(issue_id) or item is None or issue is None or not item.dated:
        return Result(notice=msg("That action item is not part of this message."), alert=True)
    if item.status != "open" or issue.status != "open":
        return Result(notice=msg("This action item has already been dealt with."), alert=True)
    chat = turn.chat
    assert chat is not None
    who: Arg = shown_name(member.name)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if status == "week":
        local = item.local(chat.timezone)
        assert local is not None
        later = max(local, turn.now.astimezone(local.tzinfo)) + dt.timedelta(days=SNOOZE_DAYS)
        later = dt.datetime.combine(later.date(), local.timetz())
        await sql.postpone(conn, issue_id, later)
        closing: tuple[Msg, ...] = (
            msg("{name} moved it a week: I'll remind you again on {when}.", name=who,
                when=WallTime(later)),
        )  # fmt: skip
        notice = msg("Moved a week.")
    elif status == "done":
        await sql.close(conn, issue_id, "done", member.user_id, turn.stamp)
        closing = (
            msg("✅ Done, says {name}.", name=who),
            msg("Is the open issue resolved now? Then tap Resolved; otherwise it stays open."),
        )
        buttons = ((Button(msg("Resolved"), Resolve(issue_id).pack()),),)
        notice = msg("Noted: done.")
    else:
        await sql.close(conn, issue_id, "not-feasible", member.user_id, turn.stamp)
        closing = (
            msg("Not feasible, says {name}.", name=who),
            msg(
                "The open issue stays open: /issues lists it, to pick it up another way or "
                "with another owner."
            ),
        )
        notice = msg("Noted: not feasible.")
    due = DueItem(item, issue.topic_id, issue.text)
    edited = await due_message(
        conn, turn.wheel, chat, due, turn.now, closing=closing, buttons=buttons,
        edit=turn.message_id,
    )  # fmt: skip
    return Result(replies=(edited,), notice=notice)
