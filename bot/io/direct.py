"""The two Bot API calls that do not go through the outbox.

- Answering a button press: Telegram wants the answer within seconds, and it is never the only
  record of a change (the change and what it announces are in the outbox).
- Telling someone their message could not be saved: when the database cannot write, the outbox
  cannot hold that message either.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.io.requests import outcome

log = logging.getLogger(__name__)

#: Telegram shows at most this many characters of a press's answer.
ANSWER_LIMIT = 200


async def answer_press(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press; a press too old to answer still had its effect.

    A network fault (no answer in time, an answer that cannot be read) is one warning, not an
    error of the turn: the change is committed, and what it announces still goes out. It is not
    tried again: the answer most likely arrived, and a press answered twice is refused.
    """
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text=text[:ANSWER_LIMIT] if text else None, show_alert=alert)
    except BadRequest as exc:
        if "query is too old" not in exc.message.lower():
            raise
        log.info("A button press was answered too late: %s", exc.message)
    except TelegramError as exc:
        if outcome(exc) is None:
            raise
        chat = update.effective_chat
        log.warning(
            "A button press in chat %s may not have been answered: %s",
            chat.id if chat else "?",
            exc.message,
        )


async def reply_now(update: Update, html_text: str) -> None:
    """Reply to the update's message at once (HTML), without the outbox."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(html_text, parse_mode=ParseMode.HTML)
