"""The outbox: what the bot owes a group is committed with the change and delivered from there,
through 5xx answers, RetryAfter and a restart, in order, once."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path

import pytest
from telegram.ext import ExtBot

from bot.app import build_app
from bot.db import Store, now_text
from bot.db import outbox as sql
from bot.db.outbox import Entry
from bot.io.outbox import BACKOFF, Outbox, RateLimiter
from bot.offline.fake_api import FakeBotApi
from bot.offline.lifecycle import close_app, open_app
from tests.conftest import BEN, TOKEN, make_config, running
from tests.support.telegram import Group
from tests.test_session_scenario import DAVID, set_up


def outbox_rows(db_path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db_path) as conn:
        return [(str(s), int(a)) for s, a in conn.execute("SELECT status, attempts FROM outbox")]


def pending(db_path: Path) -> int:
    return sum(1 for status, _ in outbox_rows(db_path) if status == "pending")


@pytest.fixture
async def waits(group: Group) -> list[float]:
    """The waits of the group's outbox, recorded instead of slept."""
    recorded: list[float] = []
    outbox: Outbox = group.app.bot_data["services"].outbox

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    outbox.sleep = record
    return recorded


@pytest.mark.parametrize(("status", "description"), [(502, "Bad Gateway"), (500, "Internal")])
async def test_a_5xx_after_the_commit_is_retried_and_delivered_once(
    group: Group, api: FakeBotApi, db_path: Path, waits: list[float], status: int, description: str
) -> None:
    await set_up(group, BEN, DAVID)
    api.fail_next("sendMessage", status, description)
    await group.press(BEN, "Orientation")
    cards = [m for m in group.sent if "Ambition" in m.text]
    assert len(cards) == 1  # delivered, and only once
    assert waits == [BACKOFF[0]]
    assert pending(db_path) == 0
    api.calls[:] = [c for c in api.calls if c.error is None]  # the one refusal was the test


async def test_retry_after_is_honoured(
    group: Group, api: FakeBotApi, db_path: Path, waits: list[float]
) -> None:
    await set_up(group, BEN, DAVID)
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    await group.press(BEN, "Orientation")
    assert waits == [7.0]
    assert "Ambition" in group.last.text
    assert pending(db_path) == 0
    api.calls[:] = [c for c in api.calls if c.error is None]


async def test_what_a_dead_bot_api_left_is_delivered_after_a_restart(
    db_path: Path, api: FakeBotApi
) -> None:
    async with running(db_path, api) as group:
        await set_up(group, BEN, DAVID)
        outbox: Outbox = group.app.bot_data["services"].outbox

        async def no_wait(seconds: float) -> None:
            return None

        outbox.sleep = no_wait
        for _ in range(len(BACKOFF) + 1):
            api.fail_next("sendMessage", 502, "Bad Gateway")
        await group.press(BEN, "Orientation")  # committed; the card could not be sent
        assert not any("Ambition" in m.text for m in group.sent)
        assert pending(db_path) >= 1
        # The change itself is stored: Orientation is the current stage.
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("SELECT stage FROM chats").fetchone()[0] == "orientation"
    api.calls.clear()
    async with running(db_path, api) as again:  # a new process: post_init delivers what is owed
        cards = [m for m in again.sent if "Ambition" in m.text]
        assert len(cards) == 1
        assert cards[0].force_reply
        assert pending(db_path) == 0
        # The card was remembered on delivery: a reply to it is an answer.
        answer = await again.reply(BEN, "Ten jobs", to=cards[0])
        assert again.reacted(answer) == ["👍"]
        assert "Answered: Werkbedrijf <De Brug> & Co – Ben" in cards[0].text
    assert api.refusals() == []


async def test_an_entry_telegram_refuses_does_not_block_the_rest(
    group: Group, api: FakeBotApi, db_path: Path
) -> None:
    await set_up(group, BEN, DAVID)
    api.fail_next("sendMessage", 400, "Bad Request: chat not found")
    await group.press(BEN, "Orientation")
    statuses = [status for status, _ in outbox_rows(db_path)]
    assert statuses.count("failed") == 1
    assert "pending" not in statuses
    assert "Ambition" in group.last.text  # the card after the refused entry was delivered
    await group.send(DAVID, "/status")
    assert "Where you are" in group.last.text
    assert "Now: Orientation, topic Ambition." in group.last.text
    api.calls[:] = [c for c in api.calls if c.error is None]


async def test_a_group_that_became_a_supergroup_gets_what_it_is_owed_there(
    group: Group, api: FakeBotApi, db_path: Path
) -> None:
    await set_up(group, BEN, DAVID)
    new_id = -1003333444455
    api.migrated[group.chat_id] = new_id
    await group.press(BEN, "Orientation")
    assert any("Ambition" in m.text for m in api.sent_to(new_id))
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT DISTINCT chat_id FROM outbox").fetchall() == [(new_id,)]
    # Telegram refused the old id once; what the press owed after that went to the new one.
    assert [c.params["chat_id"] for c in api.refusals()] == [group.chat_id]
    api.calls[:] = [c for c in api.calls if c.error is None]


async def test_after_a_crash_cards_and_edits_in_flight_are_sent_again_notes_are_not(
    db_path: Path, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(db_path, api) as group:
        await set_up(group, BEN, DAVID)
        sides = next(m for m in group.sent if "Who represents" in m.text)
    # What a process killed in the middle of three requests leaves behind.
    with sqlite3.connect(db_path) as conn:
        rows = [
            ("Thanks Ben, noted.", None, None),  # a plain note
            ("<b>Card</b> reply to answer", None, "card"),  # people must reply to it
            ("Sides, edited", sides.message_id, None),  # an edit
        ]
        for text, edit_id, remember in rows:
            conn.execute(
                "INSERT INTO outbox (chat_id, text, edit_id, remember, remember_ref, status,"
                " attempts, created_at) VALUES (?, ?, ?, ?, 'x', 'sending', 1, 'now')",
                (-4001234567, text, edit_id, remember),
            )
    api.calls.clear()
    async with running(db_path, api) as again:
        texts = [m.text for m in again.sent]
        assert "Card reply to answer" in texts
        assert "Thanks Ben, noted." not in texts
        assert api.messages[(again.chat_id, sides.message_id)].text == "Sides, edited"
    with sqlite3.connect(db_path) as conn:
        statuses = [
            r[0] for r in conn.execute("SELECT status FROM outbox ORDER BY id DESC LIMIT 3")
        ]
    assert statuses == ["sent", "sent", "unsure"]
    assert any("taken as delivered" in r.getMessage() for r in caplog.records)


async def test_a_reply_to_the_first_copy_of_a_card_sent_again_after_a_crash_is_taken(
    db_path: Path, api: FakeBotApi
) -> None:
    async with running(db_path, api) as group:
        await set_up(group, BEN, DAVID)
        await group.press(BEN, "Orientation")
        first = group.last  # the card reached Telegram...
    # ...but the process died before it marked the entry sent and remembered the message.
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE outbox SET status = 'sending', message_id = NULL WHERE remember = 'card'"
        )
        conn.execute("DELETE FROM bot_messages WHERE message_id = ?", (first.message_id,))
    async with running(db_path, api) as again:
        # Sent again after the restart: the group now sees the card twice.
        assert [m.text for m in again.sent].count(first.text) == 2
        answer = await again.reply(BEN, "Ten jobs", to=first)
        assert again.reacted(answer) == ["👍"]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT text FROM answers").fetchall() == [("Ten jobs",)]
    assert api.refusals() == []


async def test_an_entry_the_rate_limiter_holds_back_is_not_taken_as_delivered_after_a_crash(
    db_path: Path, api: FakeBotApi
) -> None:
    # One message a minute per group: the second waits in the rate limiter.
    limiter = RateLimiter(overall_max_rate=0, group_max_rate=1, group_time_period=60)
    bot = ExtBot(TOKEN, request=api, rate_limiter=limiter)
    await bot.initialize()
    store = await Store.open(db_path)
    try:
        async with store.transaction() as conn:
            for text in ("Thanks Ben, noted.", "Open issue noted."):
                await sql.add(conn, -4001234567, None, None, None, text, None, None, now_text())
        outbox = Outbox(store)
        delivery = asyncio.create_task(outbox.deliver(bot, -4001234567))
        for _ in range(100):
            await asyncio.sleep(0.01)
            if api.messages and outbox_rows(db_path)[0][0] == "sent":
                break
        # The second request has not gone out: it is owed, not in flight.
        assert [status for status, _ in outbox_rows(db_path)] == ["sent", "pending"]
        delivery.cancel()  # the process dies here
        await asyncio.gather(delivery, return_exceptions=True)
        await outbox.settle()
        assert [status for status, _ in outbox_rows(db_path)] == ["sent", "pending"]
    finally:
        await store.close()
        await bot.shutdown()
    assert [m.text for m in api.messages.values()] == ["Thanks Ben, noted."]


async def test_an_unexpected_error_leaves_the_entry_owed(
    group: Group, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up(group, BEN, DAVID)

    async def broken(*args: object) -> int:
        raise RuntimeError("a bug in sending")

    monkeypatch.setattr("bot.io.outbox._send", broken)
    await group.press(BEN, "Orientation")
    assert pending(db_path) >= 1  # owed, not stuck as 'sending'
    monkeypatch.undo()
    outbox: Outbox = group.app.bot_data["services"].outbox
    await outbox.deliver_all(group.app.bot)
    assert "Ambition" in group.last.text
    assert pending(db_path) == 0


async def test_a_delivery_held_back_by_telegram_does_not_hold_back_the_group(
    group: Group, api: FakeBotApi, db_path: Path
) -> None:

    await set_up(group, BEN, DAVID)
    await group.press(BEN, "Orientation")
    card = group.last
    outbox: Outbox = group.app.bot_data["services"].outbox
    release = asyncio.Event()

    async def held(seconds: float) -> None:
        await release.wait()  # Telegram's flood wait, as long as the test wants

    outbox.sleep = held
    # The answer's first entry is its reaction: Telegram holds it back.
    api.fail_next("setMessageReaction", 429, "Too Many Requests: retry after 30", retry_after=30)

    # Bounded: if the group's turn waited for the held delivery, these would never return.
    await asyncio.wait_for(group.reply(BEN, "Ten jobs", to=card, settle=False), timeout=5)
    await asyncio.wait_for(group.send(DAVID, "/skip", settle=False), timeout=5)
    # Both decisions are committed while the first message is still held back.
    assert not release.is_set()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM answers").fetchone()[0] == 1
        topic = conn.execute("SELECT topic FROM chats").fetchone()[0]
    assert topic.endswith("goals")
    assert pending(db_path) >= 2
    release.set()
    await outbox.idle()
    done = [c for c in api.calls if c.error is None]
    reactions = [
        (i, c.params["reaction"][0]["emoji"])
        for i, c in enumerate(done)
        if c.method == "setMessageReaction"
    ]
    thanks = next(i for i, emoji in reactions if emoji == "👍")
    skipped = next(i for i, emoji in reactions if emoji == "👌")  # the /skip's acknowledgement
    assert thanks < skipped  # delivered in the order they were decided
    assert pending(db_path) == 0
    api.calls[:] = [c for c in api.calls if c.error is None]


async def test_a_reply_faster_than_the_bookkeeping_of_its_card_is_taken(
    group: Group, api: FakeBotApi, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """People can reply the moment Telegram shows the card, before the bot has written down
    what the card is for: the reply waits for that, instead of being ignored."""

    await set_up(group, BEN, DAVID)
    release = asyncio.Event()
    remember = Outbox._mark_sent

    async def slow_remember(outbox: Outbox, entry: Entry, message_id: int) -> None:
        if entry.remember:  # the bookkeeping of what the message is for comes late
            await release.wait()
        await remember(outbox, entry, message_id)

    monkeypatch.setattr(Outbox, "_mark_sent", slow_remember)

    await group.press(BEN, "Orientation", settle=False)
    for _ in range(100):  # the card is in the chat; its purpose is not written down yet
        if any("Ambition" in m.text for m in group.sent):
            break
        await asyncio.sleep(0.01)
    card = next(m for m in group.sent if "Ambition" in m.text)
    answering = asyncio.create_task(group.reply(BEN, "Ten jobs", to=card, settle=False))
    await asyncio.sleep(0.05)
    release.set()
    await answering
    await group.app.bot_data["services"].outbox.idle()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT text FROM answers").fetchall() == [("Ten jobs",)]


async def test_a_stop_while_telegram_holds_messages_back_ends_in_time_and_owes_them(
    db_path: Path,
    api: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stop delivers what it can while the bot's HTTP client still works (post_stop), gives up
    after its deadline instead of waiting out Telegram's flood wait, and the next start
    delivers what was left, once."""
    config = dataclasses.replace(make_config(db_path), stop_seconds=0.2)
    app = build_app(config, request=api, rate_limit=False)
    await open_app(app)
    group = Group(app, api)
    await set_up(group, BEN, DAVID)
    outbox: Outbox = app.bot_data["services"].outbox
    flood_waits: list[float] = []

    async def flood_wait(seconds: float) -> None:
        flood_waits.append(seconds)
        await asyncio.sleep(seconds)

    outbox.sleep = flood_wait
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3600", retry_after=3600)
    await group.press(BEN, "Orientation", settle=False)
    for _ in range(200):  # until the delivery waits out Telegram's hour
        if flood_waits:
            break
        await asyncio.sleep(0.01)
    assert flood_waits == [3600.0]

    stopping = asyncio.get_running_loop().time()
    await asyncio.wait_for(close_app(app), timeout=10)  # fails here if it waits for the hour
    # Bounded by the deadline, not by the hour: a test of a promise, not of speed.
    assert asyncio.get_running_loop().time() - stopping < 0.2 + 2
    assert pending(db_path) >= 1
    assert not any("Ambition" in m.text for m in group.sent)
    assert "after the stop began; what is still owed to 1 chats goes out" in caplog.text

    async with running(db_path, api) as again:
        assert len([m for m in again.sent if "Ambition" in m.text]) == 1
        assert pending(db_path) == 0
