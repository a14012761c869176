"""Handlers for reminders: ``/remind``, ``/reminders`` and ``/timezone``. A reminder's buttons and
the cancel buttons of ``/reminders`` are routed in ``routes.py``."""

from __future__ import annotations

from telegram import Update

from bot.flows import reminders
from bot.handlers.turn import Context, run_flow
from bot.jobs import reminding


async def on_remind(update: Update, context: Context) -> None:
    """``/remind <when> [stage]``."""
    text = " ".join(context.args or [])
    await run_flow(update, context, lambda turn: reminders.remind_command(turn, text))
    await reminding.wake_for_next(context.application)


async def on_reminders(update: Update, context: Context) -> None:
    """``/reminders``: what is set."""
    await run_flow(update, context, reminders.list_reminders)


async def on_timezone(update: Update, context: Context) -> None:
    """``/timezone [name]``."""
    text = " ".join(context.args or [])
    await run_flow(update, context, lambda turn: reminders.set_timezone(turn, text))
    await reminding.wake_for_next(context.application)
