"""PTB's rate limiter, with Telegram's per-group limit kept for new messages only.

Telegram lets a bot post about 20 messages a minute into one group. PTB's ``AIORateLimiter``
counts every request that names a group against that limit: an edit of the card and a reaction
on an answer too, so a group that answers briskly would see every acknowledgement seconds late
once 20 requests went out. Edits and reactions keep the bot-wide limit (30 a second), and a
``RetryAfter`` that Telegram still sends for them is waited out by the outbox.

PTB's group limit is a leaky bucket: 20 at once, then one every three seconds, so a busy minute
could carry 30 or more new messages. A rolling window on top keeps it at 20 in any 60 seconds,
bursts allowed (a stage's end is two or three messages at once).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

#: What a Bot API request answers, as the rate limiter passes it on.
ApiAnswer = bool | dict[str, Any] | list[dict[str, Any]]


def posts_a_message(endpoint: str) -> bool:
    """True for the methods that put a new message in the chat."""
    return endpoint.startswith(("send", "forward", "copy")) and endpoint != "sendChatAction"


#: New messages Telegram allows in one group per ``WINDOW_SECONDS``.
PER_WINDOW = 20
WINDOW_SECONDS = 60.0


def is_group(chat_id: object) -> bool:
    """A group's or channel's chat id (negative, or an @username), not a person's."""
    return isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)


class GroupMessageRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` whose per-group limit counts only new messages, and never lets more
    than ``PER_WINDOW`` of them into a group within ``WINDOW_SECONDS``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: When each group's recent new messages left (monotonic seconds), oldest first.
        self._sent: dict[object, deque[float]] = {}
        self.clock: Callable[[], float] = time.monotonic
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def within_window(self, chat_id: object) -> None:
        """Wait until the group may have one more new message, and count it."""
        sent = self._sent.setdefault(chat_id, deque())
        while True:
            now = self.clock()
            while sent and now - sent[0] >= WINDOW_SECONDS:
                sent.popleft()
            if len(sent) < PER_WINDOW:
                sent.append(now)
                return
            await self.sleep(WINDOW_SECONDS - (now - sent[0]))

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiAnswer]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiAnswer:
        if not posts_a_message(endpoint) and "chat_id" in data:
            # A chat id that is no group: PTB then applies only the bot-wide limit.
            data = {**data, "chat_id": 0}
        elif posts_a_message(endpoint) and is_group(data.get("chat_id")):
            await self.within_window(data["chat_id"])
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
