"""Handlers for the set-up of a group: ``/start``, ``/partners``, ``/rename``, ``/reset``,
``/facilitator``, and a member leaving. Taking a side, facilitating and answering ``/reset`` are
buttons (``routes.py``)."""

from __future__ import annotations

from telegram import Update

from bot.flows import facilitation, links, newcomers, setup, welcome
from bot.handlers.turn import Context, author, in_group, run_flow


async def on_start(update: Update, context: Context) -> None:
    """``/start``: set up a group (or resume it); in a private chat, explain."""
    if not in_group(update):
        if context.args:
            # A start deep link (``t.me/<bot>?start=<payload>``) from a button in a group.
            payload = context.args[0]
            await run_flow(update, context, lambda turn: links.open_link(turn, payload))
            return
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


async def on_member_left(update: Update, context: Context) -> None:
    """A member left the group: they no longer represent a partner (their answers stay), and a
    request of theirs to join one is withdrawn."""
    message = update.effective_message
    if message is None or message.left_chat_member is None:
        return
    user_id = message.left_chat_member.id
    await run_flow(update, context, lambda turn: newcomers.member_left(turn, user_id))


async def on_facilitator(update: Update, context: Context) -> None:
    """``/facilitator``: in reply to someone's message, name them facilitator; else the list."""
    message = update.effective_message
    original = message.reply_to_message if message is not None else None
    named = None
    # In a forum, a message outside a reply still "replies" to its topic's first message.
    if original is not None and original.forum_topic_created is None:
        who = author(original)
        is_bot = original.from_user is not None and original.from_user.is_bot
        named = facilitation.Named(who.user_id, who.name, is_bot)
    await run_flow(update, context, lambda turn: facilitation.facilitator_command(turn, named))
