"""Handlers for the bot joining and leaving a group (and following it to its supergroup id),
``/help``, ``/language``, and commands that do not work where they were sent or at all. The
language buttons are routed in ``routes.py``."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberUpdated, Update

from bot.flows import language, welcome
from bot.handlers.turn import Context, run_flow, send
from bot.render.messages import msg, reply
from bot.services import services


async def on_bot_added(update: Update, context: Context) -> None:
    """Greet the group when a new-members message includes the bot."""
    message = update.effective_message
    if message and any(u.id == context.bot.id for u in message.new_chat_members):
        await run_flow(update, context, welcome.bot_added)


async def on_my_chat_member(update: Update, context: Context) -> None:
    """Greet when the bot becomes a member; forget the greeting when it leaves."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == "private":
        return
    was_in, is_in = (_is_member(m) for m in (change.old_chat_member, change.new_chat_member))
    if is_in and not was_in:
        await run_flow(update, context, welcome.bot_added)
    elif was_in and not is_in:
        await run_flow(update, context, welcome.bot_removed)


def _is_member(member: ChatMember) -> bool:
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)


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


async def on_help(update: Update, context: Context) -> None:
    """List the commands."""
    days = services(context).retention.days
    await run_flow(update, context, lambda turn: welcome.help_text(turn, days))


async def on_language(update: Update, context: Context) -> None:
    """Show or change the chat's language."""
    argument = " ".join(context.args or []) or None
    await run_flow(update, context, lambda turn: language.language_command(turn, argument))


async def on_group_only(update: Update, context: Context) -> None:
    """A session command in a private chat: it works in the group with both partners."""
    await send(
        update,
        context,
        [
            reply(
                msg(
                    "That only works in the group chat with both partners. Send /start here to "
                    "see how to set one up."
                )
            )
        ],
    )


async def on_unknown_command(update: Update, context: Context) -> None:
    """Point to /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0][1:].split("@")[0]
    await send(update, context, welcome.unknown_command(command))
