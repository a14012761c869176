"""Handlers for the walk through the wheel: ``/stage``, ``/skip``, ``/back``, ``/status``,
``/nudge``, ``/topics``, and an edited answer. Answers are replies to a card, and the session's buttons are presses: both are
routed in ``routes.py``."""

from __future__ import annotations

from telegram import Update

from bot.flows import nudges, repeats, session, topic_map
from bot.handlers.turn import Context, run_flow


async def on_stage(update: Update, context: Context) -> None:
    """``/stage [name]``: jump to a stage."""
    args = context.args or []
    await run_flow(update, context, lambda turn: session.stage_command(turn, args))


async def on_skip(update: Update, context: Context) -> None:
    """``/skip``: mark the topic skipped and move on."""
    await run_flow(update, context, lambda turn: session.next_topic(turn, None, skip=True))


async def on_back(update: Update, context: Context) -> None:
    """``/back``: the previous topic."""
    await run_flow(update, context, session.previous_topic)


async def on_nudge(update: Update, context: Context) -> None:
    """``/nudge``: name who has not answered the card; ``/nudge auto on|off``."""
    args = context.args or []
    await run_flow(update, context, lambda turn: nudges.command(turn, args))


async def on_topics(update: Update, context: Context) -> None:
    """``/topics``: the map of the wheel, a button per topic."""
    await run_flow(update, context, topic_map.show)


async def on_status(update: Update, context: Context) -> None:
    """``/status``: where the group is."""
    await run_flow(
        update, context, lambda turn: repeats.once_a_minute(turn, "status", session.status)
    )


async def on_edited(update: Update, context: Context) -> None:
    """An edited message: when it was an answer, the new text becomes the answer."""
    message = update.edited_message
    if message is None:
        return
    text = message.text
    # Edits are not deduplicated by message id (``update_key``): each edit is new content.
    await run_flow(update, context, lambda turn: session.edit_answer(turn, text))
