"""The fake Bot API as the benchmark sees it: the package's ``FakeBotApi`` with a round-trip time
and a clock on every call, so a figure can say when an update's messages were delivered.

A call counts as delivered when the fake API has answered it (the end of ``do_request``): that is
the moment the bot learns Telegram took it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import RequestData

from bot.offline.fake_api import FakeBotApi


@dataclass(frozen=True, slots=True)
class Delivery:
    """One Bot API call, answered at ``at`` (``time.perf_counter()``)."""

    at: float
    method: str
    chat_id: int | None
    ok: bool
    #: The message a reaction was set on: it tells which answer the calls after it are for.
    reacted_to: int | None = None


@dataclass(eq=False)
class TimedApi(FakeBotApi):
    """``FakeBotApi`` that waits ``latency`` seconds before answering and notes every answer."""

    latency: float = 0.0
    deliveries: list[Delivery] = field(default_factory=list)
    in_flight: int = 0
    #: Answered calls per method, kept as they come: figures poll them while the bot works.
    counts: Counter[str] = field(default_factory=Counter)
    #: When the last call to each chat was answered.
    last_at: dict[int, float] = field(default_factory=dict)
    #: Callback query id -> chat: answerCallbackQuery names no chat, the benchmark's presses do.
    query_chats: dict[str, int] = field(default_factory=dict)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        self.in_flight += 1
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            status, body = await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        finally:
            self.in_flight -= 1
        api_method = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        chat = params.get("chat_id")
        if chat is None and "callback_query_id" in params:
            chat = self.query_chats.get(str(params["callback_query_id"]))
        reacted_to = params.get("message_id") if api_method == "setMessageReaction" else None
        delivery = Delivery(
            time.perf_counter(),
            api_method,
            int(chat) if chat else None,
            status == 200,
            int(reacted_to) if reacted_to is not None else None,
        )
        self.deliveries.append(delivery)
        self.counts[api_method] += 1
        if delivery.chat_id is not None:
            self.last_at[delivery.chat_id] = delivery.at
        return status, body

    async def quiet(
        self, done: Callable[[], bool], *, calm: float = 0.1, give_up: float = 300.0
    ) -> float:
        """Wait until ``done()`` holds, no call is under way and none came for ``calm`` seconds;
        return when the last call was answered.

        The calm period only tells that the bot has finished; it is not part of what a figure
        measures, since the figure takes the last answer's own time.
        """
        deadline = time.perf_counter() + give_up
        while True:
            now = time.perf_counter()
            last = self.deliveries[-1].at if self.deliveries else 0.0
            if done() and self.in_flight == 0 and now - last >= calm:
                return last
            if now > deadline:
                raise TimeoutError(f"the bot did not finish within {give_up:.0f} s")
            await asyncio.sleep(0.005)
