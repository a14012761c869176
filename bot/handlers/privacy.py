"""Handlers for people's data: ``/mydata``, ``/forgetme`` and ``/forgetgroup``. Their Yes or No
is a button (``routes.py``)."""

from __future__ import annotations

from telegram import Update

from bot.flows import privacy
from bot.handlers.turn import Context, run_flow


async def on_forget_group(update: Update, context: Context) -> None:
    """``/forgetgroup``: erase everything about the group, after a confirmation."""
    await run_flow(update, context, privacy.ask_forget_group)


async def on_my_data(update: Update, context: Context) -> None:
    """``/mydata``: what the bot keeps about the person, in a private chat."""
    await run_flow(update, context, privacy.my_data)


async def on_forget_me(update: Update, context: Context) -> None:
    """``/forgetme``: the bot forgets the person, after a confirmation."""
    await run_flow(update, context, privacy.ask_forget_me)
