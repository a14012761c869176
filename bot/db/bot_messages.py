"""SQL of bot_messages: what each message of the bot is for (a card, a prompt, a question), so a
reply or a press can be routed to it after a restart."""

from __future__ import annotations

from bot.db.tx import Tx


async def remember(
    conn: Tx, chat_id: int, message_id: int, purpose: str, ref: str, now: str
) -> None:
    """Remember what a bot message is for, so a reply to it can be routed after a restart.

    Nothing is remembered for a chat the bot keeps nothing about (any more): a private chat of
    someone who asked to be forgotten, delivered the last word after the erasure."""
    await conn.execute(
        "INSERT INTO bot_messages (chat_id, message_id, purpose, ref, created_at)"
        " SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM chats WHERE chat_id = ?)"
        " ON CONFLICT (chat_id, message_id)"
        " DO UPDATE SET purpose = excluded.purpose, ref = excluded.ref",
        (chat_id, message_id, purpose, ref, now, chat_id),
    )


async def purpose(conn: Tx, chat_id: int, message_id: int) -> tuple[str, str] | None:
    """Return (purpose, ref) of a bot message, or None when it waits for nothing."""
    async with conn.execute(
        "SELECT purpose, ref FROM bot_messages WHERE chat_id = ? AND message_id = ?",
        (chat_id, message_id),
    ) as cursor:
        row = await cursor.fetchone()
    return (row["purpose"], row["ref"]) if row else None


async def take(conn: Tx, chat_id: int, message_id: int, purpose: str, answered: str) -> bool:
    """Consume a bot message's purpose: True for the one caller that finds it, False after.

    The message is remembered as ``answered`` from then on, without a reference (the asker of
    ``/forgetme`` goes with it), so a later press on it is told the question was answered."""
    cursor = await conn.execute(
        "UPDATE bot_messages SET purpose = ?, ref = ''"
        " WHERE chat_id = ? AND message_id = ? AND purpose = ?",
        (answered, chat_id, message_id, purpose),
    )
    return cursor.rowcount == 1


async def forget_asker(conn: Tx, user_id: int) -> None:
    """A person asked to be forgotten: the questions only they could answer (their
    ``/forgetme`` and ``/rename`` questions, which hold their id) wait for nothing any more.
    (The kinds and fields of ``ForgetMeQuestion`` and ``RenamePrompt``, bot/domain/purposes.py.)"""
    await conn.execute(
        "DELETE FROM bot_messages WHERE (purpose = 'forgetme' AND ref = ?)"
        " OR (purpose = 'rename' AND ref LIKE '%:' || ?)",
        (str(user_id), str(user_id)),
    )
