"""A clean stop: SIGTERM ends ``wheelbot run`` within its deadline (``WHEELBOT_STOP_SECONDS``),
also while groups are owed messages that Telegram holds back, and the next start delivers the
rest exactly once. Played with the real process against the slow HTTP fake, and in process for
the parts a process cannot show."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from bot.app import build_app
from bot.io.outbox import Outbox, StopBegan
from bot.offline.fake_api import FakeBotApi
from bot.offline.lifecycle import close_app, open_app
from tests.conftest import BEN, TOKEN, make_config
from tests.support.botapi_http import BotApiServer
from tests.support.process import bot_env, start_wheelbot
from tests.support.telegram import Group
from tests.test_inbox import group_help
from tests.test_session_scenario import DAVID, set_up

USER = {"id": 1, "is_bot": False, "first_name": "Anna", "language_code": "en"}
#: The busy group asks more than Telegram's 20 messages a minute; four others ask a little.
#: One more than the window: the first process sends at least one before the stop, so the next
#: start owes at most 20 and need not wait a whole minute for the window (it did with 26 when
#: a loaded machine had sent only 5, and the test gave up after 60 s).
BUSY = -1001
QUIET = [-1002, -1003, -1004, -1005]
BUSY_COMMANDS = 21
QUIET_COMMANDS = 3
#: Replies to the bot's first answer in the busy group, queued behind each other in its turn.
REPLIES = 10
STOP_SECONDS = 2.0
#: What the stop may take beyond its deadline: a request on its way comes back (1 s), PTB
#: shuts down, the process ends; on a loaded machine.
MARGIN = 2.5


def sent(server: BotApiServer, chat_id: int) -> int:
    return len(server.api.sent_to(chat_id))


def inbox(db: Path) -> list[tuple[int, bool]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT update_id, handled_at IS NOT NULL FROM inbox ORDER BY 1")
        return [(update_id, bool(handled)) for update_id, handled in rows]


def terminate(process: subprocess.Popen[str]) -> tuple[float, str]:
    """SIGTERM, as systemd and ``docker stop`` send it; how long until it exited, its stderr."""
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        _out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
    return time.monotonic() - began, err


@pytest.mark.slow
def test_sigterm_while_a_flooded_group_is_owed_ends_in_time_and_the_next_start_delivers_the_rest(
    tmp_path: Path,
) -> None:
    """A Bot API at 0.5 s a call, a group over Telegram's 20 messages a minute whose answers our
    rate limiter holds back, a flood wait of a minute from Telegram, and replies queued in the
    group's turn, each waiting for the group's delivery: SIGTERM ends the process with 0 within
    its deadline. Nothing is lost: the next start answers every command exactly once and
    handles every update that was left."""
    db = tmp_path / "wheel.sqlite"
    with BotApiServer(TOKEN, latency=0.5) as server:
        env = bot_env(server.base_url, db, WHEELBOT_STOP_SECONDS=str(STOP_SECONDS))
        bot = start_wheelbot(tmp_path, env)
        try:
            assert server.wait_until(lambda: server.polls() > 0 or bot.poll() is not None)
            assert bot.poll() is None
            last = 0
            for n in range(BUSY_COMMANDS):
                last = server.push(group_help(server, BUSY, USER))
                if n < QUIET_COMMANDS:
                    for chat_id in QUIET:
                        last = server.push(group_help(server, chat_id, USER))
            assert server.wait_until(lambda: sent(server, BUSY) > 0, timeout=30)
            first = server.api.sent_to(BUSY)[0]
            for _ in range(REPLIES):
                last = server.push(server.reply(BUSY, USER, first, "ok"))
            # Telegram's flood limit refuses the next message: its delivery waits a minute.
            server.api.fail_next(
                "sendMessage", 429, "Too Many Requests: retry after 60", retry_after=60
            )
            assert server.wait_until(lambda: server.confirmed > last, timeout=30)
            assert server.wait_until(
                lambda: any(
                    call.error and "retry after" in call.error for call in server.api.calls
                )
            )
            took, err = terminate(bot)
            before = {chat_id: sent(server, chat_id) for chat_id in [BUSY, *QUIET]}
            print(f"\nSIGTERM to exit: {took:.1f} s; delivered before the stop: {before}")
            assert bot.returncode == 0, err
            assert took < STOP_SECONDS + MARGIN, err
            assert "Traceback" not in err, err
            assert before[BUSY] < BUSY_COMMANDS  # the stop really left some owed

            bot = start_wheelbot(tmp_path, env)
            assert server.wait_until(
                lambda: (
                    sent(server, BUSY) >= BUSY_COMMANDS
                    and all(sent(server, chat_id) >= QUIET_COMMANDS for chat_id in QUIET)
                ),
                timeout=90,
            )
            assert server.wait_until(lambda: all(handled for _, handled in inbox(db)))
            time.sleep(1.5)  # a copy sent twice would have arrived by now
        finally:
            if bot.poll() is None:
                _, err = terminate(bot)
        assert "Traceback" not in err, err
    assert sent(server, BUSY) == BUSY_COMMANDS
    assert all(sent(server, chat_id) == QUIET_COMMANDS for chat_id in QUIET)
    assert len(inbox(db)) == BUSY_COMMANDS + QUIET_COMMANDS * len(QUIET) + REPLIES
    with sqlite3.connect(db) as conn:
        statuses = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status"))
    assert statuses == {"sent": BUSY_COMMANDS + QUIET_COMMANDS * len(QUIET)}


async def test_a_reply_that_would_wait_for_a_delivery_at_a_stop_is_left_for_the_next_start(
    db_path: Path, api: FakeBotApi
) -> None:
    """A turn that waits for its group's delivery (a quick reply to a message whose purpose is
    not recorded yet) stops waiting when the stop begins, and its update stays in the inbox."""
    app = build_app(make_config(db_path), request=api, rate_limit=False)
    await open_app(app)
    group = Group(app, api)
    await set_up(group, BEN, DAVID)
    outbox: Outbox = app.bot_data["services"].outbox
    lock = asyncio.Lock()
    await lock.acquire()  # the group's delivery, under way
    outbox._locks[group.chat_id] = lock
    waiting = asyncio.ensure_future(outbox.settled(group.chat_id))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    began = time.monotonic()
    outbox.begin_stop()
    with pytest.raises(StopBegan):
        await asyncio.wait_for(waiting, timeout=2)
    assert time.monotonic() - began < 1
    with pytest.raises(StopBegan):  # and a turn that would begin waiting now does not
        await outbox.settled(group.chat_id)
    lock.release()
    await close_app(app)


async def test_the_stop_deadline_counts_from_the_signal(
    db_path: Path, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    """What the turns took after the signal is taken from the deliveries' time: the drain ends
    at the deadline counted from ``begin_stop``, not from ``post_stop``."""
    config = dataclasses.replace(make_config(db_path), stop_seconds=0.5)
    app = build_app(config, request=api, rate_limit=False)
    await open_app(app)
    outbox: Outbox = app.bot_data["services"].outbox
    hold = asyncio.Event()

    async def slow_delivery() -> None:
        await hold.wait()

    task = asyncio.ensure_future(slow_delivery())
    outbox._tasks.add(task)
    task.add_done_callback(outbox._tasks.discard)
    outbox.begin_stop()
    await asyncio.sleep(0.4)  # the updater and the turns took this long
    began = time.monotonic()
    with caplog.at_level(logging.WARNING):
        await outbox.drain()
    assert time.monotonic() - began < 0.3
    assert task.cancelled()
    assert "after the stop began" in caplog.text
    await close_app(app)
