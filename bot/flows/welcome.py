"""Greeting a group, /start, /help, /language and unknown commands."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.db import chats
from bot.domain.buttons import make
from bot.i18n import LANGUAGES, language_for
from bot.render.messages import Button, Msg, Reply, msg


@dataclass(frozen=True, slots=True)
class Where:
    """The chat an update came from, and who sent it."""

    chat_id: int
    kind: str
    title: str | None
    user_language: str | None
    timezone: str
    now: str
    #: The forum topic thread the update was addressed in (None outside forum topics).
    thread_id: int | None = None

    @property
    def is_group(self) -> bool:
        return self.kind in ("group", "supergroup")


async def chat_for(conn: aiosqlite.Connection, where: Where) -> chats.Chat:
    """Return the chat, creating it in the language of whoever we meet first."""
    return await chats.create(
        conn,
        where.chat_id,
        where.kind,
        where.title,
        language_for(where.user_language),
        where.timezone,
        where.now,
    )


def _intro() -> Msg:
    return msg(
        "I help two partner organisations talk through the <b>Impact through Collaboration</b> "
        "wheel: 21 questions in three stages, one topic at a time. I keep track of "
        "what you agree on and of what is still open, and I remind you to come back to it later."
    )


async def bot_added(conn: aiosqlite.Connection, where: Where) -> list[Reply]:
    """Greet a group once each time the bot is added (Telegram may announce it twice)."""
    chat = await chat_for(conn, where)
    if chat.active and chat.greeted_at:
        return []
    await chats.set_presence(conn, chat.chat_id, active=True, greeted_at=where.now, now=where.now)
    if chat.setup_step != "none":
        # Added back to a group that had begun: what it recorded was kept while the bot was out.
        return [
            Reply(
                parts=(
                    msg("Good to be back! Everything you recorded is still here."),
                    msg("Send /status to see where you are, or /start to carry on."),
                )
            )
        ]
    return [
        Reply(
            parts=(
                msg("Hello everyone! Thanks for adding me."),
                _intro(),
                msg("Send /start when both partners are here, and I'll guide you from there."),
            )
        )
    ]


async def bot_removed(conn: aiosqlite.Connection, where: Where) -> list[Reply]:
    """Remember that the bot left the chat, so it greets again when it is added back."""
    await chats.set_presence(conn, where.chat_id, active=False, greeted_at=None, now=where.now)
    return []


async def start(conn: aiosqlite.Connection, where: Where, bot_username: str) -> list[Reply]:
    """``/start`` in a private chat: explain how to add the bot to a group."""
    await chat_for(conn, where)
    return [
        Reply(
            parts=(
                msg("Hi! I work in a group chat with both partner organisations."),
                _intro(),
                msg(
                    "How to begin:\n"
                    "1. Create a Telegram group with the people of both organisations.\n"
                    "2. Add me to it: open the group, tap its name, then <i>Add members</i> "
                    "and search for @{bot}.\n"
                    "3. Send /start in the group.",
                    bot=bot_username,
                ),
            )
        )
    ]


async def help_text(
    conn: aiosqlite.Connection, where: Where, retention_days: int = 180
) -> list[Reply]:
    """List what the bot can do."""
    await chat_for(conn, where)
    return [
        Reply(
            parts=(
                msg("<b>What I can do</b>"),
                msg(
                    "/start – set up the group, or pick up where you were\n"
                    "/partners – who represents which organisation\n"
                    "/stage – choose a stage: orientation, integration or transformation\n"
                    "/skip – skip this topic · /back – the previous topic\n"
                    "/agree – propose an agreement · /issue – note an open issue\n"
                    "/issues – the open issues · /status – where you are\n"
                    "/summary – agreements and open issues · /agreements – just the agreements\n"
                    "/wheel – a picture of where you stand · /export – a PDF to keep and share\n"
                    "/remind – set a reminder · /reminders – the reminders set\n"
                    "/timezone – the group's time zone\n"
                    "/rename, /reset – change the set-up\n"
                    "/language – Dutch or English for this chat"
                ),
                msg(
                    "Answer a topic by replying to its card (on a phone: swipe left on it). I only "
                    "see replies to my messages, commands and buttons: a message that is not a "
                    "reply does not reach me."
                ),
                msg(
                    "I keep this group's partner names, who represents whom, and its answers, "
                    "agreements, open issues and reminders, until {days} days after I am removed "
                    "from the group. /forgetgroup erases them at once.",
                    days=retention_days,
                ),
            )
        )
    ]


def _language_buttons() -> tuple[tuple[Button, ...], ...]:
    # Each language's name in that language, so people find their own.
    return ((Button("Nederlands", make("lang", "nl")), Button("English", make("lang", "en"))),)


async def language(conn: aiosqlite.Connection, where: Where, argument: str | None) -> list[Reply]:
    """Show or change the chat's language (``/language nl``, ``/language en``)."""
    await chat_for(conn, where)
    choice = (argument or "").strip().lower()
    choice = {"nederlands": "nl", "dutch": "nl", "english": "en", "engels": "en"}.get(
        choice, choice
    )
    if choice in LANGUAGES:
        return await set_language(conn, where, choice)
    parts = [msg("I speak English in this chat. Choose a language:")]
    if choice:
        parts.insert(0, msg("I don't know the language “{choice}”.", choice=argument or ""))
    return [Reply(parts=tuple(parts), buttons=_language_buttons())]


async def set_language(conn: aiosqlite.Connection, where: Where, choice: str) -> list[Reply]:
    """Switch the chat to ``choice`` and confirm it in the new language."""
    await chat_for(conn, where)
    if choice not in LANGUAGES:
        return []
    await chats.set_language(conn, where.chat_id, choice, where.now)
    return [Reply(parts=(msg("From now on I'll speak English in this chat."),))]


def unknown_command(command: str) -> list[Reply]:
    """Answer a command the bot does not know with a pointer to /help."""
    return [
        Reply(
            parts=(
                msg(
                    "I don't know the command /{command}. Send /help to see what I can do.",
                    command=command,
                ),
            )
        )
    ]
