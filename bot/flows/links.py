"""Start deep links: ``/start <payload>`` in a private chat, opened from a button in a group.

The payload is a random token looked up in ``links`` (``bot/db/links.py``), which names the group
and what the link opens there; here it is handed to the flow of its kind. A payload we did not
make (typed, forged, or of a group that was erased since) is refused with an explanation. The
position check is the first kind; answering privately (``private.py``) the second; a
newcomer's briefing (``briefing.py``) the third.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.db import links
from bot.flows import board, briefing, newcomers, position, private
from bot.flows.common import refuse
from bot.flows.turn import Turn, known_chat
from bot.render.messages import Msg, Result, msg

#: What each kind of link opens: (turn, group chat id, ref) -> the flow's result.
OPENS: dict[str, Callable[[Turn, int, int], Awaitable[Result]]] = {
    position.LINK_KIND: position.open_check,
    board.PRIVATE_LINK: private.open_prompt,
    newcomers.LINK_KIND: briefing.open_briefing,
}


async def open_link(turn: Turn, payload: str) -> Result:
    """A start deep link opened in a private chat."""
    await known_chat(turn)  # the private chat, in the person's own language
    link = await links.find(turn.conn, payload)
    opens = OPENS.get(link.kind) if link is not None else None
    if link is None or opens is None:
        return refuse(unknown_link(), button=False)
    return await opens(turn, link.chat_id, link.ref)


def unknown_link() -> Msg:
    return msg(
        "This link does not work (any more): it may be old, or typed in by hand. Tap the "
        "newest button in your group to open it again."
    )
