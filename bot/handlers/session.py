"""Handlers for the guided session: set-up, stages, answers, agreements, open issues, status."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType

from bot.db import chats
from bot.domain import buttons
from bot.flows import agreements, common, issues, privacy, reminders, session, setup, welcome
from bot.flows.turn import Turn
from bot.handlers.common import Context, command_text, run_flow, send
from bot.io import outbox
from bot.render.messages import Result, msg, reply
from bot.services import services

log = logging.getLogger(__name__)


def _in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


async def on_start(update: Update, context: Context) -> None:
    """``/start``: set up a group (or resume it); in a private chat, explain."""
    if not _in_group(update):
        username = context.bot.username
        await run_flow(update, context, lambda turn: welcome.start(turn, username))
        return
    await run_flow(update, context, setup.start)


async def on_partners(update: Update, context: Context) -> None:
    """``/partners``: who represents whom, with the buttons to join."""
    await run_flow(update, context, setup.show_partners)


async def on_rename(update: Update, context: Context) -> None:
    """``/rename 1|2``: rename a partner (set-up runner and admins)."""
    args = context.args or []
    await run_flow(update, context, lambda turn: setup.rename(turn, args))


async def on_reset(update: Update, context: Context) -> None:
    """``/reset``: ask to start the set-up again (set-up runner and admins)."""
    await run_flow(update, context, setup.ask_reset)


async def on_stage(update: Update, context: Context) -> None:
    """``/stage [name]``: jump to a stage."""
    args = context.args or []
    await run_flow(update, context, lambda turn: session.stage_command(turn, args))


async def on_skip(update: Update, context: Context) -> None:
    """``/skip``: mark the topic skipped and move on."""
    await run_flow(update, context, lambda turn: session.next_topic(turn, None, skip=True))


async def on_back(update: Update, context: Context) -> None:
    """``/back``: the previous topic."""
    await run_flow(update, context, session.previous_topic)


async def on_agree(update: Update, context: Context) -> None:
    """``/agree [text]``: propose an agreement on the current topic."""
    text = command_text(update)
    if not text:
        await run_flow(update, context, lambda turn: agreements.ask_text(turn, None, button=False))
        return
    await run_flow(update, context, lambda turn: agreements.propose(turn, None, text))


async def on_issue(update: Update, context: Context) -> None:
    """``/issue [text]``: note an open issue on the current topic."""
    text = command_text(update)
    if not text:
        await run_flow(update, context, lambda turn: issues.ask_text(turn, None, button=False))
        return
    await run_flow(update, context, lambda turn: issues.record(turn, None, text))


async def on_issues(update: Update, context: Context) -> None:
    """``/issues``: list open issues."""
    await run_flow(update, context, issues.listing)


async def on_status(update: Update, context: Context) -> None:
    """``/status``: where the group is."""
    await run_flow(update, context, session.status)


async def on_reply(update: Update, context: Context) -> None:
    """A reply to one of the bot's messages: route it by what that message asked for."""
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return
    original = message.reply_to_message
    if original.from_user is None or original.from_user.id != context.bot.id:
        return
    svc = services(context)
    found = await chats.message_purpose(svc.store.conn, message.chat_id, original.message_id)
    if found is None:
        # A quick reply can arrive before the delivery of the message it answers has recorded
        # what that message is for: wait for the chat's delivery under way, then look again.
        await svc.outbox.settled(message.chat_id)
        found = await chats.message_purpose(svc.store.conn, message.chat_id, original.message_id)
    if found is None:
        # The first copy of a card or prompt that a crash made us send again.
        found = await outbox.purpose_of_copy(svc.store.conn, message.chat_id, original.text)
    if found is None:
        return
    purpose, ref = found
    text = message.text
    if purpose == "partner-name":
        flow = lambda turn: setup.partner_named(turn, int(ref), text)  # noqa: E731
    elif purpose == "rename":
        slot, _, asker = ref.partition(":")
        flow = lambda turn: setup.partner_renamed(turn, int(slot), int(asker or 0), text)  # noqa: E731
    elif purpose == "card":
        flow = lambda turn: session.record_answer(turn, ref, text)  # noqa: E731
    elif purpose == "agree-text":
        flow = lambda turn: agreements.propose(turn, ref, text)  # noqa: E731
    elif purpose == "issue-text":
        flow = lambda turn: issues.record(turn, ref, text)  # noqa: E731
    elif purpose == "agree-issue":
        flow = lambda turn: agreements.propose_for_issue(turn, int(ref), text)  # noqa: E731
    elif purpose == "proposal":
        flow = lambda turn: agreements.reword(turn, int(ref), text)  # noqa: E731
    else:
        return
    await run_flow(update, context, flow)


async def on_edited(update: Update, context: Context) -> None:
    """An edited message: when it was an answer, the new text becomes the answer."""
    message = update.edited_message
    if message is None:
        return
    text = message.text
    # Edits are not deduplicated by message id (``update_key``): each edit is new content.
    await run_flow(update, context, lambda turn: session.edit_answer(turn, text))


async def on_member_left(update: Update, context: Context) -> None:
    """A member left the group: they no longer represent a partner (their answers stay)."""
    message = update.effective_message
    if message is None or message.left_chat_member is None:
        return
    user_id = message.left_chat_member.id
    await run_flow(update, context, lambda turn: setup.member_left(turn, user_id))


async def on_button(update: Update, context: Context) -> None:
    """A press on one of the session's buttons; the data is read by the one codec and checked
    against the wheel here and against the database in the flows."""
    query = update.callback_query
    assert query is not None
    press = buttons.read(query.data)
    wheel = services(context).wheel
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
        "side": lambda turn: setup.choose_side(turn, number),
        "stage": lambda turn: session.choose_stage(turn, word, button=True),
        "later": lambda turn: reminders.remind_later(turn, word, months),
        "next": lambda turn: session.next_topic(turn, word, button=True),
        "agree": lambda turn: agreements.ask_text(turn, word, button=True),
        "issue": lambda turn: issues.ask_text(turn, word, button=True),
        "conf": lambda turn: agreements.confirm(turn, number, revision),
        "nyet": lambda turn: agreements.not_yet(turn, number),
        "wdr": lambda turn: agreements.withdraw(turn, number),
        "ires": lambda turn: issues.resolve(turn, number),
        "iagr": lambda turn: agreements.propose_from_issue(turn, number),
        "forget": lambda turn: privacy.forget_group(turn, word == "yes"),
        "forgetme": lambda turn: privacy.forget_me(turn, word == "yes", number),
        "reset": lambda turn: setup.reset(turn, word == "yes"),
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
    if press.kind in ("reset", "forget", "forgetme"):
        # The question is consumed by its first answer, so its bookkeeping must be done: a
        # press right after the question appeared waits for the chat's delivery under way.
        await services(context).outbox.settled(update.effective_chat.id)
    await run_flow(update, context, flows[press.kind])


async def stale_button(update: Update, context: Context) -> None:
    """A button whose data we do not (or no longer) know: say so, change nothing."""
    await run_flow(update, context, _stale)


async def _stale(turn: Turn) -> Result:
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
    await run_flow(update, context, lambda turn: welcome.migrated(turn, old_id, new_id))


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
    await run_flow(update, context, privacy.ask_forget_group)


async def on_my_data(update: Update, context: Context) -> None:
    """``/mydata``: what the bot keeps about the person, in a private chat."""
    await run_flow(update, context, privacy.my_data)


async def on_forget_me(update: Update, context: Context) -> None:
    """``/forgetme``: the bot forgets the person, after a confirmation."""
    await run_flow(update, context, privacy.ask_forget_me)
