"""Handlers for the guided session: set-up, stages, answers, agreements, open issues, status."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Update
from telegram.constants import ChatID, ChatType

from bot.db import chats, partners
from bot.db.tx import Tx
from bot.domain import buttons
from bot.flows import agreements, common, issues, privacy, reminders, session, setup, welcome
from bot.handlers.common import Context, command_text, run_flow, send, where
from bot.io import outbox
from bot.render.messages import Actor, Result, msg, reply
from bot.services import services

log = logging.getLogger(__name__)

#: Senders that are not a person we can tell apart (anonymous admins, channels, linked channel).
_NOT_A_PERSON = {ChatID.ANONYMOUS_ADMIN, ChatID.FAKE_CHANNEL, ChatID.SERVICE_CHAT}


def actor(update: Update, *, is_admin: bool = False) -> Actor:
    """Who sent this update, or an unidentifiable actor for anonymous admins and channels."""
    user = update.effective_user
    message = update.effective_message
    if user is None or user.id in _NOT_A_PERSON or (message and message.sender_chat):
        return Actor(None, "")
    return Actor(user.id, user.full_name, is_admin)


async def _is_admin(update: Update, context: Context) -> bool:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    return await services(context).admins.is_admin(context.bot, chat.id, user.id)


def _in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


async def on_start(update: Update, context: Context) -> None:
    """``/start``: set up a group (or resume it); in a private chat, explain."""
    w, wheel = where(update, context), services(context).wheel
    if not _in_group(update):
        await run_flow(update, context, lambda conn: welcome.start(conn, w, context.bot.username))
        return
    who = actor(update)
    await run_flow(update, context, lambda conn: setup.start(conn, wheel, w, who))


async def on_partners(update: Update, context: Context) -> None:
    """``/partners``: who represents whom, with the buttons to join."""
    w = where(update, context)
    await run_flow(update, context, lambda conn: setup.show_partners(conn, w))


async def on_rename(update: Update, context: Context) -> None:
    """``/rename 1|2``: rename a partner (set-up runner and admins)."""
    w, who, args = (
        where(update, context),
        actor(update, is_admin=await _is_admin(update, context)),
        context.args or [],
    )
    await run_flow(update, context, lambda conn: setup.rename(conn, w, who, args))


async def on_reset(update: Update, context: Context) -> None:
    """``/reset``: ask to start the set-up again (set-up runner and admins)."""
    w, who = where(update, context), actor(update, is_admin=await _is_admin(update, context))
    await run_flow(update, context, lambda conn: setup.ask_reset(conn, w, who))


async def on_stage(update: Update, context: Context) -> None:
    """``/stage [name]``: jump to a stage."""
    w, who, wheel, args = (
        where(update, context),
        actor(update),
        services(context).wheel,
        context.args or [],
    )
    await run_flow(update, context, lambda conn: session.stage_command(conn, wheel, w, who, args))


async def on_skip(update: Update, context: Context) -> None:
    """``/skip``: mark the topic skipped and move on."""
    w, who, wheel = where(update, context), actor(update), services(context).wheel
    await run_flow(
        update, context, lambda conn: session.next_topic(conn, wheel, w, who, None, skip=True)
    )


async def on_back(update: Update, context: Context) -> None:
    """``/back``: the previous topic."""
    w, who, wheel = where(update, context), actor(update), services(context).wheel
    await run_flow(update, context, lambda conn: session.previous_topic(conn, wheel, w, who))


async def on_agree(update: Update, context: Context) -> None:
    """``/agree [text]``: propose an agreement on the current topic."""
    w, who, wheel = where(update, context), actor(update), services(context).wheel
    text = command_text(update)
    message_id = update.effective_message.message_id if update.effective_message else 0
    if not text:
        await run_flow(
            update,
            context,
            lambda conn: agreements.ask_text(conn, wheel, w, who, None, button=False),
        )
        return
    await run_flow(
        update,
        context,
        lambda conn: agreements.propose(conn, wheel, w, who, None, text, message_id),
    )


async def on_issue(update: Update, context: Context) -> None:
    """``/issue [text]``: note an open issue on the current topic."""
    w, who, wheel = where(update, context), actor(update), services(context).wheel
    text = command_text(update)
    message_id = update.effective_message.message_id if update.effective_message else 0
    if not text:
        await run_flow(
            update, context, lambda conn: issues.ask_text(conn, wheel, w, who, None, button=False)
        )
        return
    await run_flow(
        update, context, lambda conn: issues.record(conn, wheel, w, who, None, text, message_id)
    )


async def on_issues(update: Update, context: Context) -> None:
    """``/issues``: list open issues."""
    w, wheel = where(update, context), services(context).wheel
    await run_flow(update, context, lambda conn: issues.listing(conn, wheel, w))


async def on_status(update: Update, context: Context) -> None:
    """``/status``: where the group is."""
    w, wheel = where(update, context), services(context).wheel
    await run_flow(update, context, lambda conn: session.status(conn, wheel, w))


async def on_reply(update: Update, context: Context) -> None:
    """A reply to one of the bot's messages: route it by what that message asked for."""
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return
    original = message.reply_to_message
    if original.from_user is None or original.from_user.id != context.bot.id:
        return
    svc = services(context)
    chat_id, asked_in, asked = message.chat_id, original.message_id, original.text

    def purpose(conn: Tx) -> Awaitable[tuple[str, str] | None]:
        return chats.message_purpose(conn, chat_id, asked_in)

    found = await svc.store.read(purpose)
    if found is None:
        # A quick reply can arrive before the delivery of the message it answers has recorded
        # what that message is for: wait for the chat's delivery under way, then look again.
        await svc.outbox.settled(message.chat_id)
        found = await svc.store.read(purpose)
    if found is None:
        # The first copy of a card or prompt that a crash made us send again.
        found = await svc.store.read(lambda conn: outbox.purpose_of_copy(conn, chat_id, asked))
    if found is None:
        return
    purpose, ref = found
    w, who, wheel = where(update, context), actor(update), svc.wheel
    text, mid = message.text, message.message_id
    if purpose == "partner-name":
        flow = lambda conn: setup.partner_named(conn, wheel, w, who, int(ref), text, mid)  # noqa: E731
    elif purpose == "rename":
        slot, _, asker = ref.partition(":")
        flow = lambda conn: setup.partner_renamed(  # noqa: E731
            conn, w, who, int(slot), int(asker or 0), text, mid
        )
    elif purpose == "card":
        flow = lambda conn: session.record_answer(conn, wheel, w, who, ref, text, mid)  # noqa: E731
    elif purpose == "agree-text":
        flow = lambda conn: agreements.propose(conn, wheel, w, who, ref, text, mid)  # noqa: E731
    elif purpose == "issue-text":
        flow = lambda conn: issues.record(conn, wheel, w, who, ref, text, mid)  # noqa: E731
    elif purpose == "agree-issue":
        flow = lambda conn: agreements.propose_for_issue(conn, wheel, w, who, int(ref), text, mid)  # noqa: E731
    elif purpose == "proposal":
        pid = original.message_id
        flow = lambda conn: agreements.reword(conn, wheel, w, who, int(ref), text, mid, pid)  # noqa: E731
    else:
        return
    await run_flow(update, context, flow)


async def on_edited(update: Update, context: Context) -> None:
    """An edited message: when it was an answer, the new text becomes the answer."""
    message = update.edited_message
    if message is None:
        return
    w, who = where(update, context), actor(update)
    text, mid = message.text, message.message_id
    # Edits are not deduplicated by message id (each edit is new content); the change and its
    # acknowledgement commit together.
    await run_flow(update, context, lambda conn: session.edit_answer(conn, w, who, text, mid))


async def on_member_left(update: Update, context: Context) -> None:
    """A member left the group: they no longer represent a partner (their answers stay)."""
    message = update.effective_message
    if message is None or message.left_chat_member is None:
        return
    w, user_id = where(update, context), message.left_chat_member.id
    await services(context).store.write(
        lambda conn: partners.leave(conn, w.chat_id, user_id, w.now)
    )


async def on_button(update: Update, context: Context) -> None:
    """A press on one of the session's buttons; the data is read by the one codec and checked
    against the wheel here and against the database in the flows."""
    query = update.callback_query
    assert query is not None
    press = buttons.read(query.data)
    svc = services(context)
    wheel, w, who = svc.wheel, where(update, context), actor(update)
    mid = query.message.message_id if query.message else 0
    if press is None:
        await stale_button(update, context)
        return
    word, numbers = press.word, press.numbers
    number = numbers[0] if numbers else 0
    # A Confirm from before revisions were shown means revision 0; a "later" button from
    # before the choice of months means three months.
    revision = numbers[1] if press.kind == "conf" and len(numbers) > 1 else 0
    months = numbers[0] if press.kind == "later" and numbers else 3
    flows = {
        "side": lambda conn: setup.choose_side(conn, wheel, w, who, number, mid),
        "stage": lambda conn: session.choose_stage(conn, wheel, w, who, word, button=True),
        "later": lambda conn: reminders.remind_later(conn, wheel, w, who, word, months),
        "next": lambda conn: session.next_topic(conn, wheel, w, who, word, button=True),
        "agree": lambda conn: agreements.ask_text(conn, wheel, w, who, word, button=True),
        "issue": lambda conn: issues.ask_text(conn, wheel, w, who, word, button=True),
        "conf": lambda conn: agreements.confirm(conn, wheel, w, who, number, mid, revision),
        "nyet": lambda conn: agreements.not_yet(conn, wheel, w, who, number, mid),
        "wdr": lambda conn: agreements.withdraw(conn, wheel, w, who, number, mid),
        "ires": lambda conn: issues.resolve(conn, wheel, w, who, number, mid),
        "iagr": lambda conn: agreements.propose_from_issue(conn, wheel, w, who, number),
        "forget": lambda conn: privacy.forget_group(conn, w, who, word == "yes", mid),
        "forgetme": lambda conn: privacy.forget_me(conn, w, who, word == "yes", number, mid),
        "reset": lambda conn: setup.reset(conn, wheel, w, who, word == "yes", mid),
    }
    stages = {s.id for s in wheel.stages}
    valid = press.kind in flows and (
        (press.kind == "stage" and word in stages)
        or (press.kind == "later" and word in stages and months in (1, 3, 6))
        or (press.kind in ("next", "agree", "issue") and word in {t.id for t in wheel.topics})
        or (press.kind in ("reset", "forget", "forgetme") and word in ("yes", "no"))
        or not buttons.SHAPES[press.kind].word
    )
    if not valid or not _in_group(update):
        await stale_button(update, context)
        return
    if press.kind in ("reset", "forget"):
        who = actor(update, is_admin=await _is_admin(update, context))
    if press.kind in ("reset", "forget", "forgetme"):
        # The question is consumed by its first answer, so its bookkeeping must be done: a
        # press right after the question appeared waits for the chat's delivery under way.
        await services(context).outbox.settled(w.chat_id)
    await run_flow(update, context, flows[press.kind])


async def stale_button(update: Update, context: Context) -> None:
    """A button whose data we do not (or no longer) know: say so, change nothing."""
    await run_flow(update, context, lambda conn: _stale(conn))


async def _stale(conn: object) -> Result:
    return Result(notice=common.stale_button(), alert=True)


async def on_migrate(update: Update, context: Context) -> None:
    """A group became a supergroup: its new id takes over everything (both notices are fine)."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old_id, new_id = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old_id, new_id = message.migrate_from_chat_id, message.chat_id
    else:
        return
    now = where(update, context).now
    moved = await services(context).store.write(
        lambda conn: chats.migrate(conn, old_id, new_id, now)
    )
    if moved:
        log.info("Moved a group to its supergroup id")


async def on_group_only(update: Update, context: Context) -> None:
    """A session command in a private chat: it works in the group with both partners."""
    await send(
        update,
        context,
        [
            reply(
                msg(
                    "That works in the group with both partners. Send /start here to see how to set one up."
                )
            )
        ],
    )


async def on_forget_group(update: Update, context: Context) -> None:
    """``/forgetgroup``: erase everything about the group, after a confirmation."""
    w = where(update, context)
    who = actor(update, is_admin=await _is_admin(update, context))
    await run_flow(update, context, lambda conn: privacy.ask_forget_group(conn, w, who))


async def on_my_data(update: Update, context: Context) -> None:
    """``/mydata``: what the bot keeps about the person, in a private chat."""
    w, who, wheel = where(update, context), actor(update), services(context).wheel
    await run_flow(update, context, lambda conn: privacy.my_data(conn, wheel, w, who))


async def on_forget_me(update: Update, context: Context) -> None:
    """``/forgetme``: the bot forgets the person, after a confirmation."""
    w, who = where(update, context), actor(update)
    await run_flow(update, context, lambda conn: privacy.ask_forget_me(conn, w, who))
