"""A database made by the release before rounds migrates forward: every answer, topic state,
agreement and open issue is kept, as round 1 of its stage, and the bot works on it.

The database is built with migrations 0001-0008 only, and its rows are written with the
statements that release used (``bot/db/progress.py``, ``records.py`` and ``bot_messages.py`` as
they were), including the purpose of a card remembered under the topic alone.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from bot.db import Store, migration_files
from bot.offline.fake_api import FakeBotApi, Sent
from tests.conftest import BEN, running
from tests.test_session_scenario import DAVID

CHAT = -4001234567
ANNA_ID = 1001
AMBITION = "value-creation.orientation.ambition"
GOALS = "value-creation.orientation.goals"
MOTIVATION = "value-creation.orientation.motivation"
TRUST = "partnership-processes.integration.trust"
OLD_CARD = 900  # the message id of Ambition's card in the old release
#: The columns of an agreement in the old release (later migrations add more).
OLD_AGREEMENT = (
    "id, chat_id, topic_id, text, status, proposed_by, proposer_slot, proposed_at,"
    " confirmed_by, confirmed_at, withdrawn_at, from_issue, revision"
)

#: What the old release wrote, statement by statement (its SQL, its values).
OLD_ROWS: list[tuple[str, tuple[object, ...]]] = [
    (
        "INSERT INTO chats (chat_id, kind, title, language, timezone, setup_by, setup_step,"
        " stage, topic, created_at, updated_at) VALUES (?, 'group', 'Pilot partners', 'en',"
        " 'Europe/Amsterdam', ?, 'done', 'orientation', ?, ?, ?)",
        (CHAT, BEN.id, MOTIVATION, "2026-09-04T08:00:00+00:00", "2026-09-04T09:30:00+00:00"),
    ),
    ("INSERT INTO partners (chat_id, slot, name) VALUES (?, 1, 'Werkbedrijf De Brug')", (CHAT,)),
    ("INSERT INTO partners (chat_id, slot, name) VALUES (?, 2, 'Bakkerij Van Dam')", (CHAT,)),
    *(
        (
            "INSERT INTO members (chat_id, user_id, slot, name, joined_at) VALUES (?, ?, ?, ?,"
            " '2026-09-04T08:00:00+00:00')",
            (CHAT, user, slot, name),
        )
        for user, slot, name in ((BEN.id, 1, "Ben"), (ANNA_ID, 1, "Anna"), (DAVID.id, 2, "David"))
    ),
    *(
        (
            "INSERT INTO topic_states (chat_id, topic_id, status, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id, topic_id) DO UPDATE SET status = excluded.status,"
            " updated_at = excluded.updated_at",
            (CHAT, topic, status, at),
        )
        for topic, status, at in (
            (AMBITION, "answered", "2026-09-04T08:10:00+00:00"),
            (GOALS, "skipped", "2026-09-04T08:40:00+00:00"),
            (MOTIVATION, "open", "2026-09-04T09:30:00+00:00"),
            (TRUST, "open", "2026-09-10T10:00:00+00:00"),
        )
    ),
    *(
        (
            "INSERT INTO answers (chat_id, topic_id, user_id, slot, text, message_id, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id, topic_id, user_id) DO UPDATE SET slot = excluded.slot,"
            " text = excluded.text, message_id = excluded.message_id,"
            " updated_at = excluded.updated_at",
            (CHAT, topic, user, slot, text, message, at, at),
        )
        for topic, user, slot, text, message, at in (
            (AMBITION, BEN.id, 1, "Ten jobs", 901, "2026-09-04T08:05:00+00:00"),
            (AMBITION, ANNA_ID, 1, "Pride in good bread", 902, "2026-09-04T08:06:00+00:00"),
            (AMBITION, DAVID.id, 2, "A stable team", 903, "2026-09-04T08:10:00+00:00"),
            (GOALS, DAVID.id, 2, "Visibility", 904, "2026-09-04T08:30:00+00:00"),
            (TRUST, BEN.id, 1, "Trust grows slowly", 905, "2026-09-10T10:05:00+00:00"),
        )
    ),
    (
        "INSERT INTO open_issues (chat_id, topic_id, text, raised_by, raised_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (CHAT, GOALS, "How do we measure visibility?", DAVID.id, "2026-09-04T08:35:00+00:00"),
    ),
    (
        "INSERT INTO agreements (chat_id, topic_id, text, proposed_by, proposer_slot,"
        " proposed_at, status, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?, 1, ?, 'confirmed',"
        " ?, ?)",
        (
            CHAT,
            AMBITION,
            "We create 12 jobs in 2027",
            BEN.id,
            "2026-09-04T08:15:00+00:00",
            DAVID.id,
            "2026-09-04T08:16:00+00:00",
        ),
    ),
    (
        "INSERT INTO agreements (chat_id, topic_id, text, proposed_by, proposer_slot,"
        " proposed_at) VALUES (?, ?, ?, ?, 2, ?)",
        (CHAT, GOALS, "We report twice a year", DAVID.id, "2026-09-04T08:38:00+00:00"),
    ),
    # The card of Ambition, remembered as the old release did: under the topic alone.
    (
        "INSERT INTO bot_messages (chat_id, message_id, purpose, ref, created_at)"
        " VALUES (?, ?, 'card', ?, ?)",
        (CHAT, OLD_CARD, AMBITION, "2026-09-04T08:00:00+00:00"),
    ),
]


async def old_database(db_path: Path, tmp_path: Path) -> None:
    """A database at schema version 8 with the rows the old release wrote."""
    folder = tmp_path / "old-migrations"
    folder.mkdir()
    for path in migration_files()[:8]:
        shutil.copy(path, folder / path.name)
    store = await Store.open(db_path, folder)
    try:
        assert await store.version() == 8
        async with store.transaction() as conn:
            for sql, values in OLD_ROWS:
                await conn.execute(sql, values)
    finally:
        await store.close()


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


async def test_todays_data_becomes_round_1_and_the_bot_works_on_it(
    db_path: Path, tmp_path: Path, api: FakeBotApi
) -> None:
    await old_database(db_path, tmp_path)
    answers_before = rows(
        db_path,
        "SELECT id, chat_id, topic_id, user_id, slot, text, message_id, created_at, updated_at"
        " FROM answers ORDER BY id",
    )
    states_before = rows(db_path, "SELECT * FROM topic_states ORDER BY topic_id")
    agreements_before = rows(db_path, f"SELECT {OLD_AGREEMENT} FROM agreements ORDER BY id")
    issues_before = rows(db_path, "SELECT * FROM open_issues ORDER BY id")

    async with running(db_path, api) as group:  # the new code migrates on opening
        # Every row is intact, as round 1.
        assert (
            rows(
                db_path,
                "SELECT id, chat_id, topic_id, user_id, slot, text, message_id, created_at,"
                " updated_at FROM answers ORDER BY id",
            )
            == answers_before
        )
        assert rows(db_path, "SELECT DISTINCT round FROM answers") == [(1,)]
        assert [
            (chat, topic, status, at)
            for chat, topic, number, status, at in rows(
                db_path,
                "SELECT chat_id, topic_id, round, status, updated_at FROM topic_states"
                " ORDER BY topic_id",
            )
            if number == 1
        ] == states_before
        assert (
            rows(db_path, f"SELECT {OLD_AGREEMENT} FROM agreements ORDER BY id")
            == agreements_before
        )
        assert rows(db_path, "SELECT * FROM open_issues ORDER BY id") == issues_before
        # Round 1 of each stage with answers or states, started at its earliest one.
        assert rows(
            db_path, "SELECT chat_id, stage, number, started_at FROM rounds ORDER BY stage"
        ) == [
            (CHAT, "integration", 1, "2026-09-10T10:00:00+00:00"),
            (CHAT, "orientation", 1, "2026-09-04T08:05:00+00:00"),
        ]

        # /summary shows the agreement, the proposal and the open issue, and the progress.
        await group.send(BEN, "/summary")
        summary = group.last.text
        assert "We create 12 jobs in 2027" in summary
        assert "We report twice a year" in summary
        assert "How do we measure visibility?" in summary
        assert "Discussed: Orientation 2/9 · Integration 0/9 · Transformation 0/3" in summary
        await group.send(BEN, "/status")
        assert "Orientation: 1/9 answered, 1 skipped" in group.last.text

        # The group picks up where it was, in round 1: Motivation's card.
        await group.send(BEN, "/start")
        card = group.last
        assert "Motivation" in card.text
        assert "topic 3/9" in card.text
        assert "Last time" not in card.text  # round 1 is not a return
        await group.reply(BEN, "We want to learn from each other", to=card)
        assert "Answered: Werkbedrijf De Brug – Ben · Bakkerij Van Dam – nobody yet" in card.text

        # A reply to the card the old release sent (remembered under the topic alone) still
        # corrects the answer in round 1.
        old_card = Sent(CHAT, OLD_CARD, "Ambition", "Ambition", None, None)
        before = len(group.sent)
        await group.reply(BEN, "Twelve jobs", to=old_card)
        said, view = group.texts_since(before)
        assert "I've replaced your earlier answer on Ambition" in said
        assert "— Ben: Twelve jobs\n— Anna: Pride in good bread" in view
        assert rows(
            db_path,
            f"SELECT round, text FROM answers WHERE user_id = {BEN.id} AND topic_id"
            f" = '{AMBITION}'",
        ) == [(1, "Twelve jobs")]
    assert api.refusals() == []
