"""SQL of the durable inbox: store an update once, mark it handled, list what is left."""

from __future__ import annotations

from bot.db.tx import Tx


async def receive(conn: Tx, update_id: int, payload: str, now: str) -> bool:
    """Store an update; False when it was stored before (queued already, or handled)."""
    cursor = await conn.execute(
        "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)"
        " ON CONFLICT (update_id) DO NOTHING",
        (update_id, payload, now),
    )
    return cursor.rowcount == 1


async def known(conn: Tx, update_id: int) -> bool:
    """Whether an update is in the inbox (waiting, or handled)."""
    async with conn.execute("SELECT 1 FROM inbox WHERE update_id = ?", (update_id,)) as cursor:
        return await cursor.fetchone() is not None


async def mark_handled(conn: Tx, update_id: int, now: str) -> None:
    """Record that an update was handled (in the transaction of what it changed)."""
    await conn.execute(
        "UPDATE inbox SET handled_at = ? WHERE update_id = ? AND handled_at IS NULL",
        (now, update_id),
    )


async def waiting(conn: Tx) -> list[tuple[int, str]]:
    """Updates stored but not handled, oldest first: (update_id, payload)."""
    async with conn.execute(
        "SELECT update_id, payload FROM inbox WHERE handled_at IS NULL ORDER BY update_id"
    ) as cursor:
        return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]
