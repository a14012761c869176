"""Housekeeping SQL: a consistent copy while the bot runs, a health summary, and pruning the
tables that only grow.

``backup`` and ``summary`` use plain ``sqlite3`` because they run from ``wheelbot backup`` and
``wheelbot check``, in a process of their own beside the running bot.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import secrets
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.db import (
    actions,
    bot_messages,
    checkups,
    holds,
    inbox,
    integrity_problems,
    newcomers,
    outbox,
    pace,
    position,
    processed,
)
from bot.db.tx import Tx

#: Telegram redelivers an update for at most a day; a month is ample to recognise a duplicate.
KEEP_PROCESSED = dt.timedelta(days=30)
#: Handled updates are kept this long so that one Telegram delivers again is not handled twice;
#: delivered outbox entries as long, to look into what a group was sent.
KEEP_INBOX = dt.timedelta(days=7)
#: A prompt or card a year old is no longer answered by replying to it; /start shows the current one.
KEEP_PROMPTS = dt.timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Summary:
    """What ``wheelbot check`` reports."""

    problems: list[str]
    schema: int
    groups: int
    agreements: int
    open_issues: int
    pending_reminders: int
    messages_owed: int

    @property
    def healthy(self) -> bool:
        return not self.problems


def connect_existing(path: Path) -> sqlite3.Connection:
    """Open a database that must already exist (``sqlite3.connect`` would create an empty one)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def summary(conn: sqlite3.Connection) -> Summary:
    """Run ``PRAGMA integrity_check`` and count what the groups hold."""
    problems = integrity_problems([str(row[0]) for row in conn.execute("PRAGMA integrity_check")])

    def count(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    return Summary(
        problems=problems,
        schema=count("PRAGMA user_version"),
        groups=count("SELECT count(*) FROM chats WHERE kind IN ('group', 'supergroup')"),
        agreements=count("SELECT count(*) FROM agreements WHERE status = 'confirmed'"),
        open_issues=count("SELECT count(*) FROM open_issues WHERE status = 'open'"),
        pending_reminders=count("SELECT count(*) FROM reminders WHERE status = 'pending'"),
        messages_owed=count("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"),
    )


def integrity_of(path: Path) -> list[str]:
    """The problems ``integrity_check`` finds in the database file at ``path``; [] when sound."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return integrity_problems([str(row[0]) for row in conn.execute("PRAGMA integrity_check")])


def backup(source: sqlite3.Connection, target: Path) -> None:
    """Copy the database to ``target`` as one self-contained file, consistent as of one moment.

    The online backup API copies every page in one step under a read transaction: in WAL mode
    the bot goes on writing meanwhile, and the copy holds each transaction whole or not at all.
    """
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # The copy inherits WAL mode; a backup should be one file that can be moved on its own.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()


async def prune(conn: Tx, now: dt.datetime) -> tuple[int, int]:
    """Forget old duplicate-detection keys, handled updates and old prompts; return how many
    duplicate keys and prompts were forgotten."""
    week = (now - KEEP_INBOX).isoformat(timespec="seconds")
    await conn.execute(
        "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?", (week,)
    )
    await conn.execute(
        "DELETE FROM outbox WHERE status NOT IN ('pending', 'sending') AND sent_at < ?", (week,)
    )
    processed = await conn.execute(
        "DELETE FROM processed_updates WHERE processed_at < ?",
        ((now - KEEP_PROCESSED).isoformat(timespec="seconds"),),
    )
    prompts = await conn.execute(
        "DELETE FROM bot_messages WHERE created_at < ?",
        ((now - KEEP_PROMPTS).isoformat(timespec="seconds"),),
    )
    return processed.rowcount, prompts.rowcount


async def erase_chat(conn: Tx, chat_id: int) -> None:
    """Erase everything stored about a group: its row and, by cascade, its partners, members,
    answers, agreements, open issues, reminders, position checks, check-ups, links and message
    purposes; what it is owed and was sent, its updates not handled yet (a handled update keeps
    only its id), and the keys of its updates. The statements of its position checks sit in
    people's private chats, outside the cascade: they go first."""
    await conn.execute(
        "DELETE FROM bot_messages WHERE purpose = 'position-question' AND ref IN"
        " (SELECT CAST(id AS TEXT) FROM position_checks WHERE chat_id = ?)",
        (chat_id,),
    )
    await conn.execute("DELETE FROM chats WHERE chat_id = ?", (chat_id,))
    await conn.execute("DELETE FROM outbox WHERE chat_id = ?", (chat_id,))
    await inbox.forget_chat(conn, chat_id)
    await processed.forget_chat(conn, chat_id)


async def forget_removed_groups(conn: Tx, now: dt.datetime, keep: dt.timedelta) -> int:
    """Erase the groups the bot was removed from longer than ``keep`` ago; return how many."""
    before = (now - keep).isoformat(timespec="seconds")
    async with conn.execute(
        "SELECT chat_id FROM chats WHERE active = 0 AND removed_at IS NOT NULL AND removed_at < ?",
        (before,),
    ) as cursor:
        gone = [row[0] for row in await cursor.fetchall()]
    for chat_id in gone:
        await erase_chat(conn, chat_id)
    return len(gone)


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything stored about one person, group by group."""

    groups: list[tuple[str, str, str]]  # (group title, partner or "", name as shown)
    answers: list[tuple[str, str, str]]  # (group title, topic id, text)
    agreements: list[tuple[str, str, str]]  # (group title, text, what they did)
    issues: list[tuple[str, str]]  # (group title, text)
    reminders: int
    #: Check-up marks they gave for their organisation.
    checkup_marks: int = 0
    #: Complete ratings in position checks (shown in the group only as their organisation's).
    position_ratings: int = 0
    #: *Still holds* presses they gave for their organisation.
    holds: int = 0
    #: Check-ups (``/checkup``) and position checks they started.
    started: int = 0


async def personal_data(conn: Tx, user_id: int) -> PersonalData:
    """Collect what the database holds about ``user_id``."""

    async def rows(sql: str, *args: object) -> list[aiosqlite.Row]:
        async with conn.execute(sql, args) as cursor:
            return list(await cursor.fetchall())

    title = "coalesce(c.title, '')"
    groups = await rows(
        # The name as shown, with the username a nudge mentions them by.
        f"SELECT {title}, coalesce(p.name, ''), m.name || coalesce(' (@' || m.username || ')', '')"
        " FROM members m"
        " JOIN chats c ON c.chat_id = m.chat_id"
        " LEFT JOIN partners p ON p.chat_id = m.chat_id AND p.slot = m.slot"
        " WHERE m.user_id = ? ORDER BY m.joined_at",
        user_id,
    )
    answers = await rows(
        f"SELECT {title}, a.topic_id, a.text FROM answers a JOIN chats c ON c.chat_id = a.chat_id"
        " WHERE a.user_id = ? ORDER BY a.created_at",
        user_id,
    )
    agreements = await rows(
        f"SELECT {title}, a.text, CASE WHEN a.proposed_by = ? THEN 'proposed' ELSE 'confirmed'"
        " END FROM agreements a JOIN chats c ON c.chat_id = a.chat_id"
        " WHERE a.proposed_by = ? OR a.confirmed_by = ? ORDER BY a.id",
        user_id, user_id, user_id,
    )  # fmt: skip
    issues = await rows(
        f"SELECT {title}, i.text FROM open_issues i JOIN chats c ON c.chat_id = i.chat_id"
        " WHERE i.raised_by = ? ORDER BY i.id",
        user_id,
    )
    reminders = await rows("SELECT count(*) FROM reminders WHERE created_by = ?", user_id)
    return PersonalData(
        groups=[tuple(r) for r in groups],
        answers=[tuple(r) for r in answers],
        agreements=[tuple(r) for r in agreements],
        issues=[tuple(r) for r in issues],
        reminders=int(reminders[0][0]),
        checkup_marks=await checkups.marks_by(conn, user_id),
        position_ratings=await position.count_of(conn, user_id),
        holds=await holds.count_by(conn, user_id),
        started=await checkups.asked_by(conn, user_id) + await position.started_by(conn, user_id),
    )


async def forget_person(
    conn: Tx, user_id: int, now: str, *, names: Iterable[str], anonymous: Mapping[str, str]
) -> int:
    """Erase a person: in every group their name and id go, and what they said or agreed stays
    as said by "a representative" of their organisation. Returns the number of groups.

    In each group the person becomes a random negative id that nothing links back to them.
    ``names`` are names they went by besides those the groups stored; in what the outbox holds
    (owed or sent), each of them becomes ``anonymous[language]``, the words for "a
    representative" in the language of the chat. Their private chat with the bot is erased.
    """
    async with conn.execute(
        "SELECT chat_id, name, username FROM members WHERE user_id = ?", (user_id,)
    ) as cur:
        rows = [(int(row[0]), str(row[1]), row[2]) for row in await cur.fetchall()]
    groups = [chat_id for chat_id, _, _ in rows]
    # A request to join an organisation named them in a group that may have no member row of
    # theirs (nobody confirmed them): that group's messages are rewritten too.
    asked = await newcomers.names_of(conn, user_id)
    owed_to = [*groups, *(c for c in await newcomers.chats_of(conn, user_id) if c not in groups)]
    # A nudge mentioned them as @username: that goes as their name does.
    known = (
        {name for _, name, _ in rows}
        | {f"@{u}" for _, _, u in rows if u}
        | {name for name, _ in asked}
        | {f"@{u}" for _, u in asked if u}
        | set(names)
    )
    for chat_id in groups:
        stranger = -secrets.randbelow(2**52) - 1
        await conn.execute(
            "UPDATE members SET user_id = ?, name = '', username = NULL, slot = NULL,"
            " facilitator_since = NULL,"
            " left_at = coalesce(left_at, ?) WHERE chat_id = ? AND user_id = ?",
            (stranger, now, chat_id, user_id),
        )
        for sql in (
            "UPDATE answers SET user_id = ? WHERE chat_id = ? AND user_id = ?",
            "UPDATE agreements SET proposed_by = ? WHERE chat_id = ? AND proposed_by = ?",
            "UPDATE agreements SET confirmed_by = ? WHERE chat_id = ? AND confirmed_by = ?",
            "UPDATE open_issues SET raised_by = ? WHERE chat_id = ? AND raised_by = ?",
            "UPDATE open_issues SET resolved_by = ? WHERE chat_id = ? AND resolved_by = ?",
            "UPDATE agreement_holds SET user_id = ? WHERE chat_id = ? AND user_id = ?",
        ):
            await conn.execute(sql, (stranger, chat_id, user_id))
    await conn.execute("UPDATE reminders SET created_by = NULL WHERE created_by = ?", (user_id,))
    await checkups.forget_person(conn, user_id)
    await actions.forget_person(conn, user_id)
    await position.forget_person(conn, user_id)
    await pace.forget_person(conn, user_id)
    await newcomers.forget_person(conn, user_id)
    await conn.execute("UPDATE chats SET setup_by = NULL WHERE setup_by = ?", (user_id,))
    await bot_messages.forget_asker(conn, user_id)
    await outbox.forget_person(
        conn, user_id, [*owed_to, user_id], _names_in_html(known), anonymous
    )
    # Their private chat with the bot: its row (and by cascade what its messages were for),
    # and the keys of their messages there.
    await conn.execute("DELETE FROM chats WHERE chat_id = ? AND kind = 'private'", (user_id,))
    await processed.forget_chat(conn, user_id)
    await inbox.forget_person(conn, user_id, sorted(known), next(iter(anonymous.values()), ""))
    return len(owed_to)


def _names_in_html(names: Iterable[str]) -> list[str]:
    """The forms a name takes in the outbox's HTML (as typed, and escaped), longest first."""
    forms = {form for name in names if name for form in (name, html.escape(name, quote=False))}
    return sorted(forms, key=len, reverse=True)
