"""The queries behind a group's record (``bot/domain/record.py``): every answer, every agreement that is
confirmed, waits for confirmation or was dropped, and every open issue, open or resolved, each
with the names of the people."""

from __future__ import annotations

import aiosqlite

from bot.db.progress import SHOWN
from bot.db.tx import Tx


async def answers(conn: Tx, chat_id: int) -> list[aiosqlite.Row]:
    """Every answer of the chat that may be shown (``SHOWN``: not a private answer still hidden),
    of every round, with its author's name: round by round, then partner by partner, oldest
    first."""
    async with conn.execute(
        "SELECT a.topic_id, a.round, a.slot, a.text, a.updated_at, m.name FROM answers a"
        " LEFT JOIN members m ON m.chat_id = a.chat_id AND m.user_id = a.user_id"
        f" WHERE a.chat_id = ? AND {SHOWN} ORDER BY a.round, a.slot, a.created_at, a.id",
        (chat_id,),
    ) as cursor:
        return list(await cursor.fetchall())


async def agreements(conn: Tx, chat_id: int) -> list[aiosqlite.Row]:
    """Confirmed, proposed and dropped agreements with the names of proposer and confirmer,
    oldest first. A proposal to drop one is left out: the dropped agreement's history says it."""
    async with conn.execute(
        "SELECT a.id, a.topic_id, a.text, a.status, a.proposer_slot, a.proposed_at,"
        " a.confirmed_at, a.review_due, p.name AS proposer_name, c.name AS confirmer_name,"
        " a.confirmed_by IS NOT NULL AS has_confirmer FROM agreements a"
        " LEFT JOIN members p ON p.chat_id = a.chat_id AND p.user_id = a.proposed_by"
        " LEFT JOIN members c ON c.chat_id = a.chat_id AND c.user_id = a.confirmed_by"
        " WHERE a.chat_id = ? AND a.status IN ('proposed', 'confirmed', 'dropped')"
        " AND a.lapse = 0 ORDER BY a.id",
        (chat_id,),
    ) as cursor:
        return list(await cursor.fetchall())


async def issues(conn: Tx, chat_id: int) -> list[aiosqlite.Row]:
    """Open and resolved issues with the name of who raised them and their organisation, who
    resolved them and when, and their action item (owner, moment, status; NULL when none),
    oldest first."""
    async with conn.execute(
        "SELECT i.id, i.topic_id, i.text, i.status, i.raised_at, i.resolved_at, m.name, m.slot,"
        " r.name AS resolver_name, r.slot AS resolver_slot, t.owner,"
        " t.due_local, t.status AS action_status FROM open_issues i"
        " LEFT JOIN members m ON m.chat_id = i.chat_id AND m.user_id = i.raised_by"
        " LEFT JOIN members r ON r.chat_id = i.chat_id AND r.user_id = i.resolved_by"
        " LEFT JOIN action_items t ON t.issue_id = i.id"
        " WHERE i.chat_id = ? ORDER BY i.id",
        (chat_id,),
    ) as cursor:
        return list(await cursor.fetchall())
