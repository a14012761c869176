"""Queries on what the partners record: agreements (proposed, confirmed, withdrawn) and open issues."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.db.tx import Tx


@dataclass(frozen=True, slots=True)
class Agreement:
    id: int
    chat_id: int
    topic_id: str
    text: str
    status: str
    proposed_by: int
    proposer_slot: int
    proposer_name: str
    confirmed_by: int | None
    confirmer_name: str | None
    confirmed_at: str | None
    from_issue: int | None
    revision: int = 0
    #: The confirmed agreement this proposal would change (or, with ``lapse``, let lapse).
    replaces: int | None = None
    #: A proposal to let ``replaces`` lapse rather than to word it anew.
    lapse: bool = False
    #: The wording of ``replaces`` (None when it replaces nothing).
    replaced_text: str | None = None


@dataclass(frozen=True, slots=True)
class OpenIssue:
    id: int
    chat_id: int
    topic_id: str
    text: str
    status: str
    raised_by: int


_AGREEMENT = (
    "SELECT a.*, p.name AS proposer_name, c.name AS confirmer_name, r.text AS replaced_text"
    " FROM agreements a"
    " LEFT JOIN members p ON p.chat_id = a.chat_id AND p.user_id = a.proposed_by"
    " LEFT JOIN members c ON c.chat_id = a.chat_id AND c.user_id = a.confirmed_by"
    " LEFT JOIN agreements r ON r.id = a.replaces"
)


def _agreement(r: aiosqlite.Row) -> Agreement:
    return Agreement(
        r["id"], r["chat_id"], r["topic_id"], r["text"], r["status"], r["proposed_by"],
        r["proposer_slot"], r["proposer_name"] or "", r["confirmed_by"], r["confirmer_name"],
        r["confirmed_at"], r["from_issue"], r["revision"], r["replaces"], bool(r["lapse"]),
        r["replaced_text"],
    )  # fmt: skip


async def propose(
    conn: Tx,
    chat_id: int,
    topic_id: str,
    text: str,
    user_id: int,
    slot: int,
    now: str,
    from_issue: int | None = None,
) -> int:
    """Record a proposed agreement and return its id."""
    cursor = await conn.execute(
        "INSERT INTO agreements (chat_id, topic_id, text, proposed_by, proposer_slot,"
        " proposed_at, from_issue) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (chat_id, topic_id, text, user_id, slot, now, from_issue),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def agreement(conn: Tx, chat_id: int, agreement_id: int) -> Agreement | None:
    """Return an agreement of this chat (None for another chat's id)."""
    async with conn.execute(
        _AGREEMENT + " WHERE a.chat_id = ? AND a.id = ?", (chat_id, agreement_id)
    ) as cursor:
        row = await cursor.fetchone()
    return _agreement(row) if row else None


async def agreements(conn: Tx, chat_id: int, status: str = "confirmed") -> list[Agreement]:
    """Return the chat's agreements with a status, oldest first."""
    async with conn.execute(
        _AGREEMENT + " WHERE a.chat_id = ? AND a.status = ? ORDER BY a.id", (chat_id, status)
    ) as cursor:
        return [_agreement(r) async for r in cursor]


async def confirm(conn: Tx, agreement_id: int, user_id: int, now: str) -> bool:
    """Confirm a proposal; False when it was no longer a proposal."""
    cursor = await conn.execute(
        "UPDATE agreements SET status = 'confirmed', confirmed_by = ?, confirmed_at = ?"
        " WHERE id = ? AND status = 'proposed'",
        (user_id, now, agreement_id),
    )
    return cursor.rowcount == 1


async def confirmed_ever(conn: Tx, chat_id: int) -> int:
    """How many agreements the chat has ever confirmed (also those dropped or changed since)."""
    async with conn.execute(
        "SELECT count(*) FROM agreements WHERE chat_id = ? AND confirmed_at IS NOT NULL",
        (chat_id,),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def withdraw(conn: Tx, agreement_id: int, now: str) -> bool:
    """Withdraw a proposal; False when it was no longer a proposal."""
    cursor = await conn.execute(
        "UPDATE agreements SET status = 'withdrawn', withdrawn_at = ?"
        " WHERE id = ? AND status = 'proposed'",
        (now, agreement_id),
    )
    return cursor.rowcount == 1


async def reword(conn: Tx, agreement_id: int, text: str, user_id: int, slot: int) -> bool:
    """Change the text of a proposal, by its proposer or as the other partner's counter-proposal
    (who then proposes it); False when it was no longer a proposal."""
    cursor = await conn.execute(
        "UPDATE agreements SET text = ?, proposed_by = ?, proposer_slot = ?,"
        " revision = revision + 1 WHERE id = ? AND status = 'proposed'",
        (text, user_id, slot, agreement_id),
    )
    return cursor.rowcount == 1


async def propose_review(
    conn: Tx, earlier: Agreement, text: str, user_id: int, slot: int, now: str, *, lapse: bool
) -> int:
    """Propose to change a confirmed agreement (new ``text``) or to let it lapse; return its id."""
    cursor = await conn.execute(
        "INSERT INTO agreements (chat_id, topic_id, text, proposed_by, proposer_slot,"
        " proposed_at, replaces, lapse) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (earlier.chat_id, earlier.topic_id, text, user_id, slot, now, earlier.id, int(lapse)),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def waiting_review(conn: Tx, chat_id: int, agreement_id: int) -> Agreement | None:
    """The proposal that waits to change or drop an agreement, if there is one."""
    async with conn.execute(
        _AGREEMENT + " WHERE a.chat_id = ? AND a.replaces = ? AND a.status = 'proposed'"
        " ORDER BY a.id LIMIT 1",
        (chat_id, agreement_id),
    ) as cursor:
        row = await cursor.fetchone()
    return _agreement(row) if row else None


async def end(conn: Tx, agreement_id: int, status: str, now: str) -> bool:
    """A confirmed agreement was ``changed`` or ``dropped``; False when it was not current."""
    cursor = await conn.execute(
        "UPDATE agreements SET status = ?, ended_at = ? WHERE id = ? AND status = 'confirmed'",
        (status, now, agreement_id),
    )
    return cursor.rowcount == 1


async def settle_lapse(conn: Tx, agreement_id: int, user_id: int, now: str) -> bool:
    """A proposal to let an agreement lapse is confirmed: it is kept as 'dropped', with who
    confirmed it and when; False when it was no longer a proposal."""
    cursor = await conn.execute(
        "UPDATE agreements SET status = 'dropped', confirmed_by = ?, confirmed_at = ?,"
        " ended_at = ? WHERE id = ? AND status = 'proposed' AND lapse = 1",
        (user_id, now, now, agreement_id),
    )
    return cursor.rowcount == 1


async def versions(
    conn: Tx, chat_id: int
) -> list[tuple[int, str, str, int | None, bool, str | None, str | None]]:
    """Every agreement of the chat that was ever confirmed, and every confirmed drop, as
    (id, text, status, replaces, lapse, confirmed_at, ended_at): what a history is made of."""
    async with conn.execute(
        "SELECT id, text, status, replaces, lapse, confirmed_at, ended_at FROM agreements"
        " WHERE chat_id = ? AND status IN ('confirmed', 'changed', 'dropped') ORDER BY id",
        (chat_id,),
    ) as cursor:
        return [(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6]) for r in await cursor.fetchall()]


async def pending_by(conn: Tx, chat_id: int, user_id: int) -> int:
    """Count a member's proposals that still wait for confirmation."""
    async with conn.execute(
        "SELECT COUNT(*) FROM agreements WHERE chat_id = ? AND proposed_by = ?"
        " AND status = 'proposed'",
        (chat_id, user_id),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def raise_issue(
    conn: Tx, chat_id: int, topic_id: str, text: str, user_id: int, now: str
) -> int:
    """Record an open issue and return its id."""
    cursor = await conn.execute(
        "INSERT INTO open_issues (chat_id, topic_id, text, raised_by, raised_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (chat_id, topic_id, text, user_id, now),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def issue(conn: Tx, chat_id: int, issue_id: int) -> OpenIssue | None:
    """Return an open issue of this chat (None for another chat's id)."""
    async with conn.execute(
        "SELECT * FROM open_issues WHERE chat_id = ? AND id = ?", (chat_id, issue_id)
    ) as cursor:
        r = await cursor.fetchone()
    return (
        OpenIssue(r["id"], r["chat_id"], r["topic_id"], r["text"], r["status"], r["raised_by"])
        if r
        else None
    )


async def issues(conn: Tx, chat_id: int, status: str = "open") -> list[OpenIssue]:
    """Return the chat's issues with a status, oldest first."""
    async with conn.execute(
        "SELECT * FROM open_issues WHERE chat_id = ? AND status = ? ORDER BY id", (chat_id, status)
    ) as cursor:
        return [
            OpenIssue(r["id"], r["chat_id"], r["topic_id"], r["text"], r["status"], r["raised_by"])
            async for r in cursor
        ]


async def resolve_issue(conn: Tx, issue_id: int, user_id: int, now: str) -> bool:
    """Mark an open issue resolved; False when it already was."""
    cursor = await conn.execute(
        "UPDATE open_issues SET status = 'resolved', resolved_by = ?, resolved_at = ?"
        " WHERE id = ? AND status = 'open'",
        (user_id, now, issue_id),
    )
    return cursor.rowcount == 1
