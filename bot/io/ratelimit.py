"""PTB's rate limiter, with Telegram's per-group limit kept for new messages only.

Telegram lets a bot post about 20 messages a minute into one group. PTB's ``AIORateLimiter``
counts every request that names a group against that limit: an edit of the card and a reaction
on an answer too, so a group that answers briskly would see every acknowledgement seconds late
once 20 requests went out. Edits and reactions keep the bot-wide limit (30 a second), and a
``RetryAfter`` that Telegram still sends for them is waited out by the outbox.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

#: What a Bot API request answers, as the rate limiter passes it on.
ApiAnswer = bool | dict[str, Any] | list[dict[str, Any]]


def posts_a_message(endpoint: str) -> bool:
    """True for the methods that put a new message in the chat."""
    return endpoint.startswith(("send", "forward", "copy")) and endpoint != "sendChatAction"


class GroupMessageRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` whose per-group limit counts only new messages."""

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
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
