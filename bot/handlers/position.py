"""Handler for ``/position``: a position check offered in the group. Its link opens in a private
chat through ``/start`` (``setup.py``); its rating buttons are routed in ``routes.py``."""

from __future__ import annotations

from telegram import Update

from bot.flows import position
from bot.handlers.turn import Context, run_flow


async def on_position(update: Update, context: Context) -> None:
    """``/position``: offer the group a position check."""
    await run_flow(update, context, position.position_command)
