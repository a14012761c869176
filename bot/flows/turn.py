"""The turn: everything a flow knows about the update it decides on, as one value.

``run_flow`` (``bot/handlers/turn.py``) builds a ``Turn`` inside the update's transaction and hands
it to the flow: the open transaction, the wheel, where the update came from, who acts, the moment,
the chat as stored when the turn began, and the message handled. A flow reads and writes only
through ``turn.conn`` and never awaits anything else, so it can run wherever the transaction
runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.db import chats, now_text
from bot.db.tx import Tx
from bot.domain.wheel import Wheel
from bot.i18n import language_for
from bot.render.messages import Msg, Reply, Result


@dataclass(frozen=True, slots=True)
class Where:
    """The chat an update came from, as Telegram describes it."""

    chat_id: int
    kind: str
    title: str | None
    #: The sender's Telegram language: a chat the bot meets for the first time starts in it.
    user_language: str | None
    #: The time zone a chat the bot meets for the first time starts in (the operator's default).
    timezone: str
    #: The forum topic thread the update was addressed in (None outside forum topics).
    thread_id: int | None = None

    @property
    def is_group(self) -> bool:
        return self.kind in ("group", "supergroup")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a Telegram user, or nobody we can identify (anonymous admin, channel)."""

    user_id: int | None
    name: str
    #: Whether they administer the group; None until the gate needed to know (asking is a Bot
    #: API call, which a flow cannot make: see ``AdminStatusNeeded``).
    is_admin: bool | None = None


class AdminStatusNeeded(Exception):
    """The gate needs to know whether the actor administers the group, and nobody asked yet.

    ``run_flow`` lets the transaction roll back, asks Telegram, and runs the flow again with the
    answer in ``Actor.is_admin``.
    """


@dataclass(frozen=True, slots=True)
class Turn:
    """One update's turn, as the flows see it."""

    #: The turn's write transaction.
    conn: Tx
    wheel: Wheel
    where: Where
    actor: Actor
    #: The moment of the turn, in UTC, to the second (as the tables store it: ``stamp``).
    now: dt.datetime
    #: The chat as stored when the turn began; None when the bot has not met it yet
    #: (``known_chat`` creates it). A flow that changes the chat reads it again if it must.
    chat: chats.Chat | None
    #: The message handled, or the message whose button was pressed (0: none).
    message_id: int = 0
    #: The bot message that the handled message replies to.
    replied_to: int | None = None
    #: A message as plain text in the chat's language, for what the bot writes down on the
    #: group's behalf (an open issue a check-up opens). None where nothing is translated.
    say: Callable[[Msg], str] | None = None
    #: A message as plain text in a given language, for what the bot rewrites in other chats
    #: (a forgotten person's name in what it still owes them). None where nothing is translated.
    say_in: Callable[[str, Msg], str] | None = None

    def words(self, message: Msg, fallback: str) -> str:
        """``message`` in the chat's language, or ``fallback`` without a translator."""
        return self.say(message) if self.say is not None else fallback

    def words_in(self, language: str, message: Msg, fallback: str) -> str:
        """``message`` in ``language``, or ``fallback`` without a translator."""
        return self.say_in(language, message) if self.say_in is not None else fallback

    @property
    def chat_id(self) -> int:
        return self.where.chat_id

    @property
    def stamp(self) -> str:
        """The moment of the turn as every table stores it."""
        return now_text(self.now)


#: What a flow may return: replies, or a Result that also answers a button press.
Outcome = list[Reply] | Result
#: A flow, ready to run in a turn.
Flow = Callable[[Turn], Awaitable[Outcome]]


def moment(clock: dt.datetime) -> dt.datetime:
    """The turn's ``now`` for a clock reading: UTC, whole seconds (what the tables keep)."""
    return clock.astimezone(dt.UTC).replace(microsecond=0)


async def known_chat(turn: Turn) -> chats.Chat:
    """The turn's chat; created, in the language of whoever we meet first, on first contact."""
    if turn.chat is not None:
        return turn.chat
    where = turn.where
    return await chats.create(
        turn.conn,
        where.chat_id,
        where.kind,
        where.title,
        language_for(where.user_language),
        where.timezone,
        turn.stamp,
    )
