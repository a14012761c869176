"""Queries on reminders: stored with their local wall time, zone and UTC due instant.

A reminder is ``pending`` until it falls due, then ``sent`` (claimed, its message in the outbox,
in one transaction), or ``cancelled``. Snoozing makes a sent reminder pending again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiosqlite

from bot.db.tx import Tx

#: How local wall times are stored: minutes are the finest a reminder needs.
WALL_FORMAT = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    chat_id: int
    stage: str
    local_time: str  # wall time in ``timezone``, 'YYYY-MM-DDTHH:MM'
    timezone: str
    due_utc: str
    status: str
    outcome: str | None
    created_by: int | None

    def local(self) -> dt.datetime:
        """The wall time, aware, in the reminder's zone."""
        return dt.datetime.strptime(self.local_time, WALL_FORMAT).replace(
            tzinfo=zone_or_utc(self.timezone)
        )

    def due(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.due_utc)


def zone_or_utc(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # A zone that this machine's tz database lacks: UTC rather than a reminder never due.
        return ZoneInfo("UTC")


def utc_of(local_time: str, timezone: str) -> str:
    """The UTC instant of a wall time in a zone, as every table stores instants.

    A wall time that does not exist (the hour skipped in spring) falls after the gap; one that
    happens twice (autumn) is the first. Registered as the SQL function ``utc_of``.
    """
    wall = dt.datetime.strptime(local_time, WALL_FORMAT).replace(tzinfo=zone_or_utc(timezone))
    return wall.astimezone(dt.UTC).isoformat(timespec="seconds")


async def register_functions(conn: aiosqlite.Connection) -> None:
    """Make ``utc_of`` available to SQL on this connection (migrations use it)."""
    await conn.create_function("utc_of", 2, utc_of, deterministic=True)


def _reminder(row: aiosqlite.Row) -> Reminder:
    return Reminder(
        id=row["id"],
        chat_id=row["chat_id"],
        stage=row["stage"],
        local_time=row["local_time"],
        timezone=row["timezone"],
        due_utc=row["due_utc"],
        status=row["status"],
        outcome=row["outcome"],
        created_by=row["created_by"],
    )


def wall_text(local: dt.datetime) -> str:
    return local.strftime(WALL_FORMAT)


def _instant(local: dt.datetime) -> str:
    # To the second: "in 1 minute" means 60 seconds, though the wall time shows minutes.
    return local.astimezone(dt.UTC).isoformat(timespec="seconds")


async def add(
    conn: Tx, chat_id: int, stage: str, local: dt.datetime, timezone: str,
    user_id: int | None, now: str,
) -> int:  # fmt: skip
    """Store a pending reminder for a wall time in ``timezone``; return its id."""
    cursor = await conn.execute(
        "INSERT INTO reminders (chat_id, stage, local_time, timezone, due_utc, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (chat_id, stage, wall_text(local), timezone, _instant(local), user_id, now),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def get(conn: Tx, chat_id: int, reminder_id: int) -> Reminder | None:
    """The chat's reminder with this id (None for another chat's, or none)."""
    async with conn.execute(
        "SELECT * FROM reminders WHERE id = ? AND chat_id = ?", (reminder_id, chat_id)
    ) as cursor:
        row = await cursor.fetchone()
    return _reminder(row) if row else None


async def pending(conn: Tx, chat_id: int) -> list[Reminder]:
    """The chat's pending reminders, soonest first."""
    async with conn.execute(
        "SELECT * FROM reminders WHERE chat_id = ? AND status = 'pending' ORDER BY due_utc, id",
        (chat_id,),
    ) as cursor:
        return [_reminder(row) for row in await cursor.fetchall()]


async def pending_for_stage(conn: Tx, chat_id: int, stage: str) -> Reminder | None:
    """The chat's pending reminder for a stage, if there is one."""
    found = [r for r in await pending(conn, chat_id) if r.stage == stage]
    return found[0] if found else None


async def reschedule(conn: Tx, reminder_id: int, local: dt.datetime, timezone: str) -> None:
    """Make the reminder pending again at a new wall time (a snooze, a new ``/remind``)."""
    await conn.execute(
        "UPDATE reminders SET status = 'pending', outcome = NULL, sent_at = NULL,"
        " local_time = ?, timezone = ?, due_utc = ? WHERE id = ?",
        (wall_text(local), timezone, _instant(local), reminder_id),
    )


async def cancel(conn: Tx, reminder_id: int) -> bool:
    """Cancel a pending reminder; False when it was not pending any more."""
    cursor = await conn.execute(
        "UPDATE reminders SET status = 'cancelled' WHERE id = ? AND status = 'pending'",
        (reminder_id,),
    )
    return cursor.rowcount == 1


async def close(conn: Tx, reminder_id: int, outcome: str) -> bool:
    """Record what the group did with a sent reminder; False when that was done already."""
    cursor = await conn.execute(
        "UPDATE reminders SET outcome = ? WHERE id = ? AND status = 'sent' AND outcome IS NULL",
        (outcome, reminder_id),
    )
    return cursor.rowcount == 1


async def claim_due(conn: Tx, now: str, limit: int) -> list[Reminder]:
    """Mark the reminders due by ``now`` in groups the bot is in as sent, and return them.

    The caller writes their messages to the outbox in the same transaction. A group the bot was
    removed from keeps its reminders pending until the bot is added again.
    """
    async with conn.execute(
        "SELECT r.* FROM reminders AS r JOIN chats AS c ON c.chat_id = r.chat_id"
        " WHERE r.status = 'pending' AND r.due_utc <= ? AND c.active = 1"
        " ORDER BY r.due_utc, r.id LIMIT ?",
        (now, limit),
    ) as cursor:
        due = [_reminder(row) for row in await cursor.fetchall()]
    for reminder in due:
        await conn.execute(
            "UPDATE reminders SET status = 'sent', sent_at = ? WHERE id = ?", (now, reminder.id)
        )
    return due


async def next_due(conn: Tx) -> str | None:
    """When the next pending reminder in an active group falls due (UTC), if any."""
    async with conn.execute(
        "SELECT min(r.due_utc) FROM reminders AS r JOIN chats AS c ON c.chat_id = r.chat_id"
        " WHERE r.status = 'pending' AND c.active = 1"
    ) as cursor:
        row = await cursor.fetchone()
    return row[0] if row and row[0] else None


async def change_zone(conn: Tx, chat_id: int, timezone: str) -> int:
    """Move the chat's pending reminders to a new zone at the same wall time; return how many."""
    cursor = await conn.execute(
        "UPDATE reminders SET timezone = ?, due_utc = utc_of(local_time, ?)"
        " WHERE chat_id = ? AND status = 'pending'",
        (timezone, timezone, chat_id),
    )
    return cursor.rowcount


async def release_undelivered(conn: Tx, chat_id: int) -> int:
    """The bot cannot write to the chat: reminders whose message is still owed wait again."""
    cursor = await conn.execute(
        "UPDATE reminders SET status = 'pending', sent_at = NULL WHERE chat_id = ?"
        " AND status = 'sent' AND id IN (SELECT CAST(remember_ref AS INTEGER) FROM outbox"
        " WHERE chat_id = ? AND remember = 'reminder' AND status IN ('pending', 'sending'))",
        (chat_id, chat_id),
    )
    return cursor.rowcount
