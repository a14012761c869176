"""Send faults: an answer that comes after the bot stopped waiting, an answer that cannot be
read, and a database that cannot write while the outbox delivers.

Telegram keeps no key to recognise a message sent twice. A new message whose answer never came
is sent once more (and, if that is unclear too, taken as delivered); one whose answer came and
could not be read is in the chat already. Edits and reactions are made again. A write that fails
during delivery pauses the chat's delivery until writes succeed again. Each is one line in the
log, never a traceback.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.error import NetworkError

from bot.app import build_app
from bot.db import Store, Work
from bot.io.outbox import BACKOFF, PAUSE_STEPS, Outbox
from bot.offline.fake_api import FakeBotApi, Fault
from bot.offline.lifecycle import close_app, open_app
from tests.conftest import BEN, TOKEN, make_config
from tests.support.botapi_http import BotApiServer
from tests.support.process import bot_env, start_wheelbot
from tests.support.telegram import Group
from tests.test_session_scenario import DAVID, set_up

FULL = "database or disk is full"


def outbox_rows(db_path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT status, attempts FROM outbox ORDER BY id")
        return [(str(status), int(attempts)) for status, attempts in rows]


def outbox_of(group: Group) -> Outbox:
    outbox = group.app.bot_data["services"].outbox
    assert isinstance(outbox, Outbox)
    return outbox


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.exc_text]


@pytest.fixture
def waits(group: Group) -> list[float]:
    """The outbox's waits, recorded instead of slept."""
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    outbox_of(group).sleep = record
    return recorded


# -- answers that come late or cannot be read ----------------------------------------------------


async def test_a_card_whose_answer_came_late_is_sent_once_more_and_either_copy_is_answered(
    group: Group,
    api: FakeBotApi,
    db_path: Path,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await set_up(group, BEN, DAVID)
    # Telegram posts the card; its answer comes late.
    api.answer_badly("sendMessage", "late", text="Ambition")
    with caplog.at_level(logging.INFO):
        await group.press(BEN, "Orientation")
    cards = [m for m in group.sent if "Ambition" in m.text]
    assert len(cards) == 2  # the group may see it twice, and no more
    assert waits == [BACKOFF[0]]
    with sqlite3.connect(db_path) as conn:
        (entry,) = conn.execute("SELECT id FROM outbox WHERE attempts > 1").fetchone()
    assert warnings(caplog) == [
        f"Outbox entry {entry} for chat {group.chat_id}: no answer from Telegram (Timed out); "
        "sent once more, the group may see it twice"
    ]
    assert tracebacks(caplog) == []
    # The first copy's id never came back; a reply to it is an answer all the same.
    answer = await group.reply(BEN, "Ten jobs", to=cards[0])
    assert group.reacted(answer) == ["👍"]
    assert "Answered: Werkbedrijf <De Brug> & Co – Ben" in cards[1].text


async def test_a_message_whose_every_answer_comes_late_arrives_twice_at_most(
    group: Group,
    api: FakeBotApi,
    db_path: Path,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A Bot API that does everything and answers nothing in time: each try posted the message
    once more (four copies, and four more every round, before)."""
    for _ in range(10):
        api.answer_badly("sendMessage", "late")
    with caplog.at_level(logging.INFO):
        await group.send(BEN, "/help")
        await outbox_of(group).deliver_all(group.app.bot)  # the next round sends nothing more
    assert [m.text for m in group.sent].count(group.sent[0].text) == 2
    assert outbox_rows(db_path) == [("unsure", 2)]  # taken as delivered
    assert warnings(caplog) == [
        f"Outbox entry 1 for chat {group.chat_id}: no answer, twice (Timed out; Timed out); "
        "taken as delivered"
    ]
    assert tracebacks(caplog) == []
    api.faults.clear()


async def test_a_card_whose_answer_cannot_be_read_is_in_the_chat_once(
    group: Group,
    api: FakeBotApi,
    db_path: Path,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await set_up(group, BEN, DAVID)
    # Telegram posts the card; its answer is cut off.
    api.answer_badly("sendMessage", "garbage", text="Ambition")
    with caplog.at_level(logging.INFO):
        await group.press(BEN, "Orientation")
    cards = [m for m in group.sent if "Ambition" in m.text]
    assert len(cards) == 1
    assert "unsure" in [status for status, _ in outbox_rows(db_path)]
    (warning,) = warnings(caplog)
    assert warning.endswith("Telegram's answer could not be read (not JSON); taken as delivered")
    assert tracebacks(caplog) == []
    # The cut-off answer quoted the card; no log line does.
    assert not any("Ambition" in r.getMessage() for r in caplog.records)
    answer = await group.reply(BEN, "Ten jobs", to=cards[0])
    assert group.reacted(answer) == ["👍"]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT text FROM answers").fetchall() == [("Ten jobs",)]


@pytest.mark.parametrize("card", [False, True], ids=["note", "card"])
async def test_a_message_that_may_have_arrived_and_cannot_be_sent_again_is_settled_as_a_crash(
    group: Group, api: FakeBotApi, db_path: Path, caplog: pytest.LogCaptureFixture, card: bool
) -> None:
    """No answer in time, and then the Bot API is down for every try left: a card stays owed
    (without it the group is stuck), anything else is taken as delivered."""
    if card:
        await set_up(group, BEN, DAVID)
    text = "Ambition" if card else "What I can do"
    api.answer_badly("sendMessage", "late", text=text)
    waited: list[float] = []

    async def down_from_now(seconds: float) -> None:
        if not waited:
            for _ in BACKOFF:
                api.fail_next("sendMessage", 502, "Bad Gateway")
        waited.append(seconds)

    outbox_of(group).sleep = down_from_now
    with caplog.at_level(logging.INFO):
        if card:
            await group.press(BEN, "Orientation")
        else:
            await group.send(BEN, "/help")
    assert len([m for m in group.sent if text in m.text]) == 1  # the one that came late
    assert waited == list(BACKOFF)
    with sqlite3.connect(db_path) as conn:
        (status,) = conn.execute("SELECT status FROM outbox ORDER BY id DESC").fetchone()
    assert status == ("pending" if card else "unsure")
    (warning,) = warnings(caplog)
    assert "no answer from Telegram (Timed out), and it could not be sent again" in warning
    assert warning.endswith("owed still" if card else "taken as delivered")
    assert tracebacks(caplog) == []
    api.calls[:] = [c for c in api.calls if c.error is None]  # the 502s were the test


async def test_flood_waits_that_use_up_every_try_leave_the_message_owed(
    group: Group,
    api: FakeBotApi,
    db_path: Path,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    for _ in range(len(BACKOFF) + 1):
        api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    await group.send(BEN, "/help")
    assert tracebacks(caplog) == []
    assert waits == [3.0] * (len(BACKOFF) + 1)
    assert group.sent == []
    assert outbox_rows(db_path) == [("pending", len(BACKOFF) + 1)]
    await outbox_of(group).deliver_all(group.app.bot)
    assert len(group.sent) == 1
    api.calls[:] = [c for c in api.calls if c.error is None]


@pytest.mark.parametrize("fault", ["late", "garbage"])
@pytest.mark.parametrize("method", ["setMessageReaction", "editMessageText"])
async def test_an_edit_or_reaction_with_a_late_or_unreadable_answer_is_made_once_more_at_most(
    group: Group,
    api: FakeBotApi,
    db_path: Path,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
    method: str,
    fault: Fault,
) -> None:
    await set_up(group, BEN, DAVID)
    await group.press(BEN, "Orientation")
    card = group.last
    before = len(group.sent)
    api.answer_badly(method, fault)
    with caplog.at_level(logging.INFO):
        answer = await group.reply(BEN, "Ten jobs", to=card)
    # Made (again, after a timeout: the same reaction or text twice is once), at once.
    assert set(group.reacted(answer)) == {"👍"}
    assert "Answered: Werkbedrijf <De Brug> & Co – Ben" in card.text
    assert len(group.sent) == before  # no message instead of the edit
    assert all(status == "sent" for status, _ in outbox_rows(db_path))
    assert warnings(caplog) == []
    assert tracebacks(caplog) == []
    api.calls[:] = [c for c in api.calls if c.error is None]  # "not modified": the edit again


async def test_a_press_whose_answer_comes_late_still_delivers_at_once(
    group: Group, api: FakeBotApi, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await set_up(group, BEN, DAVID)
    api.answer_badly("answerCallbackQuery", "late")
    with caplog.at_level(logging.INFO):
        await group.press(BEN, "Orientation")
    assert "Ambition" in group.last.text  # not left for the next round
    assert all(status == "sent" for status, _ in outbox_rows(db_path))
    assert warnings(caplog) == [
        f"A button press in chat {group.chat_id} may not have been answered: Timed out"
    ]
    assert tracebacks(caplog) == []


# -- a database that cannot write while the outbox delivers --------------------------------------


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """A switch: while ``full``, every write of the store fails as SQLite fails on a full disk.
    Reads still work, as they do then."""
    state = {"full": False}
    real = Store.submit

    def submit(self: Store, work: Work[Any]) -> asyncio.Future[Any]:
        if not state["full"]:
            return real(self, work)
        failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        failed.set_exception(sqlite3.OperationalError(FULL))
        return failed

    monkeypatch.setattr(Store, "submit", submit)
    return state


def room_again_after(
    group: Group, disk: dict[str, bool], waits: int, seen: list[tuple[float, int]]
) -> Callable[[float], Awaitable[None]]:
    """The outbox's wait: the disk has room again after ``waits`` waits. ``seen`` records each
    wait and how many messages the group had then."""

    async def wait(seconds: float) -> None:
        seen.append((seconds, len(group.sent)))
        if len(seen) >= waits:
            disk["full"] = False

    return wait


async def test_a_card_whose_sent_mark_cannot_be_written_is_marked_when_the_disk_has_room(
    group: Group,
    api: FakeBotApi,
    db_path: Path,
    disk: dict[str, bool],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The disk fills the moment the card is posted: the delivery waits, and marks it (and what
    it is for) once writes succeed again, without a restart. Before, the entry stayed 'sending'
    and a reply to the card was not taken until a restart sent the card again."""
    await set_up(group, BEN, DAVID)
    seen: list[tuple[float, int]] = []
    outbox_of(group).sleep = room_again_after(group, disk, 3, seen)
    post = api._api_sendMessage

    def post_and_fill(params: dict[str, Any]) -> Any:
        result = post(params)
        if "Ambition" in str(params.get("text")):
            disk["full"] = True
        return result

    monkeypatch.setattr(api, "_api_sendMessage", post_and_fill)
    with caplog.at_level(logging.INFO):
        await group.press(BEN, "Orientation")
    cards = [m for m in group.sent if "Ambition" in m.text]
    assert len(cards) == 1
    assert [seconds for seconds, _ in seen] == list(PAUSE_STEPS[:3])
    assert all(status == "sent" for status, _ in outbox_rows(db_path))
    assert warnings(caplog) == [
        f"Delivery to chat {group.chat_id} paused: the database cannot write ({FULL}); it goes "
        "on by itself when it can"
    ]
    assert any("goes on: the database can write again" in r.getMessage() for r in caplog.records)
    assert tracebacks(caplog) == []
    answer = await group.reply(BEN, "Ten jobs", to=cards[0])
    assert group.reacted(answer) == ["👍"]


async def test_nothing_goes_out_while_the_disk_is_full_and_all_of_it_once_after(
    group: Group,
    db_path: Path,
    disk: dict[str, bool],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The disk fills right after the turn's commit: no request goes out that cannot be marked
    'sending' (a crash would send it twice), and the delivery goes on by itself."""
    await set_up(group, BEN, DAVID)
    before = len(group.sent)
    seen: list[tuple[float, int]] = []
    outbox = outbox_of(group)
    outbox.sleep = room_again_after(group, disk, 2, seen)
    schedule = Outbox.schedule

    def fill_then_schedule(self: Outbox, bot: Bot, chat_id: int) -> None:
        disk["full"] = True
        schedule(self, bot, chat_id)

    monkeypatch.setattr(Outbox, "schedule", fill_then_schedule)
    with caplog.at_level(logging.INFO):
        await group.press(BEN, "Orientation")
        # The round of retries does not wait for a chat whose delivery is paused.
        await asyncio.wait_for(outbox.retry_owed(group.app.bot), timeout=1)
        await outbox.idle()
    assert seen == [(PAUSE_STEPS[0], before), (PAUSE_STEPS[1], before)]  # nothing sent meanwhile
    assert len([m for m in group.sent if "Ambition" in m.text]) == 1
    assert all(status == "sent" for status, _ in outbox_rows(db_path))
    assert len(warnings(caplog)) == 1
    assert "paused" in warnings(caplog)[0]
    assert tracebacks(caplog) == []


async def test_a_stop_while_the_disk_is_full_ends_in_time(
    db_path: Path,
    api: FakeBotApi,
    disk: dict[str, bool],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A delivery paused by a full disk does not hold up a stop: it is stopped at the deadline,
    and what it could not mark is settled at the next start, as after a crash."""
    config = dataclasses.replace(make_config(db_path), stop_seconds=0.2)
    app = build_app(config, request=api, rate_limit=False)
    await open_app(app)
    group = Group(app, api)
    await set_up(group, BEN, DAVID)
    post = api._api_sendMessage

    def post_and_fill(params: dict[str, Any]) -> Any:
        disk["full"] = True  # as the first message of the press is posted, for good
        return post(params)

    monkeypatch.setattr(api, "_api_sendMessage", post_and_fill)
    await group.press(BEN, "Orientation", settle=False)
    for _ in range(200):  # until the delivery waits for the disk
        if any("paused" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.01)
    await asyncio.wait_for(close_app(app), timeout=5)  # not until the disk has room
    assert "after the stop began" in caplog.text
    assert "sending" in [status for status, _ in outbox_rows(db_path)]


async def test_a_poll_whose_updates_cannot_be_stored_is_no_traceback(
    group: Group, caplog: pytest.LogCaptureFixture
) -> None:
    """What PTB's polling loop hands the error handler when the inbox cannot store a poll's
    updates (bot/io/inbox.py logs that in one line): a traceback at every try of the poll, 9 in
    45 s of a full disk in the real process, before."""
    try:
        raise NetworkError(f"the inbox could not store updates: {FULL}") from (
            sqlite3.OperationalError(FULL)
        )
    except NetworkError as exc:
        error = exc
    await group.app.process_error(None, error)
    assert tracebacks(caplog) == []
    assert group.sent == []


# -- the same faults against the real process ------------------------------------------------------

#: The worktree's own code for the process, whatever the virtualenv has installed.
SOURCE = Path(__file__).resolve().parents[1]
ANNE = {"id": 1, "is_bot": False, "first_name": "Anne", "language_code": "en"}
LATE, GARBLED, FULL_DISK, MEANWHILE = -2001, -2002, -2003, -2004


def statuses(db: Path, chat_id: int) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT status FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,))
        return [str(row[0]) for row in rows]


def help_in(server: BotApiServer, chat_id: int) -> None:
    entity = {"type": "bot_command", "offset": 0, "length": 5}
    server.push(server.group_message(chat_id, ANNE, text="/help", entities=[entity]))


@pytest.mark.slow
def test_the_real_process_meets_late_and_unreadable_answers_and_a_full_disk(
    tmp_path: Path,
) -> None:
    """``wheelbot run`` against the HTTP fake: ``/help`` in three groups, whose answer comes
    after the client's timeout, is cut off, or arrives as the disk fills (the process may write
    no byte more, RLIMIT_FSIZE, until the test gives it room again); ``/help`` in a fourth group
    while the disk is full. Counts what arrived and what the log said; ``-s`` prints it."""
    resource = pytest.importorskip("resource")
    if not hasattr(resource, "prlimit"):
        pytest.skip("needs prlimit (Linux)")
    db = tmp_path / "wheel.sqlite"
    filled = threading.Event()
    with BotApiServer(TOKEN) as server:
        bot = start_wheelbot(tmp_path, bot_env(server.base_url, db, PYTHONPATH=str(SOURCE)))
        limit = resource.prlimit(bot.pid, resource.RLIMIT_FSIZE)

        def fill_the_disk(method: str, params: dict[str, Any]) -> None:
            chat_id = int(params.get("chat_id", 0))
            if method == "sendMessage" and chat_id == FULL_DISK and not filled.is_set():
                resource.prlimit(bot.pid, resource.RLIMIT_FSIZE, (1, limit[1]))
                filled.set()

        try:
            assert server.wait_until(lambda: server.polls() > 0 or bot.poll() is not None)
            server.api.answer_badly("sendMessage", "late")
            help_in(server, LATE)
            assert server.wait_until(lambda: statuses(db, LATE) == ["sent"], timeout=30)
            server.api.answer_badly("sendMessage", "garbage")
            help_in(server, GARBLED)
            assert server.wait_until(lambda: statuses(db, GARBLED) == ["unsure"])
            server.on_call = fill_the_disk
            help_in(server, FULL_DISK)
            assert filled.wait(timeout=20)
            time.sleep(1)
            help_in(server, MEANWHILE)  # cannot be saved: told to try again
            time.sleep(3)  # the bot cannot write meanwhile
            stuck = statuses(db, FULL_DISK)
            resource.prlimit(bot.pid, resource.RLIMIT_FSIZE, limit)  # room again
            assert server.wait_until(lambda: statuses(db, FULL_DISK) == ["sent"], timeout=30)
        finally:
            bot.terminate()
            _out, err = bot.communicate(timeout=30)
    arrived = {chat: len(server.api.sent_to(chat)) for chat in (LATE, GARBLED, FULL_DISK)}
    told = [m.text for m in server.api.sent_to(MEANWHILE)]
    lines = [line for line in err.splitlines() if " WARNING " in line or " ERROR " in line]
    print(f"\narrived: {arrived}; while the disk was full: {stuck}; meanwhile: {told}")
    print("\n".join(lines))
    assert arrived == {LATE: 2, GARBLED: 1, FULL_DISK: 1}
    assert stuck == ["sending"]  # posted, its mark held back until the disk had room
    assert told == ["I could not save that just now. Please try again in a moment."]
    assert "Traceback" not in err, err
    assert "What I can do" not in err  # the cut-off answer quoted the message; the log does not
    said = [line for line in lines if "bot.io.outbox" in line]
    assert len(said) == 3, said
    assert "no answer from Telegram (Timed out); sent once more" in said[0]
    assert "Telegram's answer could not be read (not JSON); taken as delivered" in said[1]
    assert f"Delivery to chat {FULL_DISK} paused: the database cannot write" in said[2]
    assert "goes on: the database can write again" in err
