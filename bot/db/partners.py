"""Queries on the partner organisations of a chat and the members who represent them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.tx import Tx


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    name: str
    slot: int | None
    #: The highest agreement id there was when they took their side: they may confirm only
    #: agreements proposed after that.
    side_after_agreement: int = 0
    #: Their Telegram username (without @), to mention them; None for people without one.
    username: str | None = None
    #: Named to facilitate: steers the session, represents neither partner (``slot`` is None).
    facilitator: bool = False


async def names(conn: Tx, chat_id: int) -> dict[int, str]:
    """Return {slot: name} of the chat's partner organisations."""
    async with conn.execute(
        "SELECT slot, name FROM partners WHERE chat_id = ? ORDER BY slot", (chat_id,)
    ) as cursor:
        return {row["slot"]: row["name"] async for row in cursor}


async def set_name(conn: Tx, chat_id: int, slot: int, name: str) -> None:
    """Name (or rename) partner ``slot``."""
    await conn.execute(
        "INSERT INTO partners (chat_id, slot, name) VALUES (?, ?, ?)"
        " ON CONFLICT (chat_id, slot) DO UPDATE SET name = excluded.name",
        (chat_id, slot, name),
    )


async def set_setup(
    conn: Tx, chat_id: int, step: str, now: str, setup_by: int | None = None
) -> None:
    """Move the set-up to ``step`` (and record who runs it, when given)."""
    await conn.execute(
        "UPDATE chats SET setup_step = ?, setup_by = COALESCE(?, setup_by), updated_at = ?"
        " WHERE chat_id = ?",
        (step, setup_by, now, chat_id),
    )


async def reset(conn: Tx, chat_id: int, now: str) -> None:
    """Forget partners and sides so the set-up can start again (answers and agreements stay)."""
    await conn.execute("UPDATE members SET slot = NULL WHERE chat_id = ?", (chat_id,))
    await conn.execute(
        "UPDATE chats SET setup_step = 'none', setup_by = NULL, updated_at = ? WHERE chat_id = ?",
        (now, chat_id),
    )


async def member(conn: Tx, chat_id: int, user_id: int) -> Member | None:
    """Return a member of the chat who has not left, or None."""
    async with conn.execute(
        "SELECT user_id, name, slot, side_after_agreement, username, facilitator_since"
        " FROM members"
        " WHERE chat_id = ? AND user_id = ? AND left_at IS NULL",
        (chat_id, user_id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    return Member(
        row["user_id"],
        row["name"],
        row["slot"],
        row["side_after_agreement"],
        row["username"],
        row["facilitator_since"] is not None,
    )


async def representatives(conn: Tx, chat_id: int) -> list[Member]:
    """Return the members who represent a partner, in the order they joined."""
    async with conn.execute(
        "SELECT user_id, name, slot, username FROM members"
        " WHERE chat_id = ? AND slot IS NOT NULL AND left_at IS NULL ORDER BY joined_at, rowid",
        (chat_id,),
    ) as cursor:
        return [
            Member(r["user_id"], r["name"], r["slot"], username=r["username"])
            async for r in cursor
        ]


async def join(
    conn: Tx,
    chat_id: int,
    user_id: int,
    name: str,
    slot: int,
    now: str,
    username: str | None = None,
) -> None:
    """Register a member as representative of partner ``slot``."""
    await conn.execute(
        "INSERT INTO members"
        " (chat_id, user_id, slot, name, joined_at, side_after_agreement, username)"
        " VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(id), 0) FROM agreements), ?)"
        " ON CONFLICT (chat_id, user_id) DO UPDATE SET side_after_agreement = CASE"
        " WHEN members.slot IS excluded.slot AND members.left_at IS NULL"
        " THEN members.side_after_agreement ELSE excluded.side_after_agreement END,"
        " slot = excluded.slot, name = excluded.name, username = excluded.username,"
        " left_at = NULL",
        (chat_id, user_id, slot, name, now, username),
    )


async def leave(conn: Tx, chat_id: int, user_id: int, now: str) -> bool:
    """Mark a member as gone; True when they represented a partner or facilitated (a
    facilitator who leaves no longer facilitates, also when they come back)."""
    cursor = await conn.execute(
        "UPDATE members SET left_at = ?, facilitator_since = NULL WHERE chat_id = ?"
        " AND user_id = ? AND left_at IS NULL"
        " AND (slot IS NOT NULL OR facilitator_since IS NOT NULL)",
        (now, chat_id, user_id),
    )
    return cursor.rowcount == 1


async def facilitators(conn: Tx, chat_id: int) -> list[Member]:
    """The chat's facilitators, in the order they were named."""
    async with conn.execute(
        "SELECT user_id, name FROM members WHERE chat_id = ? AND facilitator_since IS NOT NULL"
        " AND left_at IS NULL ORDER BY facilitator_since, rowid",
        (chat_id,),
    ) as cursor:
        return [Member(r["user_id"], r["name"], None, facilitator=True) async for r in cursor]


async def name_facilitator(conn: Tx, chat_id: int, user_id: int, name: str, now: str) -> bool:
    """Make a member who represents neither partner a facilitator (a member row is made for
    someone the bot has not registered yet); False when they represent a partner."""
    cursor = await conn.execute(
        "INSERT INTO members (chat_id, user_id, slot, name, joined_at, facilitator_since)"
        " VALUES (?, ?, NULL, ?, ?, ?) ON CONFLICT (chat_id, user_id) DO UPDATE SET"
        " name = excluded.name, left_at = NULL,"
        " facilitator_since = coalesce(members.facilitator_since, excluded.facilitator_since)"
        " WHERE members.slot IS NULL OR members.left_at IS NOT NULL",
        (chat_id, user_id, name, now, now),
    )
    if cursor.rowcount != 1:
        return False
    # Someone who had left with a side comes back without it.
    await conn.execute(
        "UPDATE members SET slot = NULL WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
    )
    return True


async def end_facilitator(conn: Tx, chat_id: int, user_id: int) -> bool:
    """The member no longer facilitates; False when they did not."""
    cursor = await conn.execute(
        "UPDATE members SET facilitator_since = NULL WHERE chat_id = ? AND user_id = ?"
        " AND facilitator_since IS NOT NULL",
        (chat_id, user_id),
    )
    return cursor.rowcount == 1
