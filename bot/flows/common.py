"""Checks and words that several flows share: who may act, and how to refuse."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from bot.db import bot_messages, chats
from bot.domain.buttons import Press
from bot.domain.purposes import Answered, Purpose
from bot.flows.turn import Turn
from bot.render.messages import Button, Msg, Result, listing, msg, plural_msg, reply

#: Longest partner name we accept (it becomes a button label).
MAX_NAME = 60
#: Longest answer, agreement or issue we store (Telegram messages are at most 4096 anyway).
MAX_TEXT = 4096


def anonymous() -> Msg:
    return msg(
        "I can't tell who you are when you write anonymously or as a channel. Please write as "
        "yourself: turn off <i>Remain anonymous</i> in the group's administrator settings."
    )


def not_set_up() -> Msg:
    return msg(
        "This group is not set up yet. Send /start and I'll ask for the names of both "
        "partner organisations."
    )


def not_a_representative(names: dict[int, str]) -> Msg:
    if len(names) == 2:
        return msg(
            "Only the representatives of {first} and {second} can do this. Send /partners and "
            "tap your organisation to join.",
            first=names[1],
            second=names[2],
        )
    return not_set_up()


def facilitated_by(names: list[str]) -> Msg:
    """Who facilitates the group (on the card, in /status and /partners): not a partner."""
    return plural_msg(
        "Facilitator: {names}", "Facilitators: {names}", len(names), names=listing(*names)
    )


def shown_name(name: str | None) -> Msg | str:
    """A person's name, or "a representative" for someone who asked to be forgotten."""
    return name if name else msg("a representative")


def yes_or_no(question: Msg, yes: Msg, answer: Callable[[bool], Press], asked: Purpose) -> Result:
    """A question to confirm with Yes or "No, keep it" (the buttons ``answer(True)`` and
    ``answer(False)``).

    The question is remembered as ``asked``; ``answered_once`` consumes it, so a second press
    or an old copy of the question changes nothing.
    """
    return Result(
        replies=(
            reply(
                question,
                buttons=(
                    (
                        Button(yes, answer(True).pack()),
                        Button(msg("No, keep it"), answer(False).pack()),
                    ),
                ),
                remember=asked.pack(),
            ),
        )
    )


async def answered_once(turn: Turn, asked: type[Purpose]) -> Result | None:
    """None for the first answer to a ``yes_or_no`` question (the message pressed); after it,
    what to say instead."""
    if await bot_messages.take(
        turn.conn, turn.chat_id, turn.message_id, asked.kind, Answered.kind
    ):
        return None
    return Result(notice=already_answered())


def already_answered() -> Msg:
    return msg("That question has already been answered.")


def stale_button() -> Msg:
    """A button whose purpose is gone: say what to do instead."""
    return msg("This button no longer works. Send /status to see where you are.")


def no_topic() -> Msg:
    return msg("Choose a stage first with /stage; agreements and open issues belong to a topic.")


def refuse(text: Msg, *, button: bool, reply_to: int | None = None) -> Result:
    """Refuse politely: an alert on a button, a message in the chat otherwise."""
    if button:
        return Result(notice=text, alert=True)
    return Result(replies=(reply(text, reply_to=reply_to),))


def set_up_chat(turn: Turn, *, button: bool = False) -> chats.Chat | Result:
    """Return the chat when its partners are named, or the refusal that says how to set up."""
    chat = turn.chat
    if chat is None or not chat.partners_named:
        return refuse(not_set_up(), button=button)
    return chat


#: Characters that show nothing: format characters (zero-width space and joiner, BOM, ...) and
#: the blank letters people use to send "empty" text (Hangul fillers, the braille blank).
_INVISIBLE = re.compile(r"[\u115f\u1160\u2800\u3164\uffa0]")


def _visible(text: str) -> str:
    """The text without the characters that show nothing."""
    return "".join(c for c in _INVISIBLE.sub("", text) if unicodedata.category(c) != "Cf")


def clean_text(text: str | None) -> str | None:
    """The text as people mean it: NFC (one form for "é"), stripped, line breaks kept; None when
    nothing visible is left."""
    if text is None:
        return None
    normal = unicodedata.normalize("NFC", text).strip()
    if not _visible(normal).strip():
        return None
    return normal


def same_name(first: str, second: str) -> bool:
    """Two organisation names are the same regardless of case, accent form, spacing and
    invisible characters ("Van Dam" and "Van" + zero-width space + "Dam"; "Café" in NFC and
    NFD)."""

    def key(name: str) -> str:
        # Spaces are left out too: an invisible character often stands where a space was meant.
        visible = _visible(unicodedata.normalize("NFC", name))
        return "".join(visible.casefold().split())

    return key(first) == key(second)


def text_problem(text: str | None, *, limit: int = MAX_TEXT) -> Msg | None:
    """Say what is wrong with a text reply, or None when it is fine."""
    if text is None:
        return msg("I can only read text here. Please reply with a written message.")
    if clean_text(text) is None:
        return msg("That reply is empty. Please reply again with a few words.")
    if len(text) > limit:
        return plural_limit(limit)
    return None


def plural_limit(limit: int) -> Msg:
    return msg(
        "That is longer than I can keep ({limit} characters at most). Please shorten it.",
        limit=limit,
    )


def topic_or_current(turn: Turn, topic_id: str | None) -> str | None:
    """The topic a button named, else the chat's current topic (None before a stage is chosen)."""
    if topic_id is not None:
        return topic_id
    return turn.chat.topic if turn.chat else None
