"""PerChatUpdateProcessor: one chat's updates in order, other chats never held up by it."""

from __future__ import annotations

import asyncio
import inspect
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.app import build_app
from bot.io.processor import PerChatUpdateProcessor
from bot.offline.fake_api import FakeBotApi
from bot.offline.lifecycle import close_app
from tests.conftest import make_config

CHAT_A = -4001
CHAT_B = -4002
CHAT_C = -4003
_ids = itertools.count(1)


def message_update(chat_id: int, text: str) -> Update:
    number = next(_ids)
    chat = Chat(id=chat_id, type=Chat.GROUP, title="Group")
    message = Message(
        message_id=number,
        date=datetime.now(UTC),
        chat=chat,
        from_user=User(id=1001, first_name="Anna", is_bot=False),
        text=text,
    )
    return Update(update_id=number, message=message)


class Recorder:
    """Handlers that note when they start and end; some wait for a gate first."""

    def __init__(self) -> None:
        self.trace: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.done: dict[str, asyncio.Event] = {}

    def gate(self, name: str) -> asyncio.Event:
        return self.gates.setdefault(name, asyncio.Event())

    def finished(self, name: str) -> asyncio.Event:
        return self.done.setdefault(name, asyncio.Event())

    async def handle(self, name: str) -> None:
        self.trace.append(f"{name} start")
        await asyncio.sleep(0)
        if name in self.gates:
            await self.gates[name].wait()
        await asyncio.sleep(0)
        self.trace.append(f"{name} end")
        self.finished(name).set()


def submit(
    processor: PerChatUpdateProcessor, recorder: Recorder, chat_id: int, name: str
) -> asyncio.Task[None]:
    return asyncio.create_task(
        processor.process_update(message_update(chat_id, name), recorder.handle(name))
    )


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_one_chat_in_order_while_another_chat_is_not_blocked() -> None:
    processor = PerChatUpdateProcessor()
    recorder = Recorder()
    slow = recorder.gate("a1")
    tasks = [
        submit(processor, recorder, CHAT_A, "a1"),
        submit(processor, recorder, CHAT_A, "a2"),
        submit(processor, recorder, CHAT_A, "a3"),
        submit(processor, recorder, CHAT_B, "b1"),
    ]
    await asyncio.wait_for(recorder.finished("b1").wait(), 1)
    await settle()
    assert [t for t in recorder.trace if t.startswith("a")] == ["a1 start"]
    assert "b1 end" in recorder.trace

    slow.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 1)
    assert [t for t in recorder.trace if t.startswith("a")] == [
        "a1 start",
        "a1 end",
        "a2 start",
        "a2 end",
        "a3 start",
        "a3 end",
    ]
    assert processor._locks == {}
    assert processor._waiting == {}


async def test_a_backlog_in_one_chat_does_not_use_up_the_slots() -> None:
    # With two slots, two waiting updates of a stalled chat must not lock out every other chat.
    processor = PerChatUpdateProcessor(max_concurrent_updates=2)
    recorder = Recorder()
    slow = recorder.gate("a1")
    tasks = [submit(processor, recorder, CHAT_A, f"a{i}") for i in range(1, 5)]
    tasks.append(submit(processor, recorder, CHAT_B, "b1"))
    await asyncio.wait_for(recorder.finished("b1").wait(), 1)
    slow.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 1)
    assert [t for t in recorder.trace if t.endswith("end")] == [
        "b1 end",
        "a1 end",
        "a2 end",
        "a3 end",
        "a4 end",
    ]
    assert processor._locks == {}


async def test_at_most_max_concurrent_updates_run_at_once() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=2)
    assert processor.max_concurrent_updates == 2
    recorder = Recorder()
    gates = [recorder.gate(name) for name in ("a1", "b1", "c1")]
    tasks = [
        submit(processor, recorder, CHAT_A, "a1"),
        submit(processor, recorder, CHAT_B, "b1"),
        submit(processor, recorder, CHAT_C, "c1"),
    ]
    await settle()
    assert recorder.trace == ["a1 start", "b1 start"]
    assert processor.current_concurrent_updates == 2
    gates[0].set()
    await asyncio.wait_for(recorder.finished("a1").wait(), 1)
    await settle()
    assert "c1 start" in recorder.trace
    for gate in gates:
        gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 1)
    assert processor.current_concurrent_updates == 0
    assert processor._locks == {}


def test_max_concurrent_updates_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        PerChatUpdateProcessor(max_concurrent_updates=0)


async def test_failing_update_releases_the_chat() -> None:
    processor = PerChatUpdateProcessor()
    recorder = Recorder()

    async def boom() -> None:
        raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError, match="handler failed"):
        await processor.process_update(message_update(CHAT_A, "x"), boom())
    assert processor._locks == {}
    await asyncio.wait_for(submit(processor, recorder, CHAT_A, "a2"), 1)
    assert recorder.trace == ["a2 start", "a2 end"]


async def test_update_cancelled_while_waiting_is_closed_and_forgotten() -> None:
    processor = PerChatUpdateProcessor()
    recorder = Recorder()
    slow = recorder.gate("a1")
    first = submit(processor, recorder, CHAT_A, "a1")
    waiting_coroutine = recorder.handle("a2")
    waiting = asyncio.create_task(
        processor.process_update(message_update(CHAT_A, "a2"), waiting_coroutine)
    )
    await settle()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert inspect.getcoroutinestate(waiting_coroutine) == inspect.CORO_CLOSED
    slow.set()
    await asyncio.wait_for(first, 1)
    assert recorder.trace == ["a1 start", "a1 end"]
    assert processor._locks == {}
    assert processor._waiting == {}


def test_chat_key() -> None:
    assert PerChatUpdateProcessor.chat_key(message_update(CHAT_A, "hi")) == CHAT_A
    inline_press = Update(
        update_id=1,
        callback_query=CallbackQuery(
            id="1",
            from_user=User(id=1002, first_name="Ben", is_bot=False),
            chat_instance="x",
            inline_message_id="inline",
        ),
    )
    assert PerChatUpdateProcessor.chat_key(inline_press) == 1002
    assert PerChatUpdateProcessor.chat_key(Update(update_id=2)) == 0
    assert PerChatUpdateProcessor.chat_key("not an update") == 0


async def test_through_a_running_application(db_path: Path) -> None:
    api = FakeBotApi()
    app: Application[Any, Any, Any, Any, Any, Any] = build_app(
        make_config(db_path), request=api, rate_limit=False
    )
    assert isinstance(app.update_processor, PerChatUpdateProcessor)
    recorder = Recorder()
    slow = recorder.gate(f"{CHAT_A}:first")

    async def on_update(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert isinstance(update, Update)
        assert update.effective_chat is not None
        assert update.effective_message is not None
        await recorder.handle(f"{update.effective_chat.id}:{update.effective_message.text}")

    app.add_handler(TypeHandler(Update, on_update), group=-1)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    try:
        for chat_id, text in [
            (CHAT_A, "first"),
            (CHAT_A, "second"),
            (CHAT_A, "third"),
            (CHAT_B, "other"),
        ]:
            await app.update_queue.put(message_update(chat_id, text))
        await asyncio.wait_for(recorder.finished(f"{CHAT_B}:other").wait(), 1)
        assert [t for t in recorder.trace if t.startswith(str(CHAT_A))] == [
            f"{CHAT_A}:first start"
        ]
        slow.set()
        await asyncio.wait_for(app.update_queue.join(), 1)
        assert [t for t in recorder.trace if t.startswith(str(CHAT_A))] == [
            f"{CHAT_A}:first start",
            f"{CHAT_A}:first end",
            f"{CHAT_A}:second start",
            f"{CHAT_A}:second end",
            f"{CHAT_A}:third start",
            f"{CHAT_A}:third end",
        ]
        assert app.update_processor._locks == {}
    finally:
        slow.set()
        await close_app(app)  # PTB's order: stop, post_stop, shutdown, post_shutdown
    assert api.refusals() == []
