"""Turn a flow's Reply into what Telegram receives: translated HTML text chunks and markup.

The only module that knows gettext, Babel formats and Telegram markup. Every value embedded in a
template is escaped here, and long output is split so no message exceeds Telegram's limit.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.domain.moments import format_clock, format_day
from bot.i18n import Translator
from bot.render.messages import Arg, Button, Joined, Mention, Msg, Raw, Reply, WallTime, msg

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
MAX_CALLBACK_DATA = 64
#: A start deep link as stored: the outbox puts the bot's username in place of ``{bot}``.
START_LINK = "https://t.me/{bot}?start="
_TAG = re.compile(r"<[^>]*>")
#: U+00AD: where a word may be broken with a hyphen (only the picture does).
SOFT_HYPHEN = "\u00ad"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Bot API message: HTML text, its markup, and the purpose it is remembered under."""

    text: str
    markup: InlineKeyboardMarkup | ForceReply | None = None
    remember: tuple[str, str] | None = None


def utf16_len(text: str) -> int:
    """Count UTF-16 code units, the unit Telegram limits text in."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(html_text: str) -> str:
    """Return what users see of HTML text (tags removed, entities decoded)."""
    return html.unescape(_TAG.sub("", html_text))


def text(t: Translator, message: Msg | Raw | Joined | Mention | str) -> str:
    """Translate a message and fill its placeholders, escaping every embedded value."""
    if isinstance(message, Joined):
        return message.separator.join(text(t, part) for part in message.parts)
    if isinstance(message, Mention):
        return mention(message)
    if isinstance(message, str):
        return html.escape(message, quote=False)
    if isinstance(message, Raw):
        # A name of the wheel may carry soft hyphens, where the picture may break it; a message
        # is no place to break one (some clients show the hyphen), so they go.
        return html.escape(t.gettext(message.text).replace(SOFT_HYPHEN, ""), quote=False)
    if message.plural is not None:
        template = t.ngettext(message.msgid, message.plural, message.n)
    else:
        template = t.gettext(message.msgid)
    if not message.args:
        return template
    return template.format(**{k: _arg(t, v) for k, v in message.args.items()})


def mention(person: Mention) -> str:
    """``@username`` (Telegram links and notifies it by itself), or the name as a link to the
    person's id for someone without a username."""
    if person.username:
        return "@" + html.escape(person.username, quote=False)
    name = html.escape(person.name, quote=False)
    return f'<a href="tg://user?id={int(person.user_id)}">{name}</a>'


def label(t: Translator, message: Msg | Raw | str) -> str:
    """Translate a button label or placeholder (plain text, no HTML)."""
    return plain_text(text(t, message))


def _arg(t: Translator, value: Arg) -> str:
    if isinstance(value, Msg | Raw | Joined | Mention):
        return text(t, value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return t.number(value)
    if isinstance(value, WallTime):
        day = format_day(value.local, t.language)
        clock = format_clock(value.local, t.language)
        return text(t, msg("{day} at {time}", day=day, time=clock))
    if isinstance(value, dt.datetime):
        return html.escape(t.datetime(value), quote=False)
    if isinstance(value, dt.date):
        return html.escape(t.date(value), quote=False)
    return html.escape(str(value), quote=False)


def keyboard(t: Translator, rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    """Build an inline keyboard, refusing callback data Telegram would refuse."""
    for row in rows:
        for button in row:
            if button.start is not None:
                continue
            size = len(button.data.encode("utf-8"))
            if not 1 <= size <= MAX_CALLBACK_DATA:
                raise ValueError(f"callback data of {size} bytes: {button.data!r}")
    return InlineKeyboardMarkup([[_button(t, b) for b in row] for row in rows])


def _button(t: Translator, button: Button) -> InlineKeyboardButton:
    if button.start is not None:
        return InlineKeyboardButton(label(t, button.label), url=START_LINK + button.start)
    return InlineKeyboardButton(label(t, button.label), callback_data=button.data)


def markup(t: Translator, reply: Reply) -> InlineKeyboardMarkup | ForceReply | None:
    """Return the markup of a reply: buttons, a force-reply prompt, or nothing."""
    if reply.buttons:
        return keyboard(t, reply.buttons)
    if reply.force_reply:
        placeholder = label(t, reply.placeholder)[:64] if reply.placeholder else None
        return ForceReply(selective=False, input_field_placeholder=placeholder)
    return None


def render(t: Translator, reply: Reply) -> list[Outgoing]:
    """Render a reply as one or more messages; the markup and the purpose go on the last one.

    A button counts only on a message remembered as carrying it (``bot/handlers/routes.py``):
    a reply with buttons but no purpose is a mistake, refused here."""
    if reply.remember is None and any(b.start is None for row in reply.buttons for b in row):
        raise ValueError("a reply with buttons must be remembered with its purpose")
    chunks = split_paragraphs([text(t, part) for part in reply.parts])
    if reply.overflow is not None and len(chunks) > reply.most:
        return [Outgoing(chunks[0]), *render(t, reply.overflow)]
    last = len(chunks) - 1
    return [
        Outgoing(chunk, markup(t, reply), reply.remember) if i == last else Outgoing(chunk)
        for i, chunk in enumerate(chunks)
    ]


def split_paragraphs(paragraphs: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Join HTML paragraphs into as few messages as fit; cut an over-long paragraph as plain text."""
    chunks: list[str] = []
    current = ""
    for paragraph in paragraphs:
        pieces = (
            [paragraph] if utf16_len(plain_text(paragraph)) <= limit else _cut(paragraph, limit)
        )
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if utf16_len(plain_text(candidate)) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current or not chunks:
        chunks.append(current)
    return chunks


def _cut(paragraph: str, limit: int) -> list[str]:
    """Cut one paragraph's plain text into pieces within the limit, preferring line breaks."""
    plain = plain_text(paragraph)
    pieces = []
    while plain:
        end = _fitting(plain, limit)
        if end < len(plain):
            newline = plain.rfind("\n", 0, end + 1)
            space = plain.rfind(" ", 0, end + 1)
            end = newline if newline > end // 2 else (space if space > end // 2 else end)
        pieces.append(html.escape(plain[:end], quote=False))
        plain = plain[end:].lstrip("\n ") if end < len(plain) else ""
    return pieces


def _fitting(plain: str, limit: int) -> int:
    """Return the length of the longest prefix of ``plain`` within ``limit`` UTF-16 units."""
    units = 0
    for index, char in enumerate(plain):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return max(1, index)
    return len(plain)
