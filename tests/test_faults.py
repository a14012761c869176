"""A database that cannot save: the person is told to try again, nothing half-done stays, and
the bot carries on once the fault is gone."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
import pytest

from bot.db import Store
from tests.conftest import ANNA, BEN
from tests.support.telegram import Group
from tests.test_session_scenario import DAVID, set_up

DUTCH = "Dat kon ik nu even niet opslaan. Probeer het zo nog eens."
ENGLISH = "I could not save that just now. Please try again in a moment."


@pytest.fixture
def faulty(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Make the next write transactions fail as SQLite does; returns a switch."""
    real = Store.transaction
    state = {"error": None}

    @asynccontextmanager
    async def transaction(self: Store) -> AsyncIterator[aiosqlite.Connection]:
        if state["error"] is not None:
            raise sqlite3.OperationalError(state["error"])
        async with real(self) as conn:
            yield conn

    real_write = Store.write

    async def write(self: Store, work):  # type: ignore[no-untyped-def]
        if state["error"] is not None:
            raise sqlite3.OperationalError(state["error"])
        return await real_write(self, work)

    monkeypatch.setattr(Store, "transaction", transaction)
    monkeypatch.setattr(Store, "write", write)
    return state


def answers(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("SELECT count(*) FROM answers").fetchone()[0])


@pytest.mark.parametrize(
    "error",
    ["database or disk is full", "attempt to write a readonly database", "database is locked"],
)
async def test_a_reply_that_cannot_be_saved_is_answered_and_can_be_sent_again(
    group: Group, db_path: Path, faulty, error: str, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    await set_up(group, BEN, DAVID)
    await group.press(BEN, "Orientation")
    card = group.last
    faulty["error"] = error
    with caplog.at_level(logging.ERROR):
        sent = await group.reply(BEN, "Ten jobs", to=card)
    assert group.last.text == ENGLISH
    assert group.last.reply_to == sent["message_id"]
    assert answers(db_path) == 0  # nothing half-done
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(problems) == 1
    assert error in problems[0].getMessage()
    assert problems[0].exc_info is None  # one line for the operator, no traceback

    faulty["error"] = None  # the disk has room again
    again = await group.reply(BEN, "Ten jobs", to=card)
    assert group.reacted(again) == ["👍"]
    assert "Answered: Werkbedrijf <De Brug> & Co – Ben" in card.text
    assert answers(db_path) == 1


async def test_a_press_that_cannot_be_saved_gets_an_alert_in_the_chat_language(
    group: Group,
    faulty,  # type: ignore[no-untyped-def]
) -> None:
    await set_up(group, ANNA, DAVID)  # Anna started it: the chat speaks Dutch
    stages = group.last
    before = len(group.sent)
    faulty["error"] = "database or disk is full"
    query = await group.press(ANNA, "Oriëntatie", on=stages)
    (answer,) = group.answers_to(query)
    assert answer["text"] == DUTCH
    assert answer["show_alert"] is True
    assert len(group.sent) == before  # no card for a stage that was not saved

    faulty["error"] = None
    await group.press(ANNA, "Oriëntatie", on=stages)
    assert "Ambitie" in group.last.text


async def test_a_bug_is_still_logged_with_its_traceback(
    group: Group,
    faulty,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    faulty["error"] = "no such table: answerz"  # a query of ours that is wrong, not a fault
    with caplog.at_level(logging.ERROR):
        await group.send(BEN, "/help")
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None
    assert all(ENGLISH not in m.text for m in group.sent)
