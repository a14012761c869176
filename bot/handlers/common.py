"""What every handler shares: who and where an update is from, and sending a flow's replies."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

import aiosqlite
from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated
from telegram.ext import ContextTypes

from bot import render
from bot.db import chats, inbox
from bot.flows.welcome import Where
from bot.i18n import DEFAULT_LANGUAGE, Translator
from bot.messages import Reply, Result
from bot.services import services

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
FlowCall = Callable[[aiosqlite.Connection], Awaitable[list[Reply] | Result]]


def now_text() -> str:
    """The current moment in UTC, as stored in the database."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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
        now=now_text(),
        thread_id=addressed_thread(update),
    )


def addressed_thread(update: Update) -> int | None:
    """The forum topic thread an update came from; None for a chat without topics."""
    message = update.effective_message
    if message is not None and message.is_topic_message:
        return message.message_thread_id
    return None


async def send(update: Update, context: Context, replies: list[Reply]) -> list[Message]:
    """Render replies in the chat's language, send them, and remember prompts."""
    chat = update.effective_chat
    if chat is None or not replies:
        return []
    svc = services(context)
    translator = await translator_for(update, context)
    stored = await chats.get(svc.store.conn, chat.id)
    chat_id = chat.id
    sent: list[Message] = []
    for reply in replies:
        outgoing = render.render(translator, reply)
        # In a forum: answer in the thread addressed; the session's cards go to its own thread.
        thread = addressed_thread(update)
        if reply.remember is not None and reply.remember[0] == "card" and stored is not None:
            thread = stored.thread_id
        try:
            last, messages = await _deliver(context, chat_id, reply, outgoing, thread)
        except ChatMigrated as moved:
            # The group became a supergroup before we heard of it: its data follows, and so
            # does this reply (and the rest).
            async with svc.store.transaction() as conn:
                await chats.migrate(conn, chat_id, moved.new_chat_id, now_text())
            log.info("Moved a group to its supergroup id after a send was refused")
            chat_id = moved.new_chat_id
            last, messages = await _deliver(context, chat_id, reply, outgoing, thread)
        sent.extend(messages)
        if reply.remember and last is not None:
            async with svc.store.transaction() as conn:
                await chats.remember_message(conn, chat_id, last, *reply.remember, now_text())
    return sent


async def _deliver(
    context: Context,
    chat_id: int,
    reply: Reply,
    outgoing: list[render.Outgoing],
    thread: int | None = None,
) -> tuple[int | None, list[Message]]:
    """Edit or send one reply; return the id of its last message and the new messages."""
    last: int | None = None
    sent: list[Message] = []
    if reply.edit is not None and len(outgoing) == 1:
        last = await _edit_one(context, chat_id, reply.edit, outgoing[0])
    if last is None:
        for out in outgoing:
            message = await _send_one(context, chat_id, out, reply.reply_to, thread)
            sent.append(message)
            last = message.message_id
    return last, sent


async def _edit_one(
    context: Context, chat_id: int, message_id: int, out: render.Outgoing
) -> int | None:
    """Edit a bot message in place; None when it is gone and a new one must be sent."""
    markup = out.markup if isinstance(out.markup, InlineKeyboardMarkup) else None
    try:
        result = await context.bot.edit_message_text(
            out.text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )  # fmt: skip
    except BadRequest as exc:
        reason = exc.message.lower()
        if "not modified" in reason:
            return message_id
        if "not found" in reason or "can't be edited" in reason:
            return None
        raise
    return result.message_id if isinstance(result, Message) else message_id


async def _send_one(
    context: Context,
    chat_id: int,
    out: render.Outgoing,
    reply_to: int | None,
    thread: int | None = None,
) -> Message:
    params = (
        ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        if reply_to
        else None
    )
    return await context.bot.send_message(
        chat_id, out.text, parse_mode=ParseMode.HTML, reply_markup=out.markup,
        reply_parameters=params, message_thread_id=thread,
    )  # fmt: skip


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


async def run_flow(update: Update, context: Context, flow: FlowCall) -> list[Message]:
    """Run a flow in one write transaction (once per update), then answer and send what it says."""
    store = services(context).store
    async with store.transaction() as conn:
        key = update_key(update)
        if key is not None and not await chats.mark_processed(conn, key, now_text()):
            log.info("Skipping an update delivered twice (%s)", key)
            await answer_query(update)
            return []
        outcome = await flow(conn)
        # Handled and changed in one commit: after a crash they cannot disagree.
        await inbox.mark_handled(conn, update.update_id, now_text())
    result = outcome if isinstance(outcome, Result) else Result(replies=tuple(outcome))
    if update.callback_query is not None:
        notice = None
        if result.notice is not None:
            notice = render.label(await translator_for(update, context), result.notice)
        await answer_query(update, notice, alert=result.alert)
    return await send(update, context, list(result.replies))


async def translator_for(update: Update, context: Context) -> Translator:
    """The translator of the update's chat language."""
    svc = services(context)
    chat = update.effective_chat
    stored = await chats.get(svc.store.conn, chat.id) if chat else None
    return svc.translators[stored.language if stored else DEFAULT_LANGUAGE]
