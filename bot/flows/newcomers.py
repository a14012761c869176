"""Taking a side, and newcomers: nobody joins an organisation alone once the group has started.

During the set-up, and until the group has chosen its first stage, a tap on an organisation's
button under who represents whom makes the presser its representative at once: the people at
the table pick their sides together. Once the set-up is done and a stage has been chosen, a tap
on an organisation that already has a representative is a request (``bot/db/newcomers.py``): one
short message in the group says who would like to join which organisation, with *Confirm* and
*Not a colleague* for a colleague (``Who.COLLEAGUE``: a representative of that organisation;
never the newcomer, never a facilitator). Until then the newcomer represents nobody new: they
cannot answer, propose, confirm or rate for that organisation. Someone switching sides is a
newcomer on the other side, and keeps representing their own organisation until confirmed.

Confirmed, the request message is edited into one line with a *Read the briefing* button: a
start deep link (``links.kind = 'briefing'``) that only the newcomer opens, in a private chat
(``bot/flows/briefing.py``). A request is withdrawn when its newcomer leaves the group or taps
another organisation; ``/forgetme`` erases it.
"""

from __future__ import annotations

from bot.db import links, partners, records
from bot.db import newcomers as sql
from bot.db.newcomers import Newcomer
from bot.db.partners import Member
from bot.domain.buttons import AdmitNewcomer
from bot.domain.permissions import Action
from bot.domain.purposes import NewcomerRequest, Sides
from bot.flows import agreement_review, board, checkups, gate, position, session, setup
from bot.flows.common import not_set_up, refuse
from bot.flows.turn import Turn, known_chat
from bot.render.messages import Button, Msg, Reply, Result, msg, reply

#: What a newcomer's briefing link is called in the links table.
LINK_KIND = "briefing"


def needs_colleague(setup_step: str, stage: str | None, members: list[Member], slot: int) -> bool:
    """Whether a tap on ``slot`` is a request: the group has started (set-up done, a stage
    chosen) and the organisation already has a representative."""
    return setup_step == "done" and stage is not None and any(m.slot == slot for m in members)


async def choose_side(turn: Turn, slot: int) -> Result:
    """A press on a partner's button: the presser represents that partner from now on, or, once
    the group has started and the partner has a representative, asks a colleague to confirm."""
    refused = await gate.check(turn, Action.SIDE, button=True, side=slot)
    if refused is not None:
        return refused
    actor, conn, chat_id = turn.actor, turn.conn, turn.chat_id
    assert actor.user_id is not None
    chat = await known_chat(turn)
    names = await partners.names(conn, chat_id)
    if not chat.partners_named or slot not in names:
        return refuse(not_set_up(), button=True)
    current = await partners.member(conn, chat_id, actor.user_id)
    if current is not None and current.slot == slot:
        return Result(notice=msg("You already represent {partner}.", partner=names[slot]))
    waiting = await sql.pending_of(conn, chat_id, actor.user_id)
    if any(w.slot == slot for w in waiting):
        return Result(
            notice=msg(
                "You asked to join {partner}: a colleague from {partner} confirms you.",
                partner=names[slot],
            )
        )
    # One request at a time: a tap on the other organisation withdraws the earlier one.
    replies = [shown for w in waiting if (shown := await _close(turn, w, "withdrawn"))]
    members = await partners.representatives(conn, chat_id)
    if needs_colleague(chat.setup_step, chat.stage, members, slot):
        request = await sql.ask(
            conn, chat_id, actor.user_id, actor.name, actor.username, slot, turn.stamp
        )
        asked = Newcomer(
            request, chat_id, actor.user_id, actor.name, actor.username, slot, "pending", None
        )
        replies.append(await request_message(turn, asked))
        notice = msg(
            "A colleague from {partner} confirms that you represent it; until then you follow "
            "along.",
            partner=names[slot],
        )
        if current is not None and current.slot is not None:
            notice = msg(
                "A colleague from {partner} confirms that you represent it; until then you "
                "represent {other}.",
                partner=names[slot],
                other=names.get(current.slot, ""),
            )
        return Result(replies=tuple(replies), notice=notice)
    taken, moved = await _take_side(
        turn, actor.user_id, actor.name, actor.username, slot, sides=turn.message_id
    )
    replies.extend(taken)
    if moved:
        notice = msg(
            "You represent {partner}. What you said for {other} in checks still open no "
            "longer counts.",
            partner=names[slot],
            other=names.get(3 - slot, ""),
        )
    else:
        notice = msg("You represent {partner}.", partner=names[slot])
    return Result(replies=tuple(replies), notice=notice)


async def _take_side(
    turn: Turn, user_id: int, name: str, username: str | None, slot: int, *, sides: int | None
) -> tuple[list[Reply], bool]:
    """``user_id`` represents ``slot`` from now on: the message of who represents whom
    (``sides``, when it is in the chat) shows it, and what they said for the other organisation
    in checks still open no longer counts (True when there was such). The set-up ends when both
    organisations are represented."""
    conn, chat_id = turn.conn, turn.chat_id
    chat = await known_chat(turn)
    await partners.join(conn, chat_id, user_id, name, slot, turn.stamp, username)
    replies = [] if sides is None else [await setup.sides_message(turn, edit=sides)]
    # One person never speaks for both organisations: what they said for the other one in
    # checks still open (Still holds, check-up marks, a position rating) no longer counts.
    held = await agreement_review.withdraw(turn, user_id, slot)
    corrected = [
        *await checkups.withdraw(turn, user_id, slot),
        *await position.withdraw(turn, user_id, slot),
    ]
    replies.extend(corrected)
    members = await partners.representatives(conn, chat_id)
    if chat.setup_step == "members" and {m.slot for m in members} == {1, 2}:
        await partners.set_setup(conn, chat_id, "done", turn.stamp)
        replies.append(session.stage_menu(turn.wheel, both_present=True))
    return replies, bool(held or corrected)


async def request_message(turn: Turn, request: Newcomer, *, edit: int | None = None) -> Reply:
    """The group's message of a request to join: who, which organisation, and the buttons."""
    names = await partners.names(turn.conn, turn.chat_id)
    partner = names.get(request.slot, "")
    return reply(
        msg(
            "<b>{name}</b> would like to join {partner}. A colleague from {partner} confirms, "
            "so that nobody speaks for an organisation alone; until then {name} follows along.",
            name=request.name,
            partner=partner,
        ),
        buttons=(
            (
                Button(msg("Confirm"), AdmitNewcomer(request.id, admit=True).pack()),
                Button(msg("Not a colleague"), AdmitNewcomer(request.id, admit=False).pack()),
            ),
        ),
        remember=NewcomerRequest(request.id).pack(),
        edit=edit,
    )


async def admit(turn: Turn, request_id: int, yes: bool) -> Result:
    """*Confirm* or *Not a colleague* on a request to join: a colleague decides."""
    conn = turn.conn
    request = await sql.get(conn, request_id)
    if request is None or request.chat_id != turn.chat_id:
        # Erased since (the newcomer asked to be forgotten).
        return refuse(msg("This request is no longer open."), button=True)
    refused = await gate.check(turn, Action.ADMIT, button=True, newcomer=request)
    if refused is not None:
        return refused
    names = await partners.names(conn, turn.chat_id)
    partner = names.get(request.slot, "")
    if request.status != "pending":
        return Result(notice=_decided(request, partner))
    found = await partners.member(conn, turn.chat_id, request.user_id)
    if found is not None and found.facilitator:
        await sql.decide(conn, request.id, "withdrawn", None, turn.stamp)
        said = msg(
            "{name} facilitates this group now, and a facilitator represents neither partner.",
            name=request.name,
        )
        return Result(
            replies=(
                reply(said, remember=NewcomerRequest(request.id).pack(), edit=turn.message_id),
            ),
            notice=said,
        )
    if (
        yes
        and found is not None
        and found.slot is not None
        and await records.pending_by(conn, turn.chat_id, request.user_id)
    ):
        # As for a side switch of one's own: no proposal left behind on the other side.
        return refuse(
            msg(
                "{name} has a proposed agreement for {other} waiting for confirmation: they "
                "withdraw it first, then you confirm them.",
                name=request.name,
                other=names.get(found.slot, ""),
            ),
            button=True,
        )
    colleague = turn.actor.name
    target = turn.message_id
    if not yes:
        await sql.decide(conn, request.id, "declined", turn.actor.user_id, turn.stamp)
        said = msg(
            "{colleague} did not confirm {name} as a colleague, so {name} does not represent "
            "{partner}. Tapped the wrong organisation? /partners shows the buttons again.",
            colleague=colleague,
            name=request.name,
            partner=partner,
        )
        return Result(
            replies=(reply(said, remember=NewcomerRequest(request.id).pack(), edit=target),),
            notice=msg("Noted."),
        )
    await sql.decide(conn, request.id, "confirmed", turn.actor.user_id, turn.stamp)
    # The card names who has not answered yet: edited only when the newcomer changes that.
    card_before = await board.card_again(turn)
    sides = await board.latest(turn, Sides())
    taken, moved = await _take_side(
        turn, request.user_id, request.name, request.username, request.slot, sides=sides
    )
    card_after = await board.card_again(turn)
    token = await links.create(conn, turn.chat_id, LINK_KIND, request.id, turn.stamp)
    lines_said = [
        msg(
            "✅ <b>{name}</b> represents {partner} from now on, confirmed by {colleague}. "
            "{name}: the briefing catches you up, privately.",
            name=request.name,
            partner=partner,
            colleague=colleague,
        )
    ]
    if moved:
        lines_said.append(
            msg(
                "What {name} said for {other} in checks still open no longer counts.",
                name=request.name,
                other=names.get(3 - request.slot, ""),
            )
        )
    confirmed = reply(
        *lines_said,
        buttons=((Button(msg("Read the briefing"), "", start=token),),),
        remember=NewcomerRequest(request.id).pack(),
        edit=target,
    )
    return Result(
        replies=(confirmed, *taken, *(card for card in card_after if card not in card_before)),
        notice=msg("{name} represents {partner} now.", name=request.name, partner=partner),
    )


def _decided(request: Newcomer, partner: str) -> Msg:
    """What a press on a request that no longer waits is told."""
    if request.status == "confirmed":
        return msg("{name} already represents {partner}.", name=request.name, partner=partner)
    if request.status == "declined":
        return msg("That question has already been answered.")
    return msg("This request is no longer open.")


async def _close(turn: Turn, request: Newcomer, status: str) -> Reply | None:
    """Withdraw a request that waits; its message says so, without buttons (None: that message
    is no longer known)."""
    await sql.decide(turn.conn, request.id, status, None, turn.stamp)
    names = await partners.names(turn.conn, turn.chat_id)
    target = await board.latest(turn, NewcomerRequest(request.id))
    if target is None:
        return None
    return reply(
        msg(
            "{name} no longer asks to join {partner}.",
            name=request.name,
            partner=names.get(request.slot, ""),
        ),
        remember=NewcomerRequest(request.id).pack(),
        edit=target,
    )


async def member_left(turn: Turn, user_id: int) -> list[Reply]:
    """A member left the group: they no longer represent a partner (their answers stay), and a
    request of theirs to join one is withdrawn."""
    await partners.leave(turn.conn, turn.chat_id, user_id, turn.stamp)
    waiting = await sql.pending_of(turn.conn, turn.chat_id, user_id)
    return [shown for w in waiting if (shown := await _close(turn, w, "withdrawn"))]
