"""The durable inbox: updates are stored before Telegram is told they arrived, handled from
there, and what a killed process left is handled after the restart."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_app
from bot.db import inbox as sql_inbox
from bot.db.processed import message_key
from bot.io.inbox import DurableUpdateQueue
from bot.offline.fake_api import FakeBotApi
from tests.conftest import ANNA, BEN, TOKEN, make_config, running
from tests.support.botapi_http import BotApiServer
from tests.support.process import bot_env, start_wheelbot
from tests.support.telegram import Group
from tests.test_session_scenario import DAVID, set_up


def inbox_rows(db: Path) -> list[tuple[int, bool]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT update_id, handled_at IS NOT NULL FROM inbox ORDER BY 1")
        return [(int(update_id), bool(handled)) for update_id, handled in rows]


def help_update(group: Group, update_id: int) -> Any:
    from telegram import Update

    payload = {"update_id": update_id, "message": group.message_dict(ANNA, "/help")}
    return Update.de_json(payload, group.app.bot)


async def test_put_stores_before_queueing_and_never_queues_twice(
    db_path: Path, api: FakeBotApi
) -> None:
    async with running(db_path, api) as group:
        queue = group.app.update_queue
        assert isinstance(queue, DurableUpdateQueue)
        assert queue.store is group.app.bot_data["services"].store  # attached in post_init
        update = help_update(group, 501)
        await queue.put(update)
        assert inbox_rows(db_path) == [(501, False)]
        assert queue.qsize() == 1
        await queue.put(help_update(group, 501))  # Telegram delivers it again
        assert queue.qsize() == 1
        # Handling it marks it handled in the transaction of its flow.
        await group.app.process_update(queue.get_nowait())
        await group.app.bot_data["services"].outbox.idle()
        assert inbox_rows(db_path) == [(501, True)]
        assert "/start" in group.last.text  # /help answered


async def test_replay_queues_what_was_left_oldest_first(db_path: Path, api: FakeBotApi) -> None:
    async with running(db_path, api) as group:
        queue = group.app.update_queue
        assert isinstance(queue, DurableUpdateQueue)
        for update_id in (9, 7, 8):
            await queue.put(help_update(group, update_id))
        await group.app.process_update(queue.get_nowait())  # 9 is handled
        while not queue.empty():
            queue.get_nowait()  # 7 and 8: the process dies before handling them

    async with running(db_path, api) as group:
        queue = group.app.update_queue
        assert isinstance(queue, DurableUpdateQueue)
        # post_init replayed what the last run left, oldest first, before anything new.
        assert queue.qsize() == 2
        replayed = [queue.get_nowait().update_id for _ in range(2)]
        assert replayed == [7, 8]
        assert queue.empty()


async def test_a_full_disk_is_not_confirmed(
    db_path: Path, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from telegram.error import NetworkError

    async with running(db_path, api) as group:
        queue = group.app.update_queue
        assert isinstance(queue, DurableUpdateQueue)

        async def full(*args: object) -> bool:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr("bot.db.inbox.receive", full)
        # A NetworkError makes PTB's polling loop fetch the same updates again later.
        with pytest.raises(NetworkError, match="disk is full"):
            await queue.put(help_update(group, 77))
        assert queue.empty()


async def test_when_polling_rows_commit_with_their_turn_and_before_the_next_poll(
    db_path: Path, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long polling confirms an update with the next getUpdates: ``put`` queues the row for the
    next commit (usually the commit of the update's own turn), and ``stored`` holds the next
    poll back until it is there. A row that cannot be stored keeps the poll back (PTB retries)
    and is tried again, so nothing is confirmed unstored."""
    from telegram.error import NetworkError

    async with running(db_path, api) as group:
        queue = group.app.update_queue
        assert isinstance(queue, DurableUpdateQueue)
        store = group.app.bot_data["services"].store
        queue.confirm_at_next_poll = True
        commits = store.commits
        await queue.put(help_update(group, 601))
        assert queue.qsize() == 1  # queued at once
        await group.app.process_update(queue.get_nowait())
        await queue.stored()
        assert inbox_rows(db_path) == [(601, True)]
        assert store.commits == commits + 1  # the row, the turn and 'handled': one commit

        await queue.put(help_update(group, 601))  # Telegram delivers it again
        assert queue.empty()

        real = sql_inbox.receive
        failures = [sqlite3.OperationalError("database or disk is full")]

        async def full_once(*args: Any) -> bool:
            if failures:
                raise failures.pop()
            return await real(*args)

        monkeypatch.setattr("bot.db.inbox.receive", full_once)
        await queue.put(help_update(group, 602))
        with pytest.raises(NetworkError, match="disk is full"):
            await queue.stored()  # the poll that would confirm 602 does not go out
        assert inbox_rows(db_path) == [(601, True)]
        await queue.stored()  # PTB asks again: 602 is tried again, and stored
        assert inbox_rows(db_path) == [(601, True), (602, False)]


async def test_updates_fed_directly_still_work_without_a_store(group: Group) -> None:
    await group.send(BEN, "/help")
    assert "/start" in group.last.text


# -- the real process, killed --------------------------------------------------------------------

#: Few groups and a Bot API that takes 50 ms a call: each group's updates queue up behind its
#: sends, so a kill lands between 'confirmed to Telegram' and 'handled', as in a busy minute.
GROUPS = 5
PER_GROUP = 8
KILLS = 10


def group_help(server: BotApiServer, chat_id: int, user: dict[str, Any]) -> dict[str, Any]:
    entity = {"type": "bot_command", "offset": 0, "length": 5}
    return server.group_message(chat_id, user, text="/help", entities=[entity])


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_no_update(tmp_path: Path) -> None:
    """Every update the Bot API handed out (and so forgot) is handled exactly once in the end."""
    db = tmp_path / "wheel.sqlite"
    chance = random.Random(20261123)
    user = {"id": 1, "is_bot": False, "first_name": "Anna", "language_code": "nl"}
    with BotApiServer(TOKEN, latency=0.05) as server:
        env = bot_env(server.base_url, db)
        pushed: list[tuple[int, int, int]] = []  # (update_id, chat_id, message_id)
        for _ in range(KILLS):
            bot = start_wheelbot(tmp_path, env)
            polls = server.polls()
            assert server.wait_until(
                lambda b=bot, p=polls: server.polls() > p or b.poll() is not None
            )
            for _ in range(chance.randint(10, 40)):
                chat_id = -1000 - chance.randrange(GROUPS)
                update = group_help(server, chat_id, user)
                update_id = server.push(update)
                pushed.append((update_id, chat_id, update["message"]["message_id"]))
            time.sleep(chance.uniform(0.0, 0.4))  # the kill lands anywhere in the handling
            bot.send_signal(signal.SIGKILL)
            bot.communicate(timeout=30)
        # A last, peaceful run handles what is left in the inbox and what Telegram still holds.
        bot = start_wheelbot(tmp_path, env)
        try:
            last = pushed[-1][0]
            assert server.wait_until(lambda: server.confirmed > last, timeout=60)
            assert server.wait_until(lambda: all(handled for _, handled in inbox_rows(db)))
        finally:
            bot.terminate()
            _out, err = bot.communicate(timeout=30)
        assert "Traceback" not in err, err
    with sqlite3.connect(db) as conn:
        keys = {row[0] for row in conn.execute("SELECT key FROM processed_updates")}
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    handed_out = [entry for entry in pushed if entry[0] < server.confirmed]
    assert len(handed_out) == len(pushed)
    lost = [u for u, chat, message in handed_out if message_key(chat, message) not in keys]
    assert lost == [], f"{len(lost)} of {len(handed_out)} updates were lost"
    assert [u for u, _ in inbox_rows(db)] == [u for u, _, _ in pushed]


def test_payload_round_trip_keeps_the_update() -> None:
    from telegram import Bot, Update

    bot = Bot("123456789:AAEfakeTokenForOfflineTestsOnly_abcdefg")
    data = {
        "update_id": 5,
        "callback_query": {
            "id": "42",
            "from": {"id": 1, "is_bot": False, "first_name": "Anna"},
            "chat_instance": "c",
            "data": "next:1",
            "message": {
                "message_id": 9,
                "date": 1,
                "chat": {"id": -1, "type": "group", "title": "G"},
                "text": "card",
            },
        },
    }
    first = Update.de_json(data, bot)
    again = Update.de_json(json.loads(json.dumps(first.to_dict())), bot)
    assert again == first
    assert again.callback_query is not None
    assert again.callback_query.data == "next:1"
    assert again.effective_chat is not None
    assert again.effective_chat.id == -1


async def test_a_duplicate_skipped_by_its_key_still_leaves_the_inbox(
    db_path: Path, api: FakeBotApi
) -> None:
    """Two updates carrying one button press (the same query id): the second changes nothing,
    and the processor marks its row handled, so it is not replayed at every start."""
    from telegram import Update

    from bot.offline.lifecycle import close_app, open_app

    app = build_app(make_config(db_path), request=api, rate_limit=False)
    await open_app(app, start=True)
    try:
        group = Group(app, api)
        await set_up(group, BEN, DAVID)
        menu = next(m for m in reversed(group.sent) if m.buttons)
        press = {
            "id": "dup-1",
            "from": BEN.to_dict(),
            "chat_instance": str(group.chat_id),
            "data": "stage:orientation",
            "message": {
                "message_id": menu.message_id,
                "date": int(time.time()),
                "chat": group.chat_dict(),
                "from": api.bot_user,
                "text": menu.text,
                "reply_markup": menu.reply_markup,
            },
        }
        for update_id in (9001, 9002):
            await app.update_queue.put(
                Update.de_json({"update_id": update_id, "callback_query": press}, app.bot)
            )
        for _ in range(500):
            rows = dict(inbox_rows(db_path))
            if rows.get(9001) and rows.get(9002):
                break
            await asyncio.sleep(0.01)
        assert rows.get(9001) is True
        assert rows.get(9002) is True  # skipped as a duplicate, and still handled
    finally:
        await close_app(app)
