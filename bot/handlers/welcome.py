"""Handlers for being added or removed, /start, /help, /language and unknown commands."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberUpdated, Update

from bot.domain import buttons
from bot.flows import language, welcome
from bot.handlers.common import Context, run_flow, send
from bot.handlers.session import stale_button
from bot.i18n import LANGUAGES
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


async def on_help(update: Update, context: Context) -> None:
    """List the commands."""
    days = services(context).retention.days
    await run_flow(update, context, lambda turn: welcome.help_text(turn, days))


async def on_language(update: Update, context: Context) -> None:
    """Show or change the chat's language."""
    argument = " ".join(context.args or []) or None
    await run_flow(update, context, lambda turn: language.language_command(turn, argument))


async def on_language_button(update: Update, context: Context) -> None:
    """Change the language from a button."""
    query = update.callback_query
    assert query is not None
    press = buttons.read(query.data)
    if press is None or press.kind != "lang" or press.word not in LANGUAGES:
        await stale_button(update, context)
        return
    choice = press.word
    await run_flow(update, context, lambda turn: language.language_button(turn, choice))


async def on_unknown_command(update: Update, context: Context) -> None:
    """Point to /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0][1:].split("@")[0]
    await send(update, context, welcome.unknown_command(command))
