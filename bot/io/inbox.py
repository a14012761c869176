"""The durable inbox: an update is in SQLite before Telegram is told it arrived.

PTB confirms updates to Telegram by the offset of the next ``getUpdates`` when polling, and by
answering 200 to a webhook call once ``update_queue.put`` returns. ``DurableUpdateQueue`` commits
each update before that confirmation (before the next poll, or in ``put``), so both paths lose
nothing when the process dies, and PTB's updater keeps its bootstrap, retries and webhook server.
An update leaves the inbox (``handled_at``) in the transaction of the change it causes; on start,
what is left is queued again first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from functools import partial
from typing import Any

from telegram import Bot, Update
from telegram.error import NetworkError

from bot.db import Store, now_text
from bot.db import inbox as sql
from bot.db.tx import Tx

log = logging.getLogger(__name__)


class DurableUpdateQueue(asyncio.Queue):  # type: ignore[type-arg]
    """PTB's update queue, with every update committed to the inbox before Telegram is told.

    With ``confirm_at_next_poll`` (long polling), ``put`` queues the inbox row for the store's
    next commit and returns at once, and ``stored`` waits for those commits before the next
    ``getUpdates`` (which confirms them) goes out: the row usually commits together with the
    turn the update causes, one commit instead of two. Otherwise (webhooks: PTB answers 200 when
    ``put`` returns) ``put`` waits for its commit.
    """

    def __init__(self) -> None:
        super().__init__()
        self.store: Store | None = None
        self.confirm_at_next_poll = False
        #: Inbox rows queued and not yet known to be committed: update id → (payload, commit).
        self._storing: dict[int, tuple[str, asyncio.Future[bool]]] = {}
        #: Updates whose turn marked them handled, so ``after`` need not write it again.
        self._handled_in_turn: set[int] = set()

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.store is not None:
            update_id, payload = item.update_id, json.dumps(item.to_dict())
            try:
                if self.confirm_at_next_poll:
                    fresh = not await self.store.read(partial(sql.known, update_id=update_id))
                    if fresh:
                        self._storing[update_id] = (payload, self._receive(update_id, payload))
                else:
                    fresh = await self.store.write(partial(_receive, update_id, payload))
            except sqlite3.Error as exc:
                log.error("Could not store update %d in the inbox: %s", update_id, exc)
                # PTB's polling loop retries a NetworkError with backoff and fetches the same
                # updates again; nothing is confirmed to Telegram until it is stored.
                raise NetworkError(f"the inbox could not store an update: {exc}") from exc
            if not fresh:
                log.info("Update %d is in the inbox already; not queued again", update_id)
                return
        await super().put(item)

    def _receive(self, update_id: int, payload: str) -> asyncio.Future[bool]:
        assert self.store is not None
        return self.store.submit(partial(_receive, update_id, payload))

    async def stored(self) -> None:
        """Wait until every update ``put`` took is committed (before a ``getUpdates`` confirms
        them). Raises ``NetworkError`` when some could not be: PTB's polling loop then waits
        and asks again, and those updates are tried again first."""
        while self._storing:
            storing, self._storing = self._storing, {}
            outcomes = await asyncio.gather(
                *(f for _, f in storing.values()), return_exceptions=True
            )
            failed = [
                (update_id, payload)
                for (update_id, (payload, _)), outcome in zip(
                    storing.items(), outcomes, strict=True
                )
                if isinstance(outcome, BaseException)
            ]
            if failed:
                for update_id, payload in failed:
                    self._storing[update_id] = (payload, self._receive(update_id, payload))
                error = next(o for o in outcomes if isinstance(o, BaseException))
                log.error("Could not store %d updates in the inbox: %s", len(failed), error)
                raise NetworkError(f"the inbox could not store updates: {error}") from error

    def handled_in_turn(self, update_id: int) -> None:
        """The update's turn marked it handled in its own commit."""
        self._handled_in_turn.add(update_id)

    def left_for_next_start(self, update_id: int) -> None:
        """The update's turn was given up because the bot is stopping: it stays in the inbox,
        not handled, and the next start handles it."""
        self._handled_in_turn.add(update_id)

    def needs_handled_mark(self, update_id: int) -> bool:
        """Whether the update still has to be marked handled (and forget it either way)."""
        if update_id in self._handled_in_turn:
            self._handled_in_turn.discard(update_id)
            return False
        return True

    async def replay(self, bot: Bot) -> int:
        """Queue the updates stored but not handled (before polling starts); return how many."""
        assert self.store is not None
        rows = await self.store.read(sql.waiting)
        for _, payload in rows:
            await super().put(Update.de_json(json.loads(payload), bot))
        if rows:
            log.info("Handling %d updates left in the inbox from the last run", len(rows))
        return len(rows)


async def _receive(update_id: int, payload: str, conn: Tx) -> bool:
    return await sql.receive(conn, update_id, payload, now_text())


async def mark_handled(store: Store, queue: DurableUpdateQueue | None, update: object) -> None:
    """Let an update leave the inbox once it was processed (if its change did not already)."""
    if not isinstance(update, Update):
        return
    if queue is not None and not queue.needs_handled_mark(update.update_id):
        return
    update_id = update.update_id
    await store.write(lambda conn: sql.mark_handled(conn, update_id, now_text()))
