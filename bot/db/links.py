"""SQL of links: the random tokens that start deep links carry (``t.me/<bot>?start=<token>``).

A token names a chat and what the link opens there (its kind and id). It is looked up, never
trusted as given: a token we did not make, or whose group was erased, finds nothing.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from bot.db.tx import Tx

#: What Telegram accepts as a start parameter: up to 64 of these characters.
PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True, slots=True)
class Link:
    token: str
    chat_id: int
    kind: str
    ref: int


async def create(conn: Tx, chat_id: int, kind: str, ref: int, now: str) -> str:
    """Make a new link to ``kind`` ``ref`` in ``chat_id`` and return its token (22 characters,
    128 random bits: not guessable)."""
    token = secrets.token_urlsafe(16)
    await conn.execute(
        "INSERT INTO links (token, chat_id, kind, ref, created_at) VALUES (?, ?, ?, ?, ?)",
        (token, chat_id, kind, ref, now),
    )
    return token


async def find(conn: Tx, payload: str) -> Link | None:
    """The link a start payload names, or None (not one of ours, or its group was erased)."""
    if not PAYLOAD.fullmatch(payload):
        return None
    async with conn.execute(
        "SELECT token, chat_id, kind, ref FROM links WHERE token = ?", (payload,)
    ) as cursor:
        row = await cursor.fetchone()
    return Link(row["token"], row["chat_id"], row["kind"], row["ref"]) if row else None


async def token_of(conn: Tx, chat_id: int, kind: str, ref: int) -> str | None:
    """The token of an existing link to ``kind`` ``ref`` in the chat (the newest), if any."""
    async with conn.execute(
        "SELECT token FROM links WHERE chat_id = ? AND kind = ? AND ref = ?"
        " ORDER BY created_at DESC, rowid DESC LIMIT 1",
        (chat_id, kind, ref),
    ) as cursor:
        row = await cursor.fetchone()
    return str(row["token"]) if row else None
