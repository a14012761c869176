"""What every handler shares: who and where an update is from, and sending a flow's replies."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.db import chats, inbox, now_text
from bot.db.tx import Tx
from bot.flows.welcome import Where
from bot.i18n import DEFAULT_LANGUAGE, Translator
from bot.io import outbox
from bot.io.inbox import DurableUpdateQueue
from bot.render import html
from bot.render.messages import Reply, Result
from bot.services import services

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
FlowCall = Callable[[Tx], Awaitable[list[Reply] | Result]]


def where(update: Update, context: Context) -> Where:
    """Describe the chat and sender of an update for the flows."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    return Where(
        chat_id=chat.id,
        kind=chat.type,
        title=chat.title,
        user_language=user.language_code if user else None,
        timezone=services(context).timezone.key,
        now=now_text(services(context).clock()),
        thread_id=addressed_thread(update),
    )


def command_text(update: Update) -> str:
    """What follows the command, as typed: ``context.args`` would turn line breaks into spaces."""
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message else []
    return parts[1].strip() if len(parts) > 1 else ""


def addressed_thread(update: Update) -> int | None:
    """The forum topic thread an update came from; None for a chat without topics."""
    message = update.effective_message
    if message is not None and message.is_topic_message:
        return message.message_thread_id
    return None


async def send(update: Update, context: Context, replies: list[Reply]) -> None:
    """Owe the replies to the update's chat and deliver them (for replies that change nothing)."""
    if update.effective_chat is None or not replies:
        return
    await services(context).store.write(lambda conn: owe(update, context, conn, replies))
    await deliver(update, context)


async def owe(update: Update, context: Context, conn: Tx, replies: list[Reply]) -> None:
    """Render replies in the chat's language into the outbox, in the caller's transaction."""
    chat = update.effective_chat
    if chat is None or not replies:
        return
    stored = await chats.get(conn, chat.id)
    # In a forum: answer in the thread addressed; the session's cards go to its own thread.
    addressed = addressed_thread(update)
    threads = [
        stored.thread_id
        if reply.remember is not None and reply.remember[0] == "card" and stored is not None
        else addressed
        for reply in replies
    ]
    await outbox.owe(conn, translator_of(context, stored), chat.id, replies, threads)


async def deliver(update: Update, context: Context) -> None:
    """Start delivering what the update's chat is owed, outside the chat's turn."""
    if update.effective_chat is not None:
        services(context).outbox.schedule(context.bot, update.effective_chat.id)


async def answer_query(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press; a press too old to answer still had its effect."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text=text[:200] if text else None, show_alert=alert)
    except BadRequest as exc:
        if "query is too old" not in exc.message.lower():
            raise
        log.info("A button press was answered too late: %s", exc.message)


def update_key(update: Update) -> str | None:
    """A key that stays the same when Telegram delivers the same update again."""
    if update.callback_query is not None:
        return f"cb:{update.callback_query.id}"
    message = update.message
    if message is not None and update.effective_chat is not None:
        return f"m:{update.effective_chat.id}:{message.message_id}"
    return None


async def run_flow(update: Update, context: Context, flow: FlowCall) -> None:
    """Run a flow in one write transaction (once per update) with what it owes the chat, then
    answer the press and deliver."""
    key = update_key(update)

    async def turn(conn: Tx) -> Result | None:
        if key is not None and not await chats.mark_processed(conn, key, now_text()):
            return None
        outcome = await flow(conn)
        result = outcome if isinstance(outcome, Result) else Result(replies=tuple(outcome))
        # The change, what it owes the group and "handled" in one commit: after a crash they
        # cannot disagree, and what is owed is delivered after the restart.
        await owe(update, context, conn, list(result.replies))
        await inbox.mark_handled(conn, update.update_id, now_text())
        return result

    # One call into the database thread: the flow awaits nothing but the database.
    result = await services(context).store.write(turn)
    if isinstance(context.application.update_queue, DurableUpdateQueue):
        context.application.update_queue.handled_in_turn(update.update_id)
    if result is None:
        log.info("Skipping an update delivered twice (%s)", key)
        await answer_query(update)
        return
    if update.callback_query is not None:
        notice = None
        if result.notice is not None:
            notice = html.label(await translator_for(update, context), result.notice)
        await answer_query(update, notice, alert=result.alert)
    await deliver(update, context)


async def translator_for(update: Update, context: Context) -> Translator:
    """The translator of the update's chat language."""
    chat = update.effective_chat
    if chat is None:
        return translator_of(context, None)
    chat_id = chat.id
    stored = await services(context).store.read(lambda conn: chats.get(conn, chat_id))
    return translator_of(context, stored)


def translator_of(context: Context, chat: chats.Chat | None) -> Translator:
    """The translator of a chat's language (English for a chat the bot has not seen)."""
    return services(context).translators[chat.language if chat else DEFAULT_LANGUAGE]
