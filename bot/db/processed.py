"""SQL of processed_updates: the keys of updates acted on, so a duplicate delivery is not."""

from __future__ import annotations

from bot.db.tx import Tx


async def mark(conn: Tx, key: str, now: str) -> bool:
    """Record that an update was acted on; False when it already was (a duplicate delivery)."""
    cursor = await conn.execute(
        "INSERT INTO processed_updates (key, processed_at) VALUES (?, ?)"
        " ON CONFLICT (key) DO NOTHING",
        (key, now),
    )
    return cursor.rowcount == 1
