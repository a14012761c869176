"""Nudges, as a facilitator gives them between the questions.

- ``/nudge`` (any representative) names the representatives who have not answered the current
  card yet, so that Telegram tells them: ``@username``, or a link to their id for someone
  without a username.
- A card that gets no answer within ``REMIND_AFTER`` gets one gentle word that answers are
  replies to the card (``bot/jobs/nudging.py`` wakes up; the database decides what is due).
- With ``/nudge auto on`` the bot invites the quieter organisation by name, once per topic: when
  only one of its people has answered and the other organisation has heard more voices.

Each nudge is one new message in reply to the card, remembered as a ``Nudge``: a reply to it is
an answer, as a reply to the card. The bot speaks up unasked at most once per card (the reminder
or an invitation), so a topic stays within its budget of four new messages.
"""

from __future__ import annotations

import datetime as dt

from bot.db import chats, now_text, pace, partners, progress
from bot.db.partners import Member
from bot.db.tx import Tx
from bot.domain.permissions import Action
from bot.domain.purposes import Card, Nudge
from bot.domain.wheel import Topic, Wheel
from bot.flows import board, gate
from bot.flows.turn import Turn, known_chat
from bot.render.messages import (
    Joined,
    Mention,
    Msg,
    Reply,
    Result,
    lines,
    listing,
    msg,
    plural_msg,
    reply,
    wheel_text,
)

#: How long a card may wait for its first answer before the gentle reminder.
REMIND_AFTER = dt.timedelta(minutes=10)
#: What people type after ``/nudge auto``, in both languages.
SWITCH = {"on": True, "aan": True, "off": False, "uit": False}


def mention(member: Member) -> Mention:
    """A representative, named so that Telegram tells them."""
    return Mention(member.user_id, member.name, member.username)


async def command(turn: Turn, args: list[str]) -> Result:
    """``/nudge``, or ``/nudge auto on|off``."""
    words = [a.casefold() for a in args]
    if words and words[0] == "auto":
        return await auto(turn, words[1] if len(words) > 1 else None)
    found = await gate.member(turn, Action.NUDGE, button=False, reply_to=turn.message_id)
    if isinstance(found, Result):
        return found
    if words:
        return Result(replies=(reply(usage(), reply_to=turn.message_id),))
    return Result(replies=(await nudge(turn, found),))


def usage() -> Msg:
    return msg(
        "Send /nudge to name the people who have not answered the current topic yet, or "
        "<code>/nudge auto on</code> to let me invite the quieter organisation by itself "
        "(<code>/nudge auto off</code> stops it)."
    )


async def nudge(turn: Turn, member: Member) -> Reply:
    """Name the representatives (the nudger aside) who have not answered the current card."""
    conn, chat_id, wheel = turn.conn, turn.chat_id, turn.wheel
    chat = await known_chat(turn)
    if chat.topic is None:
        return reply(msg("There is no topic to answer yet: choose a stage with /stage."))
    topic = wheel.topic(chat.topic)
    number = await board.current_round(turn, topic.stage)
    if await pace.is_closed(conn, chat_id, topic.id, number):
        return reply(
            msg(
                "No card is waiting for answers: you have finished {stage}. Send /stage to go on.",
                stage=wheel_text(wheel.stage(topic.stage).name),
            )
        )
    answered = {a.user_id for a in await progress.answers(conn, chat_id, topic.id, number)}
    missing = [
        m
        for m in await partners.representatives(conn, chat_id)
        if m.user_id not in answered and m.user_id != member.user_id
    ]
    if not missing:
        said = (
            msg("Everyone else has answered {topic}; only your answer is missing.", topic=wheel_text(topic.name))
            if member.user_id not in answered and not member.facilitator  # a facilitator never answers
            else msg("Everyone has answered {topic} already.", topic=wheel_text(topic.name))
        )  # fmt: skip
        return reply(said, reply_to=turn.message_id)
    names = await partners.names(conn, chat_id)
    per_partner: list[Msg | Joined] = [
        msg(
            "{partner}: {people}",
            partner=name,
            people=listing(*(mention(m) for m in missing if m.slot == slot)),
        )
        for slot, name in names.items()
        if any(m.slot == slot for m in missing)
    ]
    card = await board.latest(turn, Card(topic.id, number))
    return Reply(
        parts=(
            msg(
                "{name} would like to hear from you on <b>{topic}</b>:",
                name=member.name,
                topic=wheel_text(topic.name),
            ),
            lines(*per_partner),
            msg("Reply to the card with your answer, or to this message."),
        ),
        reply_to=_shown(card),
        remember=Nudge(topic.id, number).pack(),
    )


async def auto(turn: Turn, word: str | None) -> Result:
    """``/nudge auto on|off``: switch the invitation of the quieter organisation, and tell the
    group; without on or off, say how it is set."""
    found = await gate.member(turn, Action.NUDGE_AUTO, button=False, reply_to=turn.message_id)
    if isinstance(found, Result):
        return found
    chat = await known_chat(turn)
    switch = SWITCH.get(word or "")
    if switch is None:
        state = (
            msg(
                "Invitations of the quieter organisation are on. <code>/nudge auto off</code> "
                "stops them."
            )
            if chat.nudge_auto
            else msg(
                "Invitations of the quieter organisation are off. <code>/nudge auto on</code> "
                "switches them on: when only one person of an organisation has answered a topic "
                "and the other organisation has more voices, I invite the others by name, once "
                "per topic."
            )
        )
        return Result(replies=(reply(state, reply_to=turn.message_id),))
    await pace.set_auto(turn.conn, turn.chat_id, switch, turn.stamp)
    said = (
        msg(
            "{name} switched on invitations of the quieter organisation: when only one person "
            "of an organisation has answered a topic and the other organisation has more "
            "voices, I invite the others by name, once per topic. <code>/nudge auto off</code> "
            "stops it.",
            name=found.name,
        )
        if switch
        else msg(
            "{name} switched off invitations of the quieter organisation. "
            "<code>/nudge auto on</code> switches them on again.",
            name=found.name,
        )
    )
    return Result(replies=(reply(said),))


async def invitation(turn: Turn, topic: Topic, number: int, card: int | None) -> Reply | None:
    """After an answer, with invitations on: invite the quieter organisation on the current card
    once, when only one of its people has answered while the other organisation has heard two
    or more, and it has people who have not answered."""
    conn, chat_id = turn.conn, turn.chat_id
    if await pace.spoke_up(conn, chat_id, topic.id, number):
        return None
    answers = await progress.answers(conn, chat_id, topic.id, number)
    members = await partners.representatives(conn, chat_id)
    for quiet in (1, 2):
        spoke = [a for a in answers if a.slot == quiet]
        louder = {a.user_id for a in answers if a.slot == 3 - quiet}
        silent = [
            m for m in members if m.slot == quiet and m.user_id not in {a.user_id for a in spoke}
        ]
        if len(spoke) != 1 or len(louder) < 2 or not silent:
            continue
        if not await pace.claim(conn, chat_id, topic.id, number, "invited", turn.stamp):
            return None
        names = await partners.names(conn, chat_id)
        return Reply(
            parts=(
                plural_msg(
                    "<b>{partner}</b>: so far only {name} has answered {topic} for you. {people}, "
                    "how do you see it? Reply to the card with your answer.",
                    "<b>{partner}</b>: so far only {name} has answered {topic} for you. {people}, "
                    "how do you see it? Reply to the card with your answers.",
                    len(silent),
                    partner=names.get(quiet, ""),
                    name=spoke[0].name,
                    topic=wheel_text(topic.name),
                    people=listing(*(mention(m) for m in silent)),
                ),
            ),
            reply_to=_shown(card),
            remember=Nudge(topic.id, number).pack(),
        )
    return None


async def remind_due(conn: Tx, wheel: Wheel, now: dt.datetime) -> list[tuple[int, list[Reply]]]:
    """The gentle reminders due at ``now``: each current card without an answer for
    ``REMIND_AFTER`` gets one, claimed in the caller's transaction. Returns (chat id, replies)."""
    stamp = now_text(now)
    due: list[tuple[int, list[Reply]]] = []
    for waiting in await pace.unanswered(conn, now, REMIND_AFTER):
        if not await pace.claim(
            conn, waiting.chat_id, waiting.topic_id, waiting.round, "reminded", stamp
        ):
            continue
        chat = await chats.get(conn, waiting.chat_id)
        assert chat is not None  # the query joins on chats
        topic = wheel.topic(waiting.topic_id)
        card = await progress.latest_message(
            conn, chat.chat_id, *Card(topic.id, waiting.round).pack()
        )
        if card is None and waiting.round == 1:  # remembered before rounds existed
            card = await progress.latest_message(conn, chat.chat_id, Card.kind, topic.id)
        due.append((chat.chat_id, [reminder(topic, waiting.round, card)]))
    return due


def reminder(topic: Topic, number: int, card: int | None) -> Reply:
    """The gentle word after ten minutes without an answer, in reply to the card."""
    return Reply(
        parts=(
            msg(
                "No answers on <b>{topic}</b> yet. Just so you know: an answer has to be a reply "
                "to the card (on a phone, swipe left on it). Messages that are not replies don't "
                "reach me. Replying to this message works too.",
                topic=wheel_text(topic.name),
            ),
        ),
        reply_to=_shown(card),
        remember=Nudge(topic.id, number).pack(),
    )


def _shown(message_id: int | None) -> int | None:
    """A message to reply to: one that is in the chat (not an entry still on its way)."""
    return message_id if message_id is not None and message_id > 0 else None
