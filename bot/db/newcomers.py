"""SQL of newcomers (``newcomers``): someone asking to join an organisation that already has a
representative, until a colleague confirms them or says they are not a colleague. See
``bot/flows/newcomers.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.db.tx import Tx


@dataclass(frozen=True, slots=True)
class Newcomer:
    id: int
    chat_id: int
    user_id: int
    name: str
    username: str | None
    #: The organisation they asked to join.
    slot: int
    #: ``pending``, ``confirmed``, ``declined`` or ``withdrawn``.
    status: str
    decided_by: int | None


_SELECT = "SELECT id, chat_id, user_id, name, username, slot, status, decided_by FROM newcomers"


def _newcomer(r: Any) -> Newcomer:
    return Newcomer(
        r["id"], r["chat_id"], r["user_id"], r["name"], r["username"], r["slot"], r["status"],
        r["decided_by"],
    )  # fmt: skip


async def ask(
    conn: Tx, chat_id: int, user_id: int, name: str, username: str | None, slot: int, now: str
) -> int:
    """Record a request to join ``slot``; returns its id (the flow withdraws earlier ones)."""
    cursor = await conn.execute(
        "INSERT INTO newcomers (chat_id, user_id, name, username, slot, asked_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (chat_id, user_id, name, username, slot, now),
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


async def get(conn: Tx, request_id: int) -> Newcomer | None:
    async with conn.execute(f"{_SELECT} WHERE id = ?", (request_id,)) as cursor:
        row = await cursor.fetchone()
    return _newcomer(row) if row else None


async def pending_of(conn: Tx, chat_id: int, user_id: int) -> list[Newcomer]:
    """The person's requests in the chat that still wait, oldest first."""
    async with conn.execute(
        f"{_SELECT} WHERE chat_id = ? AND user_id = ? AND status = 'pending' ORDER BY id",
        (chat_id, user_id),
    ) as cursor:
        return [_newcomer(row) for row in await cursor.fetchall()]


async def decide(conn: Tx, request_id: int, status: str, by: int | None, now: str) -> bool:
    """Close a request that still waits (``confirmed``, ``declined``, ``withdrawn``); False when
    it no longer waited."""
    cursor = await conn.execute(
        "UPDATE newcomers SET status = ?, decided_by = ?, decided_at = ?"
        " WHERE id = ? AND status = 'pending'",
        (status, by, now, request_id),
    )
    return cursor.rowcount == 1


async def chats_of(conn: Tx, user_id: int) -> list[int]:
    """The chats where the person asked to join an organisation."""
    async with conn.execute(
        "SELECT DISTINCT chat_id FROM newcomers WHERE user_id = ?", (user_id,)
    ) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


async def names_of(conn: Tx, user_id: int) -> list[tuple[str, str | None]]:
    """The names (and usernames) the person asked under: what the group was told."""
    async with conn.execute(
        "SELECT DISTINCT name, username FROM newcomers WHERE user_id = ?", (user_id,)
    ) as cursor:
        return [(str(row[0]), row[1]) for row in await cursor.fetchall()]


async def forget_person(conn: Tx, user_id: int) -> None:
    """``/forgetme``: the person's requests go, with their briefing links; who decided on
    someone else's is forgotten."""
    await conn.execute(
        "DELETE FROM links WHERE kind = 'briefing' AND ref IN"
        " (SELECT id FROM newcomers WHERE user_id = ?)",
        (user_id,),
    )
    await conn.execute("DELETE FROM newcomers WHERE user_id = ?", (user_id,))
    await conn.execute("UPDATE newcomers SET decided_by = NULL WHERE decided_by = ?", (user_id,))
