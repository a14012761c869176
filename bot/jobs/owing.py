"""What the clock's jobs share: the messages a job finds due are owed to their chats in the
transaction that claims them, and delivered after the commit (so a crash before it leaves them
to the next look, and after it the outbox owns the delivery)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot

from bot.db import chats
from bot.db.tx import Tx
from bot.io import outbox
from bot.render.messages import Reply
from bot.services import Services

#: What a job finds due in one transaction: each chat with the messages it is owed.
Found = Sequence[tuple[int, Sequence[Reply]]]


async def owe_in_chat(conn: Tx, svc: Services, chat_id: int, replies: Sequence[Reply]) -> None:
    """Owe ``replies`` to a chat, in its language and its forum thread (in ``conn``'s
    transaction)."""
    chat = await chats.get(conn, chat_id)
    assert chat is not None  # the jobs' queries join on chats
    translator = svc.translators[chat.language]
    await outbox.owe(conn, translator, chat_id, list(replies), [chat.thread_id] * len(replies))


async def owe_and_deliver(
    bot: Bot, svc: Services, find: Callable[[Tx], Awaitable[Found]]
) -> list[int]:
    """Claim what ``find`` finds due and owe its messages in one transaction, then start the
    delivery to each chat; returns the chat ids, one per message group found."""

    async def claim(conn: Tx) -> list[int]:
        found = await find(conn)
        for chat_id, replies in found:
            await owe_in_chat(conn, svc, chat_id, replies)
        return [chat_id for chat_id, _ in found]

    chat_ids = await svc.store.write(claim)
    for chat_id in sorted(set(chat_ids)):
        svc.outbox.schedule(bot, chat_id)
    return chat_ids
