"""Answering privately: a blind round, so that the louder partner does not anchor the answers.

``/private on`` (any representative; the group is told) puts an *Answer privately* button on
each topic card: a start deep link whose payload is a random token (``bot/db/links.py``) naming a
row of ``private_topics``, the topic in the current round of its stage. Opened, it starts a
private chat with the bot (also for someone who never talked to it: Telegram shows them *Start*,
which sends the link's ``/start``). There the bot shows the topic and its question; the person's
reply, or simply their next text message there, is their answer, confirmed in that chat.

The group sees only that an organisation has answered (the card's "Answered" line, edited in
place), never what: a private answer is kept with ``answers.private`` set and shown nowhere (not
in the export, not on a later round's card) until both organisations have answered the topic in
that round. Then the answers view puts them side by side in the group, as for answers given
there; a private answer is one more answer of its round and costs the group no message of its
own.

Refused, with a word on what to do: a link we did not make, someone who does not represent a
partner of the link's group, a link opened while the group has switched answering privately off,
and an answer for a topic (or a round) the group has left since. A question already open in the
private chat still takes its answer after ``/private off``: the person was invited, and the
switch is about the cards from then on. The sensitive topics
(``SENSITIVE_TOPICS``) suggest answering privately in one line on their card.
"""

from __future__ import annotations

import dataclasses

from bot.db import bot_messages, chats, pace, partners, progress, rounds
from bot.db import private as private_topics
from bot.domain import purposes
from bot.domain.permissions import Action
from bot.domain.purposes import Card, PrivatePrompt
from bot.domain.wheel import Topic
from bot.flows import board, gate, session
from bot.flows.common import refuse, usable_text
from bot.flows.turn import Turn, for_group, known_chat
from bot.render.messages import Joined, Msg, Result, msg, reply, wheel_text

#: What people may type after /private, in both languages.
SWITCH = {"on": True, "aan": True, "off": False, "uit": False}


# -- in the group ---------------------------------------------------------------------------------


async def private_command(turn: Turn, args: list[str]) -> Result:
    """``/private``: whether the group answers privately; ``/private on|off`` switches it (any
    representative) and edits the current card to carry the button, or no longer."""
    word = " ".join(args).strip().casefold()
    chat = await known_chat(turn)
    if word not in SWITCH:
        # Action.PRIVATE_SHOW: anyone may ask.
        parts: list[Msg | Joined] = []
        if word:
            parts.append(
                msg(
                    "I don't know “{word}”: use /private on or /private off.",
                    word=" ".join(args),
                )
            )
        parts.append(_state(on=chat.private_answers))
        return Result(replies=(reply(*parts),))
    member = await gate.member(turn, Action.PRIVATE, button=False)
    if isinstance(member, Result):
        return member
    on = SWITCH[word]
    if chat.private_answers == on:
        already = (
            msg("Answering privately is already on.")
            if on
            else msg("Answering privately is already off.")
        )
        return Result(replies=(reply(already),))
    await chats.set_private_answers(turn.conn, turn.chat_id, on, turn.stamp)
    if on:
        told = msg(
            "{name} switched on answering privately. Each card now has an <i>Answer "
            "privately</i> button: it opens a private chat with me, where you answer on your "
            "own. The group sees who has answered, not what, until both organisations have; "
            "then I put the answers side by side here. Replying to the card still works, for "
            "everyone to see. /private off switches it off.",
            name=member.name,
        )
    else:
        told = msg(
            "{name} switched off answering privately: answer by replying to the card again. "
            "Answers already given privately stay hidden until the other organisation has "
            "answered too.",
            name=member.name,
        )
    replies = [reply(told)]
    if chat.topic is not None:
        topic = turn.wheel.topic(chat.topic)
        number = await board.current_round(turn, topic.stage)
        shown = await board.latest(turn, Card(topic.id, number))
        if shown is not None:  # the card in the chat gets the button, or loses it
            replies.append(await board.card_now(turn, topic, edit=shown))
    return Result(replies=tuple(replies))


def _state(*, on: bool) -> Msg:
    if on:
        return msg(
            "Answering privately is on: each card has an <i>Answer privately</i> button. "
            "/private off switches it off."
        )
    return msg(
        "Answering privately is off: you answer by replying to the card. /private on puts an "
        "<i>Answer privately</i> button on each card; the group then sees who has answered, not "
        "what, until both organisations have."
    )


# -- in the private chat -----------------------------------------------------------------------


async def open_prompt(turn: Turn, chat_id: int, ref: int) -> Result:
    """An *Answer privately* link opened in a private chat: the topic and its question, to
    answer by replying (or by the next text message)."""
    await known_chat(turn)
    found = await _topic_of(turn, chat_id, ref, reply_to=None)
    if isinstance(found, Result):
        return found
    row, group, topic = found
    if not group.private_answers:
        return refuse(
            msg(
                "Answering privately has been switched off in your group. Reply to the card of "
                "the topic there, or switch it on again with /private on."
            ),
            button=False,
        )
    member = await gate.member(turn, Action.ANSWER_PRIVATELY, button=False, group=group)
    if isinstance(member, Result):
        return member
    left = await _left(turn, row, group, topic, answered=False)
    if left is not None:
        return left
    assert member.slot is not None
    names = await partners.names(turn.conn, chat_id)
    other = names.get(3 - member.slot, "")
    answers = await progress.answers(turn.conn, chat_id, topic.id, row.round)
    slots = {a.slot for a in answers}
    parts: list[Msg | Joined] = [
        msg("<b>Answer privately</b> for {partner}", partner=names.get(member.slot, "")),
        *board.topic_heading(turn.wheel, topic),
    ]
    parts.append(msg("Reply to this message with your answer, or simply send it here."))
    if slots == {1, 2}:
        parts.append(
            msg(
                "Both organisations have answered already: your answer joins theirs, side by "
                "side in the group."
            )
        )
    elif 3 - member.slot in slots:
        parts.append(
            msg(
                "{other} has answered already: as soon as you answer, both organisations' "
                "answers appear side by side in the group.",
                other=other,
            )
        )
    else:
        parts.append(
            msg(
                "The group sees that you have answered, not what, until {other} has answered "
                "too; then I put both organisations' answers side by side there.",
                other=other,
            )
        )
    mine = next((a for a in answers if a.user_id == member.user_id), None)
    if mine is not None:
        parts.append(
            msg("Your answer so far: “{text}”. A new answer replaces it.", text=mine.text)
        )
    return Result(
        replies=(
            reply(
                *parts,
                force_reply=True,
                placeholder=msg("Your answer"),
                remember=PrivatePrompt(row.id).pack(),
            ),
        )
    )


async def take_answer(turn: Turn, ref: int, text: str | None) -> Result:
    """A reply to a topic's question in a private chat (or the next text message there): the
    person's answer, for their organisation, in the round the question was asked in."""
    message_id = turn.message_id
    found = await _topic_of(turn, None, ref, reply_to=message_id)
    if isinstance(found, Result):
        return found
    row, group, topic = found
    member = await gate.member(
        turn, Action.ANSWER_PRIVATELY, button=False, reply_to=message_id, group=group
    )
    if isinstance(member, Result):
        return member
    left = await _left(turn, row, group, topic, answered=True)
    if left is not None:
        return left
    answer_text = usable_text(text, reply_to=message_id)
    if isinstance(answer_text, Result):
        return answer_text
    assert member.slot is not None
    conn, chat_id = turn.conn, group.chat_id
    # Message id 0: the private chat's message ids are not the group's (see save_answer).
    replaced = await progress.save_answer(
        conn, chat_id, topic.id, member.user_id, member.slot, answer_text, 0, turn.stamp,
        private=True,
    )  # fmt: skip
    closed = await pace.is_closed(conn, chat_id, topic.id, row.round)
    shown, both = await session.answer_shown(
        for_group(turn, group), topic, row.round, replaced=replaced, moved_on=closed,
        invite=group.nudge_auto and not closed,
    )  # fmt: skip
    names = await partners.names(conn, chat_id)
    thanks = (
        msg(
            "Thank you, I've replaced your earlier answer on <b>{topic}</b>.",
            topic=wheel_text(topic.name),
        )
        if replaced
        else msg(
            "Thank you, your answer on <b>{topic}</b> is in, for {partner}.",
            topic=wheel_text(topic.name),
            partner=names.get(member.slot, ""),
        )
    )
    state = (
        msg("Both organisations have answered: the answers are side by side in the group now.")
        if both
        else msg(
            "It stays hidden until {other} has answered too; the group only sees that you "
            "have answered. To change it, send a new answer here.",
            other=names.get(3 - member.slot, ""),
        )
    )
    confirmed = reply(thanks, state, reply_to=message_id)
    return Result(replies=(confirmed, *(dataclasses.replace(r, to_chat=chat_id) for r in shown)))


async def take_next(turn: Turn, text: str | None) -> Result:
    """A text message in a private chat that replies to no question of ours: the answer to the
    newest topic question there, if there is one; otherwise it is not for us."""
    if turn.where.is_group:
        return Result()
    found = await bot_messages.newest(turn.conn, turn.chat_id, PrivatePrompt.kind)
    asked = purposes.read(PrivatePrompt.kind, found[1]) if found is not None else None
    if not isinstance(asked, PrivatePrompt):
        return Result()
    return await take_answer(turn, asked.topic, text)


async def _topic_of(
    turn: Turn, chat_id: int | None, ref: int, *, reply_to: int | None
) -> tuple[private_topics.PrivateTopic, chats.Chat, Topic] | Result:
    """The topic a link (of group ``chat_id``) or a question names, with its group; or the
    refusal when it names nothing we know (any more)."""
    row = await private_topics.get(turn.conn, ref)
    group = await chats.get(turn.conn, row.chat_id) if row is not None else None
    topic = None
    if row is not None and group is not None and chat_id in (None, row.chat_id):
        try:
            topic = turn.wheel.topic(row.topic_id)
        except KeyError:  # a topic the wheel no longer has
            topic = None
    if row is None or group is None or topic is None:
        return refuse(unknown_link(), button=False, reply_to=reply_to)
    return row, group, topic


async def _left(
    turn: Turn,
    row: private_topics.PrivateTopic,
    group: chats.Chat,
    topic: Topic,
    *,
    answered: bool,
) -> Result | None:
    """Kindly refused when the group has left the topic (another topic now, or a new round of
    its stage) since the card was posted; None while it is still there."""
    latest = await rounds.latest(turn.conn, group.chat_id, topic.stage)
    if group.topic == topic.id and latest is not None and latest.number == row.round:
        return None
    name = wheel_text(topic.name)
    if group.topic == topic.id:  # the same topic, in a newer round of its stage
        said = (
            msg(
                "Thank you. That question on <b>{topic}</b> was from an earlier round, so I "
                "haven't recorded this answer. To answer in this round, tap <i>Answer "
                "privately</i> on the newest card of {topic} in the group.",
                topic=name,
            )
            if answered
            else msg(
                "This card of <b>{topic}</b> is from an earlier round, so it no longer takes "
                "answers. To answer in this round, tap <i>Answer privately</i> on the newest "
                "card of {topic} in the group.",
                topic=name,
            )
        )
        return Result(replies=(reply(said, reply_to=turn.message_id if answered else None),))
    said = (
        msg(
            "Thank you. The group has moved on from <b>{topic}</b> since, so I haven't recorded "
            "this answer; you can still bring it up in the group.",
            topic=name,
        )
        if answered
        else msg(
            "The group has moved on from <b>{topic}</b> since this card, so it no longer takes "
            "answers.",
            topic=name,
        )
    )
    parts: list[Msg | Joined] = [said]
    if group.topic is not None and group.private_answers:
        parts.append(
            msg(
                "To answer the current topic, <b>{current}</b>, tap <i>Answer privately</i> on "
                "its card in the group.",
                current=wheel_text(turn.wheel.topic(group.topic).name),
            )
        )
    return Result(replies=(reply(*parts, reply_to=turn.message_id if answered else None),))


def unknown_link() -> Msg:
    return msg(
        "This link does not work (any more). Tap <i>Answer privately</i> on the newest card in "
        "your group."
    )
