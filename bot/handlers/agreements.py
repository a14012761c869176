"""Handler for ``/agree``. Confirm, Not yet and Withdraw are buttons, and the wording comes as a
reply to a prompt or a proposal: both are routed in ``routes.py``."""

from __future__ import annotations

from telegram import Update

from bot.flows import agreements
from bot.handlers.turn import Context, command_text, run_flow


async def on_agree(update: Update, context: Context) -> None:
    """``/agree [text]``: propose an agreement on the current topic, or ask for its wording."""
    text = command_text(update)
    if not text:
        await run_flow(update, context, lambda turn: agreements.ask_text(turn, None, button=False))
        return
    await run_flow(update, context, lambda turn: agreements.propose(turn, None, text))
