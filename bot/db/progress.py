"""Queries on the walk through the wheel: current stage and topic, topic states and answers.

Topic states and answers belong to a round of their stage (``bot/db/rounds.py``): they are written
to the stage's latest round, and read from it unless an earlier round is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.rounds import latest_numbers, stage_of
from bot.db.tx import Tx

#: The number of the latest round of a stage (parameters: chat id, stage); 1 before any round,
#: so a write never lands outside a round the migration or ``rounds.start`` would have made.
_LATEST = "(SELECT coalesce(max(number), 1) FROM rounds WHERE chat_id = ? AND stage = ?)"
#: Whether the answer ``a`` may be shown: given in the group, or given privately on a topic that
#: both organisations have answered in that round (until then nobody sees what it says).
SHOWN = (
    "(a.private = 0 OR (SELECT count(DISTINCT b.slot) FROM answers b WHERE b.chat_id = a.chat_id"
    " AND b.topic_id = a.topic_id AND b.round = a.round) = 2)"
)


@dataclass(frozen=True, slots=True)
class Answer:
    user_id: int
    slot: int
    name: str
    text: str
    message_id: int


@dataclass(frozen=True, slots=True)
class EarlierAnswer:
    """An answer of an earlier round, with its round and when it was last changed."""

    slot: int
    name: str
    text: str
    round: int
    at: str


async def set_position(
    conn: Tx, chat_id: int, stage: str | None, topic: str | None, now: str
) -> None:
    """Move the chat to a stage and topic."""
    await conn.execute(
        "UPDATE chats SET stage = ?, topic = ?, updated_at = ? WHERE chat_id = ?",
        (stage, topic, now, chat_id),
    )


async def set_topic_status(conn: Tx, chat_id: int, topic_id: str, status: str, now: str) -> None:
    """Record a topic as open, answered or skipped, in the latest round of its stage."""
    await conn.execute(
        "INSERT INTO topic_states (chat_id, topic_id, round, status, updated_at)"
        f" VALUES (?, ?, {_LATEST}, ?, ?)"
        " ON CONFLICT (chat_id, topic_id, round) DO UPDATE SET status = excluded.status,"
        " updated_at = excluded.updated_at",
        (chat_id, topic_id, chat_id, stage_of(topic_id), status, now),
    )


async def topic_statuses(conn: Tx, chat_id: int) -> dict[str, str]:
    """Return {topic_id: status} for the topics the chat has touched in the latest round of
    each stage (a new round starts with no statuses)."""
    current = await latest_numbers(conn, chat_id)
    async with conn.execute(
        "SELECT topic_id, round, status FROM topic_states WHERE chat_id = ?", (chat_id,)
    ) as cursor:
        return {
            row["topic_id"]: row["status"]
            async for row in cursor
            if row["round"] == current.get(stage_of(row["topic_id"]), 1)
        }


async def answering_sides(conn: Tx, chat_id: int) -> dict[str, set[int]]:
    """Return {topic_id: the partner slots that answered it} in the latest round of each stage
    (who answered, never what: a private answer counts before it is shown)."""
    current = await latest_numbers(conn, chat_id)
    found: dict[str, set[int]] = {}
    async with conn.execute(
        "SELECT DISTINCT topic_id, round, slot FROM answers WHERE chat_id = ?", (chat_id,)
    ) as cursor:
        async for row in cursor:
            if row["round"] == current.get(stage_of(row["topic_id"]), 1):
                found.setdefault(row["topic_id"], set()).add(row["slot"])
    return found


async def save_answer(
    conn: Tx,
    chat_id: int,
    topic_id: str,
    user_id: int,
    slot: int,
    text: str,
    message_id: int,
    now: str,
    *,
    private: bool = False,
) -> bool:
    """Store a member's answer in the latest round of the topic's stage; True when it replaced
    their earlier answer of that round (an earlier round's answer is kept as it was).

    ``private``: given in a private chat (``message_id`` is then 0: that chat's message ids are
    not the group's, and an edit in the group must never find it)."""
    stage = stage_of(topic_id)
    async with conn.execute(
        f"SELECT 1 FROM answers WHERE chat_id = ? AND topic_id = ? AND round = {_LATEST}"
        " AND user_id = ?",
        (chat_id, topic_id, chat_id, stage, user_id),
    ) as cursor:
        existed = await cursor.fetchone() is not None
    await conn.execute(
        "INSERT INTO answers (chat_id, topic_id, round, user_id, slot, text, message_id,"
        f" private, created_at, updated_at) VALUES (?, ?, {_LATEST}, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (chat_id, topic_id, round, user_id) DO UPDATE SET slot = excluded.slot,"
        " text = excluded.text, message_id = excluded.message_id, private = excluded.private,"
        " updated_at = excluded.updated_at",
        (
            chat_id,
            topic_id,
            chat_id,
            stage,
            user_id,
            slot,
            text,
            message_id,
            int(private),
            now,
            now,
        ),
    )
    return existed


async def answer_by_message(conn: Tx, chat_id: int, message_id: int) -> tuple[str, int] | None:
    """Return (topic_id, user_id) of the answer given in a message, if any."""
    async with conn.execute(
        "SELECT topic_id, user_id FROM answers WHERE chat_id = ? AND message_id = ?",
        (chat_id, message_id),
    ) as cursor:
        row = await cursor.fetchone()
    return (row["topic_id"], row["user_id"]) if row else None


async def update_answer_text(conn: Tx, chat_id: int, message_id: int, text: str, now: str) -> None:
    """Replace the text of the answer given in a message (the member edited it)."""
    await conn.execute(
        "UPDATE answers SET text = ?, updated_at = ? WHERE chat_id = ? AND message_id = ?",
        (text, now, chat_id, message_id),
    )


async def answers(
    conn: Tx, chat_id: int, topic_id: str, round_number: int | None = None
) -> list[Answer]:
    """Return the answers on a topic in a round (default: the latest of its stage), partner by
    partner, oldest first."""
    args: tuple[int | str, ...]
    if round_number is None:
        which, args = _LATEST, (chat_id, stage_of(topic_id))
    else:
        which, args = "?", (round_number,)
    async with conn.execute(
        "SELECT a.user_id, a.slot, m.name, a.text, a.message_id FROM answers a"
        " JOIN members m ON m.chat_id = a.chat_id AND m.user_id = a.user_id"
        f" WHERE a.chat_id = ? AND a.topic_id = ? AND a.round = {which}"
        " ORDER BY a.slot, a.created_at, a.id",
        (chat_id, topic_id, *args),
    ) as cursor:
        return [
            Answer(r["user_id"], r["slot"], r["name"], r["text"], r["message_id"])
            async for r in cursor
        ]


async def earlier_answers(
    conn: Tx, chat_id: int, topic_id: str, before: int
) -> list[EarlierAnswer]:
    """The answers on a topic in rounds before ``before``, newest round first, then partner by
    partner (the name is '' for someone who asked to be forgotten). A private answer that the
    other organisation never matched in its round stays unseen (``SHOWN``)."""
    async with conn.execute(
        "SELECT a.slot, coalesce(m.name, '') AS name, a.text, a.round, a.updated_at"
        " FROM answers a LEFT JOIN members m ON m.chat_id = a.chat_id AND m.user_id = a.user_id"
        f" WHERE a.chat_id = ? AND a.topic_id = ? AND a.round < ? AND {SHOWN}"
        " ORDER BY a.round DESC, a.slot, a.created_at, a.id",
        (chat_id, topic_id, before),
    ) as cursor:
        return [
            EarlierAnswer(r["slot"], r["name"], r["text"], r["round"], r["updated_at"])
            async for r in cursor
        ]


async def has_answers(conn: Tx, chat_id: int, *, besides: str) -> bool:
    """True when the chat has answered any topic other than ``besides``."""
    async with conn.execute(
        "SELECT 1 FROM answers WHERE chat_id = ? AND topic_id != ? LIMIT 1", (chat_id, besides)
    ) as cursor:
        return await cursor.fetchone() is not None


async def latest_message(conn: Tx, chat_id: int, purpose: str, ref: str) -> int | None:
    """Return the newest bot message with this purpose and reference.

    A message still waiting in the outbox is newer than any delivered one: it is returned as
    ``-entry_id``, which the outbox resolves to the message that entry became.
    """
    async with conn.execute(
        "SELECT id FROM outbox WHERE chat_id = ? AND remember = ? AND remember_ref = ?"
        " AND status IN ('pending', 'sending') ORDER BY id DESC LIMIT 1",
        (chat_id, purpose, ref),
    ) as cursor:
        owed = await cursor.fetchone()
    if owed is not None:
        return -int(owed[0])
    async with conn.execute(
        "SELECT message_id FROM bot_messages WHERE chat_id = ? AND purpose = ? AND ref = ?"
        " ORDER BY message_id DESC LIMIT 1",
        (chat_id, purpose, ref),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row["message_id"]) if row else None
