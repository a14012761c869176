"""Handlers for answering privately: ``/private`` in a group, and a text message in a private chat
that replies to no question of ours (the next text message after an *Answer privately* link).
The link opens through ``/start`` (``setup.py``); a reply to its question is routed in
``routes.py``."""

from __future__ import annotations

from telegram import Update

from bot.flows import private
from bot.handlers.turn import Context, run_flow


async def on_private(update: Update, context: Context) -> None:
    """``/private [on|off]``: show or switch answering privately."""
    args = context.args or []
    await run_flow(update, context, lambda turn: private.private_command(turn, args))


async def on_private_text(update: Update, context: Context) -> None:
    """A text message in a private chat: the answer to the question asked there, if any."""
    message = update.effective_message
    if message is None:
        return
    text = message.text
    await run_flow(update, context, lambda turn: private.take_next(turn, text))
