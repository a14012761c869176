"""SQL of agreement_holds: each press of *Still holds* that counted, by a representative of one
organisation (``bot/flows/agreement_review.py`` decides which presses count)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.db.tx import Tx


@dataclass(frozen=True, slots=True)
class Hold:
    agreement_id: int
    slot: int
    user_id: int
    #: When it was pressed, as every table stores a moment.
    held_at: str
    id: int = 0


async def add(
    conn: Tx, chat_id: int, agreement_id: int, slot: int, user_id: int, now: str
) -> None:
    """Record that a representative of ``slot`` says the agreement still holds."""
    await conn.execute(
        "INSERT INTO agreement_holds (chat_id, agreement_id, slot, user_id, held_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (chat_id, agreement_id, slot, user_id, now),
    )


async def of(conn: Tx, chat_id: int, agreement_ids: Iterable[int]) -> list[Hold]:
    """The presses that counted on these agreements of the chat, oldest first."""
    ids = list(agreement_ids)
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    async with conn.execute(
        "SELECT agreement_id, slot, user_id, held_at, id FROM agreement_holds"
        f" WHERE chat_id = ? AND agreement_id IN ({marks}) ORDER BY id",
        (chat_id, *ids),
    ) as cursor:
        return [Hold(r[0], r[1], r[2], r[3], r[4]) for r in await cursor.fetchall()]


async def pressed_by(conn: Tx, chat_id: int, user_id: int) -> list[int]:
    """The agreements of the chat on which this person pressed *Still holds*."""
    async with conn.execute(
        "SELECT DISTINCT agreement_id FROM agreement_holds WHERE chat_id = ? AND user_id = ?",
        (chat_id, user_id),
    ) as cursor:
        return [r[0] for r in await cursor.fetchall()]


async def remove(conn: Tx, hold_ids: Iterable[int]) -> None:
    """Presses that no longer count (their presser switched sides before the check completed)."""
    for hold_id in hold_ids:
        await conn.execute("DELETE FROM agreement_holds WHERE id = ?", (hold_id,))


async def count_by(conn: Tx, user_id: int) -> int:
    """How many *Still holds* presses of a person are kept (for ``/mydata``)."""
    async with conn.execute(
        "SELECT count(*) FROM agreement_holds WHERE user_id = ?", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0
