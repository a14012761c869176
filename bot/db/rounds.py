"""Queries on rounds: each visit of a stage is a dated round, numbered per chat and stage.

Answers and topic states carry the number of their stage's round. What the bot writes goes to the
latest round of the topic's stage; earlier rounds are only read (the revisit card, the export).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.tx import Tx


@dataclass(frozen=True, slots=True)
class Round:
    stage: str
    number: int
    #: When it started, as the tables store moments (UTC, ISO 8601).
    started_at: str


def stage_of(topic_id: str) -> str:
    """The stage of a topic id (``domain.stage.topic``; the wheel checks that shape, and an id
    of some other shape has no stage: '')."""
    parts = topic_id.split(".")
    return parts[1] if len(parts) == 3 else ""


def _topics_of(stage: str) -> str:
    """A LIKE pattern for the topic ids of a stage (the last part has no dot)."""
    return f"%.{stage}.%"


async def latest(conn: Tx, chat_id: int, stage: str) -> Round | None:
    """The newest round of a stage, or None before the chat has worked on it."""
    async with conn.execute(
        "SELECT stage, number, started_at FROM rounds WHERE chat_id = ? AND stage = ?"
        " ORDER BY number DESC LIMIT 1",
        (chat_id, stage),
    ) as cursor:
        row = await cursor.fetchone()
    return Round(row["stage"], row["number"], row["started_at"]) if row else None


async def every(conn: Tx, chat_id: int) -> list[Round]:
    """Every round of the chat, stage by stage, oldest first."""
    async with conn.execute(
        "SELECT stage, number, started_at FROM rounds WHERE chat_id = ? ORDER BY stage, number",
        (chat_id,),
    ) as cursor:
        return [Round(r["stage"], r["number"], r["started_at"]) async for r in cursor]


async def latest_numbers(conn: Tx, chat_id: int) -> dict[str, int]:
    """{stage: number of its newest round} for the stages the chat has worked on."""
    async with conn.execute(
        "SELECT stage, max(number) AS number FROM rounds WHERE chat_id = ? GROUP BY stage",
        (chat_id,),
    ) as cursor:
        return {row["stage"]: row["number"] async for row in cursor}


async def start(conn: Tx, chat_id: int, stage: str, now: str) -> Round:
    """Start the next round of a stage (round 1 when there was none)."""
    found = await latest(conn, chat_id, stage)
    number = found.number + 1 if found else 1
    await conn.execute(
        "INSERT INTO rounds (chat_id, stage, number, started_at) VALUES (?, ?, ?, ?)",
        (chat_id, stage, number, now),
    )
    return Round(stage, number, now)


async def last_activity(conn: Tx, chat_id: int, found: Round) -> str:
    """The newest moment anything happened in a round: its start, an answer or a topic state."""
    pattern = _topics_of(found.stage)
    async with conn.execute(
        "SELECT max(at) FROM ("
        " SELECT ? AS at"
        " UNION ALL SELECT max(updated_at) FROM answers"
        "  WHERE chat_id = ? AND round = ? AND topic_id LIKE ?"
        " UNION ALL SELECT max(updated_at) FROM topic_states"
        "  WHERE chat_id = ? AND round = ? AND topic_id LIKE ?)",
        (found.started_at, chat_id, found.number, pattern, chat_id, found.number, pattern),
    ) as cursor:
        row = await cursor.fetchone()
    return str(row[0]) if row and row[0] else found.started_at
