"""Earlier agreements looked at again: *Still holds*, *Change* or *Drop* under each one.

*Still holds* needs one press from each organisation; a second press from the same organisation
changes nothing. One person never makes up both presses: switching sides withdraws one's presses
of checks still open (``withdraw``), and a press never completes a check with the presser's own. *Change* asks for new wording, which becomes a proposal the other organisation
confirms (``bot/flows/agreements.py`` and ``agreement_history.py``); *Drop* is such a proposal to
let the agreement lapse. The list with the buttons is one message, or several when long:
``earlier_agreements`` for a topic (for a revisited topic's card), ``listing`` for
``/agreements``; a press on Still holds edits the list it was pressed on. A list quotes each
agreement (``quote``) and holds about ``LIST_CHARS`` of them, so that it and every edit of it
stay one message with its buttons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.db import bot_messages, holds, partners, records
from bot.db.holds import Hold
from bot.db.records import Agreement
from bot.domain import purposes
from bot.domain.buttons import ChangeAgreement, DropAgreement, StillHolds
from bot.domain.history import moment
from bot.domain.permissions import Action
from bot.domain.purposes import AgreementReview, ChangePrompt
from bot.domain.rounds import quote
from bot.flows import checkups, gate
from bot.flows.agreement_history import events, history_lines, local_day
from bot.flows.agreements import proposal_message
from bot.flows.common import clean_text, set_up_chat, text_problem
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

#: Agreements in one list message: three buttons each (Telegram allows 100 a message).
LIST_AGREEMENTS = 20
#: About how many characters of agreements one list message holds, well within 4096: what is
#: added later (a press, a change waiting) still fits.
LIST_CHARS = 2800
#: How long one organisation's *Still holds* waits for the other's.
CHECK_LASTS = dt.timedelta(days=30)
#: The list of every topic's agreements (``/agreements``), as its purpose names it.
ALL = "all"


def review_buttons(agreement_id: int, number: int | None = None) -> tuple[Button, ...]:
    """Still holds / Change / Drop for one agreement, numbered in a list of several (as the
    buttons of ``/issues``: a row per agreement)."""
    if number is None:
        labels = (msg("Still holds"), msg("Change"), msg("Drop"))
    else:
        labels = (
            msg("{n} · Still holds", n=number),
            msg("{n} · Change", n=number),
            msg("{n} · Drop", n=number),
        )
    presses = (
        StillHolds(agreement_id),
        ChangeAgreement(agreement_id),
        DropAgreement(agreement_id),
    )
    return tuple(Button(label, press.pack()) for label, press in zip(labels, presses, strict=True))


@dataclass(frozen=True, slots=True)
class Held:
    """Where the check that an agreement still holds stands."""

    #: The organisations that said so since the last complete check, by slot.
    pending: dict[int, Hold]
    #: When the last complete check was completed (both organisations), as stored.
    completed: str | None


def held(rows: list[Hold], now: dt.datetime) -> Held:
    """Read the presses of one agreement, oldest first, into complete checks and the open one.

    A check is open for ``CHECK_LASTS``: a press nobody of the other organisation answered
    within it does not stand in the way of the next check, months later."""
    pending: dict[int, Hold] = {}
    completed = None
    for row in rows:
        pending = _fresh(pending, moment(row.held_at))
        # One person's presses for both organisations (before and after switching sides, as
        # stored before switching withdrew them) never make a check: the later one stands.
        pending = {s: h for s, h in pending.items() if h.user_id != row.user_id}
        pending[row.slot] = row
        if len(pending) == 2:
            completed, pending = row.held_at, {}
    return Held(_fresh(pending, now), completed)


def _fresh(pending: dict[int, Hold], now: dt.datetime) -> dict[int, Hold]:
    return {s: h for s, h in pending.items() if now - moment(h.held_at) <= CHECK_LASTS}


async def earlier_agreements(turn: Turn, topic_id: str) -> list[Reply]:
    """The topic's current agreements, each with Still holds / Change / Drop: one message, or
    several when long; none when the topic has none."""
    current = [
        a for a in await records.agreements(turn.conn, turn.chat_id) if a.topic_id == topic_id
    ]
    replies = []
    first = 1
    for chunk in await _chunks(turn, current):
        shown = AgreementReview(topic_id, first, tuple(a.id for a in chunk))
        replies.append(await _review(turn, shown))
        first += len(chunk)
    return replies


async def _chunks(turn: Turn, agreements: list[Agreement]) -> list[list[Agreement]]:
    """The agreements each list message holds: at most ``LIST_AGREEMENTS``, and about
    ``LIST_CHARS`` of what is shown of them (the quote, the notes, the history)."""
    chunks: list[list[Agreement]] = [[]]
    size = 0
    for a in agreements:
        found = await events(turn, a.id)
        cost = 250 + len(quote(a.text)) + sum(len(quote(e.text)) + 60 for e in found[:3])
        if chunks[-1] and (len(chunks[-1]) == LIST_AGREEMENTS or size + cost > LIST_CHARS):
            chunks.append([])
            size = 0
        chunks[-1].append(a)
        size += cost
    return [chunk for chunk in chunks if chunk]


async def listing(turn: Turn) -> Result:
    """``/agreements``: every current agreement, numbered, each with the three buttons."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    # Numbered as /checkup and /checkup date number them: by the wheel's topics, then oldest
    # first (by creation alone, an agreement made on coming back to an earlier topic would
    # have another number here than there).
    current = checkups.ordered(turn.wheel, await records.agreements(turn.conn, turn.chat_id))
    waiting = len(await records.agreements(turn.conn, turn.chat_id, "proposed"))
    waits = plural_msg(
        "{n} proposal waits for confirmation; /summary shows it.",
        "{n} proposals wait for confirmation; /summary shows them.",
        waiting,
    )
    if not current:
        none = msg(
            "No agreements yet. When you agree on something, send /agree followed by one "
            "sentence; the other partner then confirms it."
        )
        return Result(replies=(reply(none, waits) if waiting else reply(none),))
    chunks = await _chunks(turn, current)
    replies = []
    first = 1
    for index, chunk in enumerate(chunks):
        shown = AgreementReview(ALL, first, tuple(a.id for a in chunk))
        first += len(chunk)
        last = index == len(chunks) - 1
        replies.append(
            await _review(
                turn, shown, total=len(current), waiting=waits if last and waiting else None
            )
        )
    return Result(replies=tuple(replies))


async def _review(
    turn: Turn,
    shown: AgreementReview,
    *,
    edit: int | None = None,
    total: int = 0,
    waiting: Msg | None = None,
) -> Reply:
    """The list message ``shown`` as it is now: an agreement changed or dropped since stays,
    struck through and without buttons."""
    conn, chat_id, wheel = turn.conn, turn.chat_id, turn.wheel
    names = await partners.names(conn, chat_id)
    presses = await holds.of(conn, chat_id, shown.ids)
    several = len(shown.ids) > 1 or shown.topic == ALL
    items: list[Msg | Joined] = []  # each a line, or lines
    rows: list[tuple[Button, ...]] = []
    for number, agreement_id in enumerate(shown.ids, start=shown.first):
        a = await records.agreement(conn, chat_id, agreement_id)
        if a is None:
            continue
        topic = wheel_text(wheel.topic(a.topic_id).name)
        label: Msg
        text = quote(a.text)
        if shown.topic == ALL:
            label = msg("{number}. {topic}: “{text}”", number=number, topic=topic, text=text)
        elif several:
            label = msg("{number}. “{text}”", number=number, text=text)
        else:
            label = msg("“{text}”", text=text)
        if a.status != "confirmed":
            ended = (
                msg("Changed; /agreements shows the new wording.")
                if a.status == "changed"
                else msg("Dropped.")
            )
            items.append(lines(msg("<s>{line}</s>", line=label), msg("    {note}", note=ended)))
            continue
        state = held([p for p in presses if p.agreement_id == a.id], turn.now)
        found = await events(turn, a.id)
        waiting_review = await records.waiting_review(conn, chat_id, a.id)
        notes = [*_state(turn, names, state, waiting_review), *history_lines(turn, found)]
        items.append(lines(label, *(msg("    {note}", note=n) for n in notes)))
        if waiting_review is None:
            buttons = review_buttons(a.id, number if several else None)
            if _today(turn, state.completed):
                buttons = buttons[1:]  # both said so today: nothing left to press there
            rows.append(buttons)
    heading: Msg | None = None
    if shown.topic == ALL:
        if shown.first == 1:
            total = total or len(await records.agreements(conn, chat_id))
            heading = plural_msg("<b>{n} agreement</b>", "<b>{n} agreements</b>", total)
    else:
        heading = msg(
            "<b>Earlier agreements</b> on {topic}: do they still hold?",
            topic=wheel_text(wheel.topic(shown.topic).name),
        )
    how = msg(
        "“Still holds” needs a press from each organisation. “Change” and “Drop” are proposals "
        "the other organisation confirms."
    )
    # One paragraph, as /agreements always was: a line per agreement, its notes indented.
    parts: list[Msg | Joined] = [lines(*([heading] if heading else []), *items)]
    if rows:
        parts.append(how)
    if waiting is not None:
        parts.append(waiting)
    return Reply(parts=tuple(parts), buttons=tuple(rows), remember=shown.pack(), edit=edit)


def _state(turn: Turn, names: dict[int, str], state: Held, waiting: Agreement | None) -> list[Msg]:
    notes: list[Msg] = []
    if waiting is not None:
        notes.append(
            msg("⏳ A proposal to drop it waits for confirmation.")
            if waiting.lapse
            else msg("⏳ A change waits for confirmation: “{text}”", text=quote(waiting.text))
        )
    if state.completed is not None and not state.pending:
        notes.append(
            msg(
                "✓ Confirmed as still holding on {date} by {first} and {second}.",
                date=local_day(turn, moment(state.completed)),
                first=names.get(1, ""),
                second=names.get(2, ""),
            )
        )
    for slot, press in state.pending.items():
        notes.append(
            msg(
                "Still holds, says {partner} ({date}); waiting for {other}.",
                partner=names.get(slot, ""),
                date=local_day(turn, moment(press.held_at)),
                other=names.get(3 - slot, ""),
            )
        )
    return notes


def _today(turn: Turn, stamp: str | None) -> bool:
    return stamp is not None and local_day(turn, moment(stamp)) == local_day(turn, turn.now)


async def _current(turn: Turn, agreement_id: int, *, button: bool = True) -> Agreement | Result:
    """A current agreement of this group with no change or drop waiting, or the notice why
    nothing happens (an old button, another group's agreement, forged data)."""
    a = await records.agreement(turn.conn, turn.chat_id, agreement_id)
    why: Msg | None = None
    if a is None or a.status in ("proposed", "withdrawn"):
        why = msg("This is not a current agreement of this group.")
    elif a.status == "changed":
        why = msg("This agreement has been changed since. /agreements shows the current ones.")
    elif a.status == "dropped":
        why = msg("This agreement was dropped. /agreements shows the current ones.")
    else:
        waiting = await records.waiting_review(turn.conn, turn.chat_id, a.id)
        if waiting is not None:
            why = (
                msg("A proposal to drop this agreement is already waiting for confirmation.")
                if waiting.lapse
                else msg(
                    "A change to this agreement is already waiting for confirmation. Reply to "
                    "that proposal to word it differently."
                )
            )
    if why is not None:
        if button:
            return Result(notice=why, alert=True)
        return Result(replies=(reply(why, reply_to=turn.message_id),))
    assert a is not None
    return a


async def _list_pressed(turn: Turn) -> Reply | None:
    """The list the button was pressed on, as it is now; None when it was another message."""
    remembered = await bot_messages.purpose(turn.conn, turn.chat_id, turn.message_id)
    shown = purposes.read(*remembered) if remembered is not None else None
    if not isinstance(shown, AgreementReview):
        return None
    return await _review(turn, shown, edit=turn.message_id)


async def still_holds(turn: Turn, agreement_id: int) -> Result:
    """Still holds: one press from each organisation; the second completes the check."""
    member = await gate.member(turn, Action.STILL_HOLDS, button=True)
    if isinstance(member, Result):
        return member
    assert member.slot is not None
    a = await _current(turn, agreement_id)
    if isinstance(a, Result):
        return a
    conn, chat_id = turn.conn, turn.chat_id
    names = await partners.names(conn, chat_id)
    partner, other = names.get(member.slot, ""), names.get(3 - member.slot, "")
    state = held(await holds.of(conn, chat_id, (a.id,)), turn.now)
    if member.slot in state.pending:
        return Result(
            notice=msg(
                "{partner} already said it still holds; now it is up to {other}.",
                partner=partner,
                other=other,
            )
        )
    if not state.pending and _today(turn, state.completed):
        return Result(
            notice=msg("Both organisations already confirmed today that it still holds.")
        )
    await holds.add(conn, chat_id, a.id, member.slot, member.user_id, turn.stamp)
    both = any(h.user_id != member.user_id for h in state.pending.values())
    if both:  # checked together, as a check-up would: the next one is months away
        await checkups.set_next_review(turn, a.id)
    notice = (
        msg("Confirmed by both organisations: it still holds.")
        if both
        else msg("Noted for {partner}; now someone from {other}.", partner=partner, other=other)
    )
    edited = await _list_pressed(turn)
    if edited is not None:
        return Result(replies=(edited,), notice=notice)
    if not both:
        return Result(notice=notice)
    # Pressed under another message (a check-up): say it once, in a message of its own.
    done = reply(
        msg(
            "Both organisations confirmed on {date} that this agreement on {topic} still holds:",
            date=local_day(turn, turn.now),
            topic=wheel_text(turn.wheel.topic(a.topic_id).name),
        ),
        msg("“{text}”", text=a.text),
    )
    return Result(replies=(done,), notice=notice)


async def withdraw(turn: Turn, user_id: int, slot: int) -> int:
    """Someone now represents ``slot``: their presses for the other organisation in checks
    still open no longer count (they press again for ``slot`` if they mean it). Returns how
    many were withdrawn."""
    conn, chat_id = turn.conn, turn.chat_id
    gone: list[int] = []
    for agreement_id in await holds.pressed_by(conn, chat_id, user_id):
        state = held(await holds.of(conn, chat_id, (agreement_id,)), turn.now)
        gone.extend(
            h.id for h in state.pending.values() if h.user_id == user_id and h.slot != slot
        )
    await holds.remove(conn, gone)
    return len(gone)


def change_prompt(turn: Turn, a: Agreement) -> Reply:
    """Ask for the new wording of an agreement."""
    return Reply(
        parts=(
            msg(
                "How do you want to word this agreement on <b>{topic}</b> now? Reply to this "
                "message with the new wording.",
                topic=wheel_text(turn.wheel.topic(a.topic_id).name),
            ),
            msg("Now: “{text}”", text=a.text),
            msg("The other organisation then confirms the change."),
        ),
        force_reply=True,
        placeholder=msg("The new wording"),
        remember=ChangePrompt(a.id).pack(),
    )


async def change(turn: Turn, agreement_id: int) -> Result:
    """Change: ask for the new wording."""
    member = await gate.member(turn, Action.CHANGE, button=True)
    if isinstance(member, Result):
        return member
    a = await _current(turn, agreement_id)
    if isinstance(a, Result):
        return a
    return Result(replies=(change_prompt(turn, a),))


async def change_worded(turn: Turn, agreement_id: int, text: str | None) -> Result:
    """A reply with the new wording: it becomes a proposal the other organisation confirms."""
    message_id = turn.message_id
    member = await gate.member(turn, Action.CHANGE, button=False, reply_to=message_id)
    if isinstance(member, Result):
        return member
    assert member.slot is not None
    a = await _current(turn, agreement_id, button=False)
    if isinstance(a, Result):
        return a
    problem = text_problem(text)
    if problem is not None:
        return Result(replies=(reply(problem, reply_to=message_id), change_prompt(turn, a)))
    return await _propose(
        turn, a, clean_text(text) or "", member.user_id, member.slot, lapse=False
    )


async def drop(turn: Turn, agreement_id: int) -> Result:
    """Drop: a proposal to let the agreement lapse, for the other organisation to confirm."""
    member = await gate.member(turn, Action.DROP, button=True)
    if isinstance(member, Result):
        return member
    assert member.slot is not None
    a = await _current(turn, agreement_id)
    if isinstance(a, Result):
        return a
    proposed = await _propose(turn, a, a.text, member.user_id, member.slot, lapse=True)
    edited = await _list_pressed(turn)
    if edited is None:
        return proposed
    return Result(replies=(*proposed.replies, edited))


async def _propose(
    turn: Turn, a: Agreement, text: str, user_id: int, slot: int, *, lapse: bool
) -> Result:
    conn, chat_id = turn.conn, turn.chat_id
    proposal_id = await records.propose_review(
        conn, a, text, user_id, slot, turn.stamp, lapse=lapse
    )
    proposal = await records.agreement(conn, chat_id, proposal_id)
    assert proposal is not None
    names = await partners.names(conn, chat_id)
    return Result(replies=(proposal_message(turn.wheel, names, proposal),))
