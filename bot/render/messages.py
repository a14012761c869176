"""Words as data: flows describe what to say with ``msg``/``plural_msg``; ``render`` translates.

``msg`` and ``plural_msg`` are the gettext keywords Babel extracts (see ``[tool.babel]``), so a flow
never needs a translator and never imports ``telegram``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict, Union, Unpack

#: A value that can fill a placeholder: user text (escaped when rendered), a number, a date, or
#: another message (translated first).
Arg = Union[str, int, float, dt.date, dt.datetime, "WallTime", "Msg", "Raw", "Joined", "Mention"]


@dataclass(frozen=True, slots=True)
class WallTime:
    """A moment as people read it: weekday, date and time of day, in its own time zone."""

    local: dt.datetime


@dataclass(frozen=True, slots=True)
class Mention:
    """A person named so that Telegram notifies them: ``@username``, or for someone without a
    username their name as a link to their id (a text mention)."""

    user_id: int
    name: str
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Raw:
    """Text from the wheel file that must be translated but was not marked in Python code."""

    text: str


@dataclass(frozen=True, slots=True)
class Msg:
    """A translatable message with its placeholder values."""

    msgid: str
    args: Mapping[str, Arg] = field(default_factory=dict)
    plural: str | None = None
    n: int = 1


@dataclass(frozen=True, slots=True)
class Joined:
    """Several messages shown as one paragraph, e.g. one line each."""

    parts: tuple[Msg | Raw | Joined | Mention | str, ...]  # a str is user text, as written
    separator: str = "\n"


def lines(*parts: Msg | Raw | Joined | Mention | str) -> Joined:
    """Show messages one per line in a single paragraph."""
    return Joined(parts)


def listing(*parts: Msg | Raw | Joined | Mention | str) -> Joined:
    """Show messages as a comma-separated list."""
    return Joined(parts, ", ")


def msg(msgid: str, /, **args: Arg) -> Msg:
    """Mark ``msgid`` for translation, with values for its ``{placeholders}``."""
    return Msg(msgid, args)


def plural_msg(singular: str, plural: str, n: int, /, **args: Arg) -> Msg:
    """Mark a message whose form depends on ``n`` (available as ``{n}``)."""
    return Msg(singular, {"n": n, **args}, plural, n)


def wheel_text(text: str) -> Raw:
    """Wrap a name or question from ``wheel.yaml`` so that it is translated when rendered."""
    return Raw(text)


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: a translated label and its data, packed by ``bot.domain.buttons``."""

    #: A message, a name from the wheel file (e.g. a stage), or user text shown as written.
    label: Msg | Raw | str
    data: str
    #: Instead of data: a start deep link to the bot with this payload (``t.me/<bot>?start=``);
    #: the outbox fills in the bot's username when it sends the message.
    start: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send (or to put in place of an earlier one)."""

    parts: tuple[Msg | Joined, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    force_reply: bool = False
    placeholder: Msg | None = None
    reply_to: int | None = None
    #: Remember the sent message under this purpose, packed by ``bot.domain.purposes``
    #: (``PartnerName(1).pack()`` is ``("partner-name", "1")``).
    remember: tuple[str, str] | None = None
    #: Put this reply in place of an earlier bot message (sent anew if that one is gone).
    edit: int | None = None
    #: Not a message: this reaction on the message ``reply_to`` (e.g. "👍").
    react: str | None = None
    #: A file made when it is delivered (``wheel``: the picture, ``export``: the document),
    #: with ``parts`` as its caption.
    file: str | None = None
    #: When the text needs more than ``most`` messages: only its first message, then
    #: ``overflow`` (e.g. the offer of a document that holds it all).
    most: int = 0
    overflow: Reply | None = None
    #: Send to this chat instead of the chat of the update (e.g. a rating in a private chat
    #: that updates the group's message); rendered in that chat's language.
    to_chat: int | None = None


def reaction(emoji: str, message_id: int) -> Reply:
    """Acknowledge a person's message with a reaction instead of a message of our own."""
    return Reply(parts=(), reply_to=message_id, react=emoji)


@dataclass(frozen=True, slots=True)
class Result:
    """What a flow decided: messages for the chat and, for a button press, a short notice."""

    replies: tuple[Reply, ...] = ()
    notice: Msg | None = None
    alert: bool = False


class ReplyOptions(TypedDict, total=False):
    """The fields of a Reply other than its parts, as ``reply`` takes them."""

    buttons: tuple[tuple[Button, ...], ...]
    force_reply: bool
    placeholder: Msg | None
    reply_to: int | None
    remember: tuple[str, str] | None
    edit: int | None
    react: str | None
    file: str | None
    most: int
    overflow: Reply | None
    to_chat: int | None


def reply(*parts: Msg | Joined, **options: Unpack[ReplyOptions]) -> Reply:
    """Build a Reply from paragraphs and options."""
    return Reply(parts=parts, **options)
