"""The per-group limit holds back new messages, not the edits and reactions that acknowledge."""

from __future__ import annotations

import asyncio

import pytest

from bot.io.ratelimit import GroupMessageRateLimiter, posts_a_message


async def _call(limiter: GroupMessageRateLimiter, endpoint: str) -> bool:
    async def callback() -> bool:
        return True

    data = {"chat_id": -100123, "text": "x"}
    return bool(await limiter.process_request(callback, (), {}, endpoint, data, None))


async def test_edits_and_reactions_pass_a_group_that_has_had_its_messages() -> None:
    limiter = GroupMessageRateLimiter(group_max_rate=1, group_time_period=60)
    await limiter.initialize()
    assert await _call(limiter, "sendMessage")
    # The group's one message a minute is used up: another message waits ...
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(_call(limiter, "sendMessage"), timeout=0.3)
    # ... while edits and reactions go on at once.
    for endpoint in ("editMessageText", "setMessageReaction", "editMessageText"):
        assert await asyncio.wait_for(_call(limiter, endpoint), timeout=0.3)
    await limiter.shutdown()


@pytest.mark.parametrize(
    ("endpoint", "posts"),
    [
        ("sendMessage", True),
        ("sendDocument", True),
        ("copyMessage", True),
        ("sendChatAction", False),
        ("editMessageText", False),
        ("setMessageReaction", False),
        ("answerCallbackQuery", False),
    ],
)
def test_which_methods_post_a_message(endpoint: str, posts: bool) -> None:
    assert posts_a_message(endpoint) is posts


async def test_no_more_than_twenty_new_messages_in_any_minute() -> None:
    """PTB's leaky bucket lets 20 go at once and then one every three seconds; the rolling
    window holds the 21st until the first is a minute old, and lets a burst through after."""
    limiter = GroupMessageRateLimiter()
    now = [1000.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter.clock = lambda: now[0]
    limiter.sleep = sleep
    for _ in range(20):
        await limiter.within_window(-100123)
        now[0] += 1.0  # one a second
    assert waits == []
    await limiter.within_window(-100123)  # the 21st, 20 s after the first
    assert waits == [40.0]
    await limiter.within_window(-100999)  # another group has its own minute
    assert waits == [40.0]
