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
        "SELECT agreement_id, slot, user_id, held_at FROM agreement_holds"
        f" WHERE chat_id = ? AND agreement_id IN ({marks}) ORDER BY id",
        (chat_id, *ids),
    ) as cursor:
        return [Hold(r[0], r[1], r[2], r[3]) for r in await cursor.fetchall()]
