"""Handlers for ``/issue``, ``/issues`` and ``/action``. Resolving an issue, making it an agreement
or an action item, and choosing an action item's owner and date are buttons (``routes.py``)."""

from __future__ import annotations

from telegram import Update

from bot.flows import actions, issues
from bot.handlers.turn import Context, command_text, run_flow


async def on_issue(update: Update, context: Context) -> None:
    """``/issue [text]``: note an open issue on the current topic, or ask what it is."""
    text = command_text(update)
    if not text:
        await run_flow(update, context, lambda turn: issues.ask_text(turn, None, button=False))
        return
    await run_flow(update, context, lambda turn: issues.record(turn, None, text))


async def on_issues(update: Update, context: Context) -> None:
    """``/issues``: list open issues."""
    await run_flow(update, context, issues.listing)


async def on_action(update: Update, context: Context) -> None:
    """``/action <n> [<owner> [<date>]]``: make an open issue an action item."""
    text = command_text(update)
    await run_flow(update, context, lambda turn: actions.action_command(turn, text))
