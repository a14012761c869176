"""Facilitators: people who steer the session and represent neither partner.

The person who set the group up (or an administrator) names them: ``/facilitator`` in reply to a
message of theirs, or they name themselves with *Facilitate* under who represents whom (the usual
case: a consultant sets up the group for two partners). A facilitator may do what the permission
table gives ``Who.STEER`` (stage, skip, back, next topic, reminders, check-ups, position checks,
action items) and never answers, proposes, confirms or rates (``gate.member`` refuses them the
other rules). ``/facilitator`` on its own lists them, each with a button to end the role.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import partners
from bot.domain.buttons import EndFacilitator
from bot.domain.permissions import Action
from bot.domain.purposes import FacilitatorList
from bot.flows import board, gate, setup
from bot.flows.common import facilitated_by, refuse, set_up_chat
from bot.flows.turn import Turn
from bot.render.messages import Button, Msg, Reply, Result, msg, reply


@dataclass(frozen=True, slots=True)
class Named:
    """The author of the message ``/facilitator`` replied to."""

    #: None: nobody we can tell apart (an anonymous administrator, a channel).
    user_id: int | None
    name: str
    is_bot: bool = False


def _what_it_means() -> Msg:
    return msg(
        "A facilitator steers the session – the stage, skipping, going back, the next topic, "
        "reminders, check-ups, position checks and action items – and represents neither "
        "partner: a facilitator does not answer, propose, confirm or rate."
    )


async def listing(turn: Turn, *, edit: int | None = None) -> Reply:
    """Who facilitates, what that means, how to name someone, and a button to end each role."""
    found = await partners.facilitators(turn.conn, turn.chat_id)
    head = (
        facilitated_by([m.name for m in found])
        if found
        else msg("Nobody facilitates this group yet.")
    )
    return reply(
        head,
        _what_it_means(),
        msg("To name someone, reply to a message of theirs with /facilitator."),
        buttons=tuple(
            (Button(msg("End {name}'s role", name=m.name), EndFacilitator(m.user_id).pack()),)
            for m in found
        ),
        # Only a list with buttons needs its purpose (an empty tuple would not read back).
        remember=FacilitatorList(tuple(m.user_id for m in found)).pack() if found else None,
        edit=edit,
    )


async def facilitator_command(turn: Turn, named: Named | None) -> Result:
    """``/facilitator``: in reply to someone's message, name them; on its own, the list."""
    message_id = turn.message_id
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    refused = await gate.check(
        turn, Action.FACILITATOR, button=False, reply_to=message_id, chat=chat
    )
    if refused is not None:
        return refused
    if named is None:
        return Result(replies=(await listing(turn),))
    if named.user_id is None:
        return refuse(
            msg(
                "I can't tell who wrote that message: it was sent anonymously or as a channel. "
                "Reply to a message the person wrote as themselves."
            ),
            button=False,
            reply_to=message_id,
        )
    if named.is_bot:
        return refuse(
            msg(
                "Reply with /facilitator to a message of the person you want to name, not to "
                "a bot's."
            ),
            button=False,
            reply_to=message_id,
        )
    conn, chat_id = turn.conn, turn.chat_id
    found = await partners.member(conn, chat_id, named.user_id)
    if found is not None and found.facilitator:
        said = msg("{name} already facilitates this group.", name=found.name)
        return Result(replies=(reply(said, reply_to=message_id),))
    if found is not None and found.slot is not None:
        names = await partners.names(conn, chat_id)
        return refuse(
            msg(
                "{name} represents {partner}, and a facilitator represents neither partner.",
                name=found.name,
                partner=names.get(found.slot, ""),
            ),
            button=False,
            reply_to=message_id,
        )
    await partners.name_facilitator(conn, chat_id, named.user_id, named.name, turn.stamp)
    said = msg("<b>{name}</b> facilitates this group from now on.", name=named.name)
    return Result(
        replies=(reply(said, _what_it_means(), reply_to=message_id), *await board.card_again(turn))
    )


async def facilitate(turn: Turn) -> Result:
    """*Facilitate* under who represents whom: the presser facilitates (the person who set the
    group up, or an administrator)."""
    chat = set_up_chat(turn, button=True)
    if isinstance(chat, Result):
        return chat
    refused = await gate.check(turn, Action.FACILITATOR, button=True, chat=chat)
    if refused is not None:
        return refused
    actor, conn, chat_id = turn.actor, turn.conn, turn.chat_id
    assert actor.user_id is not None  # the gate refuses who cannot be told apart
    found = await partners.member(conn, chat_id, actor.user_id)
    if found is not None and found.facilitator:
        return Result(notice=msg("You already facilitate this group."))
    if found is not None and found.slot is not None:
        names = await partners.names(conn, chat_id)
        return Result(
            notice=msg(
                "You represent {partner}, and a facilitator represents neither partner.",
                partner=names.get(found.slot, ""),
            ),
            alert=True,
        )
    await partners.name_facilitator(conn, chat_id, actor.user_id, actor.name, turn.stamp)
    return Result(
        replies=(
            await setup.sides_message(turn, edit=turn.message_id),
            *await board.card_again(turn),
        ),
        notice=msg("You facilitate this group now."),
    )


async def end_role(turn: Turn, user_id: int) -> Result:
    """A button of ``/facilitator``'s list: that person no longer facilitates."""
    chat = set_up_chat(turn, button=True)
    if isinstance(chat, Result):
        return chat
    refused = await gate.check(turn, Action.FACILITATOR, button=True, chat=chat)
    if refused is not None:
        return refused
    conn, chat_id = turn.conn, turn.chat_id
    # The route let the press through only on a list that shows this person.
    found = await partners.member(conn, chat_id, user_id)
    if found is None or not await partners.end_facilitator(conn, chat_id, user_id):
        return Result(
            replies=(await listing(turn, edit=turn.message_id),),
            notice=msg("That person no longer facilitates."),
        )
    return Result(
        replies=(await listing(turn, edit=turn.message_id), *await board.card_again(turn)),
        notice=msg("{name} no longer facilitates.", name=found.name),
    )
