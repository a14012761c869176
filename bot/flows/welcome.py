"""Greeting a group, /start, /help, /language and unknown commands; the bot joining, leaving,
and following a group to its supergroup id."""

from __future__ import annotations

import logging

from bot.db import chats
from bot.domain.buttons import ChooseLanguage
from bot.domain.purposes import LanguageQuestion
from bot.flows.turn import Turn, known_chat
from bot.i18n import LANGUAGES
from bot.render.messages import Button, Msg, Reply, msg

log = logging.getLogger(__name__)


def _intro() -> Msg:
    return msg(
        "I help two partner organisations talk through the <b>Impact through Collaboration</b> "
        "wheel: 21 questions in three stages, one topic at a time. I keep track of "
        "what you agree on and of what is still open, and I remind you to come back to it later."
    )


async def bot_added(turn: Turn) -> list[Reply]:
    """Greet a group once each time the bot is added (Telegram may announce it twice)."""
    chat = await known_chat(turn)
    if chat.active and chat.greeted_at:
        return []
    await chats.set_presence(
        turn.conn, chat.chat_id, active=True, greeted_at=turn.stamp, now=turn.stamp
    )
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


async def bot_removed(turn: Turn) -> list[Reply]:
    """Remember that the bot left the chat, so it greets again when it is added back."""
    await chats.set_presence(
        turn.conn, turn.chat_id, active=False, greeted_at=None, now=turn.stamp
    )
    return []


async def migrated(turn: Turn, old_id: int, new_id: int) -> list[Reply]:
    """A group became a supergroup: its new id takes over everything (Telegram says so in both;
    the second notice finds nothing left to move)."""
    move = await chats.migrate(turn.conn, old_id, new_id, turn.stamp)
    if move in chats.MOVE_LOG:
        level, text = chats.MOVE_LOG[move]
        log.log(level, text, old_id, new_id)
    return []


async def start(turn: Turn, bot_username: str) -> list[Reply]:
    """``/start`` in a private chat: explain how to add the bot to a group."""
    await known_chat(turn)
    return [
        Reply(
            parts=(
                msg(
                    "Hi! I only work in a group chat with people from both partner organisations."
                ),
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


async def help_text(turn: Turn, retention_days: int = 180) -> list[Reply]:
    """List what the bot can do."""
    await known_chat(turn)
    return [
        Reply(
            parts=(
                msg("<b>What I can do</b>"),
                msg(
                    "/start – set up the group, or pick up where you were\n"
                    "/partners – who represents which organisation\n"
                    "/stage – choose a stage: orientation, integration or transformation\n"
                    "/topics – the wheel as a map: go to any topic\n"
                    "/skip – skip this topic · /back – the previous topic\n"
                    "/nudge – name who has not answered this topic yet\n"
                    "/agree – propose an agreement · /issue – note an open issue\n"
                    "/issues – the open issues · /status – where you are\n"
                    "/summary – agreements and open issues · /agreements – just the agreements\n"
                    "/wheel – a picture of where you stand · /export – a PDF to keep and share\n"
                    "/position – where does your collaboration stand? Each of you rates it "
                    "privately\n"
                    "/remind – set a reminder · /reminders – the reminders set\n"
                    "/timezone – the group's time zone\n"
                    "/rename, /reset – change the set-up\n"
                    "/language – Dutch or English for this chat"
                ),
                msg(
                    "<b>Check-ups</b>: each agreement gets a check-up date, three months after it "
                    "is confirmed (or the day of its stage's reminder). On that day I ask both "
                    "organisations whether it was kept. /checkup – check all agreements now · "
                    "<code>/checkup date 2 1 June 2027</code> – move the check-up of agreement 2 "
                    "(numbered as in /agreements)."
                ),
                msg(
                    "<b>Action items</b>: an open issue that one organisation, or both, picks up "
                    "by a date. At the end of a stage I ask who picks up each open issue; on its "
                    "date I remind you. <code>/action 2 both in 2 weeks</code> – make open issue "
                    "2 (numbered as in /issues) an action item."
                ),
                msg(
                    "<b>Facilitator</b>: the person who set up the group can name someone who "
                    "represents neither partner to steer the session: reply to a message of "
                    "theirs with /facilitator. A facilitator moves the group along, and does not "
                    "answer, propose, confirm or rate."
                ),
                msg(
                    "<b>New in the group?</b> Tap your organisation under /partners. Once the "
                    "group has started, a colleague from your organisation confirms you; then "
                    "you get a briefing in a private chat with me."
                ),
                msg(
                    "Answer a topic by replying to its card (on a phone: swipe left on it). I only "
                    "see replies to my messages, commands and buttons: a message that is not a "
                    "reply does not reach me."
                ),
                msg(
                    "<b>Answering privately</b>: /private on puts an <i>Answer privately</i> "
                    "button on each card. It opens a private chat with me, where you answer on "
                    "your own; the group sees who has answered, not what, until both "
                    "organisations have. /private off switches it off."
                ),
                msg(
                    "When you have talked a topic through, press <b>Ready</b>: one Ready from "
                    "each organisation takes you to the next topic, and so does one from the "
                    "person who set up the group. <code>/nudge auto on</code> lets me invite "
                    "the quieter organisation on a topic by name."
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
    return (
        (
            Button("Nederlands", ChooseLanguage("nl").pack()),
            Button("English", ChooseLanguage("en").pack()),
        ),
    )


async def language(turn: Turn, argument: str | None) -> list[Reply]:
    """Show or change the chat's language (``/language nl``, ``/language en``)."""
    await known_chat(turn)
    choice = (argument or "").strip().lower()
    choice = {"nederlands": "nl", "dutch": "nl", "english": "en", "engels": "en"}.get(
        choice, choice
    )
    if choice in LANGUAGES:
        return await set_language(turn, choice)
    parts = [msg("I speak English in this chat. Choose a language:")]
    if choice:
        parts.insert(0, msg("I don't know the language “{choice}”.", choice=argument or ""))
    return [
        Reply(parts=tuple(parts), buttons=_language_buttons(), remember=LanguageQuestion().pack())
    ]


async def set_language(turn: Turn, choice: str, *, edit: int | None = None) -> list[Reply]:
    """Switch the chat to ``choice`` and confirm it in the new language (in place of the
    question ``edit``, for a button)."""
    await known_chat(turn)
    if choice not in LANGUAGES:
        return []
    await chats.set_language(turn.conn, turn.chat_id, choice, turn.stamp)
    return [Reply(parts=(msg("From now on I'll speak English in this chat."),), edit=edit)]


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
