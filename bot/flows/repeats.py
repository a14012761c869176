"""A read-only command asked again before anything changed: a reaction, not a new message.

``/status`` and ``/summary`` post a message (or several) each time. When the
same command in the same chat and thread would say exactly what its last answer said, less than
a minute ago, that answer is still just above: the bot puts 👀 on the command instead of
posting it again. A group may have about 20 new messages a minute, and someone pressing
``/status`` a few times in a row would otherwise hold back the cards and answers of everyone
else. Anything that changed the answer (a new answer, an agreement, another stage asked for)
gets a new message at once, and so does the same answer after a minute. An answer with buttons
(a long summary's export offer) is always posted: the one above may have been pressed since.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable

from bot.db import repeats
from bot.flows.turn import Turn
from bot.render.messages import Result, reaction

#: How long the last answer counts as still in view.
WINDOW = dt.timedelta(minutes=1)
#: The reaction on a command whose answer is just above (one Telegram allows bots).
SEE_ABOVE = "👀"


def digest(result: Result) -> str:
    """What the answer says, independent of the message it answers (which differs each time)."""
    said = tuple(dataclasses.replace(r, reply_to=None) for r in result.replies)
    return hashlib.sha256(repr(said).encode("utf-8")).hexdigest()[:32]


async def once_a_minute(
    turn: Turn, command: str, flow: Callable[[Turn], Awaitable[Result]]
) -> Result:
    """``flow``'s answer, or a reaction when its last answer here said the same within a minute."""
    result = await flow(turn)
    if not result.replies or not turn.message_id or not turn.where.is_group or turn.chat is None:
        return result  # a group the bot has no record of yet has nothing to repeat
    if any(r.buttons or r.remember or r.edit or r.file or r.overflow for r in result.replies):
        # A message with buttons may have changed since (pressed, closed): post it anew.
        return result
    thread = turn.where.thread_id or 0
    said = digest(result)
    last = await repeats.last(turn.conn, turn.chat_id, thread, command)
    if last is not None:
        previous, answered_at = last
        if previous == said and turn.now - dt.datetime.fromisoformat(answered_at) < WINDOW:
            # The window runs from the answer in view, not from the latest repeat.
            return Result(replies=(reaction(SEE_ABOVE, turn.message_id),))
    await repeats.remember(turn.conn, turn.chat_id, thread, command, said, turn.stamp)
    return result
