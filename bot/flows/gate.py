"""The permission table applied: every flow that changes something asks here, naming its action,
whether the person may; the answer comes from ``bot.permissions.RULES`` and nowhere else.

``member`` is for the actions of representatives (it returns who acts, as a member), ``check``
for the others. A refusal is a ``Result`` to give the person: an alert on a button, a reply to
a message otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.db import chats, newcomers, partners, records
from bot.db.newcomers import Newcomer
from bot.db.partners import Member
from bot.db.records import Agreement
from bot.domain.permissions import RULES, Action, Who
from bot.flows.common import (
    anonymous,
    clean_text,
    no_topic,
    not_a_representative,
    not_set_up,
    refuse,
    shown_name,
    text_problem,
    topic_or_current,
)
from bot.flows.turn import Actor, AdminStatusNeeded, Turn
from bot.render.messages import Msg, Reply, Result, msg, reply

#: The rules ``member`` applies, and ``mover`` applies; ``check`` applies the others.
MEMBER_RULES = frozenset({Who.REPRESENTATIVE, Who.STEER, Who.OTHER_PARTNER, Who.NEGOTIATOR})
MOVER_RULES = frozenset({Who.MOVER})


@dataclass(frozen=True, slots=True)
class Mover:
    """Who presses to move on: a representative, whose press is their organisation's Ready,
    and/or a facilitator or the person who set up the group, whose press moves on at once."""

    #: Their organisation's representative (None: a facilitator or the person who set up the
    #: group, sideless).
    member: Member | None
    #: A facilitator, or the person who set up the group.
    at_once: bool


async def member(
    turn: Turn,
    action: Action,
    *,
    button: bool,
    reply_to: int | None = None,
    agreement: Agreement | None = None,
    group: chats.Chat | None = None,
) -> Member | Result:
    """The acting representative (or, for ``Who.STEER``, facilitator), when the table lets
    them do ``action``; else the refusal. A facilitator's ``slot`` is None.

    For the agreement rules, ``agreement`` is the proposal acted on. ``group`` is the group the
    action is for when the turn is in a private chat (a start deep link names it).
    """
    who = RULES[action]
    if who not in MEMBER_RULES:
        raise ValueError(f"{action} is for {who.name}: ask gate.check")
    if group is not None and who is not Who.REPRESENTATIVE:
        raise ValueError(f"{action} is decided in its group, not in a private chat")
    if group is not None:
        return await _representative_of(turn, group, button=button, reply_to=reply_to)
    found = await _representative(turn, button=button, reply_to=reply_to)
    if isinstance(found, Result):
        return found
    if found.facilitator:
        if who is Who.STEER:
            return found
        names = await partners.names(turn.conn, turn.chat_id)
        return refuse(facilitator_refusal(names), button=button, reply_to=reply_to)
    if who in (Who.REPRESENTATIVE, Who.STEER):
        return found
    if agreement is None:
        raise ValueError(f"{action} needs the agreement acted on")
    names = await partners.names(turn.conn, turn.chat_id)
    other = names.get(3 - agreement.proposer_slot, "")
    proposer = shown_name(agreement.proposer_name)
    if who is Who.NEGOTIATOR:
        if found.user_id == agreement.proposed_by or found.slot != agreement.proposer_slot:
            return found
        return refuse(
            msg(
                "Only {name} can reword this proposal; the other partner can answer it "
                "with other wording. To propose something else, use /agree.",
                name=proposer,
            ),
            button=button,
            reply_to=reply_to,
        )
    # Who.OTHER_PARTNER: never the proposer, also not after switching sides, and only someone
    # who represented the other partner when it was proposed (a side switch cannot sneak in).
    if found.slot == agreement.proposer_slot or found.user_id == agreement.proposed_by:
        refusal = (
            msg("“Not yet” is for {other}; {name} can withdraw the proposal.", other=other, name=proposer)
            if action is Action.NOT_YET
            else msg("An agreement needs both partners: someone from {other} confirms it.", other=other)
        )  # fmt: skip
        return refuse(refusal, button=button, reply_to=reply_to)
    if found.side_after_agreement >= agreement.id:
        return refuse(
            msg(
                "Only someone who already represented {other} when this was proposed can "
                "confirm it. {name} can withdraw it and propose it again.",
                other=names.get(found.slot or 0, ""),
                name=proposer,
            ),
            button=button,
            reply_to=reply_to,
        )
    return found


async def check(
    turn: Turn,
    action: Action,
    *,
    button: bool,
    reply_to: int | None = None,
    chat: chats.Chat | None = None,
    agreement: Agreement | None = None,
    side: int | None = None,
    newcomer: Newcomer | None = None,
) -> Result | None:
    """None when the table lets the turn's actor do ``action``; else the refusal to give.

    ``chat`` is the group (for MANAGER; the turn's chat when not given), ``agreement`` the
    proposal (for PROPOSER), ``side`` the partner chosen (for SIDE), ``newcomer`` the request
    to join an organisation (for COLLEAGUE and NEWCOMER; NEWCOMER is decided in the request's
    group, from a private chat).
    """
    actor = turn.actor
    who = RULES[action]
    if who in MEMBER_RULES:
        raise ValueError(f"{action} is for {who.name}: ask gate.member")
    if who in MOVER_RULES:
        raise ValueError(f"{action} is for {who.name}: ask gate.mover")
    if who is Who.ANYONE:
        return None
    if actor.user_id is None:
        return refuse(anonymous(), button=button, reply_to=reply_to)
    if who is Who.PERSON:
        return None
    if who is Who.MANAGER:
        chat = chat or turn.chat
        if chat is None:
            raise ValueError(f"{action} needs the chat")
        if may_manage(chat, actor):
            return None
        return refuse(manager_only(), button=button, reply_to=reply_to)
    if who in (Who.COLLEAGUE, Who.NEWCOMER):
        if newcomer is None:
            raise ValueError(f"{action} needs the newcomer's request")
        return await _newcomer_rule(turn, who, newcomer, button=button, reply_to=reply_to)
    if who is Who.PROPOSER:
        if agreement is None:
            raise ValueError(f"{action} needs the agreement acted on")
        if actor.user_id == agreement.proposed_by:
            return None
        return refuse(
            msg(
                "Only {name} can withdraw this proposal.", name=shown_name(agreement.proposer_name)
            ),
            button=button,
            reply_to=reply_to,
        )
    # Who.SIDE: anyone may take a side, but not leave a proposal of theirs behind on the other,
    # and a facilitator stays neither partner.
    assert actor.user_id is not None
    current = await partners.member(turn.conn, turn.chat_id, actor.user_id)
    if current is not None and current.facilitator:
        return refuse(
            msg(
                "You facilitate this group, so you represent neither partner. The person who "
                "set up the group can end that role with /facilitator."
            ),
            button=button,
            reply_to=reply_to,
        )
    if (
        current is not None
        and current.slot is not None
        and current.slot != side
        and await records.pending_by(turn.conn, turn.chat_id, actor.user_id)
    ):
        return refuse(
            msg(
                "You have a proposed agreement waiting for confirmation. Withdraw it first, "
                "then change sides."
            ),
            button=button,
            reply_to=reply_to,
        )
    return None


async def mover(turn: Turn, action: Action, *, button: bool) -> Mover | Result:
    """Who moves on (``Who.MOVER``): a representative, or a facilitator or the person who set
    up the group; else the refusal."""
    who = RULES[action]
    if who not in MOVER_RULES:
        raise ValueError(f"{action} is for {who.name}: ask gate.member or gate.check")
    actor, chat = turn.actor, turn.chat
    if actor.user_id is None:
        return refuse(anonymous(), button=button)
    if chat is None or not chat.partners_named:
        return refuse(not_set_up(), button=button)
    found = await partners.member(turn.conn, turn.chat_id, actor.user_id)
    representative = found if found is not None and found.slot is not None else None
    at_once = (chat.setup_by is not None and chat.setup_by == actor.user_id) or (
        found is not None and found.facilitator
    )
    if representative is None and not at_once:
        return refuse(await _not_a_representative(turn), button=button)
    return Mover(representative, at_once)


async def _newcomer_rule(
    turn: Turn, who: Who, newcomer: Newcomer, *, button: bool, reply_to: int | None
) -> Result | None:
    """COLLEAGUE: a representative of the organisation the newcomer asked to join, not the
    newcomer. NEWCOMER: the newcomer themselves, while they represent a partner of the group."""
    user_id = turn.actor.user_id
    assert user_id is not None
    names = await partners.names(turn.conn, newcomer.chat_id)
    partner = names.get(newcomer.slot, "")
    found = await partners.member(turn.conn, newcomer.chat_id, user_id)
    if who is Who.NEWCOMER:
        if user_id == newcomer.user_id and found is not None and found.slot is not None:
            return None
        if user_id == newcomer.user_id:
            said = msg(
                "You no longer represent a partner in this group, so the briefing is closed. "
                "Tap your organisation under /partners in the group; a colleague confirms you "
                "and you get a new briefing."
            )
        else:
            said = msg(
                "This briefing is for {name}, who joined {partner}. If you are new in the group "
                "too, tap your organisation under /partners there: once a colleague has "
                "confirmed you, you get a briefing of your own.",
                name=newcomer.name,
                partner=partner,
            )
        return refuse(said, button=button, reply_to=reply_to)
    if user_id == newcomer.user_id:
        return refuse(
            msg(
                "A colleague from {partner} confirms you: you can't confirm yourself.",
                partner=partner,
            ),
            button=button,
            reply_to=reply_to,
        )
    if found is not None and found.slot == newcomer.slot:
        return None
    return refuse(
        msg(
            "Only a colleague from {partner} can confirm {name}: someone who represents "
            "{partner} already.",
            partner=partner,
            name=newcomer.name,
        ),
        button=button,
        reply_to=reply_to,
    )


def may_manage(chat: chats.Chat, actor: Actor) -> bool:
    """The person who set up the group, or an administrator.

    Raises ``AdminStatusNeeded`` when only Telegram can tell and nobody has asked it yet; the
    person who set the group up is let in without asking.
    """
    if actor.user_id is not None and actor.user_id == chat.setup_by:
        return True
    if actor.is_admin is None:
        raise AdminStatusNeeded
    return actor.is_admin


def facilitator_refusal(names: dict[int, str]) -> Msg:
    """What a facilitator is told who tries to answer, propose, confirm or rate."""
    return msg(
        "You facilitate this group: answering, proposing, confirming and rating are for the "
        "representatives of {first} and {second}.",
        first=names.get(1, ""),
        second=names.get(2, ""),
    )


def manager_only() -> Msg:
    return msg("Only the person who set up this group, or an administrator, can do this.")


async def _representative(turn: Turn, *, button: bool, reply_to: int | None) -> Member | Result:
    """The actor as a registered representative or facilitator, or the refusal to give them."""
    if turn.actor.user_id is None:
        return refuse(anonymous(), button=button, reply_to=reply_to)
    if turn.chat is None or not turn.chat.partners_named:
        return refuse(not_set_up(), button=button, reply_to=reply_to)
    found = await partners.member(turn.conn, turn.chat_id, turn.actor.user_id)
    if found is not None and found.facilitator:
        return found
    if found is None or found.slot is None:
        return refuse(await _not_a_representative(turn), button=button, reply_to=reply_to)
    return found


async def _not_a_representative(turn: Turn) -> Msg:
    """Why the actor may not do what a representative does: they represent nobody (and how to
    join), or their request to join waits for a colleague."""
    names = await partners.names(turn.conn, turn.chat_id)
    user_id = turn.actor.user_id
    waiting = await newcomers.pending_of(turn.conn, turn.chat_id, user_id) if user_id else []
    if waiting:
        return msg(
            "A colleague from {partner} still has to confirm you; until then you follow along.",
            partner=names.get(waiting[-1].slot, ""),
        )
    return not_a_representative(names)


async def _representative_of(
    turn: Turn, group: chats.Chat, *, button: bool, reply_to: int | None
) -> Member | Result:
    """The actor of a turn in a private chat as a representative in ``group``, or the refusal,
    worded for the private chat: what to do in the group first."""
    if turn.actor.user_id is None:
        return refuse(anonymous(), button=button, reply_to=reply_to)
    names = await partners.names(turn.conn, group.chat_id)
    if not group.partners_named or len(names) != 2:
        return refuse(
            msg(
                "Your group is not set up (any more): the partner organisations have to be "
                "named first. Send /start there."
            ),
            button=button,
            reply_to=reply_to,
        )
    found = await partners.member(turn.conn, group.chat_id, turn.actor.user_id)
    if found is None or found.slot is None:
        return refuse(
            msg(
                "Only the representatives of {first} and {second} can answer here. If you work "
                "for one of them, send /partners in the group and tap your organisation, then "
                "open the link again.",
                first=names[1],
                second=names[2],
            ),
            button=button,
            reply_to=reply_to,
        )
    return found


async def ask_for_text(
    turn: Turn,
    action: Action,
    topic_id: str | None,
    prompt: Callable[[str], Reply],
    *,
    button: bool,
) -> Result:
    """A button or a bare command that needs text: post the prompt to reply to."""
    found = await member(turn, action, button=button)
    if isinstance(found, Result):
        return found
    topic_id = topic_or_current(turn, topic_id)
    if topic_id is None:
        return refuse(no_topic(), button=button)
    return Result(replies=(prompt(topic_id),))


async def text_for_topic(
    turn: Turn,
    action: Action,
    topic_id: str | None,
    text: str | None,
    prompt: Callable[[str], Reply],
) -> tuple[Member, str, str] | Result:
    """Check a message that records something on a topic: who, which topic, and usable text.

    Returns (member, topic id, cleaned text), or the refusal; bad text gets the prompt again.
    """
    message_id = turn.message_id
    found = await member(turn, action, button=False, reply_to=message_id)
    if isinstance(found, Result):
        return found
    topic_id = topic_or_current(turn, topic_id)
    if topic_id is None:
        return refuse(no_topic(), button=False, reply_to=message_id)
    problem = text_problem(text)
    if problem is not None:
        return Result(replies=(reply(problem, reply_to=message_id), prompt(topic_id)))
    return found, topic_id, clean_text(text) or ""
