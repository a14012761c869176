"""Handlers for what the partners take away: ``/summary``, ``/agreements``, ``/wheel`` and
``/export`` (and the export button a long summary offers)."""

from __future__ import annotations

from telegram import Update

from bot.flows import summary
from bot.handlers.common import Context, run_flow, where
from bot.services import services


async def on_summary(update: Update, context: Context) -> None:
    """``/summary [stage]``: agreements, proposals waiting and open issues."""
    w, wheel, words = where(update, context), services(context).wheel, context.args or []
    await run_flow(update, context, lambda conn: summary.summary_command(conn, wheel, w, words))


async def on_agreements(update: Update, context: Context) -> None:
    """``/agreements``: the agreements, one line each."""
    w, wheel = where(update, context), services(context).wheel
    await run_flow(update, context, lambda conn: summary.agreements_command(conn, wheel, w))


async def on_wheel(update: Update, context: Context) -> None:
    """``/wheel``: the picture of where the group stands."""
    w = where(update, context)
    await run_flow(
        update, context, lambda conn: summary.file_command(conn, w, "wheel", button=False)
    )


async def on_export(update: Update, context: Context) -> None:
    """``/export``: the document to keep and pass on."""
    w = where(update, context)
    await run_flow(
        update, context, lambda conn: summary.file_command(conn, w, "export", button=False)
    )


async def on_export_button(update: Update, context: Context) -> None:
    """The button a long summary offers: the export."""
    w = where(update, context)
    await run_flow(
        update, context, lambda conn: summary.file_command(conn, w, "export", button=True)
    )
