"""Handlers for reminders: ``/remind``, ``/reminders``, ``/timezone`` and the reminder's buttons."""

from __future__ import annotations

from telegram import Update

from bot.domain import buttons
from bot.flows import reminders
from bot.handlers.common import Context, run_flow, where
from bot.handlers.session import actor, stale_button
from bot.jobs import reminding
from bot.services import services

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
    w, who, wheel = where(update, context), actor(update), services(context).wheel
    text = " ".join(context.args or [])
    mid = update.effective_message.message_id if update.effective_message else 0
    await run_flow(
        update, context, lambda conn: reminders.remind_command(conn, wheel, w, who, text, mid)
    )
    await reminding.wake_for_next(context.application)


async def on_reminders(update: Update, context: Context) -> None:
    """``/reminders``: what is set."""
    w, wheel = where(update, context), services(context).wheel
    await run_flow(update, context, lambda conn: reminders.list_reminders(conn, wheel, w))


async def on_timezone(update: Update, context: Context) -> None:
    """``/timezone [name]``."""
    w, who = where(update, context), actor(update)
    text = " ".join(context.args or [])
    mid = update.effective_message.message_id if update.effective_message else 0
    await run_flow(update, context, lambda conn: reminders.set_timezone(conn, w, who, text, mid))
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
    w, who, wheel = where(update, context), actor(update), services(context).wheel
    mid = query.message.message_id
    await run_flow(update, context, lambda conn: flow(conn, wheel, w, who, number, mid))
