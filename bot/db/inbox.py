"""SQL of the durable inbox: store an update once, mark it handled, list what is left.

An update's content (names, what people typed, the bot's message they replied to) is kept only
until it is handled; a handled row keeps its id, so that Telegram delivering it again is
recognised, and is pruned after a week."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from bot.db.tx import Tx

#: The kinds of update a person sends, each with a "from".
_SENT_BY_PEOPLE = ("message", "edited_message", "callback_query", "my_chat_member", "chat_member")


async def receive(conn: Tx, update_id: int, payload: str, now: str) -> bool:
    """Store an update; False when it was stored before (queued already, or handled)."""
    cursor = await conn.execute(
        "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)"
        " ON CONFLICT (update_id) DO NOTHING",
        (update_id, payload, now),
    )
    return cursor.rowcount == 1


async def known(conn: Tx, update_id: int) -> bool:
    """Whether an update is in the inbox (waiting, or handled)."""
    async with conn.execute("SELECT 1 FROM inbox WHERE update_id = ?", (update_id,)) as cursor:
        return await cursor.fetchone() is not None


async def mark_handled(conn: Tx, update_id: int, now: str) -> None:
    """Record that an update was handled (in the transaction of what it changed), and let go of
    what it said."""
    await conn.execute(
        "UPDATE inbox SET handled_at = ?, payload = '{}' WHERE update_id = ? AND handled_at IS NULL",
        (now, update_id),
    )


async def waiting(conn: Tx) -> list[tuple[int, str]]:
    """Updates stored but not handled, oldest first: (update_id, payload)."""
    async with conn.execute(
        "SELECT update_id, payload FROM inbox WHERE handled_at IS NULL ORDER BY update_id"
    ) as cursor:
        return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]


async def forget_chat(conn: Tx, chat_id: int) -> None:
    """Erase a chat's updates not handled yet (a handled one holds nothing but its id). Every
    kind of update (a message, an edit, a press, a membership change) names its chat as an
    object "chat" somewhere in it."""
    await conn.execute(
        "DELETE FROM inbox WHERE handled_at IS NULL AND EXISTS (SELECT 1 FROM"
        " json_tree(inbox.payload) AS node WHERE node.key = 'id' AND node.path LIKE '%.chat'"
        " AND node.value = ?)",
        (chat_id,),
    )


async def forget_person(conn: Tx, user_id: int, names: Sequence[str], words: str) -> None:
    """A person asked to be forgotten: what they sent and is not handled yet goes (the press
    that asked among it); another person's update waiting to be handled that quotes them (a
    reply to a bot message naming them) keeps no name (each becomes ``words``) or id of
    theirs. A handled update holds nothing but its id."""
    await conn.execute(
        "DELETE FROM inbox WHERE handled_at IS NULL AND ? IN ("
        + ", ".join(f"json_extract(payload, '$.{kind}.from.id')" for kind in _SENT_BY_PEOPLE)
        + ")",
        (user_id,),
    )
    # As stored: JSON with every character outside ASCII escaped.
    needles = [str(user_id), *(json.dumps(name)[1:-1] for name in names if name)]
    found = " OR ".join("instr(payload, ?) > 0" for _ in needles)
    async with conn.execute(
        f"SELECT update_id, payload FROM inbox WHERE handled_at IS NULL AND ({found})",
        tuple(needles),
    ) as cursor:
        rows = [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]
    if not rows:
        return
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")(?!\w)"
        if any(names)
        else r"(?!)"
    )
    for update_id, payload in rows:
        cleaned = _without(json.loads(payload), user_id, pattern, words)
        await conn.execute(
            "UPDATE inbox SET payload = ? WHERE update_id = ?", (json.dumps(cleaned), update_id)
        )


def _without(value: Any, user_id: int, pattern: re.Pattern[str], words: str) -> Any:
    """``value`` (an update as JSON data) with the person's user objects made anonymous and
    their names in texts replaced."""
    if isinstance(value, dict):
        if value.get("id") == user_id and "first_name" in value:
            return {"id": 0, "is_bot": False, "first_name": words}
        return {key: _without(item, user_id, pattern, words) for key, item in value.items()}
    if isinstance(value, list):
        return [_without(item, user_id, pattern, words) for item in value]
    if isinstance(value, str):
        return pattern.sub(lambda _match: words, value)
    return value
