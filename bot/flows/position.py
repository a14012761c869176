"""Where does our collaboration stand? The position check.

``/position`` (or ``offer``, which other flows call at the start and end of a round and in a
reminder) posts one group message with a *Rate privately* button: a start deep link whose payload
is a random token (``bot/db/links.py``). In the private chat each representative rates the twelve
components of the paper's Table 2, one statement at a time in one message that is edited to the
next, from 1 (the transactional end) to 4 (the transformational end), or "don't know". Someone may
stop halfway and open the link again to go on, and may rate again: their latest complete rating
counts.

The group message says which organisations have rated, never what. When each organisation has at
least one complete rating, the check is revealed: the group message says so, and one photo shows
both views (``bot/render/picture/position.py``) with the three largest differences as a caption,
each with the wheel topic to talk about it under. That is two group messages for a check.

A revealed check takes no more ratings: the group has seen both views, and a picture that changed
afterwards would not be the one they talked about. Who wants to rate again starts a new check,
which adds a point to the trajectory (the picture shows earlier checks faintly; the export has a
page "Where we stand"). A check still open is superseded by a new ``/position`` only when it is
older than ``REUSE_OPEN``; until then ``/position`` offers the same check again, so ratings
already given are not lost. ``/reset`` closes a check still open.
"""

from __future__ import annotations

import datetime as dt

from bot.db import chats, links, now_text, partners, progress
from bot.db import position as sql
from bot.db.tx import Tx
from bot.domain.buttons import RatePosition
from bot.domain.permissions import Action
from bot.domain.position import (
    DONT_KNOW,
    SCALE,
    Component,
    components,
    differences,
    scores,
    valid,
)
from bot.domain.purposes import PositionMessage, PositionQuestion
from bot.domain.wheel import Wheel
from bot.flows import gate
from bot.flows.common import refuse, set_up_chat, stale_button
from bot.flows.turn import Turn, known_chat
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

#: What a link to a position check is called in the links table.
LINK_KIND = "position"
#: An open check older than this is superseded by a new ``/position`` (a check is meant to be
#: done within days; one left open for months would mix two moments).
REUSE_OPEN = dt.timedelta(days=30)


def title() -> Msg:
    return msg("<b>Where does our collaboration stand?</b>")


# -- in the group ---------------------------------------------------------------------------------


async def position_command(turn: Turn) -> Result:
    """``/position`` in a group: any representative offers a position check."""
    chat = set_up_chat(turn)
    if isinstance(chat, Result):
        return chat
    found = await gate.member(turn, Action.POSITION, button=False)
    if isinstance(found, Result):
        return found
    return Result(replies=(await offer(turn.conn, turn.chat_id, turn.actor.user_id, turn.now),))


async def offer(conn: Tx, chat_id: int, started_by: int | None, now: dt.datetime) -> Reply:
    """The group message that offers a position check: the open one if it is recent, else a
    new one. For other flows (a round's start and end, a reminder) as for ``/position``; the
    group must be set up."""
    stamp = now_text(now)
    check = await _open_check(conn, chat_id, now)
    if check is None:
        check_id = await sql.start(conn, chat_id, started_by, stamp)
    else:
        check_id = check.id
    token = await links.token_of(conn, chat_id, LINK_KIND, check_id)
    if token is None:
        token = await links.create(conn, chat_id, LINK_KIND, check_id, stamp)
    return await _group_message(conn, chat_id, check_id, token)


def invitation() -> Msg:
    """The line that goes with ``offer_button`` in a message about something else."""
    return msg(
        "<b>Where does our collaboration stand?</b> Each of you can rate it privately: twelve "
        "statements, about three minutes. Nobody sees what anyone rated until both "
        "organisations have; then I show both views together."
    )


async def offer_button(conn: Tx, chat_id: int, started_by: int | None, now: dt.datetime) -> Button:
    """Only the *Rate privately* button of the check ``offer`` would offer, for a message that
    is sent anyway (the end of a stage, a reminder): no message of its own. The first complete
    rating then posts the group message that says who has rated."""
    stamp = now_text(now)
    check = await _open_check(conn, chat_id, now)
    check_id = check.id if check is not None else await sql.start(conn, chat_id, started_by, stamp)
    token = await links.token_of(conn, chat_id, LINK_KIND, check_id)
    if token is None:
        token = await links.create(conn, chat_id, LINK_KIND, check_id, stamp)
    return Button(msg("Rate privately"), "", start=token)


async def _open_check(conn: Tx, chat_id: int, now: dt.datetime) -> sql.Check | None:
    found = await sql.latest_open(conn, chat_id)
    if found is None:
        return None
    started = dt.datetime.fromisoformat(found.started_at)
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    return found if now - started < REUSE_OPEN else None


async def _group_message(
    conn: Tx, chat_id: int, check_id: int, token: str | None, *, edit: int | None = None
) -> Reply:
    """The group's message of a check: how it works, who has rated (never what), and the
    button while it is open (``token`` None: revealed, no button)."""
    names = await partners.names(conn, chat_id)
    done = _raters(await sql.ratings(conn, check_id))
    status = Joined(
        tuple(
            msg("{partner}: {rated}", partner=names.get(slot, ""), rated=_rated(done.get(slot, 0)))
            for slot in (1, 2)
        ),
        " · ",
    )
    parts: list[Msg | Joined] = [title()]
    if token is None:
        parts.append(
            msg(
                "Both organisations have rated. Both views are shown together below; the "
                "largest differences are the ones to talk about."
            )
        )
        parts.append(status)
        return reply(*parts, edit=edit, remember=PositionMessage(check_id).pack())
    parts.append(
        msg(
            "Each of you rates twelve statements about the collaboration, privately, from 1 "
            "(transactional: an exchange) to 4 (transformational: creating more together). It "
            "takes about three minutes. Nobody sees what anyone rated until both organisations "
            "have rated; then I show both views together here."
        )
    )
    parts.append(status)
    button = Button(msg("Rate privately"), "", start=token)
    return reply(
        *parts, buttons=((button,),), edit=edit, remember=PositionMessage(check_id).pack()
    )


def _rated(people: int) -> Msg:
    if people == 0:
        return msg("not yet")
    return plural_msg("{n} person rated", "{n} people rated", people)


def _raters(ratings: list[sql.Rating]) -> dict[int, int]:
    """How many people of each organisation have a complete rating."""
    done: dict[int, int] = {}
    for rating in ratings:
        if rating.answers is not None and valid(rating.answers):
            done[rating.slot] = done.get(rating.slot, 0) + 1
    return done


# -- in the private chat -----------------------------------------------------------------------


async def open_check(turn: Turn, chat_id: int, check_id: int) -> Result:
    """The link of a check was opened in a private chat: the first (or next) statement."""
    await known_chat(turn)
    check = await sql.get(turn.conn, check_id)
    refused = await _closed(turn, chat_id, check, button=False)
    if refused is not None:
        return refused
    assert check is not None
    member = await _representative(turn, chat_id, button=False)
    if isinstance(member, Result):
        return member
    user_id, slot = member
    rating = await sql.rating(turn.conn, check_id, user_id)
    draft = rating.draft if rating is not None and valid(rating.draft) else ""
    await sql.save_draft(turn.conn, check_id, user_id, slot, draft, turn.stamp)
    names = await partners.names(turn.conn, chat_id)
    intro: list[Msg | Joined] = [title()]
    if draft:
        intro.append(msg("Welcome back: you go on where you stopped."))
    else:
        intro.append(
            msg(
                "You rate for {partner}, on your own: how you see the collaboration now. Tap a "
                "number for each statement, or <i>Don't know</i>.",
                partner=names.get(slot, ""),
            )
        )
        if rating is not None and rating.answers is not None:
            intro.append(
                msg(
                    "You rated before in this check; your new rating counts once you have "
                    "answered all twelve."
                )
            )
    return Result(replies=(_question(check_id, len(draft), intro),))


def _question(
    check_id: int, step: int, intro: list[Msg | Joined], *, edit: int | None = None
) -> Reply:
    """Statement number ``step`` (from 0) with its ends and the buttons."""
    component = components()[step]
    parts: list[Msg | Joined] = [*intro, _statement(component, step)]
    numbers = tuple(
        Button(str(value), RatePosition(check_id, step, value).pack()) for value in SCALE
    )
    unknown = (Button(msg("Don't know"), RatePosition(check_id, step, 0).pack()),)
    return reply(
        *parts,
        buttons=(numbers, unknown),
        remember=PositionQuestion(check_id).pack(),
        edit=edit,
    )


def _statement(component: Component, step: int) -> Joined:
    return lines(
        msg(
            "<b>{number}/{count} · {name}</b>",
            number=step + 1,
            count=len(components()),
            name=wheel_text(component.name),
        ),
        msg("<i>{statement}</i>", statement=wheel_text(component.statement)),
        msg("1 = {low}", low=wheel_text(component.low)),
        msg("4 = {high}", high=wheel_text(component.high)),
    )


async def rate(turn: Turn, check_id: int, step: int, value: int) -> Result:
    """A number (or "don't know") pressed in the private chat: keep it and show the next
    statement; after the twelfth, thank the person and tell the group."""
    if turn.where.is_group:
        # The rating buttons are only ever on a private message: one pressed in a group is
        # not ours.
        return refuse(stale_button(), button=True)
    check = await sql.get(turn.conn, check_id)
    chat_id = check.chat_id if check is not None else 0
    refused = await _closed(turn, chat_id, check, button=True)
    if refused is not None:
        return refused
    assert check is not None
    member = await _representative(turn, chat_id, button=True)
    if isinstance(member, Result):
        return member
    user_id, slot = member
    rating = await sql.rating(turn.conn, check_id, user_id)
    if rating is None:
        # Never begun with the link, or withdrawn when its rater changed organisation.
        return refuse(
            msg("Open the link in the group again (Rate privately) to rate from the start."),
            button=True,
        )
    if len(rating.draft) != step or not valid(rating.draft):
        # A second press on the same statement, or an older message of this rating.
        return Result(notice=msg("Already answered: go on with the newest statement."))
    draft = rating.draft + (DONT_KNOW if value == 0 else str(value))
    if len(draft) < len(components()):
        await sql.save_draft(turn.conn, check_id, user_id, slot, draft, turn.stamp)
        return Result(replies=(_question(check_id, len(draft), [title()], edit=turn.message_id),))
    await sql.complete(turn.conn, check_id, user_id, slot, draft, turn.stamp)
    # A second rating for the same organisation leaves the counts the group sees as they were.
    again = rating.answers is not None and rating.slot == slot
    return Result(replies=tuple(await _completed(turn, check, slot, again=again)))


async def _completed(turn: Turn, check: sql.Check, slot: int, *, again: bool) -> list[Reply]:
    """A rating is complete: thank the person; update the group (unless it is the person's
    second rating: the counts stay); reveal when both rated."""
    conn, chat_id = turn.conn, check.chat_id
    names = await partners.names(conn, chat_id)
    other = names.get(3 - slot, "")
    ratings = await sql.ratings(conn, check.id)
    done = _raters(ratings)
    target = await progress.latest_message(conn, chat_id, *PositionMessage(check.id).pack())
    if not (done.get(1) and done.get(2)):
        thanks = reply(
            msg("Thank you, your rating is in."),
            msg(
                "Your answers stay hidden until {other} has rated too; then I show both views "
                "together in the group. You can open the link again to change your rating "
                "until then.",
                other=other,
            ),
            edit=turn.message_id,
        )
        if again:
            return [thanks]
        token = await links.token_of(conn, chat_id, LINK_KIND, check.id)
        group = await _group_message(conn, chat_id, check.id, token, edit=target)
        return [thanks, _to(group, chat_id)]
    await sql.reveal(conn, check.id, turn.stamp)
    thanks = reply(
        msg("Thank you, your rating is in."),
        msg("Both organisations have rated: both views are now in the group."),
        edit=turn.message_id,
    )
    group = await _group_message(conn, chat_id, check.id, None, edit=target)
    shown = reveal(turn.wheel, names, ratings)
    return [thanks, _to(group, chat_id), _to(shown, chat_id)]


def reveal(wheel: Wheel, names: dict[int, str], ratings: list[sql.Rating]) -> Reply:
    """The photo of both views, with the largest differences to talk about as its caption."""
    parts: list[Msg | Joined] = [
        msg("<b>Where we stand: both views</b>"),
        differences_part(wheel, names, ratings),
        msg("1 = transactional, 4 = transformational. A bar shows how far colleagues differ."),
    ]
    return reply(*parts, file="position")


def differences_part(
    wheel: Wheel, names: dict[int, str], ratings: list[sql.Rating]
) -> Msg | Joined:
    """The largest differences between both organisations' views, each with its topic (or
    that the views are close): the picture's caption, and the briefing's last check."""
    complete: dict[int, list[str]] = {1: [], 2: []}
    for rating in ratings:
        if rating.answers is not None and valid(rating.answers):
            complete.setdefault(rating.slot, []).append(rating.answers)
    view = {slot: scores(complete[slot]) for slot in (1, 2)}
    found = differences(view)
    if not found:
        return msg(
            "Your views are close on every component: no difference of half a point or "
            "more. Worth asking each other whether you mean the same by them."
        )
    return lines(
        msg("The largest differences, to talk about:"),
        *(
            msg(
                "{number}. <b>{component}</b>: {first} {a} · {second} {b} → topic <i>{topic}</i>",
                number=number,
                component=wheel_text(d.component.name),
                first=names.get(1, ""),
                a=round(d.means[1], 1),
                second=names.get(2, ""),
                b=round(d.means[2], 1),
                topic=wheel_text(wheel.topic(d.component.topic).name),
            )
            for number, d in enumerate(found, start=1)
        ),
    )


def _to(message: Reply, chat_id: int) -> Reply:
    """The same reply, for the group (the turn is in a private chat)."""
    return Reply(
        parts=message.parts,
        buttons=message.buttons,
        remember=message.remember,
        edit=message.edit,
        file=message.file,
        to_chat=chat_id,
    )


async def _closed(
    turn: Turn, chat_id: int, check: sql.Check | None, *, button: bool
) -> Result | None:
    """Why a check cannot be rated (any more), or None when it can."""
    chat = await chats.get(turn.conn, chat_id) if check is not None else None
    if check is None or chat is None or check.chat_id != chat_id:
        return refuse(unknown_link(), button=button)
    if not chat.partners_named or check.status == "reset":
        return refuse(
            msg(
                "The group started its set-up again since this check began, so it is closed. "
                "Once both organisations are named again, send /position in the group for a "
                "new one."
            ),
            button=button,
        )
    if check.status == "superseded":
        return refuse(
            msg(
                "A newer position check was started in the group. Tap <i>Rate privately</i> "
                "on its newest message there."
            ),
            button=button,
        )
    if check.status == "revealed":
        return refuse(
            msg(
                "This check is closed: both views were shown in the group. To rate again, send "
                "/position in the group for a new check; it adds a point to your trajectory."
            ),
            button=button,
        )
    return None


def unknown_link() -> Msg:
    return msg(
        "This link does not work (any more). Open the newest <i>Rate privately</i> button in "
        "your group, or send /position there."
    )


async def _representative(turn: Turn, chat_id: int, *, button: bool) -> tuple[int, int] | Result:
    """(user id, slot) of the person, when they represent a partner of the check's group.

    In a private chat, so not through the gate: the gate's rules are about the chat of the
    turn, and here the group is the one the link names."""
    user_id = turn.actor.user_id
    found = await partners.member(turn.conn, chat_id, user_id) if user_id is not None else None
    if found is not None and found.facilitator:
        names = await partners.names(turn.conn, chat_id)
        return refuse(gate.facilitator_refusal(names), button=button)
    if user_id is None or found is None or found.slot is None:
        names = await partners.names(turn.conn, chat_id)
        return refuse(
            msg(
                "Only the representatives of {first} and {second} rate in this check. If you "
                "work for one of them, tap your organisation under /partners in the group "
                "first, then open the link again.",
                first=names.get(1, ""),
                second=names.get(2, ""),
            ),
            button=button,
        )
    return user_id, found.slot


async def withdraw(turn: Turn, user_id: int, slot: int) -> list[Reply]:
    """Someone now represents ``slot``: their rating for the other organisation in the open
    check no longer counts (it would speak for an organisation they no longer represent);
    the group's message is corrected. They rate again with the same link."""
    conn, chat_id = turn.conn, turn.chat_id
    check = await sql.latest_open(conn, chat_id)
    rating = await sql.rating(conn, check.id, user_id) if check is not None else None
    if check is None or rating is None or rating.slot == slot:
        return []
    await sql.withdraw(conn, chat_id, user_id, slot)
    target = await progress.latest_message(conn, chat_id, *PositionMessage(check.id).pack())
    if target is None or rating.answers is None:
        return []  # a rating under way was not counted: the message stays as it was
    token = await links.token_of(conn, chat_id, LINK_KIND, check.id)
    return [await _group_message(conn, chat_id, check.id, token, edit=target)]


async def reset(conn: Tx, chat_id: int) -> None:
    """``/reset``: a check still open can no longer be rated (its links are refused)."""
    await sql.close_open(conn, chat_id)
