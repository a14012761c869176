"""SQL of private_topics: a topic in a round of its stage that takes private answers, which an
"Answer privately" link opens (``links.kind = 'answer'``, ``links.ref`` its id). See
``bot/flows/private.py``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.tx import Tx


@dataclass(frozen=True, slots=True)
class PrivateTopic:
    id: int
    chat_id: int
    topic_id: str
    round: int


async def make(conn: Tx, chat_id: int, topic_id: str, round_number: int, now: str) -> int:
    """The id of the topic's row in that round, made the first time it is asked for."""
    await conn.execute(
        "INSERT INTO private_topics (chat_id, topic_id, round, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (chat_id, topic_id, round) DO NOTHING",
        (chat_id, topic_id, round_number, now),
    )
    async with conn.execute(
        "SELECT id FROM private_topics WHERE chat_id = ? AND topic_id = ? AND round = ?",
        (chat_id, topic_id, round_number),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row["id"])


async def get(conn: Tx, row_id: int) -> PrivateTopic | None:
    """The row of this id, or None (not ours, or its group was erased)."""
    async with conn.execute(
        "SELECT id, chat_id, topic_id, round FROM private_topics WHERE id = ?", (row_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return PrivateTopic(row["id"], row["chat_id"], row["topic_id"], row["round"]) if row else None
