"""Queries on agreement check-ups: review dates (``agreements.review_due``), the check-ups posted
(``checkups``), the agreements each lists (``checkup_items``) and each organisation's mark on them
(``checkup_marks``).

A review date is a local day in the group's time zone; it falls due at ``DUE_AT`` there, as a
reminder set by months does. ``utc_of`` is registered on the connection (``bot/db/reminders.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.db.tx import Tx

#: The local time of day at which a review date falls due.
DUE_AT = "10:00"


@dataclass(frozen=True, slots=True)
class Checkup:
    id: int
    chat_id: int
    kind: str  # 'due' or 'asked'
    day: str  # 'YYYY-MM-DD', local


@dataclass(frozen=True, slots=True)
class Item:
    """One agreement in a check-up, with the marks given so far (slot → mark)."""

    checkup_id: int
    agreement_id: int
    position: int
    part: int
    topic_id: str
    text: str
    #: The agreement's status now: an agreement dropped since is no longer marked.
    status: str
    completed: bool
    marks: dict[int, str]
    #: Not completed here, and listed in a newer check-up since (its marks went along).
    replaced: bool = False


@dataclass(frozen=True, slots=True)
class DueAgreement:
    """A confirmed agreement whose review date has come."""

    chat_id: int
    agreement_id: int
    topic_id: str
    text: str
    review_due: str


async def set_review_due(conn: Tx, agreement_id: int, day: str) -> None:
    """Give an agreement its review date ('YYYY-MM-DD')."""
    await conn.execute("UPDATE agreements SET review_due = ? WHERE id = ?", (day, agreement_id))


async def review_dates(conn: Tx, chat_id: int) -> dict[int, str]:
    """The review date of each confirmed agreement of the chat that has one, by agreement id."""
    async with conn.execute(
        "SELECT id, review_due FROM agreements WHERE chat_id = ? AND status = 'confirmed'"
        " AND review_due IS NOT NULL",
        (chat_id,),
    ) as cursor:
        return {row[0]: row[1] for row in await cursor.fetchall()}


_DUE = (
    "SELECT a.chat_id, a.id, a.topic_id, a.text, a.review_due FROM agreements a"
    " JOIN chats c ON c.chat_id = a.chat_id"
    " WHERE a.status = 'confirmed' AND a.review_due IS NOT NULL"
    # A cheap bound first (no zone is more than a day ahead of UTC), then the exact moment.
    " AND a.review_due <= date(?, '+1 day')"
    " AND utc_of(a.review_due || 'T" + DUE_AT + "', c.timezone) <= ?"
)


def _due(row: tuple[int, int, str, str, str]) -> DueAgreement:
    return DueAgreement(row[0], row[1], row[2], row[3], row[4])


async def due_agreements(conn: Tx, chat_id: int, now: str) -> list[DueAgreement]:
    """The chat's confirmed agreements whose review date has come by ``now`` (UTC), posted in a
    check-up already or not, oldest first. (For the reminder, which can list them.)"""
    async with conn.execute(
        _DUE + " AND a.chat_id = ? ORDER BY a.review_due, a.id", (now, now, chat_id)
    ) as cursor:
        return [_due(tuple(row)) for row in await cursor.fetchall()]


async def unposted_due(
    conn: Tx, now: str, limit: int, chat_ids: Collection[int] | None = None
) -> list[DueAgreement]:
    """Agreements due by ``now`` in groups the bot is in that no check-up has listed for their
    current review date yet, by group.

    Only in groups where both organisations are represented: after ``/reset`` (or when
    everyone of one side left) nobody could mark them, and the agreements kept from before
    would come to people who have not yet said whom they represent. They wait until both
    sides are taken again. ``chat_ids``: only in these groups."""
    only = "" if chat_ids is None else f" AND a.chat_id IN ({', '.join('?' * len(chat_ids))})"
    async with conn.execute(
        _DUE + " AND c.active = 1 AND NOT EXISTS (SELECT 1 FROM checkup_items i"
        " WHERE i.agreement_id = a.id AND i.review_due = a.review_due)"
        " AND (SELECT count(DISTINCT m.slot) FROM members m WHERE m.chat_id = a.chat_id"
        " AND m.slot IS NOT NULL AND m.left_at IS NULL) = 2" + only + ""
        " ORDER BY a.chat_id, a.id LIMIT ?",
        (now, now, *(chat_ids or ()), limit),
    ) as cursor:
        return [_due(tuple(row)) for row in await cursor.fetchall()]


async def create(
    conn: Tx, chat_id: int, kind: str, day: str, asked_by: int | None, now: str
) -> int:
    """Record a check-up and return its id."""
    cursor = await conn.execute(
        "INSERT INTO checkups (chat_id, kind, day, asked_by, created_at) VALUES (?, ?, ?, ?, ?)",
        (chat_id, kind, day, asked_by, now),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def add_item(
    conn: Tx, checkup_id: int, agreement_id: int, position: int, part: int, review_due: str | None
) -> None:
    await conn.execute(
        "INSERT INTO checkup_items (checkup_id, agreement_id, position, part, review_due)"
        " VALUES (?, ?, ?, ?, ?)",
        (checkup_id, agreement_id, position, part, review_due),
    )


async def carry_over(conn: Tx, checkup_id: int, agreement_id: int) -> tuple[int, int] | None:
    """A new check-up lists an agreement that an earlier one listed and both organisations have
    not marked there yet: the marks given there move to the new one. Returns the (check-up,
    part) of the earlier message, which no longer takes marks for it; None when there is none."""
    async with conn.execute(
        "SELECT checkup_id, part, completed_at FROM checkup_items WHERE agreement_id = ?"
        " AND checkup_id < ? ORDER BY checkup_id DESC LIMIT 1",
        (agreement_id, checkup_id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None or row[2] is not None:
        return None
    await conn.execute(
        "UPDATE checkup_marks SET checkup_id = ? WHERE checkup_id = ? AND agreement_id = ?",
        (checkup_id, row[0], agreement_id),
    )
    return int(row[0]), int(row[1])


async def checkup(conn: Tx, chat_id: int, checkup_id: int) -> Checkup | None:
    """The chat's check-up with this id (None for another chat's, or none)."""
    async with conn.execute(
        "SELECT id, chat_id, kind, day FROM checkups WHERE id = ? AND chat_id = ?",
        (checkup_id, chat_id),
    ) as cursor:
        row = await cursor.fetchone()
    return Checkup(row[0], row[1], row[2], row[3]) if row else None


async def items(conn: Tx, checkup_id: int) -> list[Item]:
    """The agreements of a check-up in its order, with their marks."""
    marks: dict[int, dict[int, str]] = {}
    async with conn.execute(
        "SELECT agreement_id, slot, mark FROM checkup_marks WHERE checkup_id = ?", (checkup_id,)
    ) as cursor:
        for row in await cursor.fetchall():
            marks.setdefault(row[0], {})[row[1]] = row[2]
    async with conn.execute(
        "SELECT i.agreement_id, i.position, i.part, i.completed_at, a.topic_id, a.text, a.status,"
        " EXISTS (SELECT 1 FROM checkup_items j WHERE j.agreement_id = i.agreement_id"
        " AND j.checkup_id > i.checkup_id)"
        " FROM checkup_items i JOIN agreements a ON a.id = i.agreement_id"
        " WHERE i.checkup_id = ? ORDER BY i.position",
        (checkup_id,),
    ) as cursor:
        return [
            Item(
                checkup_id,
                row[0],
                row[1],
                row[2],
                row[4],
                row[5],
                row[6],
                row[3] is not None,
                marks.get(row[0], {}),
                row[3] is None and bool(row[7]),
            )
            for row in await cursor.fetchall()
        ]


async def mark(
    conn: Tx, checkup_id: int, agreement_id: int, slot: int, mark: str, user_id: int, now: str
) -> None:
    """Record an organisation's mark; a later press (a colleague's too) replaces it."""
    await conn.execute(
        "INSERT INTO checkup_marks (checkup_id, agreement_id, slot, mark, marked_by, marked_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (checkup_id, agreement_id, slot)"
        " DO UPDATE SET mark = excluded.mark, marked_by = excluded.marked_by,"
        " marked_at = excluded.marked_at WHERE checkup_marks.mark != excluded.mark",
        (checkup_id, agreement_id, slot, mark, user_id, now),
    )


_OPEN_MARKS_BY = (
    " FROM checkup_marks k JOIN checkup_items i"
    " ON i.checkup_id = k.checkup_id AND i.agreement_id = k.agreement_id"
    " JOIN checkups c ON c.id = k.checkup_id"
    " WHERE k.marked_by = ? AND k.slot != ? AND i.completed_at IS NULL AND c.chat_id = ?"
)


async def withdraw_marks(conn: Tx, chat_id: int, user_id: int, slot: int) -> set[tuple[int, int]]:
    """Someone now represents ``slot``: the marks they gave for the other organisation on
    agreements not yet marked by both no longer count. Returns the (check-up, part) of the
    messages that showed them."""
    args = (user_id, slot, chat_id)
    async with conn.execute("SELECT k.checkup_id, i.part" + _OPEN_MARKS_BY, args) as cursor:
        shown = {(row[0], row[1]) for row in await cursor.fetchall()}
    await conn.execute(
        "DELETE FROM checkup_marks WHERE rowid IN (SELECT k.rowid" + _OPEN_MARKS_BY + ")", args
    )
    return shown


async def complete(conn: Tx, checkup_id: int, agreement_id: int, now: str) -> bool:
    """Close an item once both organisations marked it; False when it already was."""
    cursor = await conn.execute(
        "UPDATE checkup_items SET completed_at = ? WHERE checkup_id = ? AND agreement_id = ?"
        " AND completed_at IS NULL",
        (now, checkup_id, agreement_id),
    )
    return cursor.rowcount == 1


async def history(conn: Tx, chat_id: int) -> dict[int, list[tuple[str, dict[int, str]]]]:
    """Every finished check-up of each agreement of the chat: (local day, slot → mark), oldest
    first."""
    found: dict[int, dict[int, tuple[str, dict[int, str]]]] = {}
    async with conn.execute(
        "SELECT i.agreement_id, c.id, c.day, m.slot, m.mark FROM checkups c"
        " JOIN checkup_items i ON i.checkup_id = c.id"
        " JOIN checkup_marks m ON m.checkup_id = i.checkup_id AND m.agreement_id = i.agreement_id"
        " WHERE c.chat_id = ? AND i.completed_at IS NOT NULL"
        " ORDER BY i.completed_at, c.id, m.slot",
        (chat_id,),
    ) as cursor:
        for agreement_id, checkup_id, day, slot, given in await cursor.fetchall():
            entry = found.setdefault(agreement_id, {}).setdefault(checkup_id, (day, {}))
            entry[1][slot] = given
    return {agreement: list(by_checkup.values()) for agreement, by_checkup in found.items()}


async def release_undelivered(conn: Tx, chat_id: int) -> int:
    """The bot cannot write to the chat: a check-up the job posted whose message is still owed
    is forgotten, so that the job posts its agreements again once the bot is added back."""
    cursor = await conn.execute(
        "DELETE FROM checkups WHERE chat_id = ? AND kind = 'due' AND id IN"
        " (SELECT CAST(substr(remember_ref, 1, instr(remember_ref, ':') - 1) AS INTEGER)"
        " FROM outbox WHERE chat_id = ? AND remember = 'checkup'"
        " AND status IN ('pending', 'sending'))",
        (chat_id, chat_id),
    )
    return cursor.rowcount


async def marks_by(conn: Tx, user_id: int) -> int:
    """How many check-up marks a person gave (for ``/mydata``)."""
    async with conn.execute(
        "SELECT count(*) FROM checkup_marks WHERE marked_by = ?", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def asked_by(conn: Tx, user_id: int) -> int:
    """How many check-ups a person asked for with ``/checkup`` (for ``/mydata``)."""
    async with conn.execute(
        "SELECT count(*) FROM checkups WHERE asked_by = ?", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def forget_person(conn: Tx, user_id: int) -> None:
    """A person asked to be forgotten: their organisation's marks stay, their id goes."""
    await conn.execute("UPDATE checkup_marks SET marked_by = NULL WHERE marked_by = ?", (user_id,))
    await conn.execute("UPDATE checkups SET asked_by = NULL WHERE asked_by = ?", (user_id,))
