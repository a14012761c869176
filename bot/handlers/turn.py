"""The turn of an update: who and where it is from, its flow run in one transaction, and what the
flow owes the chat, delivered."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping

from telegram import Message, Update
from telegram.constants import ChatID, ChatType
from telegram.ext import ContextTypes

from bot.db import chats, inbox, now_text, processed
from bot.db.tx import Tx
from bot.domain.purposes import Card
from bot.flows.common import stale_button as stale_words
from bot.flows.turn import Actor, AdminStatusNeeded, Flow, Turn, Where, moment
from bot.i18n import DEFAULT_LANGUAGE, Translator
from bot.io import outbox
from bot.io.direct import answer_press
from bot.io.inbox import DurableUpdateQueue
from bot.render import html
from bot.render.messages import Msg, Reply, Result
from bot.services import services

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

#: Senders that are not a person we can tell apart (anonymous admins, channels, linked channel).
_NOT_A_PERSON = {ChatID.ANONYMOUS_ADMIN, ChatID.FAKE_CHANNEL, ChatID.SERVICE_CHAT}


def where(update: Update, context: Context) -> Where:
    """Describe the chat of an update for the flows."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    return Where(
        chat_id=chat.id,
        kind=chat.type,
        title=chat.title,
        user_language=user.language_code if user else None,
        timezone=services(context).timezone.key,
        thread_id=addressed_thread(update),
    )


def actor(update: Update) -> Actor:
    """Who sent this update, or an unidentifiable actor for anonymous admins and channels."""
    user = update.effective_user
    message = update.effective_message
    if user is None or user.id in _NOT_A_PERSON or (message and message.sender_chat):
        return Actor(None, "")
    return Actor(user.id, user.full_name, username=user.username)


def author(message: Message) -> Actor:
    """Who wrote a message (e.g. the one a command replies to), as ``actor`` tells the sender."""
    user = message.from_user
    if user is None or user.id in _NOT_A_PERSON or message.sender_chat:
        return Actor(None, "")
    return Actor(user.id, user.full_name)


async def _is_admin(update: Update, context: Context) -> bool:
    """Whether the sender administers the update's chat (Telegram's answer, kept a minute)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    return await services(context).admins.is_admin(context.bot, chat.id, user.id)


def in_group(update: Update) -> bool:
    """Whether the update comes from a group (the session works only there)."""
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


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
    chat_id = update.effective_chat.id

    async def owe_them(conn: Tx) -> None:
        await owe(update, context, conn, await chats.get(conn, chat_id), replies)

    await services(context).store.write(owe_them)
    await deliver(update, context)


async def owe(
    update: Update,
    context: Context,
    conn: Tx,
    stored: chats.Chat | None,
    replies: list[Reply],
) -> None:
    """Render replies in the language of the chat (as ``stored``) into the outbox, in the
    caller's transaction."""
    chat = update.effective_chat
    if chat is None or not replies:
        return
    here = [r for r in replies if r.to_chat is None or r.to_chat == chat.id]
    # In a forum: answer in the thread addressed; the session's cards go to its own thread.
    addressed = addressed_thread(update)
    threads = [
        stored.thread_id
        if reply.remember is not None and reply.remember[0] == Card.kind and stored is not None
        else addressed
        for reply in here
    ]
    await outbox.owe(conn, translator_of(context, stored), chat.id, here, threads)
    await _owe_elsewhere(
        context, conn, [r for r in replies if r.to_chat is not None and r.to_chat != chat.id]
    )


async def _owe_elsewhere(context: Context, conn: Tx, replies: list[Reply]) -> None:
    """Replies to another chat than the update's (a private rating updating its group): in
    that chat's language, and in the thread where its session runs."""
    for target in dict.fromkeys(r.to_chat for r in replies):
        assert target is not None
        stored = await chats.get(conn, target)
        if stored is None:
            continue  # erased meanwhile: nobody to tell
        theirs = [r for r in replies if r.to_chat == target]
        threads = [None if r.edit is not None else stored.thread_id for r in theirs]
        await outbox.owe(conn, translator_of(context, stored), target, theirs, threads)


async def deliver(update: Update, context: Context) -> None:
    """Start delivering what the update's chat is owed, outside the chat's turn."""
    if update.effective_chat is not None:
        services(context).outbox.schedule(context.bot, update.effective_chat.id)


def update_key(update: Update) -> str | None:
    """A key that stays the same when Telegram delivers the same update again."""
    if update.callback_query is not None:
        return processed.query_key(update.callback_query.id)
    message = update.message
    if message is not None and update.effective_chat is not None:
        return processed.message_key(update.effective_chat.id, message.message_id)
    return None


async def run_flow(update: Update, context: Context, flow: Flow) -> None:
    """Run a flow in one write transaction (once per update) with what it owes the chat, then
    answer the press and deliver."""
    store, who = services(context).store, actor(update)
    # One call into the database thread: the flow awaits nothing but the database.
    try:
        decided = await store.write(lambda conn: _decide(update, context, conn, flow, who))
    except AdminStatusNeeded:
        # The gate must know whether the person administers the group. Asking Telegram is not
        # something a flow may await: the transaction has rolled back; ask, and decide again.
        who = dataclasses.replace(who, is_admin=await _is_admin(update, context))
        decided = await store.write(lambda conn: _decide(update, context, conn, flow, who))
    if decided is None:
        # Nothing was committed: the processor marks it handled afterwards (``after``).
        log.info("Skipping an update delivered twice (%s)", update_key(update))
        await answer_press(update)
        return
    if isinstance(context.application.update_queue, DurableUpdateQueue):
        context.application.update_queue.handled_in_turn(update.update_id)
    result, chat = decided
    if update.callback_query is not None:
        notice = None
        if result.notice is not None:
            notice = html.label(translator_of(context, chat), result.notice)
        await answer_press(update, notice, alert=result.alert)
    await deliver(update, context)
    for elsewhere in dict.fromkeys(r.to_chat for r in result.replies if r.to_chat is not None):
        services(context).outbox.schedule(context.bot, elsewhere)


async def _decide(
    update: Update, context: Context, conn: Tx, flow: Flow, who: Actor
) -> tuple[Result, chats.Chat | None] | None:
    """The body of the turn, in its transaction: None for an update delivered twice; else what
    the flow decided, and the chat as the flow left it."""
    key = update_key(update)
    if key is not None and not await processed.mark(conn, key, now_text()):
        return None
    here = where(update, context)
    message_id, replied_to = _message_ids(update)
    chat = await chats.get(conn, here.chat_id)
    turn = Turn(
        conn=conn,
        wheel=services(context).wheel,
        where=here,
        actor=who,
        now=moment(services(context).clock()),
        chat=chat,
        message_id=message_id,
        replied_to=replied_to,
        say=_sayer(translator_of(context, chat)),
        say_in=_sayer_in(services(context).translators),
    )
    outcome = await flow(turn)
    result = outcome if isinstance(outcome, Result) else Result(replies=tuple(outcome))
    chat = None
    if result.replies or result.notice is not None:
        # Read again, not the turn's copy: the flow may have met the chat or changed its language.
        # A private chat erased by the flow (``/forgetme``) still gets its last word in its own
        # language: the turn's copy.
        chat = await chats.get(conn, turn.chat_id) or turn.chat
    # The change, what it owes the group and "handled" in one commit: after a crash they
    # cannot disagree, and what is owed is delivered after the restart.
    await owe(update, context, conn, chat, list(result.replies))
    await inbox.mark_handled(conn, update.update_id, now_text())
    return result, chat


def _message_ids(update: Update) -> tuple[int, int | None]:
    """The message handled (for a press, the message of the button; 0 for none) and the message
    it replies to."""
    query = update.callback_query
    if query is not None:
        # Not effective_message: a message too old for Telegram to show us in full still has
        # the id that the flow edits and that its question was remembered under.
        return (query.message.message_id if query.message is not None else 0), None
    message = update.effective_message
    if message is None:
        return 0, None
    replied = message.reply_to_message
    return message.message_id, replied.message_id if replied is not None else None


async def stale_button(update: Update, context: Context) -> None:
    """A button whose data we do not (or no longer) know: say so, change nothing."""
    await run_flow(update, context, _stale)


async def _stale(turn: Turn) -> Result:
    return Result(notice=stale_words(), alert=True)


def _sayer(translator: Translator) -> Callable[[Msg], str]:
    """Plain text of a message in one language (``Turn.say``)."""
    return lambda message: html.plain_text(html.text(translator, message))


def _sayer_in(translators: Mapping[str, Translator]) -> Callable[[str, Msg], str]:
    """Plain text of a message in a language chosen by the flow (``Turn.say_in``)."""
    return lambda language, message: _sayer(translators[language])(message)


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
