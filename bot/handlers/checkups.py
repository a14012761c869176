"""Handler for ``/checkup``; the check-up's buttons are routed in ``routes.py``, and the check-up
that falls due is posted by ``bot/jobs/checking.py``."""

from __future__ import annotations

from telegram import Update

from bot.flows import checkups
from bot.handlers.turn import Context, command_text, run_flow


async def on_checkup(update: Update, context: Context) -> None:
    """``/checkup``: check every agreement now; ``/checkup date <n> <date>``: move a review date."""
    text = command_text(update)
    await run_flow(update, context, lambda turn: checkups.checkup_command(turn, text))
