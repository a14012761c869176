"""Queries on the last answer to each read-only command in a chat's thread: its digest and when
it was given (``bot.flows.repeats`` decides what a repeat gets)."""

from __future__ import annotations

from bot.db.tx import Tx


async def last(conn: Tx, chat_id: int, thread_id: int, command: str) -> tuple[str, str] | None:
    """The digest of the last answer to ``command`` here and when it was given, if any."""
    cursor = await conn.execute(
        "SELECT digest, answered_at FROM repeated_commands"
        " WHERE chat_id = ? AND thread_id = ? AND command = ?",
        (chat_id, thread_id, command),
    )
    row = await cursor.fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


async def remember(
    conn: Tx, chat_id: int, thread_id: int, command: str, digest: str, now: str
) -> None:
    """Record the answer just given to ``command`` here."""
    await conn.execute(
        "INSERT INTO repeated_commands (chat_id, thread_id, command, digest, answered_at)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (chat_id, thread_id, command)"
        " DO UPDATE SET digest = excluded.digest, answered_at = excluded.answered_at",
        (chat_id, thread_id, command, digest, now),
    )
