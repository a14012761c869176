"""Handlers for what the partners take away: ``/summary``, ``/agreements``, ``/wheel`` and
``/export`` (the export button a long summary offers is routed in ``routes.py``)."""

from __future__ import annotations

from telegram import Update

from bot.flows import repeats, summary
from bot.handlers.turn import Context, run_flow


async def on_summary(update: Update, context: Context) -> None:
    """``/summary [stage]``: agreements, proposals waiting and open issues."""
    words = context.args or []
    await run_flow(
        update,
        context,
        lambda turn: repeats.once_a_minute(
            turn, "summary", lambda t: summary.summary_command(t, words)
        ),
    )


async def on_agreements(update: Update, context: Context) -> None:
    """``/agreements``: the agreements, one line each."""
    await run_flow(update, context, summary.agreements_command)


async def on_wheel(update: Update, context: Context) -> None:
    """``/wheel``: the picture of where the group stands."""
    await run_flow(update, context, lambda turn: summary.file_command(turn, "wheel", button=False))


async def on_export(update: Update, context: Context) -> None:
    """``/export``: the document to keep and pass on."""
    await run_flow(
        update, context, lambda turn: summary.file_command(turn, "export", button=False)
    )
