"""SQL of the chats table: a group's language, time zone, greeting, set-up and where the bot is."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import aiosqlite

from bot.db import outbox
from bot.db.tx import Tx


@dataclass(frozen=True, slots=True)
class Chat:
    chat_id: int
    kind: str
    title: str | None
    language: str
    timezone: str
    active: bool
    greeted_at: str | None
    setup_by: int | None
    setup_step: str
    stage: str | None
    topic: str | None
    thread_id: int | None = None

    @property
    def partners_named(self) -> bool:
        """Both partner organisations are named: the group can take sides and work."""
        return self.setup_step in ("members", "done")


def _chat(row: aiosqlite.Row) -> Chat:
    return Chat(
        chat_id=row["chat_id"],
        kind=row["kind"],
        title=row["title"],
        language=row["language"],
        timezone=row["timezone"],
        active=bool(row["active"]),
        greeted_at=row["greeted_at"],
        setup_by=row["setup_by"],
        setup_step=row["setup_step"],
        stage=row["stage"],
        topic=row["topic"],
        thread_id=row["thread_id"],
    )


async def get(conn: Tx, chat_id: int) -> Chat | None:
    """Return the chat, or None when the bot has never seen it."""
    async with conn.execute("SELECT * FROM chats WHERE chat_id = ?", (chat_id,)) as cursor:
        row = await cursor.fetchone()
    return _chat(row) if row else None


async def create(
    conn: Tx,
    chat_id: int,
    kind: str,
    title: str | None,
    language: str,
    timezone: str,
    now: str,
) -> Chat:
    """Create the chat if it is new (keeping an existing one as it is) and return it."""
    await conn.execute(
        "INSERT INTO chats (chat_id, kind, title, language, timezone, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO NOTHING",
        (chat_id, kind, title, language, timezone, now, now),
    )
    chat = await get(conn, chat_id)
    assert chat is not None
    return chat


async def set_language(conn: Tx, chat_id: int, language: str, now: str) -> None:
    """Change the chat's language."""
    await conn.execute(
        "UPDATE chats SET language = ?, updated_at = ? WHERE chat_id = ?", (language, now, chat_id)
    )


async def set_timezone(conn: Tx, chat_id: int, timezone: str, now: str) -> None:
    """Change the chat's time zone (an IANA name)."""
    await conn.execute(
        "UPDATE chats SET timezone = ?, updated_at = ? WHERE chat_id = ?", (timezone, now, chat_id)
    )


async def set_presence(
    conn: Tx, chat_id: int, *, active: bool, greeted_at: str | None, now: str
) -> None:
    """Record whether the bot is in the chat and when it last greeted it."""
    # removed_at starts the retention clock; being added again stops it.
    await conn.execute(
        "UPDATE chats SET removed_at = CASE WHEN ? THEN NULL"
        " WHEN active = 1 OR removed_at IS NULL THEN ? ELSE removed_at END,"
        " active = ?, greeted_at = ?, updated_at = ? WHERE chat_id = ?",
        (int(active), now, int(active), greeted_at, now, chat_id),
    )


#: How far a chat's set-up has come, to tell a group's record from a supergroup's stub.
SETUP_ORDER = ("none", "partner-1", "partner-2", "members", "done")

#: What ``migrate`` did: moved the record to a new row, merged it with the supergroup's row,
#: kept it apart (the supergroup has a session of its own), or nothing (no record to move).
Move = Literal["moved", "merged", "apart", "nothing"]

#: The operator's log line for each move that did something: (level, text with both ids).
MOVE_LOG: dict[Move, tuple[int, str]] = {
    "moved": (logging.INFO, "Moved group %s to its supergroup id %s"),
    "merged": (
        logging.INFO,
        "Moved group %s to its supergroup id %s, merged with the supergroup's own row",
    ),
    "apart": (
        logging.WARNING,
        "Group %s became supergroup %s, which has a session of its own; the group's earlier"
        " record is kept apart and erased after the retention days",
    ),
}


async def migrate(conn: Tx, old_id: int, new_id: int, now: str) -> Move:
    """Move a group that became a supergroup to its new id.

    Every table refers to ``chats`` with ``ON UPDATE CASCADE``, so one UPDATE re-keys answers,
    agreements, open issues, reminders and remembered prompts in the same transaction.

    The supergroup may have a row already: someone wrote there (``/help``, ``/start``) before the
    bot learnt of the move, when the notices were missed and a send to the old id found it out.
    Then the record further along in its set-up is the group's, the old one on a tie; the other
    row goes, with what hangs on it (a greeting, a set-up begun again, the purposes of its
    prompts). When both have named their partners, neither is thrown away: the supergroup keeps
    its own, and the old record stays at its old id as if the bot had been removed there (the
    retention days then erase it).
    """
    # The outbox keeps no foreign key (it may owe a chat it has no row for): what is owed to the
    # old id goes to the new one in every case.
    await outbox.move_chat(conn, old_id, new_id)
    old = await get(conn, old_id)
    if old is None:
        return "nothing"
    new = await get(conn, new_id)
    if new is None:
        await _rekey(conn, old_id, new_id, now)
        return "moved"
    if old.partners_named and new.partners_named:
        await set_presence(conn, old_id, active=False, greeted_at=None, now=now)
        return "apart"
    if SETUP_ORDER.index(new.setup_step) > SETUP_ORDER.index(old.setup_step):
        # The supergroup's record is the one further along; the old row was the stub.
        await conn.execute("DELETE FROM chats WHERE chat_id = ?", (old_id,))
        return "merged"
    # The supergroup's row is the stub. Whether the bot is there and has greeted is what it
    # knows; the rest (language, zone, set-up, session) is the group's. Its own rows go (they
    # would collide with the group's, and its prompts belong to a set-up that is not the group's).
    await conn.execute(
        "UPDATE chats SET title = coalesce(s.title, chats.title), active = s.active,"
        " removed_at = s.removed_at, greeted_at = coalesce(s.greeted_at, chats.greeted_at)"
        " FROM (SELECT * FROM chats WHERE chat_id = ?) AS s WHERE chats.chat_id = ?",
        (new_id, old_id),
    )
    await conn.execute("DELETE FROM chats WHERE chat_id = ?", (new_id,))
    await _rekey(conn, old_id, new_id, now)
    return "merged"


async def _rekey(conn: Tx, old_id: int, new_id: int, now: str) -> None:
    await conn.execute(
        "UPDATE chats SET chat_id = ?, kind = 'supergroup', updated_at = ? WHERE chat_id = ?",
        (new_id, now, old_id),
    )


async def set_thread(conn: Tx, chat_id: int, thread_id: int | None) -> None:
    """Remember the forum topic thread where the session runs (None: the chat itself)."""
    await conn.execute("UPDATE chats SET thread_id = ? WHERE chat_id = ?", (thread_id, chat_id))
