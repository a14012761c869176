"""Handlers for reminders: ``/remind``, ``/reminders``, ``/timezone`` and the reminder's buttons."""

from __future__ import annotations

from telegram import Update

from bot.domain import buttons
from bot.flows import reminders
from bot.handlers.common import Context, run_flow
from bot.handlers.session import stale_button
from bot.jobs import reminding

#: Button kinds of reminders, each followed by a reminder id.
BUTTONS = {
    "rnow": reminders.start_now,
    "rsnz": reminders.snooze,
    "rend": reminders.dismiss,
    "rcan": reminders.cancel_pending,
}
PATTERN = rf"^({'|'.join(BUTTONS)}):"


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


async def on_button(update: Update, context: Context) -> None:
    """A press on a reminder's button, or on a cancel button of ``/reminders``."""
    query = update.callback_query
    assert query is not None
    press = buttons.read(query.data)
    flow = BUTTONS.get(press.kind) if press is not None else None
    if press is None or flow is None or query.message is None:
        await stale_button(update, context)
        return
    number = press.number
    await run_flow(update, context, lambda turn: flow(turn, number))
