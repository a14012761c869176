"""SQL of processed_updates: the keys of updates acted on, so a duplicate delivery is not.

A message's key names its chat by a digest, not by its id: in a private chat the chat id is the
person's Telegram id, and a key is kept for a month. The digest is the same for every message of
a chat, so the keys of a chat can still be erased with it (``forget_chat``), and a message
delivered twice still has one key. (A digest of a number this small can be reversed by trying
every id; what it buys is that no key holds an id as text, in the table or in the log, and the
erasure deletes the keys all the same.)
"""

from __future__ import annotations

import hashlib

import aiosqlite

from bot.db.tx import Tx

#: Keys of messages: ``h:<digest of the chat id>:<message id>``. (Before schema 13, ``m:`` and the
#: chat id itself; the migration rewrites them with ``processed_key``.)
_MESSAGE = "h"


def chat_digest(chat_id: int) -> str:
    """The chat's part of its messages' keys."""
    return hashlib.sha256(f"chat:{chat_id}".encode()).hexdigest()[:20]


def message_key(chat_id: int, message_id: int) -> str:
    """The key of a message in a chat (the same when Telegram delivers it again)."""
    return f"{_MESSAGE}:{chat_digest(chat_id)}:{message_id}"


def query_key(query_id: str) -> str:
    """The key of a button press (a callback query id holds no chat or person)."""
    return f"cb:{query_id}"


def processed_key(old: str) -> str:
    """A key as stored before schema 13 (``m:<chat id>:<message id>``), rewritten; any other key
    as it is. Registered as the SQL function ``processed_key`` for the migration."""
    kind, _, rest = old.partition(":")
    chat, _, message = rest.partition(":")
    if kind != "m" or not message:
        return old
    try:
        return message_key(int(chat), int(message))
    except ValueError:
        return old


async def register_functions(conn: aiosqlite.Connection) -> None:
    """Make ``processed_key`` available to SQL on this connection (migrations use it)."""
    await conn.create_function("processed_key", 1, processed_key, deterministic=True)


async def mark(conn: Tx, key: str, now: str) -> bool:
    """Record that an update was acted on; False when it already was (a duplicate delivery)."""
    cursor = await conn.execute(
        "INSERT INTO processed_updates (key, processed_at) VALUES (?, ?)"
        " ON CONFLICT (key) DO NOTHING",
        (key, now),
    )
    return cursor.rowcount == 1


async def forget_chat(conn: Tx, chat_id: int) -> None:
    """Erase the keys of a chat's messages (the keys of button presses name no chat)."""
    start = f"{_MESSAGE}:{chat_digest(chat_id)}"
    # A range on the key, which its index serves: every key that starts with ``start:``.
    await conn.execute(
        "DELETE FROM processed_updates WHERE key > ? AND key < ?", (f"{start}:", f"{start};")
    )
