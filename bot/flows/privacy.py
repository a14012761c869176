"""People's data in their own hands: ``/mydata`` shows a person what is kept about them,
``/forgetme`` erases their name and id everywhere, and ``/forgetgroup`` (the person who set the
group up or an administrator, confirmed with a button) erases everything about a group."""

from __future__ import annotations

from bot.db import chats
from bot.db.maintenance import erase_chat, forget_person, personal_data
from bot.domain.buttons import ForgetGroupAnswer, ForgetMeAnswer
from bot.domain.permissions import Action
from bot.domain.purposes import ForgetGroupQuestion, ForgetMeQuestion
from bot.domain.wheel import Wheel
from bot.flows import gate
from bot.flows.common import answered_once, refuse, yes_or_no
from bot.flows.turn import Turn, known_chat
from bot.i18n import LANGUAGES
from bot.render.messages import (
    Joined,
    Msg,
    Raw,
    Reply,
    Result,
    lines,
    msg,
    plural_msg,
    reply,
    wheel_text,
)


async def ask_forget_group(turn: Turn) -> Result:
    """``/forgetgroup``: ask to confirm erasing everything about the group."""
    if turn.chat is None:
        return Result(replies=(reply(msg("I keep nothing about this group.")),))
    refused = await gate.check(turn, Action.FORGETGROUP, button=False)
    if refused is not None:
        return refused
    return yes_or_no(
        msg(
            "Erase everything I keep about this group? The partner names, who represents "
            "whom, every answer, agreement, open issue and reminder are deleted, and "
            "cannot be brought back."
        ),
        msg("Yes, erase everything"),
        ForgetGroupAnswer,
        ForgetGroupQuestion(),
    )


async def forget_group(turn: Turn, erase: bool) -> Result:
    """The answer to the question of ``/forgetgroup``."""
    chat, message_id = turn.chat, turn.message_id
    if chat is None:
        return Result(notice=msg("Nothing is kept about this group any more."))
    refused = await gate.check(turn, Action.FORGETGROUP, button=True) or await answered_once(
        turn, ForgetGroupQuestion
    )
    if refused is not None:
        return refused
    if not erase:
        kept = reply(msg("Nothing was erased."), edit=message_id)
        return Result(replies=(kept,), notice=msg("Nothing changed."))
    await erase_chat(turn.conn, turn.chat_id)
    # A bare row, so the last word comes in the group's own language.
    await chats.create(
        turn.conn, turn.chat_id, chat.kind, None, chat.language, chat.timezone, turn.stamp
    )
    done = reply(
        msg(
            "Everything I kept about this group is erased. To start again, send /start; if you "
            "no longer need me, remove me from the group."
        ),
        edit=message_id,
    )
    return Result(replies=(done,), notice=msg("Erased."))


async def my_data(turn: Turn) -> Result:
    """``/mydata``: in a private chat, everything the bot keeps about the person; in a group,
    how to ask for it without showing it to the group."""
    refused = await gate.check(turn, Action.MYDATA, button=False)
    if refused is not None:
        return refused
    if turn.where.is_group:
        return Result(
            replies=(
                reply(
                    msg(
                        "I don't show your data in the group: open a private chat with me (tap "
                        "my name, then Start) and send /mydata there."
                    )
                ),
            )
        )
    await known_chat(turn)
    assert turn.actor.user_id is not None  # the gate refuses who cannot be told apart
    found = await personal_data(turn.conn, turn.actor.user_id)
    if not found.groups and not found.answers:
        return Result(replies=(reply(msg("I keep nothing about you.")),))
    parts: list[Msg | Joined] = [msg("<b>What I keep about you</b>")]
    parts.append(
        lines(
            msg("<b>Groups</b>"),
            *(
                msg("• {group}: {name}, for {partner}", group=g, name=n, partner=p or "–")
                for g, p, n in found.groups
            ),
        )
    )
    if found.answers:
        parts.append(
            lines(
                msg("<b>Your answers</b>"),
                *(
                    msg("• {group}, {topic}: {text}", group=g, topic=_topic(turn.wheel, t), text=x)
                    for g, t, x in found.answers
                ),
            )
        )
    if found.agreements:
        parts.append(
            lines(
                msg("<b>Agreements you proposed or confirmed</b>"),
                *(msg("• {group}: {text}", group=g, text=x) for g, x, _ in found.agreements),
            )
        )
    if found.issues:
        parts.append(
            lines(
                msg("<b>Open issues you noted</b>"),
                *(msg("• {group}: {text}", group=g, text=x) for g, x in found.issues),
            )
        )
    parts.append(plural_msg("{n} reminder you set.", "{n} reminders you set.", found.reminders))
    if found.checkup_marks:
        parts.append(
            plural_msg(
                "{n} check-up mark you gave for your organisation.",
                "{n} check-up marks you gave for your organisation.",
                found.checkup_marks,
            )
        )
    if found.holds:
        parts.append(
            plural_msg(
                "{n} time you said for your organisation that an agreement still holds.",
                "{n} times you said for your organisation that an agreement still holds.",
                found.holds,
            )
        )
    if found.started:
        parts.append(
            plural_msg(
                "{n} check-up or position check you started.",
                "{n} check-ups and position checks you started.",
                found.started,
            )
        )
    if found.position_ratings:
        parts.append(
            plural_msg(
                "{n} rating you gave in a position check; the group sees it only in your "
                "organisation's average.",
                "{n} ratings you gave in position checks; the group sees them only in your "
                "organisation's average.",
                found.position_ratings,
            )
        )
    parts.append(msg("Besides this, your Telegram id is stored with each of these."))
    return Result(replies=(Reply(parts=tuple(parts)),))


def _topic(wheel: Wheel, topic_id: str) -> Raw | str:
    try:
        return wheel_text(wheel.topic(topic_id).name)
    except KeyError:
        return topic_id


async def ask_forget_me(turn: Turn) -> Result:
    """``/forgetme``: ask the person to confirm that the bot forgets them."""
    refused = await gate.check(turn, Action.FORGETME, button=False)
    if refused is not None:
        return refused
    asker = turn.actor.user_id
    assert asker is not None  # the gate refuses who cannot be told apart
    await known_chat(turn)
    return yes_or_no(
        msg(
            "Shall I forget you? Your name and Telegram ID are erased in every group. What you "
            "answered, proposed or confirmed stays, in the name of “a representative of your "
            "organisation”, so that the other partner's record still adds up. You no longer "
            "represent anyone."
        ),
        msg("Yes, forget me"),
        lambda erase: ForgetMeAnswer(erase, asker),
        ForgetMeQuestion(asker),
    )


async def forget_me(turn: Turn, erase: bool, asker: int) -> Result:
    """The answer to the question of ``/forgetme``: only the person who asked answers it."""
    message_id = turn.message_id
    if turn.actor.user_id is None or turn.actor.user_id != asker:
        return refuse(msg("This question is for the person who asked."), button=True)
    already = await answered_once(turn, ForgetMeQuestion)
    if already is not None:
        return already
    if not erase:
        return Result(
            replies=(reply(msg("Nothing was erased."), edit=message_id),),
            notice=msg("Nothing changed."),
        )
    # What the bot still owes any chat, and the copies of what it sent, name them as they are
    # named after the erasure: "a representative", in each chat's language.
    anonymous = {
        language: turn.words_in(language, msg("a representative"), "") for language in LANGUAGES
    }
    groups = await forget_person(
        turn.conn, asker, turn.stamp, names=[turn.actor.name], anonymous=anonymous
    )
    done = reply(
        plural_msg(
            "Done: your name and ID are erased from {n} group. What you said stays, in the "
            "name of a representative of your organisation.",
            "Done: your name and ID are erased from {n} groups. What you said stays, in the "
            "name of a representative of your organisation.",
            groups,
        ),
        edit=message_id,
    )
    return Result(replies=(done,), notice=msg("Erased."))
