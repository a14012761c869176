"""SQL of position checks (``position_checks``) and the ratings given in them
(``position_ratings``): see ``bot/flows/position.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.db.tx import Tx


@dataclass(frozen=True, slots=True)
class Check:
    id: int
    chat_id: int
    #: ``open``, ``revealed``, ``superseded`` (a newer check was started) or ``reset``.
    status: str
    started_at: str
    revealed_at: str | None


@dataclass(frozen=True, slots=True)
class Rating:
    user_id: int | None
    slot: int
    #: The answers of the rating under way (one character per component: '1'-'4', '0').
    draft: str
    #: The latest complete rating, or None.
    answers: str | None
    completed_at: str | None


def _check(r: Any) -> Check:
    return Check(r["id"], r["chat_id"], r["status"], r["started_at"], r["revealed_at"])


_CHECK = "SELECT id, chat_id, status, started_at, revealed_at FROM position_checks"


async def start(conn: Tx, chat_id: int, user_id: int | None, now: str) -> int:
    """Start a new check in the chat; one still open is superseded. Returns its id."""
    await conn.execute(
        "UPDATE position_checks SET status = 'superseded' WHERE chat_id = ? AND status = 'open'",
        (chat_id,),
    )
    cursor = await conn.execute(
        "INSERT INTO position_checks (chat_id, started_by, started_at) VALUES (?, ?, ?)",
        (chat_id, user_id, now),
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


async def get(conn: Tx, check_id: int) -> Check | None:
    async with conn.execute(f"{_CHECK} WHERE id = ?", (check_id,)) as cursor:
        row = await cursor.fetchone()
    return _check(row) if row else None


async def revealed(conn: Tx, chat_id: int) -> list[Check]:
    """The chat's revealed checks, oldest first: the trajectory."""
    async with conn.execute(
        f"{_CHECK} WHERE chat_id = ? AND status = 'revealed' ORDER BY revealed_at, id", (chat_id,)
    ) as cursor:
        return [_check(row) for row in await cursor.fetchall()]


async def close_open(conn: Tx, chat_id: int) -> None:
    """The set-up starts again (``/reset``): a check still open can no longer be rated."""
    await conn.execute(
        "UPDATE position_checks SET status = 'reset' WHERE chat_id = ? AND status = 'open'",
        (chat_id,),
    )


async def reveal(conn: Tx, check_id: int, now: str) -> bool:
    """Mark a check revealed; False when it was not open (revealed already, or closed)."""
    cursor = await conn.execute(
        "UPDATE position_checks SET status = 'revealed', revealed_at = ?"
        " WHERE id = ? AND status = 'open'",
        (now, check_id),
    )
    return cursor.rowcount == 1


async def ratings(conn: Tx, check_id: int) -> list[Rating]:
    """Every rating of a check, in the order people began."""
    async with conn.execute(
        "SELECT user_id, slot, draft, answers, completed_at FROM position_ratings"
        " WHERE check_id = ? ORDER BY id",
        (check_id,),
    ) as cursor:
        return [
            Rating(r["user_id"], r["slot"], r["draft"], r["answers"], r["completed_at"])
            for r in await cursor.fetchall()
        ]


async def rating(conn: Tx, check_id: int, user_id: int) -> Rating | None:
    async with conn.execute(
        "SELECT user_id, slot, draft, answers, completed_at FROM position_ratings"
        " WHERE check_id = ? AND user_id = ?",
        (check_id, user_id),
    ) as cursor:
        r = await cursor.fetchone()
    return (
        Rating(r["user_id"], r["slot"], r["draft"], r["answers"], r["completed_at"]) if r else None
    )


async def save_draft(
    conn: Tx, check_id: int, user_id: int, slot: int, draft: str, now: str
) -> None:
    """Keep the answers given so far (a new rating begins with an empty draft)."""
    await conn.execute(
        "INSERT INTO position_ratings (check_id, user_id, slot, draft, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (check_id, user_id)"
        " DO UPDATE SET slot = excluded.slot, draft = excluded.draft,"
        " updated_at = excluded.updated_at",
        (check_id, user_id, slot, draft, now),
    )


async def complete(
    conn: Tx, check_id: int, user_id: int, slot: int, answers: str, now: str
) -> None:
    """The rating is complete: it becomes the one that counts, and the draft is emptied."""
    await conn.execute(
        "UPDATE position_ratings SET slot = ?, draft = '', answers = ?, completed_at = ?,"
        " updated_at = ? WHERE check_id = ? AND user_id = ?",
        (slot, answers, now, now, check_id, user_id),
    )


async def withdraw(conn: Tx, chat_id: int, user_id: int, slot: int) -> int:
    """Someone now represents ``slot``: their rating for the other organisation in the chat's
    open check (complete or under way) no longer counts; they rate again for ``slot``.
    Returns how many went."""
    cursor = await conn.execute(
        "DELETE FROM position_ratings WHERE user_id = ? AND slot != ? AND check_id IN"
        " (SELECT id FROM position_checks WHERE chat_id = ? AND status = 'open')",
        (user_id, slot, chat_id),
    )
    return cursor.rowcount


async def forget_person(conn: Tx, user_id: int) -> None:
    """``/forgetme``: ratings under way go; complete ones stay as their organisation's, with no
    one's id; the checks they started no longer say who did."""
    await conn.execute(
        "DELETE FROM position_ratings WHERE user_id = ? AND answers IS NULL", (user_id,)
    )
    await conn.execute(
        "UPDATE position_ratings SET user_id = NULL, draft = '' WHERE user_id = ?", (user_id,)
    )
    await conn.execute(
        "UPDATE position_checks SET started_by = NULL WHERE started_by = ?", (user_id,)
    )


async def count_of(conn: Tx, user_id: int) -> int:
    """How many complete ratings a person gave (for ``/mydata``)."""
    async with conn.execute(
        "SELECT count(*) FROM position_ratings WHERE user_id = ? AND answers IS NOT NULL",
        (user_id,),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0])


async def started_by(conn: Tx, user_id: int) -> int:
    """How many position checks a person started (for ``/mydata``)."""
    async with conn.execute(
        "SELECT count(*) FROM position_checks WHERE started_by = ?", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0])


async def latest_open(conn: Tx, chat_id: int) -> Check | None:
    """The chat's check still open, if any (there is at most one)."""
    async with conn.execute(
        f"{_CHECK} WHERE chat_id = ? AND status = 'open' ORDER BY id DESC LIMIT 1", (chat_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return _check(row) if row else None
