"""When the database cannot save (disk full, read-only, locked too long): tell the person to try
again, give the operator one line, and carry on. The transaction was rolled back, so nothing
half-done stays."""

from __future__ import annotations

import contextlib
import logging
import sqlite3

from telegram import Update
from telegram.error import TelegramError

from bot.db import is_storage_fault as is_storage_fault  # used by bot.app
from bot.handlers.turn import Context, translator_for
from bot.i18n import language_for
from bot.io.direct import answer_press, reply_now
from bot.render import html
from bot.render.messages import msg
from bot.services import services

log = logging.getLogger(__name__)

COULD_NOT_SAVE = msg("I could not save that just now. Please try again in a moment.")


async def tell_could_not_save(update: object, context: Context) -> None:
    """Tell the person who sent ``update`` that it was not saved; log it in one line."""
    chat = update.effective_chat if isinstance(update, Update) else None
    log.error(
        "Could not save an update in chat %s: %s; the person was asked to try again",
        chat.id if chat else "?",
        context.error,
    )
    if not isinstance(update, Update):
        return
    try:
        translator = await translator_for(update, context)
    except sqlite3.Error:
        user = update.effective_user
        translator = services(context).translators[
            language_for(user.language_code if user else None)
        ]
    text = html.label(translator, COULD_NOT_SAVE)
    # The person must hear of it; if Telegram refuses too, the log line above is all we have.
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            await answer_press(update, text, alert=True)
        else:
            await reply_now(update, text)
