"""Process updates of different chats concurrently and the updates of one chat strictly in order.

Each update handled leaves one INFO line: its id, its kind, its chat and how long its turn took,
never what anyone wrote or who they are. Once the bot is stopping, a turn that has not begun is
not begun: its update stays in the inbox, and the next start handles it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import UpdateType
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

#: PTB takes its semaphore *before* ``do_process_update``; we make that one never the limit.
_UNBOUNDED = sys.maxsize


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """One lock per chat: a slow Bot API round trip in one group never stalls another group.

    At most ``max_concurrent_updates`` updates run at once, but an update that waits for its
    chat's earlier updates does not count: otherwise a backlog in one busy (or flood-limited)
    chat would fill every slot and stall all the other chats behind it.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        if max_concurrent_updates < 1:
            raise ValueError("`max_concurrent_updates` must be a positive integer!")
        # The base class sizes its semaphore from the max_concurrent_updates property.
        self._limit = _UNBOUNDED
        super().__init__(_UNBOUNDED)
        self._limit = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._running = 0
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        #: Called with each update once it was processed, still in its chat's turn.
        self.after: Callable[[object], Awaitable[None]] | None = None
        #: True once the bot is stopping: turns not yet begun are left for the next start.
        self.stopping: Callable[[], bool] = lambda: False

    @property
    def max_concurrent_updates(self) -> int:
        """The most updates that run at the same time."""
        return self._limit

    @property
    def current_concurrent_updates(self) -> int:
        """How many updates are running now (not counting those waiting for their chat)."""
        return self._running

    @staticmethod
    def chat_key(update: object) -> int:
        """Return the id that orders this update: its chat, else its sender, else 0."""
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return update.effective_user.id
        return 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await the update's coroutine while holding its chat's lock and a running slot."""
        key = self.chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        started = False
        try:
            async with lock, self._slots:
                if self.stopping():
                    # Stored in the inbox and not handled: the next start handles it, in order.
                    log.debug("Update of chat %s left for the next start", key)
                    return
                self._running += 1
                started = True
                began = time.perf_counter()
                try:
                    await coroutine
                    if self.after is not None:
                        await self._after(update)
                finally:
                    self._running -= 1
                log.info(
                    "Update %s (%s) in chat %s: %.0f ms",
                    update.update_id if isinstance(update, Update) else "-",
                    kind_of(update),
                    key,
                    (time.perf_counter() - began) * 1000,
                )
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: no "never awaited" warning
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                # Forget idle chats so the lock table does not grow with every chat ever seen.
                del self._waiting[key]
                del self._locks[key]

    async def _after(self, update: object) -> None:
        assert self.after is not None
        try:
            await self.after(update)
        except sqlite3.Error as exc:
            # The update was handled; at worst it is handled again after a restart.
            log.error("Could not mark an update handled: %s", exc)
        except Exception:
            log.exception("Could not finish an update after handling it")

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""


#: The kinds of update, as Telegram names the field that carries it.
_KINDS: tuple[str, ...] = tuple(str(kind.value) for kind in UpdateType)


def kind_of(update: object) -> str:
    """What an update is, by Telegram's name for it (``message``, ``callback_query``, ...); a
    message that is a command or a reply says so (never which command, nor its words)."""
    if not isinstance(update, Update):
        return type(update).__name__
    for kind in _KINDS:
        value = getattr(update, kind, None)
        if value is None:
            continue
        if kind == UpdateType.MESSAGE:
            if value.text and value.text.startswith("/"):
                return "message, command"
            if value.reply_to_message is not None:
                return "message, reply"
        return kind
    return "unknown"
