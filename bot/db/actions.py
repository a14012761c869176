"""Queries on action items: an open issue that an organisation (or both) picks up by a date.

An action item belongs to one open issue (``action_items.issue_id``). Its moment is a wall time in
the group's zone (``due_local``); it falls due at ``utc_of(due_local, chats.timezone)``, so a new
``/timezone`` keeps its time of day, as a check-up's date does. The job claims a due item by
setting ``reminded_at`` in the transaction that owes its message (``bot/jobs/following.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import aiosqlite

from bot.db.reminders import WALL_FORMAT, zone_or_utc
from bot.db.tx import Tx

#: What ``owner`` holds for both organisations together.
BOTH = 0


@dataclass(frozen=True, slots=True)
class ActionItem:
    issue_id: int
    chat_id: int
    #: The partner's slot (1 or 2), or ``BOTH``.
    owner: int
    #: The wall time in the group's zone, 'YYYY-MM-DDTHH:MM'; None while only the owner is chosen.
    due_local: str | None
    status: str
    reminded: bool

    @property
    def dated(self) -> bool:
        """It has its date: an action item, not only an owner."""
        return self.due_local is not None

    def local(self, timezone: str) -> dt.datetime | None:
        """The moment, aware, in the group's zone."""
        if self.due_local is None:
            return None
        return dt.datetime.strptime(self.due_local, WALL_FORMAT).replace(
            tzinfo=zone_or_utc(timezone)
        )


@dataclass(frozen=True, slots=True)
class DueItem:
    """An action item whose moment has come, with its open issue."""

    item: ActionItem
    topic_id: str
    text: str


def _item(row: aiosqlite.Row) -> ActionItem:
    return ActionItem(
        row["issue_id"], row["chat_id"], row["owner"], row["due_local"], row["status"],
        row["reminded_at"] is not None,
    )  # fmt: skip


def wall(local: dt.datetime) -> str:
    return local.strftime(WALL_FORMAT)


async def get(conn: Tx, chat_id: int, issue_id: int) -> ActionItem | None:
    """The action item of an open issue of this chat, if it has one."""
    async with conn.execute(
        "SELECT * FROM action_items WHERE chat_id = ? AND issue_id = ?", (chat_id, issue_id)
    ) as cursor:
        row = await cursor.fetchone()
    return _item(row) if row else None


async def of_chat(conn: Tx, chat_id: int) -> dict[int, ActionItem]:
    """Every action item of the chat, by issue id."""
    async with conn.execute("SELECT * FROM action_items WHERE chat_id = ?", (chat_id,)) as cursor:
        return {row["issue_id"]: _item(row) for row in await cursor.fetchall()}


async def choose_owner(
    conn: Tx, chat_id: int, issue_id: int, owner: int, user_id: int | None, now: str
) -> None:
    """Give an open issue its owner; a date chosen before is kept, and the item is open again."""
    await conn.execute(
        "INSERT INTO action_items (issue_id, chat_id, owner, set_by, set_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (issue_id) DO UPDATE SET owner = excluded.owner, set_by = excluded.set_by,"
        " set_at = excluded.set_at, status = 'open', closed_by = NULL, closed_at = NULL",
        (issue_id, chat_id, owner, user_id, now),
    )


async def set_due(
    conn: Tx, chat_id: int, issue_id: int, owner: int, local: dt.datetime, user_id: int | None,
    now: str,
) -> None:  # fmt: skip
    """Make an open issue an action item of ``owner`` by ``local`` (in the group's zone): open,
    its reminder still to come."""
    await conn.execute(
        "INSERT INTO action_items (issue_id, chat_id, owner, due_local, set_by, set_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (issue_id) DO UPDATE SET"
        " owner = excluded.owner, due_local = excluded.due_local, set_by = excluded.set_by,"
        " set_at = excluded.set_at, status = 'open', reminded_at = NULL, closed_by = NULL,"
        " closed_at = NULL",
        (issue_id, chat_id, owner, wall(local), user_id, now),
    )


async def close(conn: Tx, issue_id: int, status: str, user_id: int | None, now: str) -> bool:
    """Say an open action item was done or was not feasible; False when it was not open."""
    cursor = await conn.execute(
        "UPDATE action_items SET status = ?, closed_by = ?, closed_at = ?"
        " WHERE issue_id = ? AND status = 'open'",
        (status, user_id, now, issue_id),
    )
    return cursor.rowcount == 1


async def postpone(conn: Tx, issue_id: int, local: dt.datetime) -> bool:
    """Move an open action item to a new moment; its reminder comes again then."""
    cursor = await conn.execute(
        "UPDATE action_items SET due_local = ?, reminded_at = NULL"
        " WHERE issue_id = ? AND status = 'open'",
        (wall(local), issue_id),
    )
    return cursor.rowcount == 1


async def claim_due(conn: Tx, now: str, limit: int) -> list[DueItem]:
    """Mark the open action items due by ``now`` (UTC) whose reminder has not been sent, of open
    issues in groups the bot is in, as reminded, and return them. The caller owes their messages
    in the same transaction."""
    async with conn.execute(
        "SELECT a.*, i.topic_id, i.text FROM action_items a"
        " JOIN open_issues i ON i.id = a.issue_id JOIN chats c ON c.chat_id = a.chat_id"
        " WHERE a.status = 'open' AND a.due_local IS NOT NULL AND a.reminded_at IS NULL"
        " AND i.status = 'open' AND c.active = 1"
        # A cheap bound first (no zone is more than a day ahead of UTC), then the exact moment.
        " AND a.due_local <= strftime('%Y-%m-%dT%H:%M', ?, '+1 day')"
        " AND utc_of(a.due_local, c.timezone) <= ?"
        " ORDER BY a.chat_id, a.due_local, a.issue_id LIMIT ?",
        (now, now, limit),
    ) as cursor:
        due = [
            DueItem(_item(row), row["topic_id"], row["text"]) for row in await cursor.fetchall()
        ]
    for found in due:
        await conn.execute(
            "UPDATE action_items SET reminded_at = ? WHERE issue_id = ?",
            (now, found.item.issue_id),
        )
    return due


async def release_undelivered(conn: Tx, chat_id: int) -> int:
    """The bot cannot write to the chat: action items whose reminder is still owed wait again."""
    cursor = await conn.execute(
        "UPDATE action_items SET reminded_at = NULL WHERE chat_id = ? AND issue_id IN"
        " (SELECT CAST(remember_ref AS INTEGER) FROM outbox WHERE chat_id = ?"
        " AND remember = 'action-due' AND status IN ('pending', 'sending'))",
        (chat_id, chat_id),
    )
    return cursor.rowcount


async def forget_person(conn: Tx, user_id: int) -> None:
    """A person asked to be forgotten: the action items stay, their id goes."""
    await conn.execute("UPDATE action_items SET set_by = NULL WHERE set_by = ?", (user_id,))
    await conn.execute("UPDATE action_items SET closed_by = NULL WHERE closed_by = ?", (user_id,))
