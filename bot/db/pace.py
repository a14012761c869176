"""Queries on the pace of a session: each organisation's *Ready* on a topic, and the cards the
facilitator watches (the gentle reminder after ten minutes without an answer, the invitation of
the quieter organisation, the halfway mark of a stage)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.db.rounds import stage_of
from bot.db.tx import Tx


@dataclass(frozen=True, slots=True)
class ReadyMark:
    """An organisation's Ready on a topic: who pressed it ('' once they were forgotten)."""

    slot: int
    user_id: int | None
    name: str


@dataclass(frozen=True, slots=True)
class Waiting:
    """A current card that got no answer within the reminder's time."""

    chat_id: int
    topic_id: str
    round: int


# -- Ready --------------------------------------------------------------------------------------


async def mark_ready(
    conn: Tx, chat_id: int, topic_id: str, round_number: int, slot: int, user_id: int, now: str
) -> bool:
    """Record that ``slot`` is ready to move on; False when it already was (a colleague's press
    changes nothing)."""
    cursor = await conn.execute(
        "INSERT INTO ready_marks (chat_id, topic_id, round, slot, user_id, marked_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, topic_id, round, slot) DO NOTHING",
        (chat_id, topic_id, round_number, slot, user_id, now),
    )
    return cursor.rowcount == 1


async def ready_marks(
    conn: Tx, chat_id: int, topic_id: str, round_number: int
) -> dict[int, ReadyMark]:
    """{slot: its Ready} on a topic in a round."""
    async with conn.execute(
        "SELECT r.slot, r.user_id, coalesce(m.name, '') AS name FROM ready_marks r"
        " LEFT JOIN members m ON m.chat_id = r.chat_id AND m.user_id = r.user_id"
        " WHERE r.chat_id = ? AND r.topic_id = ? AND r.round = ? ORDER BY r.slot",
        (chat_id, topic_id, round_number),
    ) as cursor:
        return {
            row["slot"]: ReadyMark(row["slot"], row["user_id"], row["name"])
            async for row in cursor
        }


async def clear_ready(conn: Tx, chat_id: int, topic_id: str, round_number: int) -> None:
    """Forget the Ready marks of a topic: the group left it (coming back asks again)."""
    await conn.execute(
        "DELETE FROM ready_marks WHERE chat_id = ? AND topic_id = ? AND round = ?",
        (chat_id, topic_id, round_number),
    )


# -- watched cards ------------------------------------------------------------------------------


async def watch_card(
    conn: Tx, chat_id: int, topic_id: str, round_number: int, now: str, *, halfway: bool
) -> None:
    """A card was posted: the ten minutes start again, unless its reminder went out already
    (one per card). ``halfway`` marks the card that shows the stage's halfway point."""
    await conn.execute(
        "INSERT INTO card_watch (chat_id, topic_id, round, opened_at, halfway)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id, topic_id, round) DO UPDATE SET"
        " opened_at = CASE WHEN reminded_at IS NULL THEN excluded.opened_at ELSE opened_at END,"
        " halfway = max(halfway, excluded.halfway), closed_at = NULL",
        (chat_id, topic_id, round_number, now, int(halfway)),
    )


async def close_card(conn: Tx, chat_id: int, topic_id: str, round_number: int, now: str) -> None:
    """The group moved on from the card."""
    await conn.execute(
        "UPDATE card_watch SET closed_at = ? WHERE chat_id = ? AND topic_id = ? AND round = ?",
        (now, chat_id, topic_id, round_number),
    )


async def is_closed(conn: Tx, chat_id: int, topic_id: str, round_number: int) -> bool:
    """Whether the group moved on from the card (a card from before this was kept: open)."""
    async with conn.execute(
        "SELECT 1 FROM card_watch WHERE chat_id = ? AND topic_id = ? AND round = ?"
        " AND closed_at IS NOT NULL",
        (chat_id, topic_id, round_number),
    ) as cursor:
        return await cursor.fetchone() is not None


async def halfway_shown(conn: Tx, chat_id: int, stage: str, round_number: int) -> str | None:
    """The topic whose card marks the halfway point of a stage's round, if one does."""
    async with conn.execute(
        "SELECT topic_id FROM card_watch WHERE chat_id = ? AND round = ? AND halfway = 1"
        " AND topic_id LIKE ?",
        (chat_id, round_number, f"%.{stage}.%"),
    ) as cursor:
        row = await cursor.fetchone()
    return str(row["topic_id"]) if row else None


async def unanswered(conn: Tx, now: dt.datetime, after: dt.timedelta) -> list[Waiting]:
    """The cards that are their group's current card, were opened at least ``after`` ago, have
    not had their reminder, and have no answer in their round, in groups the bot is in."""
    before = (now - after).astimezone(dt.UTC).isoformat(timespec="seconds")
    async with conn.execute(
        "SELECT w.chat_id, w.topic_id, w.round FROM card_watch w"
        " JOIN chats c ON c.chat_id = w.chat_id AND c.topic = w.topic_id AND c.active = 1"
        " WHERE w.reminded_at IS NULL AND w.closed_at IS NULL AND w.opened_at <= ?"
        " AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.chat_id = w.chat_id"
        "  AND a.topic_id = w.topic_id AND a.round = w.round)"
        " ORDER BY w.opened_at",
        (before,),
    ) as cursor:
        found = [Waiting(row[0], row[1], row[2]) async for row in cursor]
    # The card's round must still be the latest of its stage: an older round's card is closed.
    latest: list[Waiting] = []
    for waiting in found:
        async with conn.execute(
            "SELECT max(number) FROM rounds WHERE chat_id = ? AND stage = ?",
            (waiting.chat_id, stage_of(waiting.topic_id)),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] is None or row[0] == waiting.round:
            latest.append(waiting)
    return latest


async def claim(
    conn: Tx, chat_id: int, topic_id: str, round_number: int, what: str, now: str
) -> bool:
    """Mark the reminder (``what`` = 'reminded') or the invitation ('invited') of a card as
    given; False when it was given already (each comes once per card)."""
    column = {"reminded": "reminded_at", "invited": "invited_at"}[what]
    cursor = await conn.execute(
        f"UPDATE card_watch SET {column} = ? WHERE chat_id = ? AND topic_id = ? AND round = ?"
        f" AND {column} IS NULL",
        (now, chat_id, topic_id, round_number),
    )
    return cursor.rowcount == 1


async def spoke_up(conn: Tx, chat_id: int, topic_id: str, round_number: int) -> bool:
    """Whether the bot already spoke up unasked on this card (its reminder or an invitation)."""
    async with conn.execute(
        "SELECT 1 FROM card_watch WHERE chat_id = ? AND topic_id = ? AND round = ?"
        " AND (reminded_at IS NOT NULL OR invited_at IS NOT NULL)",
        (chat_id, topic_id, round_number),
    ) as cursor:
        return await cursor.fetchone() is not None


# -- the group's choice -------------------------------------------------------------------------


async def set_auto(conn: Tx, chat_id: int, on: bool, now: str) -> None:
    """Switch the invitation of the quieter organisation on or off (``/nudge auto``)."""
    await conn.execute(
        "UPDATE chats SET nudge_auto = ?, updated_at = ? WHERE chat_id = ?",
        (int(on), now, chat_id),
    )


async def forget_person(conn: Tx, user_id: int) -> None:
    """Their Ready presses stay their organisation's, without their id."""
    await conn.execute("UPDATE ready_marks SET user_id = NULL WHERE user_id = ?", (user_id,))
