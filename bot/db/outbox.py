"""SQL of the outbox: what the bot owes a chat, in order, until it is delivered.

A delivered entry stays a week (to look into what a group was sent), except in a private chat:
what the bot tells one person there (``/mydata`` lists all it keeps about them) leaves the
outbox once it is delivered or given up.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
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


#: Entries of private chats: a person's Telegram id is their private chat's id.
_PRIVATE = "chat_id > 0"


async def mark_sending(conn: Tx, entry: Entry) -> bool:
    """The request for this entry goes out now (again, when an answer never came: still
    'sending'); False when the entry changed since it was read
    (rewritten or dropped by an erasure), and must not go out as it was."""
    cursor = await conn.execute(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
        " WHERE id = ? AND status IN ('pending', 'sending') AND text = ? AND markup IS ?",
        (entry.id, entry.text, entry.markup),
    )
    return cursor.rowcount == 1


async def entry(conn: Tx, entry_id: int) -> Entry | None:
    """An entry as it is owed now; None when it is no longer owed."""
    async with conn.execute(
        "SELECT id, chat_id, thread_id, reply_to, edit_id, text, markup, remember, remember_ref"
        " FROM outbox WHERE id = ? AND status = 'pending'",
        (entry_id,),
    ) as cursor:
        row = await cursor.fetchone()
    return Entry(*row) if row is not None else None


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
    await conn.execute(f"DELETE FROM outbox WHERE status = 'unsure' AND {_PRIVATE}")
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
    await _let_go_private(conn, entry_id)


async def mark_unsure(conn: Tx, entry_id: int, now: str) -> None:
    """Telegram may have the message, and its id is not known: taken as delivered."""
    await conn.execute(
        "UPDATE outbox SET status = 'unsure', sent_at = ? WHERE id = ?", (now, entry_id)
    )


async def mark_failed(conn: Tx, entry_id: int, now: str) -> None:
    await conn.execute(
        "UPDATE outbox SET status = 'failed', sent_at = ? WHERE id = ?", (now, entry_id)
    )
    await _let_go_private(conn, entry_id)


async def _let_go_private(conn: Tx, entry_id: int) -> None:
    """A private chat's entry, delivered or given up, is not kept."""
    await conn.execute(f"DELETE FROM outbox WHERE id = ? AND {_PRIVATE}", (entry_id,))


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
    await conn.execute(f"DELETE FROM outbox WHERE chat_id = ? AND {_PRIVATE}", (chat_id,))


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


async def forget_person(
    conn: Tx,
    user_id: int,
    chats: Sequence[int],
    names: Sequence[str],
    anonymous: Mapping[str, str],
) -> None:
    """Take a person who asked to be forgotten out of every entry, owed or sent.

    In the ``chats`` where they took part (where the bot named them), each of ``names`` (as it
    stands in the HTML, longest first) becomes the chat's words for "a representative"
    (``anonymous``, by language), as the bot says it after the erasure; so a message still owed
    is delivered as it would be written now (delivery reads an entry again if it changed since
    it read it: ``mark_sending``). An entry owed that only they could answer (their
    ``/forgetme`` or ``/rename`` question: its buttons or purpose hold their id) is dropped; one
    sent keeps no buttons or purpose that holds it. What the bot told them in their private
    chat goes, but for what it still owes them there (delivered, it goes too).
    """
    me = str(user_id)
    # Callback data ends with the id (``forgetme:yes:<id>``); a purpose's reference is it or
    # ends with it (``forgetme``: ``<id>``, ``rename``: ``<slot>:<id>``).
    holds_id = (
        "(markup LIKE '%:' || ? || '\"%' OR (remember IN ('forgetme', 'rename')"
        " AND (remember_ref = ? OR remember_ref LIKE '%:' || ?)))"
    )
    ids = (me, me, me)
    await conn.execute(
        f"DELETE FROM outbox WHERE status IN ('pending', 'sending') AND {holds_id}", ids
    )
    await conn.execute(
        f"UPDATE outbox SET markup = NULL, remember = NULL, remember_ref = '' WHERE {holds_id}",
        ids,
    )
    await conn.execute(
        "DELETE FROM outbox WHERE chat_id = ? AND status NOT IN ('pending', 'sending')",
        (user_id,),
    )
    if not names or not chats:
        return
    # A whole name, not part of a word, and not an entity's name (``&amp;``: a person called
    # "amp"); tags are left out by ``_scrub``.
    pattern = re.compile(r"(?<![\w&])(?:" + "|".join(map(re.escape, names)) + r")(?!\w)")
    fallback = next(iter(anonymous.values()), "")
    found = " OR ".join("instr(o.text, ?) > 0" for _ in names)
    where = ", ".join("?" for _ in chats)
    async with conn.execute(
        "SELECT o.id, o.text, coalesce(c.language, '') FROM outbox o"
        f" LEFT JOIN chats c ON c.chat_id = o.chat_id WHERE o.chat_id IN ({where})"
        f" AND ({found})",
        (*chats, *names),
    ) as cursor:
        rows = [(int(r[0]), str(r[1]), str(r[2])) for r in await cursor.fetchall()]
    for entry_id, text, language in rows:
        words = html.escape(anonymous.get(language, fallback), quote=False)
        await conn.execute(
            "UPDATE outbox SET text = ? WHERE id = ?", (_scrub(text, pattern, words), entry_id)
        )


#: An HTML tag (the outbox's text is Telegram HTML; a name in it is escaped, so never a tag).
_TAG = re.compile(r"(<[^>]*>)")


def _scrub(text: str, pattern: re.Pattern[str], words: str) -> str:
    """``text`` with each match of ``pattern`` outside its tags replaced by ``words``."""
    parts = _TAG.split(text)
    # A function, not a replacement string: the words are text, never a pattern.
    parts[::2] = [pattern.sub(lambda _match: words, part) for part in parts[::2]]
    return "".join(parts)
