"""SQL of bot_messages: what each message of the bot is for (a card, a prompt, a question), so a
reply or a press can be routed to it after a restart."""

from __future__ import annotations

from bot.db.tx import Tx


async def remember(
    conn: Tx, chat_id: int, message_id: int, purpose: str, ref: str, now: str
) -> None:
    """Remember what a bot message is for, so a reply to it can be routed after a restart."""
    await conn.execute(
        "INSERT INTO bot_messages (chat_id, message_id, purpose, ref, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id)"
        " DO UPDATE SET purpose = excluded.purpose, ref = excluded.ref",
        (chat_id, message_id, purpose, ref, now),
    )


async def purpose(conn: Tx, chat_id: int, message_id: int) -> tuple[str, str] | None:
    """Return (purpose, ref) of a bot message, or None when it waits for nothing."""
    async with conn.execute(
        "SELECT purpose, ref FROM bot_messages WHERE chat_id = ? AND message_id = ?",
        (chat_id, message_id),
    ) as cursor:
        row = await cursor.fetchone()
    return (row["purpose"], row["ref"]) if row else None


async def take(conn: Tx, chat_id: int, message_id: int, purpose: str) -> bool:
    """Consume a bot message's purpose: True for the one caller that finds it, False after."""
    cursor = await conn.execute(
        "DELETE FROM bot_messages WHERE chat_id = ? AND message_id = ? AND purpose = ?",
        (chat_id, message_id, purpose),
    )
    return cursor.rowcount == 1


async def newest(conn: Tx, chat_id: int, purpose: str) -> tuple[int, str] | None:
    """(message id, ref) of the chat's newest bot message with this purpose, if any."""
    async with conn.execute(
        "SELECT message_id, ref FROM bot_messages WHERE chat_id = ? AND purpose = ?"
        " ORDER BY message_id DESC LIMIT 1",
        (chat_id, purpose),
    ) as cursor:
        row = await cursor.fetchone()
    return (int(row["message_id"]), str(row["ref"])) if row else None
