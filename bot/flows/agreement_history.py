"""What changing or dropping an earlier agreement adds to the proposal flow of
``bot/flows/agreements.py``: how such a proposal reads, what its confirmation does to the
agreement it replaces, and an agreement's history as the bot's messages show it.

A change is an ordinary proposal whose ``replaces`` names the confirmed agreement it would
replace: once confirmed, that one becomes ``changed``. A drop is a proposal with ``lapse``:
once confirmed, both it and the agreement become ``dropped``. The history itself comes from one
function, ``bot.domain.history.history``.
"""

from __future__ import annotations

import datetime as dt

from bot.db import partners, records
from bot.db.partners import Member
from bot.db.records import Agreement
from bot.db.reminders import zone_or_utc
from bot.domain.history import Event, Step, history, versions
from bot.domain.rounds import quote
from bot.domain.wheel import Wheel
from bot.flows import board
from bot.flows.common import shown_name
from bot.flows.turn import Turn
from bot.render.messages import Msg, Reply, Result, msg, plural_msg, wheel_text

#: The steps of an agreement's history a message shows (a list shows it under every agreement).
HISTORY_SHOWN = 3
#: How much of an agreement a message about that one agreement quotes (the proposal itself
#: shows it whole: it is what the other organisation confirms); with the message around it,
#: it stays one message, so that an edit of it never becomes several.
WHOLE_QUOTE = 3000


def local_day(turn: Turn, moment: dt.datetime) -> dt.date:
    """The date of a moment in the group's time zone."""
    zone = zone_or_utc(turn.chat.timezone if turn.chat is not None else "UTC")
    return moment.astimezone(zone).date()


async def events(turn: Turn, agreement_id: int) -> tuple[Event, ...]:
    """The history of one of the turn's chat's agreements, newest first."""
    return history(agreement_id, versions(await records.versions(turn.conn, turn.chat_id)))


def history_lines(turn: Turn, found: tuple[Event, ...]) -> tuple[Msg, ...]:
    """An agreement's history, one line per step, newest first: the latest ``HISTORY_SHOWN``
    steps, each earlier wording quoted (the export has all of it, in full)."""
    shown = tuple(
        msg("Dropped on {date}.", date=local_day(turn, e.on))
        if e.step is Step.DROPPED
        else msg(
            "Changed on {date}; was: “{text}”", date=local_day(turn, e.on), text=quote(e.text)
        )
        for e in found[:HISTORY_SHOWN]
    )
    if len(found) <= HISTORY_SHOWN:
        return shown
    more = plural_msg(
        "… and {n} earlier change: the export has the whole history.",
        "… and {n} earlier changes: the export has the whole history.",
        len(found) - HISTORY_SHOWN,
    )
    return (*shown, more)


def proposal_parts(wheel: Wheel, names: dict[int, str], a: Agreement) -> tuple[Msg, ...] | None:
    """The text of a proposal to change or drop an earlier agreement; None for a new agreement."""
    if a.replaces is None:
        return None
    topic = wheel_text(wheel.topic(a.topic_id).name)
    name, partner = shown_name(a.proposer_name), names.get(a.proposer_slot, "")
    other = names.get(3 - a.proposer_slot, "")
    if a.lapse:
        return (
            msg(
                "<b>Proposal to drop</b> an agreement on {topic}, by {name} ({partner}):",
                topic=topic,
                name=name,
                partner=partner,
            ),
            msg("“{text}”", text=a.text),
            msg(
                "When someone from {other} confirms, it no longer counts as an agreement; its "
                "history is kept. “Not yet” keeps it as it is. {name} can withdraw the proposal.",
                other=other,
                name=name,
            ),
        )
    heading = (
        msg(
            "<b>Proposed change</b> to an agreement on {topic}, by {name} ({partner}):",
            topic=topic,
            name=name,
            partner=partner,
        )
        if a.revision == 0
        else msg(
            "<b>Proposed change</b> to an agreement on {topic}, now worded by {name} ({partner}):",
            topic=topic,
            name=name,
            partner=partner,
        )
    )
    return (
        heading,
        msg("“{text}”", text=a.text),
        msg("Instead of: “{text}”", text=quote(a.replaced_text or "")),
        msg(
            "Someone from {other} can confirm it, suggest different wording (reply to this "
            "message) or keep it as an open issue for now. {name} can withdraw it.",
            other=other,
            name=name,
        ),
    )


async def before_confirm(turn: Turn, proposal: Agreement, member: Member) -> Result | None:
    """Before a proposal is confirmed: None for a new agreement or a change that can go ahead;
    a notice when the agreement it would replace is no longer current; for a drop, the whole
    confirmation."""
    if proposal.replaces is None:
        return None
    if proposal.status == "dropped":
        return Result(notice=msg("This agreement was already dropped."))
    conn, chat_id = turn.conn, turn.chat_id
    earlier = await records.agreement(conn, chat_id, proposal.replaces)
    if earlier is None or earlier.status != "confirmed":
        return Result(
            notice=msg("The agreement this proposal is about is no longer current."), alert=True
        )
    if not proposal.lapse:
        return None
    await records.settle_lapse(conn, proposal.id, member.user_id, turn.stamp)
    await records.end(conn, earlier.id, "dropped", turn.stamp)
    names = await partners.names(conn, chat_id)
    found = await events(turn, earlier.id)
    dropped = Reply(
        parts=(
            msg(
                "<b>Agreement dropped</b> on {topic}:",
                topic=wheel_text(turn.wheel.topic(earlier.topic_id).name),
            ),
            msg("<s>“{text}”</s>", text=quote(earlier.text, WHOLE_QUOTE)),
            msg(
                "Proposed by {proposer} ({first}), confirmed by {confirmer} ({second}). It no "
                "longer counts as an agreement; /summary and the export keep its history.",
                proposer=shown_name(proposal.proposer_name),
                first=names.get(proposal.proposer_slot, ""),
                confirmer=member.name,
                second=names.get(3 - proposal.proposer_slot, ""),
            ),
            *history_lines(turn, found),
        ),
        edit=turn.message_id,
    )
    view = await board.answers_update(turn, earlier.topic_id)
    replies = (dropped,) if view is None else (dropped, view)
    return Result(replies=replies, notice=msg("Agreement dropped."))


async def after_confirm(turn: Turn, confirmed: Agreement) -> tuple[Msg, ...]:
    """After a change was confirmed: the agreement it replaces is ``changed``; the lines of
    history the confirmation shows (none for a new agreement)."""
    if confirmed.replaces is None:
        return ()
    await records.end(turn.conn, confirmed.replaces, "changed", turn.stamp)
    return history_lines(turn, await events(turn, confirmed.id))


async def keep_after_all(turn: Turn, proposal: Agreement, member: Member) -> Result:
    """“Not yet” on a proposal to drop an agreement: the agreement stays as it is."""
    await records.withdraw(turn.conn, proposal.id, turn.stamp)
    names = await partners.names(turn.conn, turn.chat_id)
    return Result(
        replies=(
            Reply(
                parts=(
                    msg(
                        "<b>Not dropped</b> – {name} ({partner}) keeps this agreement on "
                        "{topic}; it still holds:",
                        name=member.name,
                        partner=names.get(member.slot or 0, ""),
                        topic=wheel_text(turn.wheel.topic(proposal.topic_id).name),
                    ),
                    msg("“{text}”", text=quote(proposal.text, WHOLE_QUOTE)),
                ),
                edit=turn.message_id,
            ),
        ),
        notice=msg("The agreement still holds."),
    )
