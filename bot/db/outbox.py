"""SQL of the outbox: what the bot owes a chat, in order, until it is delivered."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.tx import Tx


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    chat_id: int
    thread_id: int | None
    reply_to: int | None
    edit_id: int | None
    text: str
    markup: str | None
    remember: str | None
    remember_ref: str


async def add(
    conn: Tx, chat_id: int, thread_id: int | None, reply_to: int | None,
    edit_id: int | None, text: str, markup: str | None, remember: tuple[str, str] | None,
    now: str,
) -> None:  # fmt: skip
    """Owe the chat one message (or edit), in the caller's transaction."""
    purpose, ref = remember if remember is not None else (None, "")
    await conn.execute(
        "INSERT INTO outbox (chat_id, thread_id, reply_to, edit_id, text, markup, remember,"
        " remember_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (chat_id, thread_id, reply_to, edit_id, text, markup, purpose, ref, now),
    )


async def pending(conn: Tx, chat_id: int) -> list[Entry]:
    """What is still owed to a chat, oldest first."""
    async with conn.execute(
        "SELECT id, chat_id, thread_id, reply_to, edit_id, text, markup, remember, remember_ref"
        " FROM outbox WHERE status = 'pending' AND chat_id = ? ORDER BY id",
        (chat_id,),
    ) as cursor:
        return [Entry(*row) for row in await cursor.fetchall()]


async def chats_owed(conn: Tx) -> list[int]:
    """The chats that are owed something."""
    async with conn.execute(
        "SELECT DISTINCT chat_id FROM outbox WHERE status = 'pending' ORDER BY chat_id"
    ) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


async def mark_sending(conn: Tx, entry_id: int) -> None:
    """The request for this entry goes out now."""
    await conn.execute(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?", (entry_id,)
    )


async def settle_interrupted(conn: Tx, now: str) -> int:
    """After a crash, decide about the entries whose request was out.

    Most of them reached Telegram, which keeps no key to recognise a message sent twice. An edit
    is made again (twice is harmless), and so is a message people must reply to (a card, a
    prompt: without it the group is stuck). Any other message is taken as delivered ('unsure').
    Returns how many were taken as delivered.
    """
    await conn.execute(
        "UPDATE outbox SET status = 'pending' WHERE status = 'sending'"
        " AND (edit_id IS NOT NULL OR remember IS NOT NULL)"
    )
    cursor = await conn.execute(
        "UPDATE outbox SET status = 'unsure', sent_at = ? WHERE status = 'sending'", (now,)
    )
    return cursor.rowcount


async def copies_without_id(conn: Tx, chat_id: int) -> list[tuple[str, str, str]]:
    """Entries with a purpose that Telegram may show without the bot knowing the message's id:
    their request went out more than once (after a crash, a timeout), or its answer was lost
    ('unsure'). (text, purpose, ref), newest first."""
    async with conn.execute(
        "SELECT text, remember, remember_ref FROM outbox WHERE chat_id = ? AND remember IS NOT NULL"
        " AND (attempts > 1 OR status = 'unsure') ORDER BY id DESC",
        (chat_id,),
    ) as cursor:
        return [(str(r[0]), str(r[1]), str(r[2])) for r in await cursor.fetchall()]


async def mark_sent(conn: Tx, entry_id: int, message_id: int, now: str) -> None:
    await conn.execute(
        "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ? WHERE id = ?",
        (message_id, now, entry_id),
    )


async def mark_unsure(conn: Tx, entry_id: int, now: str) -> None:
    """Telegram may have the message, and its id is not known: taken as delivered."""
    await conn.execute(
        "UPDATE outbox SET status = 'unsure', sent_at = ? WHERE id = ?", (now, entry_id)
    )


async def mark_failed(conn: Tx, entry_id: int, now: str) -> None:
    await conn.execute(
        "UPDATE outbox SET status = 'failed', sent_at = ? WHERE id = ?", (now, entry_id)
    )


async def retry_later(conn: Tx, entry_id: int) -> None:
    """The request did not go through (a timeout, a 5xx): the entry is owed again."""
    await conn.execute("UPDATE outbox SET status = 'pending' WHERE id = ?", (entry_id,))


async def drop_chat(conn: Tx, chat_id: int, now: str) -> None:
    """Give up what is owed to a chat the bot can no longer write to."""
    await conn.execute(
        "UPDATE outbox SET status = 'failed', sent_at = ? WHERE chat_id = ?"
        " AND status IN ('pending', 'sending')",
        (now, chat_id),
    )


async def move_chat(conn: Tx, old_id: int, new_id: int) -> None:
    """Follow a group that became a supergroup."""
    await conn.execute("UPDATE outbox SET chat_id = ? WHERE chat_id = ?", (new_id, old_id))


async def message_of(conn: Tx, entry_id: int) -> int | None:
    """The message an entry became (None while it is owed, or if it never became one)."""
    async with conn.execute(
        "SELECT message_id FROM outbox WHERE id = ? AND status = 'sent'", (entry_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None
