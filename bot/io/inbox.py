"""The durable inbox: an update is in SQLite before Telegram is told it arrived.

PTB confirms updates to Telegram right after ``update_queue.put`` returns: by the offset of the
next ``getUpdates`` when polling, by answering 200 to a webhook call. ``DurableUpdateQueue.put``
commits the update first, so both paths lose nothing when the process dies, and PTB's updater
keeps its bootstrap, retries and webhook server. An update leaves the inbox (``handled_at``) in
the transaction of the change it causes; on start, what is left is queued again first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from typing import Any

from telegram import Bot, Update
from telegram.error import NetworkError

from bot.db import Store, now_text
from bot.db import inbox as sql

log = logging.getLogger(__name__)


class DurableUpdateQueue(asyncio.Queue):  # type: ignore[type-arg]
    """PTB's update queue, with every update committed to the inbox before ``put`` returns."""

    def __init__(self) -> None:
        super().__init__()
        self.store: Store | None = None

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.store is not None:
            try:
                update_id, payload = item.update_id, json.dumps(item.to_dict())
                fresh = await self.store.write(
                    lambda conn: sql.receive(conn, update_id, payload, now_text())
                )
            except sqlite3.Error as exc:
                log.error("Could not store update %d in the inbox: %s", item.update_id, exc)
                # PTB's polling loop retries a NetworkError with backoff and fetches the same
                # updates again; nothing is confirmed to Telegram until it is stored.
                raise NetworkError(f"the inbox could not store an update: {exc}") from exc
            if not fresh:
                log.info("Update %d is in the inbox already; not queued again", item.update_id)
                return
        await super().put(item)

    async def replay(self, bot: Bot) -> int:
        """Queue the updates stored but not handled (before polling starts); return how many."""
        assert self.store is not None
        rows = await self.store.read(sql.waiting)
        for _, payload in rows:
            await super().put(Update.de_json(json.loads(payload), bot))
        if rows:
            log.info("Handling %d updates left in the inbox from the last run", len(rows))
        return len(rows)


async def mark_handled(store: Store, update: object) -> None:
    """Let an update leave the inbox once it was processed (if its change did not already)."""
    if not isinstance(update, Update):
        return
    update_id = update.update_id
    await store.write(lambda conn: sql.mark_handled(conn, update_id, now_text()))
